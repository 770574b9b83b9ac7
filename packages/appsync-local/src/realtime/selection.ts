/**
 * Shaping a mutation's result for subscribers, with AppSync's rule: a subscriber receives the
 * fields the mutation selected; a field the subscription asks for that the mutation did not
 * select comes back null ("Real-time data" in the AppSync developer guide:
 * https://docs.aws.amazon.com/appsync/latest/devguide/aws-appsync-real-time-data.html).
 *
 * What subscribers are matched and shaped against is the mutation's response as its client
 * received it, under the mutation's response keys: a field the mutation selected only under an
 * alias is not there under its name, so a subscriber asking for the field gets null and a filter
 * or argument on it does not match (aws/aws-appsync-community#160, "Subscriptions omit fields
 * that have aliases in the corresponding mutation(s)"; dillonkearns/elm-graphql#106 reports a
 * fully aliased mutation reaching no subscriber).
 */
import {
  getNamedType,
  isAbstractType,
  isLeafType,
  isObjectType,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';

import { collectFields, subSelections, type Fragments } from '../server/selection';

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
