/**
 * revokeSubscriptions(input: { user }): ends the user's live onMarkEvent subscriptions, for when
 * their rights changed outside GraphQL (an administrator removed them from the staff group). Staff
 * only, as AWS recommends for invalidating mutations ("Unsubscribing WebSocket connections using
 * filters in AWS AppSync"); Subscription.onMarkEvent sets the matching invalidation filter on the
 * subscriber's sub. Unit resolver on the None data source: nothing is read or written.
 */
import { extensions } from '@aws-appsync/utils';
import type { Context, NONERequest } from '@aws-appsync/utils';
import { authorize } from './lib/authorize';
import { validationError } from './lib/errors';
import type { Revocation } from './lib/graphql';
import { raise } from './handlers/errors';

const MAX_USER_LENGTH = 64;

function userOf(ctx: Context<{ input: { user?: unknown } }>): string | null {
  const user = ctx.args.input?.user;
  return typeof user === 'string' && user.trim() !== '' && user.length <= MAX_USER_LENGTH ? user.trim() : null;
}

export function request(ctx: Context<{ input: { user?: unknown } }>): NONERequest {
  const user = userOf(ctx);
  if (!user) return raise(validationError([{ field: 'input.user', reason: `must be 1 to ${MAX_USER_LENGTH} characters` }]));
  const allowed = authorize({ kind: 'revokeSubscriptions' }, ctx.identity, null);
  if (!allowed.ok) return raise(allowed.error);
  return { payload: { user } };
}

export function response(ctx: Context<{ input: { user?: unknown } }>): Revocation {
  const user = (ctx.result as { user: string }).user;
  extensions.invalidateSubscriptions({ subscriptionField: 'onMarkEvent', payload: { subscriber: user } });
  return { user };
}
