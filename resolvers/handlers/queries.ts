/** Shared steps of the query resolvers: validated, canonical arguments in; Marks and events out. */
import { runtime, util } from '@aws-appsync/utils';
import type { Context, DynamoDBGetItemRequest } from '@aws-appsync/utils';
import type { DomainEvent } from '../lib/events';
import type { Mark, MarkConnection, MarkEventConnection } from '../lib/graphql';
import { authorize, callerOf, holdsLock } from '../lib/authorize';
import type { Caller } from '../lib/authorize';
import type { Operation } from '../lib/authorize';
import { toGraphQLEvent, toGraphQLMark } from '../lib/output';
import { redactMark, sightOf } from '../lib/personal-data';
import type { MarkState } from '../lib/state';
import { validateGetMarkAt, validateListMarkEvents, validateListMarks, validateListMyMarks, validateMarkArgument } from '../lib/validation';
import { raise, raiseDataSourceError } from './errors';
import type { ListMarksStash, MarkStash, ReplayStash } from './stash';

/**
 * Refuses a read the caller's role may not make (authorize.ts); reads do not depend on the mark's
 * state. As for commands, after validation: bad input is a ValidationError whoever sends it.
 */
function authorizeRead(ctx: Context, operation: Operation): void {
  const allowed = authorize(operation, ctx.identity, null);
  if (!allowed.ok) raise(allowed.error);
}

/**
 * A state as this caller reads it: the entitlement only if theirs to see (personal-data.ts), and
 * whether the lock is theirs (a yes or no about the caller, never the holder's id).
 */
function markFor(state: MarkState | null | undefined, caller: Caller, current: MarkState | null | undefined): Mark | null {
  const mark = redactMark(toGraphQLMark(state), caller, current);
  return mark ? { ...mark, lockedByYou: holdsLock(caller, state ?? null) } : null;
}

/** getMark: GetItem of the view; a forgotten mark's tombstone answers null. */
export function getMarkRequest(ctx: Context<{ mark: unknown }>): DynamoDBGetItemRequest {
  const mark = validateMarkArgument(ctx.args.mark);
  if (!mark.ok) return raise(mark.error);
  authorizeRead(ctx, { kind: 'getMark' });
  return { operation: 'GetItem', key: util.dynamodb.toMapValues({ mark: mark.value }), consistentRead: true };
}

export function getMarkResponse(ctx: Context): Mark | null {
  raiseDataSourceError(ctx.error);
  const view = ctx.result as MarkState | null;
  return markFor(view, callerOf(ctx.identity), view);
}

/** getMarkAt, before step: the replay functions read their bounds from the stash. */
export function getMarkAtRequest(ctx: Context<Record<string, unknown>>): Record<string, never> {
  const query = validateGetMarkAt(ctx.args);
  if (!query.ok) return raise(query.error);
  authorizeRead(ctx, { kind: 'getMarkAt' });
  const stash = ctx.stash as ReplayStash;
  stash.mark = query.value.mark;
  stash.at = query.value.at;
  stash.version = query.value.version;
  return {};
}

export function getMarkAtResponse(ctx: Context): Mark | null {
  const stash = ctx.stash as ReplayStash;
  // the view read with the replay says who owns the mark now, and since which version
  return markFor(stash.answer, callerOf(ctx.identity), stash.view);
}

/** listMarkEvents, before step. */
export function listMarkEventsRequest(ctx: Context<Record<string, unknown>>): Record<string, never> {
  const query = validateListMarkEvents(ctx.args);
  if (!query.ok) return raise(query.error);
  authorizeRead(ctx, { kind: 'listMarkEvents' });
  const stash = ctx.stash as MarkStash & { fromVersion: number; limit: number; nextToken?: string };
  stash.mark = query.value.mark;
  stash.fromVersion = query.value.fromVersion;
  stash.limit = query.value.limit;
  stash.nextToken = query.value.nextToken;
  return {};
}

export function listMarkEventsResponse(ctx: Context): MarkEventConnection {
  return ctx.prev.result as MarkEventConnection;
}

/** listMarks, before step: the steps (listMarksPage → loadListedMarks) read the page's bounds from the stash. */
export function listMarksRequest(ctx: Context<Record<string, unknown>>): Record<string, never> {
  const query = validateListMarks(ctx.args);
  if (!query.ok) return raise(query.error);
  const { status, limit, nextToken } = query.value;
  authorizeRead(ctx, { kind: 'listMarks', status: status ?? null });
  const stash = ctx.stash as ListMarksStash;
  stash.status = status ?? undefined;
  stash.limit = limit;
  stash.nextToken = nextToken;
  return {};
}

/**
 * listMyMarks, before step: the same steps as listMarks, on the byOwner index. The owner is the
 * caller's sub (from the identity, never the input) unless staff name a purchaser (authorize.ts).
 */
export function listMyMarksRequest(ctx: Context<Record<string, unknown>>): Record<string, never> {
  const query = validateListMyMarks(ctx.args);
  if (!query.ok) return raise(query.error);
  const { owner, limit, nextToken } = query.value;
  authorizeRead(ctx, { kind: 'listMyMarks', owner: owner ?? null });
  const stash = ctx.stash as ListMarksStash;
  // authorize let an absent owner through only for a caller with a sub
  stash.owner = owner ?? (callerOf(ctx.identity).sub as string);
  stash.limit = limit;
  stash.nextToken = nextToken;
  return {};
}

/** listMarks and listMyMarks: the page's views, each as this caller may see it (personal-data.ts). */
export function listMarksResponse(ctx: Context): MarkConnection {
  const stash = ctx.stash as ListMarksStash;
  const caller = callerOf(ctx.identity);
  const items: Mark[] = [];
  for (const item of stash.items ?? []) {
    const mark = markFor(item, caller, item);
    if (mark) items.push(mark);
  }
  return { items, nextToken: stash.pageToken ?? null };
}

/** The events of one page as this caller may see them, given the mark's current view. */
export function eventPage(ctx: Context, view: MarkState | null, result: { items?: DomainEvent[]; nextToken?: string | null } | null): MarkEventConnection {
  const caller = callerOf(ctx.identity);
  const items = (result?.items ?? []).map((event) => toGraphQLEvent(event, sightOf(caller, view, event.version), view));
  return { items, nextToken: result?.nextToken ?? null };
}

/** Ends a pipeline step without calling its data source, and every later step with it. */
export function finish(value: unknown): never {
  return runtime.earlyReturn(value, { skipTo: 'END' });
}
