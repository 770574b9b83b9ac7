/**
 * For a command with a commandId whose expected version has moved on: reads the event a previous
 * attempt would have appended, so that appendEvent can answer a retry with it. Skipped otherwise.
 */
import { runtime, util } from '@aws-appsync/utils';
import type { Context, DynamoDBGetItemRequest } from '@aws-appsync/utils';
import { commandLookupVersion } from '../lib/append';
import type { DomainEvent } from '../lib/events';
import { raiseDataSourceError } from '../handlers/errors';
import type { CommandStash } from '../handlers/stash';

export function request(ctx: Context): DynamoDBGetItemRequest {
  const stash = ctx.stash as CommandStash;
  const version = commandLookupVersion(stash.command, stash.view ?? null);
  if (version === null) runtime.earlyReturn(null);
  return { operation: 'GetItem', key: util.dynamodb.toMapValues({ mark: stash.mark, version }), consistentRead: true };
}

export function response(ctx: Context): DomainEvent | null {
  raiseDataSourceError(ctx.error);
  const stored = (ctx.result ?? null) as DomainEvent | null;
  (ctx.stash as CommandStash).stored = stored;
  return stored;
}
