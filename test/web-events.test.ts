/**
 * The merge of a mark's events in web/src/events.ts, on its own: version order, each version once,
 * and a live-only reader (the API key, which may not list events) giving up on a hole it can never
 * fill instead of holding back every later event (the public mark page once showed none).
 */
import { describe, expect, it } from 'vitest';
import { EventMerger } from '../web/src/events';

const ev = (version: number) => ({ version });
const versions = (events: { version: number }[]) => events.map((e) => e.version);

describe('EventMerger', () => {
  it('applies in version order, holds an event ahead of a gap, and drops duplicates', () => {
    const merger = new EventMerger<{ version: number }>(1);
    expect(versions(merger.deliver(ev(3)))).toEqual([]);
    expect(versions(merger.deliver(ev(2)))).toEqual([2, 3]);
    expect(versions(merger.deliver(ev(3)))).toEqual([]);
    expect(versions(merger.deliver(ev(1)))).toEqual([]);
    expect(merger.duplicates).toBe(2);
    expect(merger.lastSeen).toBe(3);
  });

  it('skipTo gives up on the versions before a point: the next one expected is after it', () => {
    const merger = new EventMerger<{ version: number }>();
    expect(versions(merger.deliver(ev(5)))).toEqual([]);
    merger.skipTo(4);
    expect(merger.lastSeen).toBe(4);
    // 5, held before the skip, is next now: it applies with the event that follows it
    expect(versions(merger.deliver(ev(6)))).toEqual([5, 6]);
    expect(versions(merger.deliver(ev(5)))).toEqual([]);
    merger.skipTo(2); // never backwards
    expect(merger.lastSeen).toBe(6);
    expect(versions(merger.deliver(ev(6)))).toEqual([]);
  });
});
