/**
 * listMarkEvents: one page of events in version order. A forgotten mark's history before its
 * last MARK_FORGOTTEN is never listed (it is erased or about to be); the tombstone and later are.
 */
import { util } from '@aws-appsync/utils';
import type { Context, DynamoDBQueryRequest } from '@aws-appsync/utils';
import type { DomainEvent } from '../lib/events';
import type { MarkEventConnection } from '../lib/graphql';
import { raisePageError } from '../handlers/errors';
import { eventPage, finish } from '../handlers/queries';
import type { MarkStash } from '../handlers/stash';

type Stash = MarkStash & { fromVersion: number; limit: number; nextToken?: string };

export function request(ctx: Context): DynamoDBQueryRequest {
  const stash = ctx.stash as Stash;
  if (!stash.view) finish({ items: [], nextToken: null });
  const from = Math.max(stash.fromVersion, stash.view?.historyStartsAt ?? 1);
  return {
    operation: 'Query',
    query: {
      expression: '#mark = :mark AND #version >= :from',
      expressionNames: { '#mark': 'mark', '#version': 'version' },
      expressionValues: util.dynamodb.toMapValues({ ':mark': stash.mark, ':from': from }),
    },
    scanIndexForward: true,
    limit: stash.limit,
    nextToken: stash.nextToken,
    consistentRead: true,
  };
}

export function response(ctx: Context): MarkEventConnection {
  const stash = ctx.stash as Stash;
  raisePageError(ctx.error, stash.nextToken);
  return eventPage(ctx, stash.view ?? null, ctx.result as { items?: DomainEvent[]; nextToken?: string | null });
}
