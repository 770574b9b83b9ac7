/**
 * Model-based property: random command sequences through the same pure steps the resolvers run
 * (commandLookupVersion → planAppend → one atomic write) on an in-memory store. After every
 * command: the view equals the fold of the events, versions are 1..n without gaps, snapshots
 * equal the fold up to their version, recordedAt strictly increases, and replay of any version
 * (lib/replay.ts, snapshots included) equals the fold of that prefix.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commandLookupVersion, planAppend } from '../resolvers/lib/append';
import type { Command } from '../resolvers/lib/commands';
import type { DomainEvent } from '../resolvers/lib/events';
import { SNAPSHOT_INTERVAL } from '../resolvers/lib/mark';
import { replayFromReads, replayReads } from '../resolvers/lib/replay';
import { fold, isLive, type MarkState } from '../resolvers/lib/state';
import { formatDateTime } from '../resolvers/lib/time';
import { ENTITLEMENT } from './support/given';

class MemoryStore {
  events = new Map<string, DomainEvent[]>();
  views = new Map<string, MarkState>();
  snapshots = new Map<string, Map<number, MarkState>>();

  run(command: Command, now: string, randomId: string) {
    const view = this.views.get(command.mark) ?? null;
    const stream = this.events.get(command.mark) ?? [];
    const lookup = commandLookupVersion(command, view);
    const stored = lookup === null ? null : (stream.find((e) => e.version === lookup) ?? null);
    const plan = planAppend(command, view, stored, { now, randomId });
    if (plan.kind !== 'append') return plan;
    // the transaction's conditions: the event slot is free and the view is where it was read
    expect(stream.some((e) => e.version === plan.event.version)).toBe(false);
    expect(view ? view.version : null).toBe(plan.viewVersion);
    this.events.set(command.mark, [...stream, plan.event]);
    this.views.set(command.mark, plan.view);
    if (plan.snapshot) {
      const snaps = this.snapshots.get(command.mark) ?? new Map();
      snaps.set(plan.event.version, plan.view);
      this.snapshots.set(command.mark, snaps);
    }
    return plan;
  }

  /** getMarkAt(version) as the pipeline computes it: the items replayReads names, then replayFromReads */
  replay(mark: string, version: number): MarkState | null {
    const view = this.views.get(mark) ?? null;
    const reads = replayReads(version);
    expect(reads.events.length).toBeLessThan(SNAPSHOT_INTERVAL);
    const snapshot = reads.snapshot === null ? null : (this.snapshots.get(mark)?.get(reads.snapshot) ?? null);
    const events = (this.events.get(mark) ?? []).filter((e) => reads.events.includes(e.version));
    const folded = replayFromReads(view, version, snapshot, events);
    if (!folded.ok) throw new Error(folded.message);
    return folded.state;
  }
}

const MARKS = ['AB 1', 'CD 2'];
const KINDS = ['releaseMark', 'createEntitlement', 'extendEntitlement', 'changeAddress', 'changeNominee', 'issueDuplicateCertificate', 'lockMark', 'unlockMark', 'forgetMark'] as const;

const step = fc.record({
  kind: fc.constantFrom(...KINDS),
  mark: fc.constantFrom(...MARKS),
  /** 0: the current version; otherwise an offset from it (a stale or future expectation) */
  versionOffset: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -3, max: 2 }) }),
  commandId: fc.option(fc.constantFrom('c1', 'c2', 'c3'), { nil: undefined }),
  /** clock movement in ms before this command: sometimes backwards, sometimes past a lock's end */
  tick: fc.oneof(fc.integer({ min: -5_000, max: 5_000 }), fc.constant(11 * 60 * 1000)),
  expiryDays: fc.integer({ min: 1, max: 5000 }),
  nominee: fc.constantFrom('Mr A', 'Ms B', 'Dr C'),
});

type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

function toCommand(s: Step, current: number): Command {
  const common = { mark: s.mark, commandId: s.commandId };
  const expectedVersion = Math.max(1, current + s.versionOffset);
  switch (s.kind) {
    case 'releaseMark':
      return { ...common, kind: s.kind, price: 100 };
    case 'createEntitlement':
      return { ...common, kind: s.kind, status: 'MARK_ASSIGNED', entitlement: ENTITLEMENT };
    case 'extendEntitlement':
      return { ...common, kind: s.kind, expectedVersion, expiryTime: formatDateTime(1_700_000_000_000 + s.expiryDays * 86_400_000) };
    case 'changeAddress':
      return { ...common, kind: s.kind, expectedVersion, address: { addLine1: `${s.expiryDays} Road`, postTown: 'Leeds', postcode: 'LS1 1AA' } };
    case 'changeNominee':
      return { ...common, kind: s.kind, expectedVersion, nomineeName: s.nominee };
    default:
      return { ...common, kind: s.kind, expectedVersion };
  }
}

describe('random command sequences (in-memory store)', () => {
  it('keep view == fold(events), contiguous versions, valid snapshots and replay', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 160 }), (steps) => {
        const store = new MemoryStore();
        let clock = 1_714_560_000_000;
        let n = 0;
        for (const s of steps) {
          clock += s.tick;
          n += 1;
          const command = toCommand(s, store.views.get(s.mark)?.version ?? 0);
          const outcome = store.run(command, formatDateTime(clock), `id-${n}-abcdefghijklmnopqrstuvwxyz`);
          if (outcome.kind === 'retry') expect(outcome.event.commandId).toBe(command.commandId);
          for (const mark of MARKS) {
            const events = store.events.get(mark) ?? [];
            expect(events.map((e) => e.version)).toEqual(events.map((_, i) => i + 1));
            for (let i = 1; i < events.length; i += 1) expect(events[i].recordedAt > events[i - 1].recordedAt).toBe(true);
            expect(store.views.get(mark) ?? null).toEqual(fold(events));
            for (const [version, snapshot] of store.snapshots.get(mark) ?? []) expect(snapshot).toEqual(fold(events.slice(0, version)));
          }
        }
        for (const mark of MARKS) {
          const events = store.events.get(mark) ?? [];
          const view = store.views.get(mark);
          const historyStartsAt = view?.historyStartsAt ?? 1;
          for (let version = 1; version <= events.length; version += 1) {
            const expected = version < historyStartsAt ? null : fold(events.slice(0, version));
            expect(store.replay(mark, version)).toEqual(isLive(expected) ? expected : null);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('replays long streams from snapshots with a bounded number of events', () => {
    const store = new MemoryStore();
    let clock = 1_714_560_000_000;
    store.run({ kind: 'releaseMark', mark: 'LONG 1', price: 1 }, formatDateTime(clock), 'r');
    for (let v = 1; v < 260; v += 1) {
      clock += 1000;
      const kind = v % 2 === 1 ? 'lockMark' : 'unlockMark';
      const plan = store.run({ kind, mark: 'LONG 1', expectedVersion: v }, formatDateTime(clock), 'r');
      expect(plan.kind).toBe('append');
    }
    expect(store.snapshots.get('LONG 1')?.size).toBe(Math.floor(260 / SNAPSHOT_INTERVAL));
    const events = store.events.get('LONG 1')!;
    for (const version of [1, 49, 50, 51, 99, 100, 149, 199, 201, 259, 260]) expect(store.replay('LONG 1', version)).toEqual(fold(events.slice(0, version)));
  });
});
