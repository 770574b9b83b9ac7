/**
 * Mutation-to-delivery latency of onMarkEvent on the local stack.
 *
 *   npx tsx bench/subscriptions.ts [--subscribers 100] [--mutations 300] [--warmup 30] [--verbose]
 *
 * Starts the whole local stack (DynamoDB Local in memory, the APPSYNC_JS resolvers, the HTTP and
 * real-time endpoints). A worker thread — standing in for the clients, with its own event loop so
 * that their JSON parsing does not queue behind the server's work — opens one WebSocket
 * connection per subscriber, each subscribed to the same mark with onMarkEvent(mark:). The main
 * thread then commits lock/unlock mutations one after another over HTTP, waiting for all
 * deliveries of one before the next. For every (mutation, subscriber) pair it measures, on the
 * machine's clock (performance.timeOrigin + now(), comparable across threads):
 *   - committed → received: from the moment the endpoint holds the committed mutation's result
 *     (the onMutationResult hook, which runs just before the real-time endpoint publishes) to the
 *     subscriber's `data` message — the subscription system's own latency, the one with the
 *     p99 < 50 ms target;
 *   - request → received: from sending the mutation request, adding the resolver and the
 *     DynamoDB Local transaction, which on a loaded machine dominates.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { startStack, type Stack } from '../local/stack';
import { summarize } from './stats';

export interface SubscriptionBenchOptions {
  /**
   * A running stack to measure (npm run bench). Its onMutationResult must be wired to
   * `committedAt` (see bench/run.ts); without a stack, one is started here.
   */
  stack?: Stack;
  /** with `stack`: the clock time of the last committed mutation, taken in onMutationResult */
  committedAt?: () => number;
  /** the mark the subscribers follow (default "BEN 1") */
  mark?: string;
  subscribers?: number;
  mutations?: number;
  warmup?: number;
  log?: (line: string) => void;
}

interface Percentiles {
  p50: number;
  p99: number;
  max: number;
}

export interface SubscriptionBenchResult {
  subscribers: number;
  mutations: number;
  deliveries: number;
  /** committed (result handed to the publisher) → data received, per (mutation, subscriber), ms */
  latency: Percentiles;
  /** mutation request sent → data received, per (mutation, subscriber), ms */
  endToEnd: Percentiles;
  /** mutation HTTP round trip, ms */
  mutationRoundTrip: Percentiles;
  /** first → last delivery of one mutation across all subscribers, ms */
  fanOutSpread: Percentiles;
}

/**
 * The subscribers, as plain JavaScript for a worker thread (eval'd: no TypeScript loader needed).
 * Speaks AppSync's protocol with `ws`; reports, per version, every subscriber's arrival time.
 */
const SUBSCRIBERS_WORKER = `
const WebSocket = require('ws');
const { parentPort, workerData } = require('node:worker_threads');
const { url, apiKey, host, mark, count } = workerData;
const now = () => performance.timeOrigin + performance.now();
const header = Buffer.from(JSON.stringify({ host, 'x-api-key': apiKey })).toString('base64');
const arrivals = new Map();
const sockets = [];
function record(version, t) {
  let list = arrivals.get(version);
  if (!list) arrivals.set(version, (list = []));
  list.push(t);
  if (list.length === count) {
    arrivals.delete(version);
    parentPort.postMessage({ type: 'delivered', version, arrivals: list });
  }
}
function open(i) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url + '?header=' + header + '&payload=e30=', ['graphql-ws']);
    sockets.push(ws);
    ws.on('error', reject);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
    ws.on('message', (raw) => {
      const t = now();
      const message = JSON.parse(raw.toString());
      if (message.type === 'connection_ack') {
        ws.send(JSON.stringify({
          id: 'bench-' + i,
          type: 'start',
          payload: {
            data: JSON.stringify({
              query: 'subscription($mark: ID) { onMarkEvent(mark: $mark) { mark version type recordedAt } }',
              variables: { mark },
            }),
            extensions: { authorization: { host, 'x-api-key': apiKey } },
          },
        }));
      } else if (message.type === 'start_ack') resolve();
      else if (message.type === 'error' || message.type === 'connection_error') reject(new Error(raw.toString()));
      else if (message.type === 'data') record(message.payload.data.onMarkEvent.version, t);
    });
  });
}
(async () => {
  for (let i = 0; i < count; i++) await open(i);
  parentPort.postMessage({ type: 'ready' });
})().catch((error) => parentPort.postMessage({ type: 'failed', error: String(error) }));
parentPort.on('message', (m) => {
  if (m === 'close') {
    for (const ws of sockets) ws.close();
    setTimeout(() => process.exit(0), 100);
  }
});
`;

function stats(values: number[]): Percentiles {
  const s = summarize(values);
  const round = (n: number) => Math.round(n * 100) / 100;
  return { p50: round(s.median), p99: round(s.p99), max: round(s.max) };
}

/** The machine's clock, comparable across threads (what onMutationResult and the subscribers stamp). */
export const clock = () => performance.timeOrigin + performance.now();

