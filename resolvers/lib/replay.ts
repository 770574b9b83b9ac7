/**
 * getMarkAt(mark, at, version) with a cost bounded whatever the history length: ONE BatchGetItem
 * of the view, a snapshot and fewer than SNAPSHOT_INTERVAL events after it (at most
 * SNAPSHOT_INTERVAL by time, one more as a check), folded.
 *
 * By version: the snapshot at the last multiple of SNAPSHOT_INTERVAL at or below the target and
 * the events after it up to the target. Snapshots are written in the same transaction as every
 * SNAPSHOT_INTERVAL-th event, so their keys are known from the target alone: one DynamoDB call, as
 * getMark is.
 *
 * By time: first the last snapshot recorded at or before `at` (MarkSnapshots' byUpdatedAt, limit
 * 1; resolvers/functions/findSnapshotAt.ts), then the events after it up to the next multiple of
 * SNAPSHOT_INTERVAL: recordedAt strictly increases with version (decide.ts), so the version
 * recorded by `at` is at or after that snapshot and before the next one, which is at most
 * SNAPSHOT_INTERVAL versions on. Two calls. The events table needs no index of its own: a time
 * index on the snapshots is written once in SNAPSHOT_INTERVAL commands (and at a forget), where an
 * index on the events was written with every command (docs/PERFORMANCE.md).
 *
 * Erasure: a forgotten mark's history before its last MARK_FORGOTTEN (historyStartsAt) is erased
 * or about to be, so any target before it answers null, before and after the eraser has run alike.
 * The forget's own snapshot (mark.ts takesSnapshot) is where a time after it starts from.
 */
import { SNAPSHOT_INTERVAL } from './mark';
import type { MarkState } from './state';
import { fold, isLive } from './state';
import type { StoredEvent } from './upcast';
import { upcastAll } from './upcast';

export type ReplayPlan =
  /** the answer is null: unknown mark, nothing recorded by then, or erased history */
  | { kind: 'none' }
  /** the answer is the view as it stands */
  | { kind: 'view' }
  /** the answer needs events up to target, from a snapshot when one may exist */
  | { kind: 'fold'; target: number; earliest: number; useSnapshot: boolean };

export interface ReplayInput {
  view: MarkState | null;
  /** the version asked for (by time: the version recorded by then); the view's when absent */
  version?: number;
}

export function replayPlan(input: ReplayInput): ReplayPlan {
  const view = input.view;
  if (!view) return { kind: 'none' };
  const target = input.version ?? view.version;
  const earliest = view.historyStartsAt ?? 1;
  if (target < 1 || target < earliest) return { kind: 'none' };
  if (target >= view.version) return isLive(view) ? { kind: 'view' } : { kind: 'none' };
  return { kind: 'fold', target, earliest, useSnapshot: target >= SNAPSHOT_INTERVAL };
}

/** The next version after `version` that always takes a snapshot (a multiple of SNAPSHOT_INTERVAL). */
function nextSnapshotVersion(version: number): number {
  return version - (version % SNAPSHOT_INTERVAL) + SNAPSHOT_INTERVAL;
}

/**
 * What a replay by time reads, once the last snapshot recorded by `at` is known (snapshotAt: its
 * version, 0 when there is none): that snapshot and the versions after it up to the next multiple
 * of SNAPSHOT_INTERVAL, no further than `version`. When `version` is at or below snapshotAt, the
 * answer is at `version` and the read is the one by version.
 */
export function replayReadsAt(snapshotAt: number, version?: number): { snapshot: number | null; events: number[] } {
  if (version !== undefined && version <= snapshotAt) return replayReads(version);
  const last = version === undefined ? nextSnapshotVersion(snapshotAt) : Math.min(version, nextSnapshotVersion(snapshotAt));
  const events: number[] = [];
  if (snapshotAt + 1 <= last) events.push(snapshotAt + 1);
  // APPSYNC_JS has no counting loop: the list grows while for-of walks it
  for (const v of events) {
    if (v < last) events.push(v + 1);
  }
  return { snapshot: snapshotAt > 0 ? snapshotAt : null, events };
}

/**
 * The version a replay by time answers at, from what replayReadsAt fetched: the last version
 * recorded at or before `at` (the snapshot's own when no later event was), no further than
 * `version`; 0 when nothing was recorded by then. An error when the reads contradict the index:
 * the next multiple of SNAPSHOT_INTERVAL was recorded by `at` but its snapshot was not found (a
 * snapshot missing: npm run verify names it, npm run rebuild writes it back).
 */
