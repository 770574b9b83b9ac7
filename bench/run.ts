/**
 * `npm run bench`: every figure of docs/PERFORMANCE.md in ONE run on the local stack, printed as
 * one Markdown table (stdout); a progress line per section on stderr.
 *
 *   npm run bench [-- --quick]
 *
 * One startStack (DynamoDB Local in memory, the real resolver bundles in the APPSYNC_JS runtime,
 * the HTTP and real-time endpoints) serves the command, getMarkAt and subscription sections; the
 * pipeline section runs kinesalite, s3rver and the relay/eraser/archive pollers on tables of its
 * own in the same DynamoDB Local, so that its backlog and the seeded histories do not mix. The
 * command and subscription sections load the endpoint from a separate process
 * (bench/load-generator.ts), so this process does the endpoint's work only. The work itself
 * lives in the section's own file (bench/runtime-overhead.ts, replay.ts, subscriptions.ts,
 * pipeline.ts), each runnable alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadMarkApiWiring } from '../infra/wiring';
import { APPSYNC_CODE_LIMIT, buildApi } from 'appsync-local';
import { startStack } from '../local/stack';
import { benchOperationCost, costTable, type OperationCost } from './operation-cost';
import { benchFunctions, benchPipeline } from './pipeline';
import { benchReplay } from './replay';
import { benchCommandLatency, benchThroughput } from './runtime-overhead';
import { benchStages, stagesTable, type StagesResult } from './stages';
import { benchFanOut, describeAnswers } from './fan-out';
import { benchSubscriptions, commitTimes } from './subscriptions';
import { formatNumber } from './stats';

const USAGE = `Usage: npm run bench [-- --quick]

Runs every benchmark in one run on the local stack and prints one table.

Options:
  --quick   a short smoke run (a few seconds a section; figures too small to quote)
  --help    show this help
`;

function parse(): { quick: boolean } {
  try {
    const { values } = parseArgs({ options: { quick: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
    if (values.help) {
      process.stdout.write(USAGE);
      process.exit(0);
    }
    return { quick: !!values.quick };
  } catch (err) {
    process.stderr.write(`npm run bench: ${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
}

const { quick } = parse();
const progress = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');

/** How much each section measures; --quick is a smoke run. */
const plan = quick
  ? { cost: 3, stages: 20, fanOut: { documents: 1, baselineReads: 20 }, c1: { pairs: 40, warmup: 5 }, c16: { pairs: 4, warmup: 1 }, throughput: { perWorker: 5, rounds: 1 }, replay: { pairs: 15, warmup: 3 }, subs: { subscribers: 100, mutations: 20, warmup: 3 }, pipeline: { events: 500, rate: 100, seconds: 2 }, coldRuns: 1 }
  : { cost: 20, stages: 300, fanOut: { documents: 5, baselineReads: 200 }, c1: { pairs: 600, warmup: 60 }, c16: { pairs: 60, warmup: 6 }, throughput: { perWorker: 40, rounds: 2 }, replay: { pairs: 200, warmup: 20 }, subs: { subscribers: 100, mutations: 300, warmup: 30 }, pipeline: { events: 5000, rate: 100, seconds: 10 }, coldRuns: 7 };

type Row = [figure: string, median: string, p99: string, baseline: string, ratio: string, target: string];
const rows: Row[] = [];
const ms = (n: number) => `${formatNumber(n)} ms`;
const verdict = (ok: boolean, target: string) => `${target}: ${ok ? 'met' : '**MISSED**'}`;

const machine = `${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), ${formatNumber(totalmem() / 2 ** 30)} GiB memory (${formatNumber(freemem() / 2 ** 30)} GiB free), Node ${process.version}, ${process.platform}`;
const loadAtStart = load();
progress(`machine: ${machine}; load average ${loadAtStart}${quick ? '; --quick smoke run' : ''}`);

