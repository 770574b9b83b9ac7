/**
 * Mutation-to-delivery latency of onMarkEvent on the local stack.
 *
 *   npx tsx bench/subscriptions.ts [--subscribers 100] [--mutations 300] [--warmup 30] [--port 0]
 *
 * Starts the whole local stack (DynamoDB Local in memory, the APPSYNC_JS resolvers, the HTTP and
 * real-time endpoints), opens one WebSocket connection per subscriber, each subscribed to the
 * same mark with onMarkEvent(mark:), then commits lock/unlock mutations one after another over
 * HTTP. For every mutation and every subscriber it measures the time from sending the mutation
 * request to that subscriber receiving the `data` message — so a figure includes the resolver and
 * the DynamoDB transaction, not only the fan-out. It waits for all deliveries of a mutation
 * before the next one, and prints p50/p99/max over all (mutation, subscriber) pairs.
 * Subscribers run in the same Node.js process as the stack: client-side JSON parsing competes
 * with the server for the event loop, which makes the figures pessimistic.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { connectRealtime, type RealtimeClient } from '../local/realtime/client';
import { startStack, type Stack } from '../local/stack';

export interface SubscriptionBenchOptions {
  subscribers?: number;
  mutations?: number;
  warmup?: number;
  log?: (line: string) => void;
}

export interface SubscriptionBenchResult {
  subscribers: number;
  mutations: number;
  deliveries: number;
  /** mutation request sent → data received, per (mutation, subscriber), ms */
  latency: { p50: number; p99: number; max: number };
  /** mutation HTTP round trip, ms */
  mutationRoundTrip: { p50: number; p99: number };
  /** first → last delivery of one mutation across all subscribers, ms */
  fanOutSpread: { p50: number; p99: number };
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const round = (n: number) => Math.round(n * 100) / 100;

export async function benchSubscriptions(options: SubscriptionBenchOptions = {}): Promise<SubscriptionBenchResult> {
  const subscribers = options.subscribers ?? 100;
  const mutations = options.mutations ?? 300;
  const warmup = options.warmup ?? 30;
  const log = options.log ?? (() => {});
  const buildRoot = mkdtempSync(join(tmpdir(), 'mark-api-bench-'));
  let stack: Stack | undefined;
  const clients: RealtimeClient[] = [];
  const agent = new Agent({ keepAlive: true });
  try {
    stack = await startStack({ inMemory: true, buildRoot, tablePrefix: 'bench_', log });
    const gql = (query: string, variables: Record<string, unknown>) =>
      new Promise<{ data?: Record<string, unknown>; errors?: unknown[] }>((resolve, reject) => {
        const req = request(stack!.graphqlUrl, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'x-api-key': stack!.apiKey } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        });
        req.on('error', reject);
        req.end(JSON.stringify({ query, variables }));
      });
    const mark = 'BEN 1';
    const released = await gql('mutation($input: ReleaseMarkInput!) { releaseMark(input: $input) { version } }', { input: { mark, price: 100 } });
    if (released.errors) throw new Error(`releaseMark failed: ${JSON.stringify(released.errors)}`);

    // version → per-subscriber arrival times of the current mutation
    let expectVersion = 0;
    let arrivals: number[] = [];
    let allArrived: () => void = () => {};
    for (let i = 0; i < subscribers; i++) {
      const client = await connectRealtime({ url: stack.realtimeUrl, apiKey: stack.apiKey });
      clients.push(client);
      await client.init();
      client.onData((_id, payload) => {
        const now = performance.now();
        const event = (payload as { data: { onMarkEvent: { version: number } } }).data.onMarkEvent;
        if (event.version !== expectVersion) return;
        arrivals.push(now);
        if (arrivals.length === subscribers) allArrived();
      });
      const ack = await client.start('bench', 'subscription($mark: ID) { onMarkEvent(mark: $mark) { mark version type recordedAt } }', { mark });
      if (ack.type !== 'start_ack') throw new Error(`subscription refused: ${JSON.stringify(ack)}`);
    }
    log(`${subscribers} subscribers connected (${JSON.stringify(stack.realtime.stats())})`);

    const latencies: number[] = [];
    const roundTrips: number[] = [];
    const spreads: number[] = [];
    let version = 1;
    for (let n = 0; n < warmup + mutations; n++) {
      const locking = version % 2 === 1;
      expectVersion = version + 1;
      arrivals = [];
      const delivered = new Promise<void>((resolve) => (allArrived = resolve));
      const sent = performance.now();
      const result = await gql(
        locking
          ? 'mutation($input: LockMarkInput!) { lockMark(input: $input) { mark version type recordedAt } }'
          : 'mutation($input: UnlockMarkInput!) { unlockMark(input: $input) { mark version type recordedAt } }',
        { input: { mark, expectedVersion: version } },
      );
      const answered = performance.now();
      if (result.errors) throw new Error(`mutation failed: ${JSON.stringify(result.errors)}`);
      await Promise.race([
        delivered,
        new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${arrivals.length}/${subscribers} deliveries of version ${expectVersion} within 10 s`)), 10_000)),
      ]);
      version++;
      if (n < warmup) continue;
      for (const t of arrivals) latencies.push(t - sent);
      roundTrips.push(answered - sent);
      spreads.push(Math.max(...arrivals) - Math.min(...arrivals));
    }
    latencies.sort((a, b) => a - b);
    roundTrips.sort((a, b) => a - b);
    spreads.sort((a, b) => a - b);
    return {
      subscribers,
      mutations,
      deliveries: latencies.length,
      latency: { p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)), max: round(latencies[latencies.length - 1]) },
      mutationRoundTrip: { p50: round(percentile(roundTrips, 50)), p99: round(percentile(roundTrips, 99)) },
      fanOutSpread: { p50: round(percentile(spreads, 50)), p99: round(percentile(spreads, 99)) },
    };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    agent.destroy();
    await stack?.stop();
    rmSync(buildRoot, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { subscribers: { type: 'string' }, mutations: { type: 'string' }, warmup: { type: 'string' }, verbose: { type: 'boolean' } },
  });
  const result = await benchSubscriptions({
    subscribers: values.subscribers ? Number(values.subscribers) : undefined,
    mutations: values.mutations ? Number(values.mutations) : undefined,
    warmup: values.warmup ? Number(values.warmup) : undefined,
    log: values.verbose ? (line) => console.error(line) : undefined,
  });
  console.log(`onMarkEvent, ${result.subscribers} subscribers, ${result.mutations} mutations (${result.deliveries} deliveries)`);
  console.log(`  mutation sent → data received   p50 ${result.latency.p50} ms   p99 ${result.latency.p99} ms   max ${result.latency.max} ms`);
  console.log(`  mutation HTTP round trip        p50 ${result.mutationRoundTrip.p50} ms   p99 ${result.mutationRoundTrip.p99} ms`);
  console.log(`  first → last subscriber         p50 ${result.fanOutSpread.p50} ms   p99 ${result.fanOutSpread.p99} ms`);
  console.log(`  target p99 < 50 ms: ${result.latency.p99 < 50 ? 'met' : 'NOT met'}`);
}
