/**
 * listMarks and listMyMarks, step 2: the views of an index page (one consistent BatchGetItem, at
 * most MAX_LIMIT keys): always for byOwner (its entries are keys only), and for byStatus when the
 * selection asks for more than the index holds (lib/listing.ts answeredByIndex). The index is read
 * eventually consistently, the views consistently: a mark whose status (or owner) changed in
 * between is left out of the page, as it would be from a later page of the index. Skipped for a
 * Scan (its items are whole views), an empty page, or a selection the index answers.
 */
import { runtime, util } from '@aws-appsync/utils';
import type { Context, DynamoDBBatchGetItemRequest } from '@aws-appsync/utils';
import { answeredByIndex } from '../lib/listing';
import type { MarkState } from '../lib/state';
import { raiseDataSourceError } from '../handlers/errors';
import type { ListMarksStash } from '../handlers/stash';

export function request(ctx: Context): DynamoDBBatchGetItemRequest {
  const stash = ctx.stash as ListMarksStash;
  const items = stash.items ?? [];
  const fromIndex = !!stash.owner || !!stash.status;
  if (!fromIndex || items.length === 0 || (!stash.owner && answeredByIndex(ctx.info.selectionSetList, ctx.info.selectionSetGraphQL))) runtime.earlyReturn(null);
  const tables: DynamoDBBatchGetItemRequest['tables'] = {};
  tables[ctx.env.MARKS_TABLE] = { keys: items.map((item) => util.dynamodb.toMapValues({ mark: item.mark })), consistentRead: true };
  return { operation: 'BatchGetItem', tables };
}

export function response(ctx: Context): null {
  raiseDataSourceError(ctx.error);
  const stash = ctx.stash as ListMarksStash;
  const result = (ctx.result ?? {}) as { data?: Record<string, (MarkState | null)[]>; unprocessedKeys?: Record<string, unknown[]> };
  for (const table of Object.keys(result.unprocessedKeys ?? {})) {
    if (((result.unprocessedKeys ?? {})[table] ?? []).length > 0) util.error('listMarks could not read the page at once', 'PageIncomplete');
  }
  const views: Record<string, MarkState> = {};
  for (const view of (result.data ?? {})[ctx.env.MARKS_TABLE] ?? []) {
    if (view) views[view.mark] = view;
  }
  // in the index's order; a view no longer in the status (or of the owner) asked for is left out
  const page: MarkState[] = [];
  for (const item of stash.items ?? []) {
    const view = views[item.mark] as (MarkState & { status?: string; owner?: string }) | undefined;
    if (view && (stash.owner ? view.owner === stash.owner : view.status === stash.status)) page.push(view);
  }
  stash.items = page;
  return null;
}
