/**
 * The merge of a mark's events in web/src/events.ts, on its own: version order, each version once,
 * and a live-only reader (the API key, which may not list events) giving up on a hole it can never
 * fill instead of holding back every later event (the public mark page once showed none); and
 * the follow's defence against forged events (issue 24).
 */
import { Hub } from 'aws-amplify/utils';
import { describe, expect, it } from 'vitest';
import { EventMerger, followMark, isEventOfMark, type Client, type MarkEvent } from '../web/src/events';
import { onMarkEvent } from '../web/src/graphql/operations';

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

/**
 * followMark against forged events (issue 24, part 1), with a client that plays AppSync: live
 * payloads are whatever a publisher made them, listMarkEvents answers what was recorded. The page
 * shows an event of its mark only: for a reader who may list, only as the list returns it; for a
 * live-only reader, none at or below the version its page read.
 */
describe('followMark never shows an event that was not recorded for its mark', () => {
  type Recorded = MarkEvent;
  const event = (mark: string, version: number, type: MarkEvent['type'], data = '{}'): Recorded => ({
    mark,
    version,
    type,
    recordedAt: `2026-12-06T10:00:0${version}.000Z`,
    eventTime: null,
    commandId: null,
    data,
    ownership: 3,
  });

  function fakeAppSync(mark: string, recorded: Recorded[]) {
    const live: { next?: (value: { data: { onMarkEvent: MarkEvent | null } }) => void } = {};
    const reads: number[] = [];
    const client = {
      graphql: (args: { query: string; variables: { fromVersion?: number } }) => {
        if (args.query === onMarkEvent) {
          return { subscribe: (handlers: { next: typeof live.next }) => ((live.next = handlers.next), { unsubscribe: () => {} }) };
        }
        const from = args.variables.fromVersion ?? 1;
        reads.push(from);
        return Promise.resolve({ data: { listMarkEvents: { items: recorded.filter((e) => e.version >= from), nextToken: null } } });
      },
    } as unknown as Client;
    return {
      client,
      reads,
      publish: (payload: MarkEvent) => live.next!({ data: { onMarkEvent: payload } }),
      // what Amplify dispatches once AppSync acknowledges the start
      acknowledge: () => Hub.dispatch('api', { event: 'Subscription ack', data: { query: onMarkEvent, variables: { mark } } }),
    };
  }

  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

  it('a reader who may list: a live payload only starts a read, and what is shown is what the read returns', async () => {
    const mark = 'ZZ1 ABC';
    const recorded = [event(mark, 1, 'MARK_RELEASED'), event(mark, 2, 'MARK_LOCKED')];
    const appsync = fakeAppSync(mark, recorded);
    const shown: MarkEvent[] = [];
    const follow = followMark({ client: appsync.client, mark, authMode: 'userPool', canList: true, onEvent: (e) => shown.push(e), onState: () => {}, onError: (e) => { throw e; } });
    appsync.acknowledge();
    await follow.ready;
    expect(shown.map((e) => e.version)).toEqual([1, 2]);

    // the forgery: another mark's command answer published as this mark's version 3
    appsync.publish({ ...event(mark, 3, 'MARK_PURCHASED'), commandId: 'x' });
    appsync.publish(event('AFC F5', 3, 'MARK_PURCHASED'));
    await settle();
    expect(shown.map((e) => e.version)).toEqual([1, 2]);
    expect(appsync.reads).toEqual([1, 3]); // the history, then one read for the payload of this mark; none for another mark's

    // a real version 3: shown as recorded, whatever the payload said
    recorded.push(event(mark, 3, 'MARK_UNLOCKED', '{"status":"MARK_AVAILABLE"}'));
    appsync.publish(event(mark, 3, 'MARK_PURCHASED', '{"price":1}'));
    await settle();
    expect(shown.map((e) => [e.version, e.type, e.data])).toEqual([
      [1, 'MARK_RELEASED', '{}'],
      [2, 'MARK_LOCKED', '{}'],
      [3, 'MARK_UNLOCKED', '{"status":"MARK_AVAILABLE"}'],
    ]);
    follow.stop();
  });

  it('a live-only reader: no event of another mark, none at or below the version its page read', async () => {
    const mark = 'ZZ2 ABC';
    const appsync = fakeAppSync(mark, []);
    const shown: MarkEvent[] = [];
    const follow = followMark({ client: appsync.client, mark, authMode: 'apiKey', canList: false, lastSeen: 2, onEvent: (e) => shown.push(e), onState: () => {}, onError: (e) => { throw e; } });
    appsync.acknowledge();
    await follow.ready;
    appsync.publish(event(mark, 2, 'MARK_PURCHASED'));
    appsync.publish(event('AFC F5', 3, 'MARK_PURCHASED'));
    appsync.publish({ ...event(mark, 3, 'MARK_LOCKED'), version: 2.5 });
    await settle();
    expect(shown).toEqual([]);
    appsync.publish(event(mark, 3, 'MARK_LOCKED'));
    await settle();
    expect(shown.map((e) => [e.mark, e.version])).toEqual([[mark, 3]]);
    expect(appsync.reads).toEqual([]); // the API key may not list
    follow.stop();
  });
});

describe('isEventOfMark', () => {
  it('holds for an event of the mark at a whole version from 1, and for nothing else', () => {
    const base = { mark: 'AB 12', version: 1 } as MarkEvent;
    expect(isEventOfMark(base, 'AB 12')).toBe(true);
    for (const bad of [null, undefined, { ...base, mark: 'AB  12' }, { ...base, mark: 'ab 12' }, { ...base, version: 0 }, { ...base, version: 1.5 }, { ...base, version: Number.NaN }]) {
      expect(isEventOfMark(bad as MarkEvent | null, 'AB 12')).toBe(false);
    }
  });
});
