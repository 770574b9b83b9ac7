/**
 * Shaping a mutation's result for subscribers, with AppSync's rule: a subscriber receives the
 * fields the mutation selected; a field the subscription asks for that the mutation did not
 * select comes back null ("Real-time data" in the AppSync developer guide:
 * https://docs.aws.amazon.com/appsync/latest/devguide/aws-appsync-real-time-data.html).
 */
import {
  getNamedType,
  isAbstractType,
  isLeafType,
  isObjectType,
  Kind,
  parse,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';

import { collectFields, subSelections, type Fragments } from '../server/selection';

/**
 * The mutation's result re-keyed by field name instead of response key (alias), so that it can
 * be matched against subscription arguments and filters, which speak of field names.
 * `selectionSet` is the mutation field's selection (a SelectionSetNode, or its GraphQL text);
 * without it, keys are taken as field names.
 */
export function canonicalize(data: unknown, selectionSet?: SelectionSetNode | string | null, fragments: Fragments = {}): unknown {
  const selection = typeof selectionSet === 'string' ? parseSelectionSet(selectionSet) : selectionSet;
  return canonicalizeSets(data, selection ? [selection] : [], fragments);
}

function canonicalizeSets(data: unknown, sets: SelectionSetNode[], fragments: Fragments): unknown {
  if (data === null || data === undefined || typeof data !== 'object') return data ?? null;
  if (Array.isArray(data)) return data.map((item) => canonicalizeSets(item, sets, fragments));
  if (!sets.length) return data;
  const source = data as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const described = new Set<string>();
  // One pass per response key (each fragment expanded once): see collectFields.
  for (const [key, nodes] of collectFields(sets, fragments)) {
    described.add(key);
    if (!(key in source)) continue;
    const below = subSelections(nodes);
    const value = below.length ? canonicalizeSets(source[key], below, fragments) : source[key];
    // The first selection of a field name wins, as it would in a response without aliases.
    if (!(nodes[0].name.value in out)) out[nodes[0].name.value] = value;
  }
  // Keys the selection does not explain (a fragment we were not given) pass through unchanged.
  for (const [key, value] of Object.entries(source)) if (!described.has(key) && !(key in out)) out[key] = value;
  return out;
}

function parseSelectionSet(text: string): SelectionSetNode | null {
  const trimmed = text.trim();
  if (!trimmed) return null;
  const document = parse(trimmed.startsWith('{') ? trimmed : `{ ${trimmed} }`);
  const operation = document.definitions[0];
  return operation && operation.kind === Kind.OPERATION_DEFINITION ? operation.selectionSet : null;
}

/**
 * The subscriber's view of a canonical (field-name keyed) value: its own selection set, with its
 * own aliases, fragments and __typename; fields missing from the value are null.
 */
export function project(
  schema: GraphQLSchema,
  value: unknown,
  type: GraphQLOutputType | undefined,
  selectionSet: SelectionSetNode | undefined,
  fragments: Fragments,
): unknown {
  return projectSets(schema, value, type, selectionSet ? [selectionSet] : [], fragments);
}

function projectSets(schema: GraphQLSchema, value: unknown, type: GraphQLOutputType | undefined, sets: SelectionSetNode[], fragments: Fragments): unknown {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return value.map((item) => projectSets(schema, item, type, sets, fragments));
  const named: GraphQLNamedType | undefined = type ? getNamedType(type) : undefined;
  if (!sets.length || (named && isLeafType(named)) || typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  let concrete = named && isObjectType(named) ? named : undefined;
  if (named && isAbstractType(named) && typeof source.__typename === 'string') {
    const resolved = schema.getType(source.__typename);
    if (resolved && isObjectType(resolved)) concrete = resolved;
  }
  const applies = (typeCondition: string | undefined) =>
    !typeCondition || !concrete || typeCondition === concrete.name || (named !== undefined && typeCondition === named.name) ||
    concrete.getInterfaces().some((i) => i.name === typeCondition);
  const out: Record<string, unknown> = {};
  // Nodes of one response key are merged (as graphql-js merges them), and each named fragment
  // is expanded once per object: see collectFields.
  for (const [key, nodes] of collectFields(sets, fragments, applies)) {
    const name = nodes[0].name.value;
    if (name === '__typename') {
      out[key] = concrete?.name ?? source.__typename ?? null;
      continue;
    }
    out[key] = projectSets(schema, source[name], concrete?.getFields()[name]?.type, subSelections(nodes), fragments);
  }
  return out;
}
