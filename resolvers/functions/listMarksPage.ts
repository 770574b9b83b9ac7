/**
 * listMarks and listMyMarks, step 1: one page. With an owner (listMyMarks), the byOwner index,
 * which holds the keys only (infra/tables.ts). With a status, the byStatus index, which holds each mark's keys and
 * LISTED_FIELDS only (lib/listing.ts); without, a consistent Scan of the view that leaves out
 * tombstones. As with any DynamoDB Scan with a filter, a page may hold fewer than `limit` items
 * (even none) and still carry a nextToken.
 */
import { util } from '@aws-appsync/utils';
import type { Context, DynamoDBQueryRequest, DynamoDBScanRequest } from '@aws-appsync/utils';
import type { MarkState } from '../lib/state';
import { raisePageError } from '../handlers/errors';
import type { ListMarksStash } from '../handlers/stash';

/** One page of the Marks index whose partition key is `attribute` (byOwner, byStatus). */
function queryIndex(index: string, attribute: string, value: string, stash: ListMarksStash): DynamoDBQueryRequest {
  return {
    operation: 'Query',
    index,
    query: { expression: '#key = :key', expressionNames: { '#key': attribute }, expressionValues: util.dynamodb.toMapValues({ ':key': value }) },
    limit: stash.limit,
    nextToken: stash.nextToken,
  };
}

export function request(ctx: Context): DynamoDBQueryRequest | DynamoDBScanRequest {
  const stash = ctx.stash as ListMarksStash;
  if (stash.owner) return queryIndex('byOwner', 'owner', stash.owner, stash);
  if (stash.status) return queryIndex('byStatus', 'status', stash.status, stash);
  return {
    operation: 'Scan',
    filter: { expression: 'attribute_not_exists(#forgotten)', expressionNames: { '#forgotten': 'forgotten' } },
    limit: stash.limit,
    nextToken: stash.nextToken,
    consistentRead: true,
  };
}

export function response(ctx: Context): null {
  const stash = ctx.stash as ListMarksStash;
  raisePageError(ctx.error, stash.nextToken);
  const result = ctx.result as { items?: MarkState[]; nextToken?: string | null };
  stash.items = result.items ?? [];
  stash.pageToken = result.nextToken ?? null;
  return null;
}
