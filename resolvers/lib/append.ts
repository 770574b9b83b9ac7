/**
 * Appending a command's event: read → decide → append, as pure steps the appendEvent pipeline
 * function (and the in-memory store of the tests) follow.
 *  1. commandLookupVersion: which stored event a retry of this command would have written.
 *  2. planAppend: a retry returns that event, a reused commandId is an error; otherwise decide; the plan names the event, the new
 *     view and whether a snapshot is due, with the view version the write must find.
 *  3. cancellationOutcome: after a cancelled transaction, an idempotent success or a typed conflict.
 */
import type { Command } from './commands';
import { isCreate } from './commands';
import type { DecideEnv } from './decide';
import { decide } from './decide';
import type { DomainError } from './errors';
import { concurrentModification, markAlreadyExists } from './errors';
import type { DomainEvent } from './events';
import { takesSnapshot } from './mark';
import type { MarkState } from './state';
import { evolve, isLive } from './state';
import { matchStoredCommand } from './idempotency';

/**
 * The version whose stored event a retry of this command would have appended, or null when there
 * is none to look at. Never a version before historyStartsAt: after a forget that history counts as
 * erased, whether or not the eraser has run, so a retry must not answer it (issue 10, defect 3).
 */
export function commandLookupVersion(command: Command, state: MarkState | null): number | null {
  if (!command.commandId || !state) return null;
  const version = isCreate(command) ? (isLive(state) ? state.createdVersion : null) : state.version > command.expectedVersion ? command.expectedVersion + 1 : null;
  return version !== null && version >= (state.historyStartsAt ?? 1) ? version : null;
}

export type AppendPlan =
  | { kind: 'retry'; event: DomainEvent }
  | { kind: 'error'; error: DomainError }
  | {
      kind: 'append';
      event: DomainEvent;
      view: MarkState;
      /** the view version the write requires, or null when there must be no view */
      viewVersion: number | null;
      /** whether the new state also goes to MarkSnapshots */
      snapshot: boolean;
    };

export function planAppend(command: Command, state: MarkState | null, stored: DomainEvent | null, env: DecideEnv): AppendPlan {
  const match = matchStoredCommand(command, stored, env.caller);
  if (match.kind === 'retry') return { kind: 'retry', event: match.event };
  if (match.kind === 'reused') return { kind: 'error', error: match.error };
  const decision = decide(command, state, env);
  if (!decision.ok) return { kind: 'error', error: decision.error };
  const event = decision.event;
  const view = evolve(state, event) as MarkState;
  return { kind: 'append', event, view, viewVersion: state ? state.version : null, snapshot: takesSnapshot(event) };
}

/**
 * What a cancelled append means, from the items the cancellation reasons carry: reason 0 is the
 * event slot, reason 1 the view. The event already in our slot with our commandId is a concurrent
 * retry that won (success) or, with other input, a reuse of the commandId. Otherwise another
 * writer moved the view first.
 */
export function cancellationOutcome(
  command: Command,
  plannedVersion: number,
  storedEvent: DomainEvent | null | undefined,
  view: MarkState | null | undefined,
  caller?: string | null,
): { kind: 'retry'; event: DomainEvent } | { kind: 'error'; error: DomainError } {
  const match = matchStoredCommand(command, storedEvent, caller);
  if (match.kind === 'retry') return { kind: 'retry', event: match.event };
  if (match.kind === 'reused') return { kind: 'error', error: match.error };
  const actualVersion = view?.version ?? storedEvent?.version ?? plannedVersion;
  if (isCreate(command)) {
    if (isLive(view)) return { kind: 'error', error: markAlreadyExists(command.mark, view.version) };
    return { kind: 'error', error: concurrentModification(plannedVersion - 1, actualVersion) };
  }
  return { kind: 'error', error: concurrentModification(command.expectedVersion, actualVersion) };
}