const buildRoot = mkdtempSync(join(tmpdir(), 'mark-api-bench-'));
let stack: Awaited<ReturnType<typeof startStack>> | undefined;
let costs: OperationCost[] = [];
let stages: StagesResult = { operations: [] };
const started = Date.now();
try {
  // Resolver bundles: exactly what buildApi hands to infra/ and to the local runtime.
  progress('resolver bundles: building');
  const built = await buildApi(loadMarkApiWiring(), buildRoot);
  const largest = [...built].sort((a, b) => b.size - a.size);
  const over = built.filter((b) => b.size > APPSYNC_CODE_LIMIT);
  rows.push([
    `resolver bundles: ${built.length} (${built.filter((b) => b.kind === 'resolver').length} resolvers, ${built.filter((b) => b.kind === 'function').length} functions); largest ${largest.slice(0, 3).map((b) => `${b.name} ${b.size.toLocaleString('en-GB')}`).join(', ')} characters`,
    '',
    '',
    `${APPSYNC_CODE_LIMIT.toLocaleString('en-GB')} limit`,
    (largest[0]!.size / APPSYNC_CODE_LIMIT).toFixed(2),
    verdict(over.length === 0, 'each <= 32,768'),
  ]);

  // Lambda bundles and cold initialisation (fresh processes, before the stack loads the machine).
  progress(`functions: bundling relay, eraser, archive as infra/ does and cold-starting each (${plan.coldRuns} processes each)`);
  const functions = await benchFunctions({ coldRuns: plan.coldRuns, log: progress });
  for (const f of functions) {
    rows.push([
      `${f.name} Lambda, bundled as infra/ deploys it (AWS SDK clients included): ${formatNumber(f.bytes / 1024)} KiB, cold init (import until handler ready, median of ${plan.coldRuns}; a regression alarm, not a target: a stream consumer's cold start delays one batch, never a request)`,
      ms(f.coldImportMs),
      '',
      '',
      '',
      verdict(f.coldImportMs <= 150, 'alarm above 150 ms'),
    ]);
  }

  progress('stack: starting DynamoDB Local (in memory), the resolvers and the endpoints');
  const commits = commitTimes();
  stack = await startStack({ inMemory: true, buildRoot, build: false, tablePrefix: 'bench_', onMutationResult: commits.listener });

  costs = await benchOperationCost({ stack, repeat: plan.cost, log: progress });

  for (const [concurrency, sizes] of [[1, plan.c1], [16, plan.c16]] as const) {
    progress(`command latency at concurrency ${concurrency}: ${sizes.pairs * concurrency} changeNominee via GraphQL and as many GetItem + TransactWriteItems via the SDK, interleaved`);
    const r = await benchCommandLatency({ stack, concurrency, pairs: sizes.pairs, warmup: sizes.warmup, tag: `L${concurrency}` });
    rows.push([
      `command latency, concurrency ${concurrency}: changeNominee via GraphQL vs the same GetItem + TransactWriteItems via the SDK (${r.pairs * concurrency} each; median ratio per fifth ${r.blockRatios.map((x) => x.toFixed(2)).join(' ')})`,
      ms(r.graphql.median),
      ms(r.graphql.p99),
      `${ms(r.sdk.median)} / ${ms(r.sdk.p99)}`,
      `${r.medianRatio.toFixed(2)} (p99 ${r.p99Ratio.toFixed(2)})`,
      verdict(r.medianRatio <= 1.2, 'median ratio <= 1.2'),
    ]);
  }

  progress(`throughput at concurrency 16: ${16 * plan.throughput.perWorker * plan.throughput.rounds} mutations per path across 16 marks`);
  const t = await benchThroughput({ stack, concurrency: 16, ...plan.throughput, tag: 'T' });
  rows.push([
    `throughput, concurrency 16, distinct marks: changeNominee via GraphQL vs via the SDK (${t.mutations} each)`,
    `${formatNumber(t.graphqlPerSecond)} /s`,
    '',
    `${formatNumber(t.sdkPerSecond)} /s`,
    t.ratio.toFixed(2),
    verdict(t.ratio >= 0.95, 'ratio >= 0.95'),
  ]);

  progress(`stages: ${plan.stages} changeNominee and ${plan.stages} getMark one at a time, traced by the endpoint (and as many untraced)`);
  stages = await benchStages({ stack, calls: plan.stages, tag: 'S' });

  const fanOutAliases = [100, 1_000];
  progress(`fan-out: a reader's getMark alone, then beside ${plan.fanOut.documents} documents of ${fanOutAliases.join(' and ')} aliases of getMark`);
  const f = await benchFanOut({ stack, aliases: fanOutAliases, ...plan.fanOut, tag: 'F' }, progress);
  for (const phase of f.phases) {
    rows.push([
      `fan-out: a client's single getMark while another's documents of ${phase.aliases.toLocaleString('en-GB')} aliases of getMark run (${describeAnswers(phase)}; each document ${ms(phase.documentMs.median)}; ${phase.reads.n} reads)`,
      ms(phase.reads.median),
      ms(phase.reads.p99),
      `alone ${ms(f.baseline.median)} / ${ms(f.baseline.p99)}`,
      '',
      verdict(phase.reads.p99 < 50, 'p99 < 50 ms'),
    ]);
  }

  progress('getMarkAt: seeding marks of 10, 100, 1,000 and 10,000 events, checking replay, then getMarkAt vs getMark');
  const replay = await benchReplay({ stack, pairs: plan.replay.pairs, warmup: plan.replay.warmup, log: progress });
  for (const row of replay.rows) {
    const top = row.events === 10_000 && row.by === 'version';
    rows.push([
      `getMarkAt ${row.by === 'version' ? '(version)' : '(at: a time)'} on ${row.events.toLocaleString('en-GB')} events vs getMark (${row.seeded === 'api' ? 'seeded through the API' : "seeded by writing resolvers/lib's own plan"})`,
      ms(row.getMarkAt.median),
      ms(row.getMarkAt.p99),
      `${ms(row.getMark.median)} / ${ms(row.getMark.p99)}`,
      `${row.medianRatio.toFixed(2)} (p99 ${row.p99Ratio.toFixed(2)})`,
      top ? verdict(row.medianRatio <= 3, 'median ratio <= 3') : '',
    ]);
  }
  rows.push([`getMarkAt correctness: ${replay.checked} versions across the four marks equal the fold of the stored events`, '', '', '', '', 'all correct']);

  progress(`subscriptions: ${plan.subs.subscribers} subscribers, ${plan.subs.mutations} mutations`);
  const subs = await benchSubscriptions({ stack, commits, ...plan.subs, log: progress });
  rows.push([
    `subscription delivery, ${subs.subscribers} subscribers: mutation request sent → event received (${subs.deliveries.toLocaleString('en-GB')} deliveries)`,
    ms(subs.endToEnd.p50),
    ms(subs.endToEnd.p99),
    `HTTP round trip ${ms(subs.mutationRoundTrip.p50)} / ${ms(subs.mutationRoundTrip.p99)}`,
    '',
    verdict(subs.endToEnd.p99 < 50, 'p99 < 50 ms'),
  ]);
  rows.push([`subscription delivery: mutation committed → event received`, ms(subs.latency.p50), ms(subs.latency.p99), '', '', verdict(subs.latency.p99 < 50, 'p99 < 50 ms')]);

  progress(`pipeline: ${plan.pipeline.events} events backlog, then ${plan.pipeline.rate}/s for ${plan.pipeline.seconds} s (tables of its own on the same DynamoDB Local)`);
  const p = await benchPipeline({ dynamodbEndpoint: stack.dynamodbEndpoint, tablePrefix: 'pipe_', ...plan.pipeline, log: progress });
  rows.push([`pipeline: relay (DynamoDB stream → Kinesis), backlog of ${p.events}, batches of 500`, `${formatNumber(p.relay.perSecond)} events/s`, '', '', '', '']);
  rows.push([`pipeline: archive (Kinesis → S3), same backlog`, `${formatNumber(p.archive.perSecond)} events/s`, '', '', '', '']);
  rows.push([`pipeline: backlog drained end to end`, `${formatNumber(p.endToEnd.perSecond)} events/s`, '', '', '', '']);
  rows.push([`pipeline: commit → archived lag at ${formatNumber(p.lag.achievedRate)} events/s (poll interval ${p.pollIntervalMs} ms)`, ms(p.lag.p50), ms(p.lag.p99), '', '', '']);
} finally {
  await stack?.stop();
  rmSync(buildRoot, { recursive: true, force: true });
}

const header: Row = ['figure', 'median', 'p99', 'baseline (median / p99)', 'ratio', 'target'];
const lines = [header, ['---', '---:', '---:', '---:', '---:', '---'] as Row, ...rows].map((r) => `| ${r.join(' | ')} |`);
process.stdout.write(
  [
    `mark-api bench${quick ? ' (--quick smoke run: figures too small to quote)' : ''}, ${new Date().toISOString()}, ${formatNumber((Date.now() - started) / 1000)} s`,
    `machine: ${machine}; load average ${loadAtStart} at the start, ${load()} at the end`,
    '',
    ...lines,
    '',
    ...costTable(costs),
    '',
    ...stagesTable(stages),
  ].join('\n'),
);

