/**
 * The answer of every command: the appended (or retried) event as this caller may see it on the
 * mark after it (lib/personal-data.ts, docs/AUTHORIZATION.md). It is also every subscriber's payload.
 * A function of its own, with no data source call, because appendEvent has no room left under
 * AppSync's 32,768 characters.
 */
import { runtime } from '@aws-appsync/utils';
import type { Context } from '@aws-appsync/utils';
import { callerOf } from '../lib/authorize';
import type { DomainEvent } from '../lib/events';
import type { MarkEvent } from '../lib/graphql';
import { toGraphQLEvent } from '../lib/output';
import { answerSight } from '../lib/personal-data';
import type { CommandStash } from '../handlers/stash';

export function request(ctx: Context): Record<string, never> {
  const stash = ctx.stash as CommandStash;
  const event = ctx.prev.result as DomainEvent;
  const caller = stash.caller ?? callerOf(ctx.identity);
  const answer: MarkEvent = toGraphQLEvent(event, answerSight(caller, stash.after, event), stash.after);
  return runtime.earlyReturn(answer);
}

export function response(ctx: Context): unknown {
  return ctx.prev.result;
}
