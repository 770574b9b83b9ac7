/**
 * The before and after steps shared by the mutation resolvers (pipeline loadMark →
 * loadCommandEvent → authorizeCommand → appendEvent → answerEvent): validate and canonicalise the input into a command before
 * anything is read or written; answer the appended (or, for a retry, the stored) event. The
 * answer's selection is checked in authorizeCommand, before anything is written (issue 24).
 */
import { extensions, util } from '@aws-appsync/utils';
import type { Context } from '@aws-appsync/utils';
import type { MarkEvent } from '../lib/graphql';
import { formatDateTime } from '../lib/time';
import { validateCommand } from '../lib/validation';
import { raise } from './errors';
import type { CommandStash } from './stash';

export function request(ctx: Context<{ input: unknown }>): Record<string, never> {
  const validated = validateCommand(ctx.info.fieldName, ctx.args.input);
  if (!validated.ok) return raise(validated.error);
  const stash = ctx.stash as CommandStash;
  // its commandHash is added by authorizeCommand (a pipeline function of its own, for bundle room)
  stash.command = validated.value;
  stash.mark = validated.value.mark;
  // util.time gives milliseconds already; formatting pins the stored width whatever it gives
  stash.now = formatDateTime(util.time.nowEpochMilliSeconds());
  stash.randomId = util.autoId();
  return {};
}

/** The events after which the mark has another owner (or none): a new life, a sale, a forget. */
const OWNERSHIP_CHANGES = ['MARK_RELEASED', 'ENTITLEMENT_CREATED', 'MARK_PURCHASED', 'MARK_FORGOTTEN'];

export function response(ctx: Context): MarkEvent {
  const event = ctx.prev.result as MarkEvent;
  if (OWNERSHIP_CHANGES.indexOf(event.type) >= 0) {
    // ends the owner subscriptions of the ownership that just ended (Subscription.onMarkEvent sets
    // the matching invalidation filter): "Unsubscribing WebSocket connections using filters in AWS AppSync"
    extensions.invalidateSubscriptions({ subscriptionField: 'onMarkEvent', payload: { mark: event.mark, ownership: event.ownership ?? 0 } });
  }
  return event;
}
