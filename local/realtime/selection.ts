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
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';

type Fragments = Record<string, FragmentDefinitionNode>;

/**
 * The mutation's result re-keyed by field name instead of response key (alias), so that it can
 * be matched against subscription arguments and filters, which speak of field names.
 * `selectionSet` is the mutation field's selection (a SelectionSetNode, or its GraphQL text);
 * without it, keys are taken as field names.
 */
export function canonicalize(data: unknown, selectionSet?: SelectionSetNode | string | null, fragments: Fragments = {}): unknown {
  if (data === null || data === undefined || typeof data !== 'object') return data ?? null;
  const selection = typeof selectionSet === 'string' ? parseSelectionSet(selectionSet) : selectionSet;
  if (Array.isArray(data)) return data.map((item) => canonicalize(item, selection, fragments));
  if (!selection) return data;
  const source = data as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const described = new Set<string>();
  const visit = (set: SelectionSetNode) => {
    for (const node of set.selections) {
      if (node.kind === Kind.FIELD) {
        const key = node.alias?.value ?? node.name.value;
        described.add(key);
        if (!(key in source)) continue;
        const value = node.selectionSet ? canonicalize(source[key], node.selectionSet, fragments) : source[key];
        // The first selection of a field name wins, as it would in a response without aliases.
        if (!(node.name.value in out)) out[node.name.value] = value;
      } else if (node.kind === Kind.INLINE_FRAGMENT) {
        visit(node.selectionSet);
      } else {
        const fragment = fragments[node.name.value];
        if (fragment) visit(fragment.selectionSet);
      }
    }
  };
  visit(selection);
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
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return value.map((item) => project(schema, item, type, selectionSet, fragments));
  const named: GraphQLNamedType | undefined = type ? getNamedType(type) : undefined;
  if (!selectionSet || (named && isLeafType(named)) || typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  let concrete = named && isObjectType(named) ? named : undefined;
  if (named && isAbstractType(named) && typeof source.__typename === 'string') {
    const resolved = schema.getType(source.__typename);
    if (resolved && isObjectType(resolved)) concrete = resolved;
  }
  const out: Record<string, unknown> = {};
  const applies = (typeCondition: string | undefined) =>
    !typeCondition || !concrete || typeCondition === concrete.name || (named !== undefined && typeCondition === named.name) ||
    concrete.getInterfaces().some((i) => i.name === typeCondition);
  const visit = (set: SelectionSetNode) => {
    for (const node of set.selections) {
      if (node.kind === Kind.FIELD) {
        const key = node.alias?.value ?? node.name.value;
        const name = node.name.value;
        if (name === '__typename') {
          out[key] = concrete?.name ?? source.__typename ?? null;
          continue;
        }
        const fieldType = concrete?.getFields()[name]?.type;
        const projected = project(schema, source[name], fieldType, node.selectionSet, fragments);
        if (key in out && out[key] !== null && typeof out[key] === 'object' && projected && typeof projected === 'object' && !Array.isArray(projected)) {
          // The same response key selected twice (e.g. once in a fragment): merge the sub-objects.
          out[key] = { ...(out[key] as object), ...(projected as object) };
        } else if (!(key in out) || out[key] === null) {
          out[key] = projected;
        }
      } else if (node.kind === Kind.INLINE_FRAGMENT) {
        if (applies(node.typeCondition?.name.value)) visit(node.selectionSet);
      } else {
        const fragment = fragments[node.name.value];
        if (fragment && applies(fragment.typeCondition.name.value)) visit(fragment.selectionSet);
      }
    }
  };
  visit(selectionSet);
  return out;
}

/** AppSync's ctx.info.selectionSetList for a field: "a", "b", "b/c", ... (fragments flattened). */
export function selectionSetList(selectionSet: SelectionSetNode | undefined, fragments: Fragments, prefix = ''): string[] {
  if (!selectionSet) return [];
  const list: string[] = [];
  const visit = (set: SelectionSetNode) => {
    for (const node of set.selections) {
      if (node.kind === Kind.FIELD) {
        if (node.name.value === '__typename') continue;
        const path = prefix + (node.alias?.value ?? node.name.value);
        if (!list.includes(path)) list.push(path);
        for (const sub of selectionSetList(node.selectionSet, fragments, `${path}/`)) if (!list.includes(sub)) list.push(sub);
      } else if (node.kind === Kind.INLINE_FRAGMENT) {
        visit(node.selectionSet);
      } else {
        const fragment = fragments[node.name.value];
        if (fragment) visit(fragment.selectionSet);
      }
    }
  };
  visit(selectionSet);
  return list;
}