export async function benchSubscriptions(options: SubscriptionBenchOptions = {}): Promise<SubscriptionBenchResult> {
  const subscribers = options.subscribers ?? 100;
  const mutations = options.mutations ?? 300;
  const warmup = options.warmup ?? 30;
  const log = options.log ?? (() => {});
  const owned = !options.stack;
  if (options.stack && !options.committedAt) throw new Error('benchSubscriptions: a given stack needs committedAt');
  const buildRoot = owned ? mkdtempSync(join(tmpdir(), 'mark-api-bench-')) : undefined;
  const agent = new Agent({ keepAlive: true });
  let stack: Stack | undefined = options.stack;
  let worker: Worker | undefined;
  try {
    // onMutationResult listeners run before the real-time endpoint's own (it attaches after the
    // server starts), so this timestamp is taken right before the publish.
    let committed = 0;
    const committedAt = options.committedAt ?? (() => committed);
    if (owned) stack = await startStack({ inMemory: true, buildRoot, tablePrefix: 'bench_', log, onMutationResult: () => (committed = clock()) });
    if (!stack) throw new Error('no stack');
    const { graphqlUrl, apiKey } = stack;
    const gql = (query: string, variables: Record<string, unknown>) =>
      new Promise<{ data?: Record<string, unknown>; errors?: unknown[] }>((resolve, reject) => {
        const req = request(graphqlUrl, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'x-api-key': apiKey } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        });
        req.on('error', reject);
        req.end(JSON.stringify({ query, variables }));
      });
    const mark = options.mark ?? 'BEN 1';
    const released = await gql('mutation($input: ReleaseMarkInput!) { releaseMark(input: $input) { version } }', { input: { mark, price: 100 } });
    if (released.errors) throw new Error(`releaseMark failed: ${JSON.stringify(released.errors)}`);

    const deliveries = new Map<number, (arrivals: number[]) => void>();
    worker = new Worker(SUBSCRIBERS_WORKER, {
      eval: true,
      workerData: { url: stack.realtimeUrl, apiKey, host: new URL(graphqlUrl).host, mark, count: subscribers },
    });
    await new Promise<void>((resolve, reject) => {
      worker!.on('error', reject);
      worker!.on('message', (m: { type: string; version?: number; arrivals?: number[]; error?: string }) => {
        if (m.type === 'ready') resolve();
        else if (m.type === 'failed') reject(new Error(m.error));
        else if (m.type === 'delivered') deliveries.get(m.version!)?.(m.arrivals!);
      });
    });
    log(`${subscribers} subscribers connected: ${JSON.stringify(stack.realtime.stats())}`);

    const latency: number[] = [];
    const endToEnd: number[] = [];
    const roundTrips: number[] = [];
    const spreads: number[] = [];
    let version = 1;
    for (let n = 0; n < warmup + mutations; n++) {
      const next = version + 1;
      const delivered = new Promise<number[]>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`version ${next} not delivered to all ${subscribers} subscribers within 10 s`)), 10_000);
        deliveries.set(next, (arrivals) => {
          clearTimeout(timer);
          deliveries.delete(next);
          resolve(arrivals);
        });
      });
      const sent = clock();
      const result = await gql(
        version % 2 === 1
          ? 'mutation($input: LockMarkInput!) { lockMark(input: $input) { mark version type recordedAt } }'
          : 'mutation($input: UnlockMarkInput!) { unlockMark(input: $input) { mark version type recordedAt } }',
        { input: { mark, expectedVersion: version } },
      );
      const answered = clock();
      if (result.errors) throw new Error(`mutation failed: ${JSON.stringify(result.errors)}`);
      const committedTime = committedAt();
      const arrivals = await delivered;
      version = next;
      if (n < warmup) continue;
      for (const t of arrivals) {
        latency.push(t - committedTime);
        endToEnd.push(t - sent);
      }
      roundTrips.push(answered - sent);
      spreads.push(Math.max(...arrivals) - Math.min(...arrivals));
    }
    return {
      subscribers,
      mutations,
      deliveries: latency.length,
      latency: stats(latency),
      endToEnd: stats(endToEnd),
      mutationRoundTrip: stats(roundTrips),
      fanOutSpread: stats(spreads),
    };
  } finally {
    if (worker) {
      worker.postMessage('close');
      await new Promise((resolve) => worker!.once('exit', resolve));
    }
    agent.destroy();
    if (owned) {
      await stack?.stop();
      rmSync(buildRoot!, { recursive: true, force: true });
    }
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
  const line = (label: string, p: Percentiles) => console.log(`  ${label.padEnd(32)} p50 ${p.p50} ms   p99 ${p.p99} ms   max ${p.max} ms`);
  console.log(`onMarkEvent: ${result.subscribers} subscribers, ${result.mutations} mutations, ${result.deliveries} deliveries`);
  line('committed → received', result.latency);
  line('request sent → received', result.endToEnd);
  line('mutation HTTP round trip', result.mutationRoundTrip);
  line('first → last subscriber', result.fanOutSpread);
  console.log(`  target p99 < 50 ms (committed → received): ${result.latency.p99 < 50 ? 'met' : 'NOT met'}`);
}
