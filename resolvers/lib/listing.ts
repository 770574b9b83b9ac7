import { readSelection } from './selection';

/**
 * listMarks by status reads the byStatus index, which holds these fields of a mark's view and no
 * other (infra/tables.ts projects them): a page asked for nothing else is answered from the index
 * alone; any other field needs the views of the page (resolvers/functions/loadListedMarks.ts).
 * A command that changes none of them (most do not: changeNominee, changeAddress, lockMark…)
 * then writes the view without writing its index entry.
 */
export const LISTED_FIELDS = ['mark', 'status', 'price'] as const;

/**
 * Whether a selection of listMarks asks only for what the index holds, from ctx.info:
 * selectionSetList names an aliased field by its alias, not by the field it selects (AppSync's
 * context reference, "info"), so a selection with any alias, argument or directive (a ':' in
 * selectionSetGraphQL) is never taken for one the index answers. Nor is one with a named fragment
 * spread: AppSync's selectionSetGraphQL shows a spread as `...Name`, without the fragment's fields,
 * so an alias inside it (`status: updatedAt`) cannot be seen there (lib/selection.ts).
 */
export function answeredByIndex(selectionSetList: readonly string[], selectionSetGraphQL: string): boolean {
  if (selectionSetGraphQL.indexOf(':') >= 0 || readSelection(selectionSetGraphQL).spreads.length > 0) return false;
  for (const field of selectionSetList) {
    const name = field.startsWith('items/') ? field.slice('items/'.length) : '__typename';
    if (name !== '__typename' && (LISTED_FIELDS as readonly string[]).indexOf(name) < 0) return false;
  }
  return true;
}
