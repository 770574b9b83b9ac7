/**
 * Command latency and throughput: what the local AppSync endpoint and its resolver pipeline add
 * to the DynamoDB calls a command makes.
 *
 * A real mark-api mutation, changeNominee (pipeline loadMark → loadCommandEvent → appendEvent:
 * GetItem of the view, decide, one TransactWriteItems), sent over HTTP with keep-alive, against
 * the very same DynamoDB calls sent straight through the AWS SDK v3: GetItem (consistent) of the
 * view, the same decision by resolvers/lib's planAppend, and the same TransactWriteItems (Put the
 * event if its version is free, Put the view if it is still at the loaded version, and the
 * snapshot every SNAPSHOT_INTERVAL versions). Each path writes its own marks.
 *
 * Latency: `concurrency` workers, each alternating the two paths call by call (and which goes
 * first), so that drift in DynamoDB Local and the machine's other load hits both alike.
 * Throughput: mutations per second across distinct marks (one per worker), GraphQL-only and
 * SDK-only phases alternated.
 *
 * Both clients (GraphQL and SDK) run in a separate load-generating process
 * (bench/load-generator.ts), which returns the raw latencies: the endpoint's process does only
 * the endpoint's work, as it would in AWS, and the client side costs both paths alike.
 *
 *   npx tsx bench/runtime-overhead.ts [--pairs 1000] [--warmup 100] [--concurrency 1,16]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startStack, type Stack } from '../local/stack';
import { startLoadGenerator, type LoadGenerator } from './load-generator';
import { formatNumber, median, ratio, summarize, type Summary } from './stats';

/** A load-generating process aimed at the stack's endpoint and its DynamoDB. */
export async function loadGeneratorFor(stack: Stack): Promise<LoadGenerator> {
  return startLoadGenerator({ graphqlUrl: stack.graphqlUrl, realtimeUrl: stack.realtimeUrl, apiKey: stack.apiKey, authorization: (await stack.userPool.pool.tokensFor('staff')).AccessToken, dynamodbEndpoint: stack.dynamodbEndpoint, env: stack.env });
}

export interface CommandBenchOptions {
  stack: Stack;
  concurrency: number;
  /** measured (GraphQL, SDK) pairs per worker */
  pairs: number;
  /** unmeasured pairs per worker first */
  warmup: number;
  /** distinguishes this call's marks from other calls' on the same tables */
  tag: string;
}

export interface CommandLatencyResult {
  concurrency: number;
  pairs: number;
  graphql: Summary;
  sdk: Summary;
  medianRatio: number;
  p99Ratio: number;
  /** median ratio per fifth of the run, in order: how steady the overhead was */
  blockRatios: number[];
}

export async function benchCommandLatency(options: CommandBenchOptions): Promise<CommandLatencyResult> {
  const { stack, concurrency, pairs, warmup, tag } = options;
  const load = await loadGeneratorFor(stack);
  let samples: { i: number; graphqlMs: number; sdkMs: number }[];
  try {
    ({ pairs: samples } = await load.run({ kind: 'latency', concurrency, pairs, warmup, tag }));
  } finally {
    await load.stop();
  }
  // per pair index across workers, so blocks are taken in time order
  const blockRatios: number[] = [];
  const block = Math.max(1, Math.ceil(pairs / 5));
  for (let start = 0; start < pairs; start += block) {
    const inBlock = samples.filter((x) => x.i >= start && x.i < start + block);
    blockRatios.push(ratio(median(inBlock.map((x) => x.graphqlMs)), median(inBlock.map((x) => x.sdkMs))));
  }
  const g = summarize(samples.map((x) => x.graphqlMs));
  const s = summarize(samples.map((x) => x.sdkMs));
  return { concurrency, pairs, graphql: g, sdk: s, medianRatio: ratio(g.median, s.median), p99Ratio: ratio(g.p99, s.p99), blockRatios };
}

export interface ThroughputOptions {
  stack: Stack;
  concurrency: number;
  /** mutations per worker per phase */
  perWorker: number;
  /** GraphQL and SDK phases each run this many times, alternated */
  rounds: number;
  tag: string;
}

export interface ThroughputResult {
  concurrency: number;
  mutations: number;
  /** mutations per second through GraphQL */
  graphqlPerSecond: number;
  /** the same commands straight through the SDK */
  sdkPerSecond: number;
  ratio: number;
}

export async function benchThroughput(options: ThroughputOptions): Promise<ThroughputResult> {
  const { stack, concurrency, perWorker, rounds, tag } = options;
  const load = await loadGeneratorFor(stack);
  try {
    const { mutations, graphqlMs, sdkMs } = await load.run({ kind: 'throughput', concurrency, perWorker, rounds, tag });
    const graphqlPerSecond = mutations / (graphqlMs / 1000);
    const sdkPerSecond = mutations / (sdkMs / 1000);
    return { concurrency, mutations, graphqlPerSecond, sdkPerSecond, ratio: ratio(graphqlPerSecond, sdkPerSecond) };
  } finally {
    await load.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { pairs: { type: 'string', default: '1000' }, warmup: { type: 'string', default: '100' }, concurrency: { type: 'string', default: '1,16' } },
  });
  const buildRoot = mkdtempSync(join(tmpdir(), 'mark-api-bench-'));
  const stack = await startStack({ inMemory: true, buildRoot, tablePrefix: 'bench_' });
  try {
    console.log(`command latency: changeNominee via GraphQL vs GetItem + TransactWriteItems via the SDK, Node ${process.version}, DynamoDB Local (in memory)`);
    console.log(`machine: ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    for (const c of values.concurrency.split(',').map(Number)) {
      const pairs = Math.max(10, Math.round(Number(values.pairs) / c));
      const r = await benchCommandLatency({ stack, concurrency: c, pairs, warmup: Math.max(5, Math.round(Number(values.warmup) / c)), tag: `L${c}` });
      const row = (name: string, s: Summary) => `  ${name.padEnd(30)} median ${formatNumber(s.median).padStart(7)} ms   p99 ${formatNumber(s.p99).padStart(7)} ms`;
      console.log(`concurrency ${c}: ${r.pairs * c} calls each`);
      console.log(row('GraphQL changeNominee', r.graphql));
      console.log(row('SDK GetItem + TransactWrite', r.sdk));
      console.log(`  ratio median ${r.medianRatio.toFixed(2)} (per fifth: ${r.blockRatios.map((x) => x.toFixed(2)).join(' ')})   p99 ${r.p99Ratio.toFixed(2)}   target median <= 1.2: ${r.medianRatio <= 1.2 ? 'met' : 'MISSED'}`);
    }
    const t = await benchThroughput({ stack, concurrency: 16, perWorker: 50, rounds: 2, tag: 'T' });
    console.log(`throughput at concurrency 16: ${formatNumber(t.graphqlPerSecond)} mutations/s via GraphQL, ${formatNumber(t.sdkPerSecond)}/s via the SDK (ratio ${t.ratio.toFixed(2)})`);
  } finally {
    await stack.stop();
    rmSync(buildRoot, { recursive: true, force: true });
  }
}
