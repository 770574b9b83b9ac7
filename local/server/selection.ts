/**
 * ctx.info.selectionSetList and ctx.info.selectionSetGraphQL, as AppSync computes them
 * (https://docs.aws.amazon.com/appsync/latest/devguide/resolver-context-reference-js.html, "info"):
 * - selectionSetList: every field of the selection, nested ones as "parent/child"; fragments
 *   (inline and named) are merged in; an aliased field is listed by its alias.
 * - selectionSetGraphQL: the field's selection set as GraphQL text, fragments kept as written
 *   and the named fragments it spreads appended; "" for a field without selection.
 */
import { Kind, print, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';

export function selectionSetList(
  selectionSet: SelectionSetNode | undefined,
  fragments: Record<string, FragmentDefinitionNode>,
): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode, prefix: string, visiting: Set<string>) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.alias?.value ?? selection.name.value;
        if (name.startsWith('__')) continue;
        const path = prefix + name;
        if (!seen.has(path)) {
          seen.add(path);
          out.push(path);
        }
        if (selection.selectionSet) walk(selection.selectionSet, `${path}/`, visiting);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet, prefix, visiting);
      } else {
        const fragment = fragments[selection.name.value];
        if (!fragment || visiting.has(fragment.name.value)) continue;
        walk(fragment.selectionSet, prefix, new Set([...visiting, fragment.name.value]));
      }
    }
  };
  if (selectionSet) walk(selectionSet, '', new Set());
  return out;
}

export function selectionSetGraphQL(
  selectionSet: SelectionSetNode | undefined,
  fragments: Record<string, FragmentDefinitionNode>,
): string {
  if (!selectionSet) return '';
  const used: FragmentDefinitionNode[] = [];
  const collect = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments[selection.name.value];
        if (fragment && !used.includes(fragment)) {
          used.push(fragment);
          collect(fragment.selectionSet);
        }
      } else if (selection.selectionSet) {
        collect(selection.selectionSet);
      }
    }
  };
  collect(selectionSet);
  return [print(selectionSet), ...used.map((f) => print(f))].join('\n\n');
}
