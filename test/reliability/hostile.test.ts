/**
 * Hostile documents (issue 10): while one attacker sends fragment fan-out (2^30 spreads in
 * 1.3 KB, over HTTP and as a subscription), alias fan-out, variables nested 100,000 deep,
 * more subscriptions than a connection may hold and a connection that never reads, and writers
 * keep committing, a well-behaved client reads a mark in a loop. The file reports what was
 * attempted, acknowledged, lost (must be 0: every acknowledged event stored) and rejected, and
 * the time the well-behaved client waited (p50 / p99; the target is p99 under 100 ms, asserted
 * here only with a generous bound since the machine is shared).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeader, connectRealtime, MAX_SUBSCRIPTIONS_PER_CONNECTION, type RealtimeClient } from 'appsync-local';
import { startTestStack, type TestStack } from '../support/stack';
import { aliasFanOutQuery, deepVariablesBody, fragmentChainQuery, fragmentChainSubscription } from '../support/hostile';
import { command, freshMark, getMark, ok } from '../support/marks';
import { Tally, settleLosses, type Acknowledged } from '../support/reliability';

const ROUNDS = 6;
const GENEROUS_P99_MS = 5_000;

let stack: TestStack;
const tally = new Tally('hostile');
const acknowledged: Acknowledged[] = [];
const clients: RealtimeClient[] = [];

beforeAll(async () => {
  stack = await startTestStack({ label: 'relhostile', realtime: { maxBufferedBytes: 256 * 1024 } });
});

afterAll(async () => {
  try {
    await settleLosses(stack, tally, acknowledged);
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    await stack?.stop();
  }
});

async function connect(): Promise<RealtimeClient> {
  // staff: the slow reader selects MarkEvent.data, which is not the API key's (schema.graphql)
  const client = await connectRealtime({ url: stack.realtimeUrl, apiKey: stack.apiKey, authorization: { Authorization: await stack.token('staff') } });
  clients.push(client);
  await client.init();
  return client;
}

/** One hostile operation: counted as rejected when refused with an error, answered otherwise. */
async function attempt(run: () => Promise<boolean>): Promise<void> {
  tally.attempted += 1;
  if (await run()) tally.add('hostile answered');
  else tally.rejected += 1;
}

async function write(): Promise<void> {
  tally.attempted += 1;
  const outcome = await command(stack, 'releaseMark', { mark: freshMark('HW'), price: 7, commandId: `hw-${tally.attempted}` });
  if (outcome.data) {
    tally.acknowledged += 1;
    acknowledged.push({ mark: outcome.data.mark, version: outcome.data.version, type: outcome.data.type, commandId: outcome.data.commandId });
  } else {
    tally.rejected += 1;
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

describe('hostile documents beside a well-behaved client', () => {
  it('answers the well-behaved client throughout, loses nothing and refuses what AppSync refuses', async () => {
    const mark = freshMark('HB');
    await ok(stack, 'releaseMark', { mark, price: 1 }).then((e) => acknowledged.push({ mark: e.mark, version: e.version, type: e.type, commandId: e.commandId }));
    const host = new URL(stack.realtimeUrl).host;

    // The same reads without hostile load first: on a shared machine, the figure to compare with.
    const baseline: number[] = [];
    for (let i = 0; i < 100; i++) {
      const started = performance.now();
      await getMark(stack, mark);
      baseline.push(performance.now() - started);
    }
    baseline.sort((a, b) => a - b);
    tally.add('baseline wait p99 ms', Math.round(percentile(baseline, 99)));

    // The stack runs in this process: how long its event loop was held, whatever the CPU contention.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    let hostileRunning = true;
    let phase = 'documents' as 'documents' | 'slow reader';
    const waits: number[] = [];
    const byPhase: Record<typeof phase, number[]> = { documents: [], 'slow reader': [] };
    const wellBehaved = (async () => {
      while (hostileRunning) {
        const started = performance.now();
        const read = await getMark(stack, mark);
        waits.push(performance.now() - started);
        byPhase[phase].push(performance.now() - started);
        expect(read.data).toMatchObject({ mark });
      }
    })();

    const subscriber = await connect();
    const slow = await connect();
    const hostile = async () => {
      for (let round = 0; round < ROUNDS; round++) {
        await Promise.all([
          attempt(async () => !(await stack.gql(fragmentChainQuery(mark))).body.errors),
          attempt(async () => !(await stack.gql(aliasFanOutQuery(40))).body.errors),
          attempt(async () => !(await stack.post(deepVariablesBody(`query { getMark(mark: "${mark}") { mark } }`, 100_000), { 'x-api-key': stack.apiKey })).body.errors),
          attempt(async () => (await subscriber.start(`chain${round}`, fragmentChainSubscription(mark))).type === 'start_ack'),
          attempt(async () => {
            subscriber.send({
              id: `deep${round}`,
              type: 'start',
              payload: { data: deepVariablesBody('subscription On($deep: ID) { onMarkEvent(mark: $deep) { mark } }', 100_000), extensions: { authorization: authHeader(stack.apiKey, host) } },
            });
            return (await subscriber.next((m) => m.id === `deep${round}`)).type === 'start_ack';
          }),
          ...Array.from({ length: 10 }, () => write()),
        ]);
      }
      // Oversized subscriptions: the connection's quota, then one more.
      for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_CONNECTION + 1; i++) {
        await attempt(async () => (await slow.start(`s${i}`, 'subscription { onMarkEvent { mark version type recordedAt commandId data } }')).type === 'start_ack');
      }
      // The slow reader: stops reading while every write reaches its 100 subscriptions.
      phase = 'slow reader';
      (slow.socket as unknown as { _socket: { pause(): void } })._socket.pause();
      const closedBefore = stack.realtime.stats().slowReadersClosed;
      for (let batch = 0; batch < 150 && stack.realtime.stats().slowReadersClosed === closedBefore; batch++) {
        await Promise.all(Array.from({ length: 10 }, () => write()));
      }
      tally.add('slow readers closed', stack.realtime.stats().slowReadersClosed - closedBefore);
    };

    await hostile();
    hostileRunning = false;
    await wellBehaved;
    loopDelay.disable();
    tally.add('event loop delay p99 ms', Math.round(loopDelay.percentile(99) / 1e6));
    tally.add('event loop delay max ms', Math.round(loopDelay.max / 1e6));

    const sorted = [...waits].sort((a, b) => a - b);
    const p99 = percentile(sorted, 99);
    tally.add('well-behaved reads', waits.length);
    tally.add('well-behaved wait p50 ms', Math.round(percentile(sorted, 50)));
    tally.add('well-behaved wait p99 ms', Math.round(p99));
    for (const [name, list] of Object.entries(byPhase)) tally.add(`p99 ms during ${name}`, Math.round(percentile(list.sort((a, b) => a - b), 99)));
    console.log(
      `[reliability] hostile: well-behaved client p99 ${p99.toFixed(1)} ms under hostile load, ${percentile(baseline, 99).toFixed(1)} ms without ` +
        `(target under 100 ms: ${p99 < 100 ? 'met' : 'MISSED'})`,
    );

    // Refused: alias fan-out and deep variables over HTTP and WebSocket each round, and the 101st subscription.
    expect(tally.rejected).toBe(ROUNDS * 3 + 1);
    expect(tally.extra['hostile answered']).toBe(ROUNDS * 2 + MAX_SUBSCRIPTIONS_PER_CONNECTION);
    expect(tally.extra['slow readers closed']).toBe(1);
    expect(p99).toBeLessThan(GENEROUS_P99_MS);
  });
});
