/**
 * What `npm run verify` and `npm run rebuild` decide about one mark, from what was read of it:
 * the fold of its events from `historyStartsAt` (upcast to the current shapes, folded with the one
 * `evolve` or an injected one) against the view and every snapshot, and the stream's own order.
 * Pure: the reading is local/ops/store.ts's.
 *
 * A difference names a mark, a version, the item and a field path, never a value: values are
 * personal data, and a report is read by people who may not see them.
 */
import { takesSnapshot } from '../../resolvers/lib/mark';
import type { DomainEvent } from '../../resolvers/lib/events';
import { evolve as currentEvolve, REBUILD_ID, type MarkState } from '../../resolvers/lib/state';
import { upcast, type StoredEvent } from '../../resolvers/lib/upcast';

export type Evolve = (state: MarkState | null, event: DomainEvent) => MarkState | null;

export interface Difference {
  mark: string;
  /** the version of the item that differs (the view's, a snapshot's or an event's) */
  version: number;
  item: 'view' | 'snapshot' | 'event';
  /** a dotted field path ("entitlement.address.postcode"), or what is wrong with the item as a whole */
  field: string;
}

export interface MarkHistory {
  view: MarkState;
  /** the mark's events with version >= the view's historyStartsAt, in version order */
  events: StoredEvent[];
  /** the mark's snapshots with version >= the view's historyStartsAt, in version order */
  snapshots: MarkState[];
}

export interface Expected {
  /** the fold of every event: what the view should be */
  view: MarkState | null;
  /** the fold at every version that takes a snapshot (resolvers/lib/mark.ts): what each snapshot should be */
  snapshots: Map<number, MarkState>;
  differences: Difference[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The dotted paths at which two stored items differ; members absent and null count as the same.
 * REBUILD_ID is the view's write token, not state.
 */
export function differingFields(expected: unknown, actual: unknown, prefix = ''): string[] {
  if (isObject(expected) && isObject(actual)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].filter((key) => prefix || key !== REBUILD_ID).sort();
    return keys.flatMap((key) => differingFields(expected[key] ?? null, actual[key] ?? null, prefix ? `${prefix}.${key}` : key));
  }
  if (JSON.stringify(expected ?? null) === JSON.stringify(actual ?? null)) return [];
  return [prefix || '(item)'];
}

/**
 * The states a mark's events fold to, and what is wrong with the stream itself: a version missing
 * or repeated, a recordedAt not after the previous one, an event this release cannot read.
 */
export function expectedStates(mark: string, history: MarkHistory, evolve: Evolve = currentEvolve): Expected {
  const differences: Difference[] = [];
  const snapshots = new Map<number, MarkState>();
  const first = history.view.historyStartsAt ?? 1;
  let state: MarkState | null = null;
  let expectedVersion = first;
  let previousRecordedAt = '';
  for (const stored of history.events) {
    if (stored.version !== expectedVersion) {
      const missing = stored.version > expectedVersion;
      differences.push({ mark, version: missing ? expectedVersion : stored.version, item: 'event', field: missing ? '(missing)' : '(out of order)' });
    }
    expectedVersion = stored.version + 1;
    if (stored.recordedAt <= previousRecordedAt) differences.push({ mark, version: stored.version, item: 'event', field: 'recordedAt' });
    previousRecordedAt = stored.recordedAt;
    const read = upcast(stored);
    if (!read.ok) {
      differences.push({ mark, version: stored.version, item: 'event', field: '(unreadable)' });
      continue;
    }
    state = evolve(state, read.event);
    if (state && takesSnapshot(read.event)) snapshots.set(stored.version, state);
  }
  return { view: state, snapshots, differences };
}

/** Every difference of one mark: its stream, its view and its snapshots against the fold. */
export function checkMark(mark: string, history: MarkHistory, evolve: Evolve = currentEvolve): Difference[] {
  const expected = expectedStates(mark, history, evolve);
  const differences = [...expected.differences];
  // the events were read up to the view's version: a view past its last event has lost events
  const lastEvent = history.events.at(-1)?.version ?? 0;
  if (lastEvent < history.view.version && !differences.some((d) => d.field === '(missing)')) {
    differences.push({ mark, version: history.view.version, item: 'view', field: '(ahead of its events)' });
  }
  for (const field of differingFields(expected.view, history.view)) differences.push({ mark, version: history.view.version, item: 'view', field });
  const found = new Map(history.snapshots.map((s) => [s.version, s]));
  for (const [version, state] of expected.snapshots) {
    const snapshot = found.get(version);
    if (!snapshot) {
      differences.push({ mark, version, item: 'snapshot', field: '(missing)' });
      continue;
    }
    for (const field of differingFields(state, snapshot)) differences.push({ mark, version, item: 'snapshot', field });
  }
  for (const version of found.keys()) {
    if (!expected.snapshots.has(version)) differences.push({ mark, version, item: 'snapshot', field: '(unexpected)' });
  }
  return differences;
}

/** By mark, version, item and field: a report reads the same from run to run. */
export function sortDifferences(differences: Difference[]): Difference[] {
  return differences.sort((a, b) => a.mark.localeCompare(b.mark) || a.version - b.version || a.item.localeCompare(b.item) || a.field.localeCompare(b.field));
}

export function formatDifference(d: Difference): string {
  return `${d.mark}  v${d.version}  ${d.item}  ${d.field}`;
}