export function versionRecordedBy(
  at: string,
  snapshotAt: number,
  version: number | undefined,
  events: { version: number; recordedAt: string }[],
  earliest: number,
): { ok: true; version: number } | { ok: false; message: string } {
  if (version !== undefined && version <= snapshotAt) return { ok: true, version };
  let recorded = snapshotAt;
  for (const event of events) {
    if (event.recordedAt <= at && event.version > recorded) recorded = event.version;
  }
  const next = nextSnapshotVersion(snapshotAt);
  if (recorded >= next && recorded >= earliest) {
    return { ok: false, message: `replay by time found version ${next} recorded by ${at} but not its snapshot` };
  }
  return { ok: true, version: version === undefined ? recorded : Math.min(version, recorded) };
}

/**
 * What one BatchGetItem reads for a target (besides the view): the snapshot at the last multiple
 * of SNAPSHOT_INTERVAL at or below it (none below SNAPSHOT_INTERVAL) and the versions after it
 * up to the target — at most SNAPSHOT_INTERVAL items in all. Nothing for an unknown target.
 */
export function replayReads(target: number | undefined): { snapshot: number | null; events: number[] } {
  if (target === undefined || target < 1) return { snapshot: null, events: [] };
  const base = target - (target % SNAPSHOT_INTERVAL);
  const snapshot = base >= SNAPSHOT_INTERVAL ? base : null;
  const first = snapshot === null ? 1 : snapshot + 1;
  const events: number[] = [];
  if (first <= target) events.push(first);
  // APPSYNC_JS has no counting loop: the list grows while for-of walks it
  for (const version of events) {
    if (version < target) events.push(version + 1);
  }
  return { snapshot, events };
}

/**
 * The answer of getMarkAt from what replayReads fetched: the view, the snapshot (null when none
 * was read or found) and the events found, in version order (BatchGetItem answers in the order of
 * its keys), absent ones left out.
 */
export function replayFromReads(
  view: MarkState | null,
  target: number | undefined,
  snapshot: MarkState | null,
  events: StoredEvent[],
): { ok: true; state: MarkState | null } | { ok: false; message: string } {
  const plan = replayPlan({ view, version: target });
  if (plan.kind === 'none') return { ok: true, state: null };
  if (plan.kind === 'view') return { ok: true, state: view };
  // the snapshot read (by version the one below the target, by time the last one recorded by then)
  const found = snapshot && snapshot.version >= plan.earliest && snapshot.version <= plan.target ? snapshot : null;
  const start = found ?? tombstoneBase(plan, view as MarkState);
  const first = firstEventVersion(plan, start);
  const needed = events.filter((e) => e.version >= first && e.version <= plan.target);
  return replayFold(plan, start, needed);
}

/**
 * When the snapshot replay reads from is the forget's own (historyStartsAt on a multiple of
 * SNAPSHOT_INTERVAL) and it is gone — an eraser before issue 10 deleted it — the state there is
 * still known exactly: the forgotten mark, whose only member a later event reads is historyStartsAt.
 */
function tombstoneBase(plan: { target: number; earliest: number; useSnapshot: boolean }, view: MarkState): MarkState | null {
  if (!plan.useSnapshot || plan.target - (plan.target % SNAPSHOT_INTERVAL) !== plan.earliest) return null;
  return { mark: view.mark, version: plan.earliest, forgotten: true, updatedAt: view.updatedAt, historyStartsAt: plan.earliest };
}

/** The first version to read after a snapshot (or without one). */
export function firstEventVersion(plan: { earliest: number }, snapshot: MarkState | null): number {
  return snapshot && snapshot.version >= plan.earliest ? snapshot.version + 1 : plan.earliest;
}

/**
 * The state at plan.target from a snapshot and the events after it, or an error when the events
 * are not exactly the versions first..target (a page cut short, or a hole in the stream).
 */
export function replayFold(
  plan: { target: number; earliest: number },
  snapshot: MarkState | null,
  events: StoredEvent[],
): { ok: true; state: MarkState | null } | { ok: false; message: string } {
  const first = firstEventVersion(plan, snapshot);
  const start = snapshot && snapshot.version >= plan.earliest ? snapshot : null;
  let expected = first;
  for (const event of events) {
    if (event.version !== expected) return { ok: false, message: `replay found version ${event.version} where ${expected} was expected` };
    expected += 1;
  }
  if (expected !== plan.target + 1) return { ok: false, message: `replay read versions ${first}..${expected - 1} but needs ${first}..${plan.target}` };
  // stored events of any release, read in the current shape
  const current = upcastAll(events);
  if (!current.ok) return { ok: false, message: current.reason };
  const state = fold(current.events, start);
  return { ok: true, state: isLive(state) ? state : null };
}
