/**
 * getMarkAt(mark, at, version) with a cost bounded whatever the history length:
 *   view (GetItem) → [version at `at`: byRecordedAt, limit 1] → [snapshot ≤ target, limit 1]
 *   → events (snapshot, target] (fewer than SNAPSHOT_INTERVAL, one page) → fold.
 * Each step is skipped when the answer is already known: a target at or past the view's version
 * is the view itself, so getMarkAt(now) costs what getMark does.
 *
 * Erasure: a forgotten mark's history before its last MARK_FORGOTTEN (historyStartsAt) is erased
 * or about to be, so any target before it answers null, before and after the eraser has run alike.
 */
import type { DomainEvent } from './events';
import { SNAPSHOT_INTERVAL } from './mark';
import type { MarkState } from './state';
import { fold, isLive } from './state';

export type ReplayPlan =
  /** the answer is null: unknown mark, nothing recorded by then, or erased history */
  | { kind: 'none' }
  /** the answer is the view as it stands */
  | { kind: 'view' }
  /** the answer needs events up to target, from a snapshot when one may exist */
  | { kind: 'fold'; target: number; earliest: number; useSnapshot: boolean };

export interface ReplayInput {
  view: MarkState | null;
  /** the stored form of `at`, when given */
  at?: string;
  version?: number;
  /** the last version recorded at or before `at` (0: none), once looked up */
  versionAt?: number;
}

/** Whether the version recorded at `at` must be looked up (byRecordedAt); otherwise the view says it. */
export function needsVersionAt(input: ReplayInput): boolean {
  return !!input.view && input.at !== undefined && input.at < input.view.updatedAt && input.versionAt === undefined;
}

export function replayPlan(input: ReplayInput): ReplayPlan {
  const view = input.view;
  if (!view) return { kind: 'none' };
  let target = input.version ?? view.version;
  if (input.at !== undefined && input.at < view.updatedAt) target = Math.min(target, input.versionAt ?? 0);
  const earliest = view.historyStartsAt ?? 1;
  if (target < 1 || target < earliest) return { kind: 'none' };
  if (target >= view.version) return isLive(view) ? { kind: 'view' } : { kind: 'none' };
  return { kind: 'fold', target, earliest, useSnapshot: target >= SNAPSHOT_INTERVAL };
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
  events: DomainEvent[],
): { ok: true; state: MarkState | null } | { ok: false; message: string } {
  const first = firstEventVersion(plan, snapshot);
  const start = snapshot && snapshot.version >= plan.earliest ? snapshot : null;
  let expected = first;
  for (const event of events) {
    if (event.version !== expected) return { ok: false, message: `replay found version ${event.version} where ${expected} was expected` };
    expected += 1;
  }
  if (expected !== plan.target + 1) return { ok: false, message: `replay read versions ${first}..${expected - 1} but needs ${first}..${plan.target}` };
  const state = fold(events, start);
  return { ok: true, state: isLive(state) ? state : null };
}
