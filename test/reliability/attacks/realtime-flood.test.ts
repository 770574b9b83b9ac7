/**
 * One real-time connection does not freeze the GraphQL endpoint (issue 24, part 3). From a process
 * of its own, an attacker with the public API key opens one connection and sends `start` messages
 * of a valid 10 KB subscription as fast as its socket takes them, each stopped at once, for a few
 * seconds, while a well-behaved client reads a mark over HTTP (test/support/attack.ts). The
 * connection's starts run one at a time and past a burst are refused at a steady rate
 * (REALTIME_SAFEGUARDS): the flood waits behind itself, every stop is answered and no
 * subscription is left behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REALTIME_SAFEGUARDS } from 'appsync-local';
import { reportAttack, wellBehavedDuring } from '../../support/attack';
import { startHostileLoad, TEN_KB_SUBSCRIPTION, type HostileLoad } from '../../support/hostile-load';
import { freshMark, ok } from '../../support/marks';
import { Tally } from '../../support/reliability';
import { startTestStack, type TestStack } from '../../support/stack';

const FLOOD_MS = 6_000;

let stack: TestStack;
let load: HostileLoad | undefined;
const tally = new Tally('attack realtime flood');

beforeAll(async () => {
  stack = await startTestStack({ label: 'attflood' });
  load = await startHostileLoad();
});

afterAll(async () => {
  tally.print();
  try {
    await load?.stop();
  } finally {
    await stack?.stop();
  }
});

describe('a flood of starts on one real-time connection', () => {
  it('is answered start by start while the well-behaved client is served', async () => {
    expect(Buffer.byteLength(TEN_KB_SUBSCRIPTION)).toBeGreaterThan(10_000);
    const mark = freshMark('FL');
    await ok(stack, 'releaseMark', { mark, price: 1 });
    await load!.run({ kind: 'connect', target: { graphqlUrl: stack.graphqlUrl, realtimeUrl: stack.realtimeUrl, apiKey: stack.apiKey, staffToken: await stack.token('staff') } });
    const refusedBefore = stack.realtime.stats().startsRefused;
    const figures = await wellBehavedDuring(stack, mark, async () => {
      const out = await load!.run({ kind: 'start flood', ms: FLOOD_MS });
      tally.merge(out.tally);
    });
    reportAttack(tally, 'real-time start flood', figures);
    const sent = tally.extra['flood starts sent']!;
    const acknowledged = tally.extra['flood starts acknowledged'] ?? 0;
    const refused = tally.extra['flood starts refused LimitExceededError'] ?? 0;
    tally.rejected += refused;
    // every stop answered; a start acknowledged, refused past the connection's rate, or stopped
    // before its turn came (its stop's `complete` is its answer)
    expect(tally.extra['flood stops completed']).toBe(sent);
    expect(acknowledged + refused).toBeLessThanOrEqual(sent);
    // at most the burst, then the steady rate (a little slack for the seconds' edges)
        expect(acknowledged).toBeLessThanOrEqual(REALTIME_SAFEGUARDS.startBurst + REALTIME_SAFEGUARDS.startsPerSecond * (FLOOD_MS / 1000 + 60));
    expect(stack.realtime.stats().startsRefused - refusedBefore).toBe(refused);
    expect(stack.realtime.stats().subscriptions).toBe(0);
  });
});
