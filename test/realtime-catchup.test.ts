/**
 * Catch-up after a reconnect (docs/SUBSCRIPTIONS.md): subscribe first and wait for start_ack,
 * then read the gap with listMarkEvents(mark, fromVersion: lastSeen + 1), then merge by version.
 * A subscription alone is at-most-once — AppSync does not replay what was published while a
 * client was away ("Building a real-time WebSocket client in AWS AppSync",
 * https://docs.aws.amazon.com/appsync/latest/devguide/real-time-websocket-client.html) — so
 * this test commits an event in each window (while offline, between start_ack and the read,
 * after the read) and checks that the client applies every version once, in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRealtime, type RealtimeClient } from 'appsync-local';
import { startTestStack, type TestStack } from './support/stack';

interface MarkEvent {
  mark: string;
  version: number;
  type: string;
}

const EVENT = 'mark version type';

let stack: TestStack;
const clients: RealtimeClient[] = [];

beforeAll(async () => {
  stack = await startTestStack({ label: 'realtime-catchup' });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await stack?.stop();
});

async function mutate(field: string, inputType: string, input: Record<string, unknown>): Promise<MarkEvent> {
  // as staff: the API key may not mutate (docs/AUTHORIZATION.md); subscribers still use the API key
  const response = await stack.gql<Record<string, MarkEvent>>(`mutation($input: ${inputType}!) { ${field}(input: $input) { ${EVENT} } }`, { input }, { as: 'staff' });
  expect(response.body.errors).toBeUndefined();
  return response.body.data![field];
}

const lock = (mark: string, expectedVersion: number) => mutate('lockMark', 'LockMarkInput', { mark, expectedVersion });
const unlock = (mark: string, expectedVersion: number) => mutate('unlockMark', 'UnlockMarkInput', { mark, expectedVersion });

/** The client side of the pattern, as documented: apply in version order, each version once. */
function follower(lastSeen: number) {
  const applied: MarkEvent[] = [];
  const pending = new Map<number, MarkEvent>();
  let duplicates = 0;
  return {
    applied,
    get lastSeen() {
      return lastSeen;
    },
    get duplicates() {
      return duplicates;
    },
    deliver(event: MarkEvent) {
      if (event.version <= lastSeen || pending.has(event.version)) {
        duplicates++;
        return;
      }
      pending.set(event.version, event);
      while (pending.has(lastSeen + 1)) {
        const next = pending.get(lastSeen + 1)!;
        pending.delete(lastSeen + 1);
        applied.push(next);
        lastSeen = next.version;
      }
    },
  };
}

describe('subscribe, then read the gap, dedupe by version', () => {
  it('misses nothing and applies nothing twice across a reconnect', async () => {
    const mark = 'CU 1';
    // Online: the client sees version 1 live, then goes away.
    const first = await connectRealtime({ url: stack.realtimeUrl, apiKey: stack.apiKey });
    clients.push(first);
    await first.init();
    await first.start('s', `subscription($mark: ID) { onMarkEvent(mark: $mark) { ${EVENT} } }`, { mark });
    await mutate('releaseMark', 'ReleaseMarkInput', { mark, price: 120 });
    const seen = ((await first.next((m) => m.type === 'data')).payload as { data: { onMarkEvent: MarkEvent } }).data.onMarkEvent;
    expect(seen.version).toBe(1);
    await first.close();

    // Offline: versions 2 and 3 are committed and published to nobody.
    await lock(mark, 1);
    await unlock(mark, 2);

    // Reconnect. 1. Subscribe and wait for start_ack; buffer what arrives.
    const state = follower(seen.version);
    const again = await connectRealtime({ url: stack.realtimeUrl, apiKey: stack.apiKey });
    clients.push(again);
    again.onData((_id, payload) => state.deliver((payload as { data: { onMarkEvent: MarkEvent } }).data.onMarkEvent));
    await again.init();
    expect(await again.start('s', `subscription($mark: ID) { onMarkEvent(mark: $mark) { ${EVENT} } }`, { mark })).toMatchObject({ type: 'start_ack' });

    // Version 4 commits between the start_ack and the read: it will come both ways.
    await lock(mark, 3);
    await expect.poll(() => again.data('s').length, { timeout: 10_000 }).toBe(1);

    // 2. Read the gap from lastSeen + 1, page by page (a small limit to exercise nextToken).
    let nextToken: string | null = null;
    do {
      const page: { body: { data?: { listMarkEvents: { items: MarkEvent[]; nextToken: string | null } } | null; errors?: unknown[] } } = await stack.gql(
        `query($mark: ID!, $from: Int, $next: String) { listMarkEvents(mark: $mark, fromVersion: $from, limit: 2, nextToken: $next) { items { ${EVENT} } nextToken } }`,
        { mark, from: 2, next: nextToken },
        { as: 'staff' },
      );
      expect(page.body.errors).toBeUndefined();
      // 3. Merge by version.
      page.body.data!.listMarkEvents.items.forEach((event) => state.deliver(event));
      nextToken = page.body.data!.listMarkEvents.nextToken;
    } while (nextToken);

    // Version 5 commits after the read: live only.
    await unlock(mark, 4);
    await expect.poll(() => state.lastSeen, { timeout: 10_000 }).toBe(5);

    expect(state.applied.map((e) => e.version)).toEqual([2, 3, 4, 5]);
    expect(state.applied.map((e) => e.type)).toEqual(['MARK_LOCKED', 'MARK_UNLOCKED', 'MARK_LOCKED', 'MARK_UNLOCKED']);
    expect(state.applied.every((e) => e.mark === mark)).toBe(true);
    // Version 4 arrived live and from the read, and was applied once.
    expect(state.duplicates).toBe(1);
  });

  it('applies a live event that overtakes the read only after the ones before it', () => {
    const state = follower(1);
    state.deliver({ mark: 'X', version: 4, type: 'MARK_LOCKED' }); // live, ahead of the gap
    expect(state.applied).toEqual([]);
    state.deliver({ mark: 'X', version: 2, type: 'MARK_LOCKED' });
    state.deliver({ mark: 'X', version: 3, type: 'MARK_UNLOCKED' });
    expect(state.applied.map((e) => e.version)).toEqual([2, 3, 4]);
  });
});
