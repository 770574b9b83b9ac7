/**
 * Walking a document's selections, in one home for the HTTP endpoint (ctx.info) and the
 * real-time endpoint (shaping published results):
 * - collectFields: the fields a selection set asks for, grouped by response key, each named
 *   fragment expanded at most once per selection set (as graphql-js's own collectFields does).
 *   Expanding a fragment at every spread made `fragment M0 { ...M1 ...M1 } … M30` cost 2^30
 *   walks: a 1.3 KB document that froze the process.
 * - ctx.info.selectionSetList and ctx.info.selectionSetGraphQL, as AppSync computes them
 *   (https://docs.aws.amazon.com/appsync/latest/devguide/resolver-context-reference-js.html, "info"):
 *   selectionSetList: every field of the selection, nested ones as "parent/child"; fragments
 *   (inline and named) are merged in; an aliased field is listed by its alias.
 *   selectionSetGraphQL: the field's selection set as GraphQL text, inline fragments kept and
 *   named spreads as written (`...F`), without F's definition: "Although fragments aren't merged
 *   into the selection set, inline fragments are preserved", and the page's example ends with the
 *   spread `... postFrag` alone. A resolver cannot read a named fragment's fields from it (mark-api
 *   refuses such selections where it must see them, issue 24). "" for a field without selection.
 * - selectionDepth: the deepest nesting of fields, for AppSync's queryDepthLimit.
 */
import { Kind, print, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';

export type Fragments = Record<string, FragmentDefinitionNode>;

/**
 * The fields of one or more selection sets (the sets of every node of one response key),
 * grouped by response key in document order. `applies` decides whether a type condition
 * (of an inline fragment or a named one) holds; all do when it is omitted.
 */
export function collectFields(
  sets: ReadonlyArray<SelectionSetNode | undefined>,
  fragments: Fragments,
  applies: (typeCondition: string | undefined) => boolean = () => true,
): Map<string, FieldNode[]> {
  const fields = new Map<string, FieldNode[]>();
  const expanded = new Set<string>();
  const visit = (set: SelectionSetNode) => {
    for (const node of set.selections) {
      if (node.kind === Kind.FIELD) {
        const key = node.alias?.value ?? node.name.value;
        const group = fields.get(key);
        if (group) group.push(node);
        else fields.set(key, [node]);
      } else if (node.kind === Kind.INLINE_FRAGMENT) {
        if (applies(node.typeCondition?.name.value)) visit(node.selectionSet);
      } else {
        const name = node.name.value;
        if (expanded.has(name)) continue;
        expanded.add(name);
        const fragment = fragments[name];
        if (fragment && applies(fragment.typeCondition.name.value)) visit(fragment.selectionSet);
      }
    }
  };
  for (const set of sets) if (set) visit(set);
  return fields;
}

/** The selection sets below a group of field nodes of one response key. */
export function subSelections(nodes: readonly FieldNode[]): SelectionSetNode[] {
  const out: SelectionSetNode[] = [];
  for (const node of nodes) if (node.selectionSet) out.push(node.selectionSet);
  return out;
}

export function selectionSetList(selectionSet: SelectionSetNode | undefined, fragments: Fragments): string[] {
  const out: string[] = [];
  const walk = (sets: SelectionSetNode[], prefix: string) => {
    for (const [key, nodes] of collectFields(sets, fragments)) {
      if (nodes[0].name.value.startsWith('__')) continue;
      const path = prefix + key;
      out.push(path);
      const below = subSelections(nodes);
      if (below.length) walk(below, `${path}/`);
    }
  };
  if (selectionSet) walk([selectionSet], '');
  return out;
}

export function selectionSetGraphQL(selectionSet: SelectionSetNode | undefined): string {
  return selectionSet ? print(selectionSet) : '';
}

/**
 * How deep the fields of a selection set nest: `{ a { b } }` is 2. Stops counting once past
 * `stopAt`, so that a hostile document costs no more than the limit it is checked against.
 */
export function selectionDepth(selectionSet: SelectionSetNode | undefined, fragments: Fragments, stopAt = Infinity): number {
  const depth = (sets: SelectionSetNode[], level: number): number => {
    let deepest = level;
    for (const nodes of collectFields(sets, fragments).values()) {
      const below = subSelections(nodes);
      const reached = below.length && level + 1 <= stopAt ? depth(below, level + 1) : level + 1;
      if (reached > deepest) deepest = reached;
      if (deepest > stopAt) return deepest;
    }
    return deepest;
  };
  return selectionSet ? depth([selectionSet], 0) : 0;
}
