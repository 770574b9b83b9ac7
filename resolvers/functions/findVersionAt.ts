/**
 * getMarkAt, step 1: the last version recorded at or before `at`, from the byRecordedAt index
 * (descending, limit 1). recordedAt strictly increases with version per mark (decide.ts), so the
 * index's order is the stream's order. Skipped when `at` is absent.
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
    index: 'byRecordedAt',
    query: {
      expression: '#mark = :mark AND #recordedAt <= :at',
      expressionNames: { '#mark': 'mark', '#recordedAt': 'recordedAt' },
      expressionValues: util.dynamodb.toMapValues({ ':mark': stash.mark, ':at': stash.at }),
    },
    scanIndexForward: false,
    limit: 1,
    consistentRead: true,
    projection: { expression: '#version', expressionNames: { '#version': 'version' } },
  };
}

export function response(ctx: Context): number {
  raiseDataSourceError(ctx.error);
  const items = ((ctx.result as { items?: { version: number }[] } | null)?.items ?? []);
  const versionAt = items.length > 0 ? items[0].version : 0;
  (ctx.stash as ReplayStash).versionAt = versionAt;
  return versionAt;
}
