/**
 * getMarkAt, step 1 (by time only): the last snapshot recorded at or before `at`, from
 * MarkSnapshots' byUpdatedAt index (descending, limit 1, consistent: a local index). The version
 * recorded by `at` is at or after it and before the next snapshot (lib/replay.ts). Skipped when
 * `at` is absent.
 */
import { runtime, util } from '@aws-appsync/utils';
import type { Context, DynamoDBQueryRequest } from '@aws-appsync/utils';
import { raiseDataSourceError } from '../handlers/errors';
import type { ReplayStash } from '../handlers/stash';

export function request(ctx: Context): DynamoDBQueryRequest {
  const stash = ctx.stash as ReplayStash;
  if (stash.at === undefined) runtime.earlyReturn(null);
  return {
    operation: 'Query',
    index: 'byUpdatedAt',
    query: {
      expression: '#mark = :mark AND #updatedAt <= :at',
      expressionNames: { '#mark': 'mark', '#updatedAt': 'updatedAt' },
      expressionValues: util.dynamodb.toMapValues({ ':mark': stash.mark, ':at': stash.at }),
    },
    scanIndexForward: false,
    limit: 1,
    consistentRead: true,
    // no projection: the index holds the keys only (version among them), and DynamoDB Local
    // charges a table read for a projection expression on an index
  };
}

export function response(ctx: Context): number {
  raiseDataSourceError(ctx.error);
  const items = (ctx.result as { items?: { version: number }[] } | null)?.items ?? [];
  const snapshotAt = items.length > 0 ? items[0].version : 0;
  (ctx.stash as ReplayStash).snapshotAt = snapshotAt;
  return snapshotAt;
}
