/**
 * The rule AppSync keeps silently: a subscriber receives a mutation's answer as the *mutation*
 * selected it. Argument filtering (a subscription argument equals the same-named field of the
 * answer) and enhanced filtering (the filter a subscription resolver sets) are evaluated on that
 * answer, so an event whose mutation did not select a filtered field is dropped without a word
 * (aws-appsync-community issue 109; "Using subscriptions for real-time data applications in AWS
 * AppSync"); a field selected under an alias reaches subscribers under the alias, that is not at
 * all (aws-appsync-community issue 160); and a field the subscription selects that the mutation did
 * not comes back null (issue 89).
 *
 * So for the client's own documents, checked when codegen runs (codegen:check, npm test):
 *   - every mutation listed in a subscription's @aws_subscribe selects, under its own name, each
 *     field the subscription filters on: its arguments (from the schema) and the fields its
 *     resolver's enhanced filter compares (given by the caller, from resolvers/lib/subscriptions.ts);
 *   - every field a client subscription selects is selected by each client mutation that triggers it;
 *   - with a `selectionRule` (mark-api's is the one its command resolvers apply to
 *     ctx.info.selectionSetGraphQL, resolvers/lib/selection.ts), each such mutation's selection, as
 *     the endpoint prints it, passes that rule: the typed client never sends a command the API refuses.
 */
import { relative } from 'node:path';
import { Kind, print, type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

export interface ClientDocument {
  location?: string;
  document?: DocumentNode;
}

interface RootField {
  name: string;
  selection: SelectionSetNode | undefined;
  operation: OperationDefinitionNode;
  location: string;
}

/** For each subscription field with @aws_subscribe: the mutations that trigger it. */
export function subscribedMutations(schema: GraphQLSchema): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const field of Object.values(schema.getSubscriptionType()?.getFields() ?? {})) {
    const directive = field.astNode?.directives?.find((d) => d.name.value === 'aws_subscribe');
    const mutations = directive?.arguments?.find((a) => a.name.value === 'mutations')?.value;
    if (mutations?.kind !== Kind.LIST) continue;
    found.set(field.name, mutations.values.flatMap((v) => (v.kind === Kind.STRING ? [v.value] : [])));
  }
  return found;
}

/**
 * The names a selection set selects at its top level, through inline fragments and named fragment
 * spreads. With `unaliasedOnly`, a field selected only under another name does not count.
 */
function selectedNames(selection: SelectionSetNode | undefined, fragments: Map<string, FragmentDefinitionNode>, unaliasedOnly: boolean, seen = new Set<string>()): Set<string> {
  const names = new Set<string>();
  for (const node of selection?.selections ?? []) {
    if (node.kind === Kind.FIELD) {
      if (!unaliasedOnly || !node.alias || node.alias.value === node.name.value) names.add(node.name.value);
      continue;
    }
    let inner: SelectionSetNode | undefined;
    if (node.kind === Kind.INLINE_FRAGMENT) inner = node.selectionSet;
    else if (!seen.has(node.name.value)) {
      seen.add(node.name.value);
      inner = fragments.get(node.name.value)?.selectionSet;
    }
    for (const name of selectedNames(inner, fragments, unaliasedOnly, seen)) names.add(name);
  }
  return names;
}

function rootFields(documents: readonly ClientDocument[], fragments: Map<string, FragmentDefinitionNode>): RootField[] {
  const fields: RootField[] = [];
  for (const { location, document } of documents) {
    for (const operation of document?.definitions ?? []) {
      if (operation.kind !== Kind.OPERATION_DEFINITION) continue;
      const walk = (set: SelectionSetNode, seen: Set<string>) => {
        for (const node of set.selections) {
          if (node.kind === Kind.FIELD) fields.push({ name: node.name.value, selection: node.selectionSet, operation, location: location ? relative(process.cwd(), location) : '(document)' });
          else if (node.kind === Kind.INLINE_FRAGMENT) walk(node.selectionSet, seen);
          else if (!seen.has(node.name.value) && fragments.has(node.name.value)) walk(fragments.get(node.name.value)!.selectionSet, seen.add(node.name.value));
        }
      };
      walk(operation.selectionSet, new Set());
    }
  }
  return fields;
}

const describe = (field: RootField) => `${field.location}: ${field.operation.operation} ${field.operation.name?.value ?? '(anonymous)'}`;

/**
 * What is wrong with the client's documents, one sentence each (empty: nothing). `filterFields`
 * names, per subscription field, the fields its resolver's enhanced filter compares.
 */
export function subscriptionProblems(
  schema: GraphQLSchema,
  documents: readonly ClientDocument[],
  filterFields: Readonly<Record<string, readonly string[]>>,
  selectionRule?: (selectionSetGraphQL: string) => readonly { reason: string }[],
): string[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const { document } of documents) {
    for (const definition of document?.definitions ?? []) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const roots = rootFields(documents, fragments);
  const problems: string[] = [];
  for (const [subscription, mutations] of subscribedMutations(schema)) {
    const field = schema.getSubscriptionType()!.getFields()[subscription]!;
    const argumentNames = field.args.map((a) => a.name);
    const resolverNames = filterFields[subscription] ?? [];
    const filtered = [...new Set([...argumentNames, ...resolverNames])];
    const why =
      `${subscription} filters on ${filtered.join(', ')} (its arguments ${argumentNames.join(', ') || 'none'}; its resolver's filter ${resolverNames.join(', ') || 'none'}) ` +
      `and AppSync filters on the fields the mutation selected: subscribers would silently miss this event (aws-appsync-community issue 109)`;
    const clientMutations = roots.filter((r) => r.operation.operation === 'mutation' && mutations.includes(r.name));
    for (const mutation of clientMutations) {
      const selected = selectedNames(mutation.selection, fragments, true);
      const missing = filtered.filter((name) => !selected.has(name));
      if (missing.length) problems.push(`${describe(mutation)} does not select ${missing.join(', ')} of ${mutation.name} (an alias does not count): ${why}.`);
      for (const { reason } of selectionRule?.(mutation.selection ? print(mutation.selection) : '') ?? []) {
        problems.push(`${describe(mutation)}: its selection of ${mutation.name} ${reason}. The API refuses it (an answer is published under its response keys, aws-appsync-community issue 160).`);
      }
    }
    for (const subscriber of roots.filter((r) => r.operation.operation === 'subscription' && r.name === subscription)) {
      const wanted = [...selectedNames(subscriber.selection, fragments, false)].filter((name) => name !== '__typename');
      for (const mutation of clientMutations) {
        const selected = selectedNames(mutation.selection, fragments, true);
        const missing = wanted.filter((name) => !selected.has(name));
        if (missing.length) {
          problems.push(
            `${describe(subscriber)} selects ${missing.join(', ')}, which ${describe(mutation)} does not select: AppSync would deliver that event with ${missing.join(', ')} null (aws-appsync-community issue 89).`,
          );
        }
      }
    }
  }
  return problems;
}
