/**
 * Mutation-to-delivery latency of onMarkEvent on the local stack.
 *
 *   npx tsx bench/subscriptions.ts [--subscribers 100] [--mutations 300] [--warmup 30] [--verbose]
 *
 * Starts the whole local stack (DynamoDB Local in memory, the APPSYNC_JS resolvers, the HTTP and
 * real-time endpoints), unless given one. The clients run in a load-generating process of their
 * own (bench/load-generator.ts), as they would on other machines: a worker thread there opens one
 * WebSocket connection per subscriber, each subscribed to the same mark with onMarkEvent(mark:),
 * and its main thread commits lock/unlock mutations one after another over HTTP, waiting for all
 * deliveries of one before the next. For every (mutation, subscriber) pair it measures, on the
 * machine's clock (performance.timeOrigin + now()):
 *   - committed → received: from the moment the endpoint holds the committed mutation's result
 *     (the onMutationResult hook, in this process, which runs just before the real-time endpoint
 *     publishes) to the subscriber's `data` message — the subscription system's own latency; the
 *     two processes' clocks are compared by IPC round trips first (clockOffset);
 *   - request → received: from sending the mutation request, adding the resolver and the
 *     DynamoDB Local transaction, both ends in the load generator.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { MutationResultListener } from 'appsync-local';
import { startStack, type Stack } from '../local/stack';
import { clock } from './job-process';
import { startLoadGenerator, type LoadGenerator } from './load-generator';
import { summarize } from './stats';

/**
 * When the endpoint committed each mutation of one watched mark, by version: wire `listener` to
 * the stack's onMutationResult (its listeners run before the real-time endpoint publishes).
 */
export interface CommitTimes {
  listener: MutationResultListener;
  /** start recording the mutations of `mark` (forgetting earlier ones) */
  watch(mark: string): void;
  /** the clock time the mutation that produced `version` of the watched mark committed */
  at(version: number): number | undefined;
}

export function commitTimes(): CommitTimes {
  let watched: string | undefined;
  const times = new Map<number, number>();
  return {
    listener(event) {
      if (watched === undefined) return;
      const t = clock();
      const data = event.data as { mark?: unknown; version?: unknown } | null;
      if (data?.mark === watched && typeof data.version === 'number') times.set(data.version, t);
    },
    watch(mark) {
      watched = mark;
      times.clear();
    },
    at: (version) => times.get(version),
  };
}

export interface SubscriptionBenchOptions {
  /**
   * A running stack to measure (npm run bench). Its onMutationResult must be wired to
   * `commits.listener` (see bench/run.ts); without a stack, one is started here.
   */
  stack?: Stack;
  /** with `stack`: the commit times its onMutationResult records */
  commits?: CommitTimes;
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
  /** the endpoint's clock minus the load generator's, and the IPC round trip it was read with, ms */
  clockOffset: { offsetMs: number; rttMs: number };
}

function stats(values: number[]): Percentiles {
  const s = summarize(values);
  const round = (n: number) => Math.round(n * 100) / 100;
  return { p50: round(s.median), p99: round(s.p99), max: round(s.max) };
}

export async function benchSubscriptions(options: SubscriptionBenchOptions = {}): Promise<SubscriptionBenchResult> {
  const subscribers = options.subscribers ?? 100;
  const mutations = options.mutations ?? 300;
  const warmup = options.warmup ?? 30;
  const mark = options.mark ?? 'BEN 1';
  const log = options.log ?? (() => {});
  const owned = !options.stack;
  if (options.stack && !options.commits) throw new Error('benchSubscriptions: a given stack needs commits');
  const commits = options.commits ?? commitTimes();
  const buildRoot = owned ? mkdtempSync(join(tmpdir(), 'mark-api-bench-')) : undefined;
  let stack: Stack | undefined = options.stack;
  let load: LoadGenerator | undefined;
  try {
    if (owned) stack = await startStack({ inMemory: true, buildRoot, tablePrefix: 'bench_', log, onMutationResult: commits.listener });
    if (!stack) throw new Error('no stack');
    load = await startLoadGenerator({ graphqlUrl: stack.graphqlUrl, realtimeUrl: stack.realtimeUrl, apiKey: stack.apiKey, authorization: (await stack.userPool.pool.tokensFor('staff')).AccessToken, dynamodbEndpoint: stack.dynamodbEndpoint, env: stack.env });
    const offset = await load.clockOffset();
    log(`load generator's clock: ${offset.offsetMs.toFixed(3)} ms behind the endpoint's (IPC round trip ${offset.rttMs.toFixed(3)} ms)`);
    commits.watch(mark);
    const run = await load.run({ kind: 'subscriptions', mark, subscribers, mutations, warmup }, (line) =>
      log(`${line}: ${JSON.stringify(stack!.realtime.stats())}`),
    );
    const latency: number[] = [];
    const endToEnd: number[] = [];
    const roundTrips: number[] = [];
    const spreads: number[] = [];
    for (const m of run.mutations) {
      // the load generator's timestamps, on the endpoint's clock
      const committed = commits.at(m.version);
      if (committed === undefined) throw new Error(`no commit recorded for ${mark} version ${m.version}`);
      for (const t of m.arrivals) {
        latency.push(t + offset.offsetMs - committed);
        endToEnd.push(t - m.sent);
      }
      roundTrips.push(m.answered - m.sent);
      spreads.push(Math.max(...m.arrivals) - Math.min(...m.arrivals));
    }
    return {
      subscribers,
      mutations,
      deliveries: latency.length,
      latency: stats(latency),
      endToEnd: stats(endToEnd),
      mutationRoundTrip: stats(roundTrips),
      fanOutSpread: stats(spreads),
      clockOffset: offset,
    };
  } finally {
    await load?.stop();
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
  console.log(`  clocks: load generator ${result.clockOffset.offsetMs.toFixed(3)} ms behind the endpoint (IPC round trip ${result.clockOffset.rttMs.toFixed(3)} ms)`);
  console.log(`  target p99 < 50 ms (committed → received): ${result.latency.p99 < 50 ? 'met' : 'NOT met'}`);
}
