/**
 * The pure parts of versioned shapes and of npm run verify: the upcaster's refusals, and what
 * checkMark reports (by field name, never by value) for a view, a snapshot and a stream.
 */
import { describe, expect, it } from 'vitest';
import { checkMark, differingFields } from '../local/ops/check';
import { checkTargetFlags } from '../local/ops/target';
import type { DomainEvent } from '../resolvers/lib/events';
import { fold, REBUILD_ID, type MarkState } from '../resolvers/lib/state';
import { SCHEMA_VERSIONS, upcast, type StoredEvent } from '../resolvers/lib/upcast';

const at = (i: number) => new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString();
function history(count: number): StoredEvent[] {
  const events: StoredEvent[] = [{ mark: 'M 1', version: 1, type: 'MARK_RELEASED', recordedAt: at(1), data: { status: 'MARK_AVAILABLE', price: 100 } }];
  for (let v = 2; v <= count; v++) events.push({ mark: 'M 1', version: v, type: v % 2 ? 'MARK_UNLOCKED' : 'MARK_LOCKED', recordedAt: at(v), data: v % 2 ? {} : { lockedUntil: at(v + 600) } });
  return events;
}
const folded = (events: StoredEvent[]) => fold(events as DomainEvent[]) as MarkState;

describe('upcast', () => {
  it('reads an event without schemaVersion as version 1 and stamps the current version', () => {
    const read = upcast({ mark: 'M 1', version: 1, type: 'NOMINEE_CHANGED', recordedAt: at(1), data: { nomineeName: 'N' } });
    expect(read).toEqual({ ok: true, event: expect.objectContaining({ schemaVersion: SCHEMA_VERSIONS.NOMINEE_CHANGED, data: { nomineeName: 'N' } }) });
  });

  it('refuses a shape newer than this release knows, and an unknown type, rather than fold them wrong', () => {
    const newer = upcast({ mark: 'M 1', version: 3, type: 'NOMINEE_CHANGED', recordedAt: at(1), schemaVersion: SCHEMA_VERSIONS.NOMINEE_CHANGED + 1, data: {} });
    expect(newer).toMatchObject({ ok: false, reason: expect.stringContaining('reads up to') });
    expect(upcast({ mark: 'M 1', version: 3, type: 'MARK_PAINTED', recordedAt: at(1), data: {} })).toMatchObject({ ok: false, reason: expect.stringContaining('unknown type') });
  });
});

describe('checkMark', () => {
  it('finds nothing when the view and every snapshot equal the fold', () => {
    const events = history(23);
    const snapshots = [folded(events.slice(0, 10)), folded(events.slice(0, 20))];
    expect(checkMark('M 1', { view: folded(events), events, snapshots })).toEqual([]);
  });

  it('names the field of a view and of a snapshot that differ, never their values', () => {
    const events = history(12);
    const view = { ...folded(events), price: 999 };
    const snapshot = { ...folded(events.slice(0, 10)), status: 'MARK_LOCKED' } as unknown as MarkState;
    const differences = checkMark('M 1', { view, events, snapshots: [snapshot] });
    expect(differences).toEqual([
      { mark: 'M 1', version: 12, item: 'view', field: 'price' },
      { mark: 'M 1', version: 10, item: 'snapshot', field: 'status' },
    ]);
    expect(JSON.stringify(differences)).not.toContain('999');
  });

  it('finds a hole in the versions, a recordedAt that does not increase and a missing snapshot', () => {
    const events = history(12).filter((e) => e.version !== 4);
    events[8] = { ...events[8]!, recordedAt: at(1) };
    const differences = checkMark('M 1', { view: folded(events), events, snapshots: [] });
    expect(differences).toEqual(
      expect.arrayContaining([
        { mark: 'M 1', version: 4, item: 'event', field: '(missing)' },
        { mark: 'M 1', version: events[8]!.version, item: 'event', field: 'recordedAt' },
        { mark: 'M 1', version: 10, item: 'snapshot', field: '(missing)' },
      ]),
    );
  });

  it("leaves the view's rebuild token out: it is a write guard, not state", () => {
    const events = history(3);
    expect(checkMark('M 1', { view: { ...folded(events), [REBUILD_ID]: 'token' } as unknown as MarkState, events, snapshots: [] })).toEqual([]);
  });

  it('compares nested members by dotted path', () => {
    expect(differingFields({ a: { b: 1, c: { d: 'x' } } }, { a: { b: 1, c: { d: 'y' }, e: 2 } })).toEqual(['a.c.d', 'a.e']);
  });
});

describe('ops command lines', () => {
  it('refuses contradictory or malformed target flags with a message naming them', () => {
    expect(() => checkTargetFlags({ 'marks-table': 'M' })).toThrow('--marks-table, --events-table and --snapshots-table go together');
    expect(() => checkTargetFlags({ outputs: 'o.json', 'marks-table': 'M', 'events-table': 'E', 'snapshots-table': 'S' })).toThrow('either --outputs or the three');
    expect(() => checkTargetFlags({ outputs: 'o.json', 'table-prefix': 'x_' })).toThrow('--data-dir and --table-prefix are for the local stack');
    expect(() => checkTargetFlags({ endpoint: 'localhost:8000' })).toThrow('--endpoint must be an http(s) URL');
    expect(() => checkTargetFlags({ segments: '1.5' })).toThrow('--segments must be a whole number from 1 to 1000, not "1.5"');
    expect(() => checkTargetFlags({ endpoint: 'http://127.0.0.1:8000', 'table-prefix': 'x_', segments: '8' })).not.toThrow();
  });
});
