/**
 * Reads the view of ctx.stash.mark, strongly consistent: commands decide on the latest state.
 * Without a mark in the stash there is nothing to read (a subscription that needs no owner check).
 */
import { runtime, util } from '@aws-appsync/utils';
import type { Context, DynamoDBGetItemRequest } from '@aws-appsync/utils';
import type { MarkState } from '../lib/state';
import { raiseDataSourceError } from '../handlers/errors';
import type { MarkStash } from '../handlers/stash';

export function request(ctx: Context): DynamoDBGetItemRequest {
  const stash = ctx.stash as MarkStash;
  if (!stash.mark) runtime.earlyReturn(null);
  return { operation: 'GetItem', key: util.dynamodb.toMapValues({ mark: stash.mark }), consistentRead: true };
}

export function response(ctx: Context): MarkState | null {
  raiseDataSourceError(ctx.error);
  const view = (ctx.result ?? null) as MarkState | null;
  (ctx.stash as MarkStash).view = view;
  return view;
}
