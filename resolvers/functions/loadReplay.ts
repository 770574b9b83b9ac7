/**
 * getMarkAt, step 2: ONE BatchGetItem (consistent) of the view, a snapshot and the events after it
 * (lib/replay.ts: by version replayReads, at most SNAPSHOT_INTERVAL items besides the view; by time
 * replayReadsAt, one more), folded with the one evolve. Unprocessed keys or a hole are an error
 * rather than a silently truncated state.
 */
import { util } from '@aws-appsync/utils';
import type { Context, DynamoDBBatchGetItemRequest } from '@aws-appsync/utils';
import type { DomainEvent } from '../lib/events';
import { replayFromReads, replayReads, replayReadsAt, versionRecordedBy } from '../lib/replay';
import type { MarkState } from '../lib/state';
import { raiseDataSourceError } from '../handlers/errors';
import type { ReplayStash } from '../handlers/stash';

export function request(ctx: Context): DynamoDBBatchGetItemRequest {
  const stash = ctx.stash as ReplayStash;
  const reads = stash.at === undefined ? replayReads(stash.version) : replayReadsAt(stash.snapshotAt ?? 0, stash.version);
  const tables: DynamoDBBatchGetItemRequest['tables'] = {};
  tables[ctx.env.MARKS_TABLE] = { keys: [util.dynamodb.toMapValues({ mark: stash.mark })], consistentRead: true };
  if (reads.snapshot !== null) {
    tables[ctx.env.MARK_SNAPSHOTS_TABLE] = { keys: [util.dynamodb.toMapValues({ mark: stash.mark, version: reads.snapshot })], consistentRead: true };
  }
  if (reads.events.length > 0) {
    tables[ctx.env.MARK_EVENTS_TABLE] = { keys: reads.events.map((version) => util.dynamodb.toMapValues({ mark: stash.mark, version })), consistentRead: true };
  }
  return { operation: 'BatchGetItem', tables };
}

export function response(ctx: Context): MarkState | null {
  raiseDataSourceError(ctx.error);
  const stash = ctx.stash as ReplayStash;
  const result = (ctx.result ?? {}) as { data?: Record<string, (object | null)[]>; unprocessedKeys?: Record<string, unknown[]> };
  const unprocessed = result.unprocessedKeys ?? {};
  for (const table of Object.keys(unprocessed)) {
    if ((unprocessed[table] ?? []).length > 0) util.error(`replay of ${stash.mark} could not read everything at once`, 'ReplayIncomplete');
  }
  const data = result.data ?? {};
  const view = ((data[ctx.env.MARKS_TABLE] ?? [])[0] ?? null) as MarkState | null;
  const snapshot = ((data[ctx.env.MARK_SNAPSHOTS_TABLE] ?? [])[0] ?? null) as MarkState | null;
  const events = (data[ctx.env.MARK_EVENTS_TABLE] ?? []).filter((e) => !!e) as DomainEvent[];
  let target = stash.version;
  if (stash.at !== undefined) {
    const recorded = versionRecordedBy(stash.at, stash.snapshotAt ?? 0, stash.version, events, view?.historyStartsAt ?? 1);
    if (!recorded.ok) util.error(recorded.message, 'ReplayIncomplete');
    target = recorded.ok ? recorded.version : 0;
  }
  const replayed = replayFromReads(view, target, snapshot, events);
  if (!replayed.ok) util.error(replayed.message, 'ReplayIncomplete');
  stash.answer = replayed.ok ? replayed.state : null;
  // who owns the mark now decides what of the replayed state the caller may see (personal-data.ts)
  stash.view = view;
  return stash.answer;
}
