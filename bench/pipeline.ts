/**
 * The downstream pipeline on the local stack, in one run:
 *
 *   npx tsx bench/pipeline.ts [--events 5000] [--rate 100] [--seconds 10] [--poll 100] [--cold-runs 7]
 *
 * 1. Bundles: each Lambda (functions/<name>/index.ts) bundled by esbuild as infra/ deploys it
 *    (infra/constructs/node-function.ts: CommonJS, minified, target node24, the AWS SDK v3 and
 *    Powertools bundled in, a source map beside it) — and its size.
 * 2. Cold initialisation: a fresh `node` process require()s the bundle as the Lambda runtime does
 *    (the environment set as in Lambda, clients constructed at module scope) until `handler` is a
 *    function; the time of the import alone (what Lambda's INIT phase adds
 *    to its runtime bootstrap), median of --cold-runs. The bundle targets node24, as deployed,
 *    and runs on the Node.js 24 that npm scripts run on (the `node` devDependency).
 * 3. Sustained throughput: --events events (50 per mark) are committed to MarkEvents before the
 *    pollers start; then relay (batches of 500, one PutRecords each) and archive (batches of 500)
 *    drain the backlog. Events per second per mapping, from its first batch's start to its last
 *    batch's end, and end to end.
 * 4. Commit-to-archived lag: events committed one by one (PutItem) at --rate per second for
 *    --seconds while the pipeline runs; lag = the moment the archive handler returned for the
 *    batch holding the event minus the moment its PutItem returned. p50 and p99.
 *
 * Everything is local: DynamoDB Local (in memory), kinesalite (in memory) and s3rver (temporary
 * folder) — kinesalite, s3rver and the pollers share this process's event loop.
 */
import { BatchWriteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { dynamoDbClient, startDynamoDbLocal } from 'appsync-local';
import { lambdaBundleOptions } from '../infra/lambda-bundle';
import { ensureTables } from '../local/services/tables';
import { startPipeline } from '../local/pollers/pipeline';
import { formatNumber, median, quantile } from './stats';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const functions = ['relay', 'eraser', 'archive'] as const;

async function bundles(outdir: string) {
  const results: { name: string; file: string; bytes: number }[] = [];
  for (const name of functions) {
    // index.js in a folder of its own, as in the deployed asset (with index.js.map beside it)
    const file = join(outdir, name, 'index.js');
    await build({ ...lambdaBundleOptions, entryPoints: [join(root, 'functions', name, 'index.ts')], outfile: file, logLevel: 'error' });
    results.push({ name, file, bytes: statSync(file).size });
  }
  return results;
}

/**
 * Milliseconds to load the bundle in a fresh process until `handler` is ready. The Lambda runtime
 * require()s a CommonJS index.js (it import()s only .mjs, or .js under "type": "module"), so this
 * does too: import() of CommonJS would add a scan of the whole file for its export names.
 */
async function coldInit(file: string, runs: number): Promise<{ importMs: number; sinceStartMs: number }> {
  const script = `
    const { createRequire } = await import('node:module');
    const load = createRequire(import.meta.url);
    const t0 = performance.now();
    const m = load(${JSON.stringify(file)});
    const t1 = performance.now();
    if (typeof m.handler !== 'function') throw new Error('no handler');
    console.log(JSON.stringify({ importMs: t1 - t0, sinceStartMs: t1 }));`;
  const env = {
    PATH: process.env.PATH,
    AWS_REGION: 'eu-west-2',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    KINESIS_STREAM_NAME: 'mark-events',
    MARK_EVENTS_TABLE: 'MarkEvents',
    MARK_SNAPSHOTS_TABLE: 'MarkSnapshots',
    MARK_ARCHIVE_KEYS_TABLE: 'MarkArchiveKeys',
    ARCHIVE_BUCKET: 'mark-archive',
    AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
    // as infra/constructs/node-function.ts sets them for every function (no NODE_OPTIONS)
    POWERTOOLS_SERVICE_NAME: 'bench',
    POWERTOOLS_METRICS_NAMESPACE: 'MarkApiBench',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  };
  const samples: { importMs: number; sinceStartMs: number }[] = [];
  for (let i = 0; i < runs; i++) {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env });
    samples.push(JSON.parse(stdout.trim().split('\n').pop()!));
  }
  return { importMs: median(samples.map((s) => s.importMs)), sinceStartMs: median(samples.map((s) => s.sinceStartMs)) };
}

function event(mark: string, version: number) {
  return {
    mark,
    version,
    type: version === 1 ? 'ENTITLEMENT_CREATED' : 'ADDRESS_CHANGED',
    recordedAt: new Date().toISOString(),
    commandId: `bench-${mark}-${version}`,
    data:
      version === 1
        ? { status: 'ENTITLEMENT_ASSIGNED', entitlement: { certificateNo: `C${version}`, purchaserName: 'A Person', address: { addLine1: '1 Road', postTown: 'Town', postcode: 'AB1 2CD' } } }
        : { address: { addLine1: `${version} Road`, postTown: 'Town', postcode: 'AB1 2CD' } },
  };
}

export interface FunctionFigures {
  name: (typeof functions)[number];
  bytes: number;
  /** median import time until `handler` is ready, ms */
  coldImportMs: number;
  /** median process start to handler ready, ms */
  sinceStartMs: number;
}

/** Bundle sizes and cold initialisation of every handler, bundled as infra/ deploys it. */
export async function benchFunctions(options: { coldRuns?: number; log?: (line: string) => void } = {}): Promise<FunctionFigures[]> {
  const coldRuns = options.coldRuns ?? 7;
  const bundleDir = mkdtempSync(join(tmpdir(), 'bench-pipeline-bundles-'));
  const out: FunctionFigures[] = [];
  try {
    for (const b of await bundles(bundleDir)) {
      const cold = await coldInit(b.file, coldRuns);
      out.push({ name: b.name as FunctionFigures['name'], bytes: b.bytes, coldImportMs: cold.importMs, sinceStartMs: cold.sinceStartMs });
      options.log?.(`functions: ${b.name} ${formatNumber(b.bytes / 1024)} KiB, cold init ${formatNumber(cold.importMs)} ms`);
    }
  } finally {
    rmSync(bundleDir, { recursive: true, force: true });
  }
  return out;
}

export interface PipelineBenchOptions {
  /** a running DynamoDB (the stack's); otherwise DynamoDB Local is started in memory */
  dynamodbEndpoint?: string;
  /** prefix of this bench's own tables (default bench_) */
  tablePrefix?: string;
  /** backlog size */
  events?: number;
  /** events per second while measuring the lag */
  rate?: number;
  seconds?: number;
  pollIntervalMs?: number;
  log?: (line: string) => void;
}

export interface PipelineFigures {
  events: number;
  relay: { perSecond: number; n: number; invocations: number };
  archive: { perSecond: number; n: number; invocations: number };
  /** backlog drained, from the pollers' start */
  endToEnd: { perSecond: number; seconds: number };
  lag: { count: number; achievedRate: number; p50: number; p99: number; max: number };
  pollIntervalMs: number;
}

/** Sustained throughput of relay and archive on a backlog, then commit-to-archived lag at a steady rate. */
export async function benchPipeline(options: PipelineBenchOptions = {}): Promise<PipelineFigures> {
  const total = options.events ?? 5000;
  const rate = options.rate ?? 100;
  const seconds = options.seconds ?? 10;
  const pollIntervalMs = options.pollIntervalMs ?? 100;
  const log = options.log ?? (() => {});
  const work = mkdtempSync(join(tmpdir(), 'bench-pipeline-'));
  const dynamodbLocal = options.dynamodbEndpoint ? undefined : await startDynamoDbLocal({ inMemory: true });
  const endpoint = options.dynamodbEndpoint ?? dynamodbLocal!.endpoint;
  const dynamodb = dynamoDbClient(endpoint);
  try {
    const env = await ensureTables(dynamodb, options.tablePrefix ?? 'bench_');
    // 3: a backlog committed before the pollers start.
    const backlog = Array.from({ length: total }, (_, i) => event(`BENCH ${Math.floor(i / 50)}`, (i % 50) + 1));
    for (let i = 0; i < backlog.length; i += 25) {
      let requests = backlog.slice(i, i + 25).map((e) => ({ PutRequest: { Item: marshall(e) } }));
      while (requests.length) {
        const r = await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [env.MARK_EVENTS_TABLE]: requests } }));
        requests = (r.UnprocessedItems?.[env.MARK_EVENTS_TABLE] ?? []) as typeof requests;
      }
    }
    log(`pipeline: backlog of ${total} events committed; pollers starting`);

    const spans = { relay: [] as number[][], archive: [] as number[][] };
    let relayed = 0;
    const archivedAt = new Map<string, number>();
    const pipeline = await startPipeline({
      dynamodbEndpoint: endpoint,
      env,
      dataDir: join(work, 'data'),
      kinesisInMemory: true,
      batchSize: { relay: 500, eraser: 100, archive: 500 },
      pollIntervalMs,
      onBatch(mapping, records, startedAt, endedAt) {
        if (mapping === 'relay') relayed += records;
        if (mapping !== 'eraser') spans[mapping].push([startedAt, endedAt, records]);
      },
      onArchived(records) {
        const now = performance.now();
        for (const r of records) {
          const { mark, version } = JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString('utf8'));
          archivedAt.set(`${mark}#${version}`, now);
        }
      },
    });
    try {
      const started = performance.now();
      await pipeline.drain(600_000);
      const ended = performance.now();
      const rateOf = (s: number[][]) => {
        const n = s.reduce((sum, [, , r]) => sum + r, 0);
        return { n, invocations: s.length, perSecond: n / ((s[s.length - 1][1] - s[0][0]) / 1000) };
      };
      if (relayed !== total || archivedAt.size !== total) throw new Error(`expected ${total} relayed and archived, got ${relayed} and ${archivedAt.size}`);
      const relay = rateOf(spans.relay);
      const archive = rateOf(spans.archive);
      log(`pipeline: backlog drained (relay ${formatNumber(relay.perSecond)}/s, archive ${formatNumber(archive.perSecond)}/s); lag at ${rate}/s for ${seconds} s`);

      // 4: lag under a steady rate.
      archivedAt.clear();
      const committedAt = new Map<string, number>();
      const interval = 1000 / rate;
      const count = Math.round(rate * seconds);
      const t0 = performance.now();
      const writes: Promise<void>[] = [];
      for (let i = 0; i < count; i++) {
        const due = t0 + i * interval;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const e = event(`LAG ${i % 50}`, Math.floor(i / 50) + 1);
        writes.push(
          dynamodb.send(new PutItemCommand({ TableName: env.MARK_EVENTS_TABLE, Item: marshall(e) })).then(() => {
            committedAt.set(`${e.mark}#${e.version}`, performance.now());
          }),
        );
      }
      await Promise.all(writes);
      const achievedRate = count / ((performance.now() - t0) / 1000);
      await pipeline.drain(600_000);
      const lags = [...committedAt].map(([key, at]) => archivedAt.get(key)! - at);
      if (lags.some((l) => !Number.isFinite(l))) throw new Error('an event was not archived');
      return {
        events: total,
        relay,
        archive,
        endToEnd: { perSecond: total / ((ended - started) / 1000), seconds: (ended - started) / 1000 },
        lag: { count, achievedRate, p50: quantile(lags, 0.5), p99: quantile(lags, 0.99), max: Math.max(...lags) },
        pollIntervalMs,
      };
    } finally {
      await pipeline.stop();
    }
  } finally {
    dynamodb.destroy();
    await dynamodbLocal?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '5000' },
      rate: { type: 'string', default: '100' },
      seconds: { type: 'string', default: '10' },
      poll: { type: 'string', default: '100' },
      'cold-runs': { type: 'string', default: '7' },
    },
  });
  const coldRuns = Number(values['cold-runs']);
  console.log(`machine: ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}, Node ${process.version}`);

  // 1 + 2: bundles and cold initialisation.
  const figures = await benchFunctions({ coldRuns });
  console.log(`\nbundle as infra/ deploys it (esbuild, CommonJS, minified, target node24, AWS SDK bundled); cold initialisation: median of ${coldRuns} fresh processes`);
  for (const f of figures) {
    console.log(
      `  ${f.name.padEnd(8)} ${formatNumber(f.bytes / 1024).padStart(6)} KiB   import until handler ready ${formatNumber(f.coldImportMs).padStart(6)} ms   (process start to ready ${formatNumber(f.sinceStartMs)} ms)`,
    );
  }

  // 3 + 4: throughput and lag.
  const p = await benchPipeline({ events: Number(values.events), rate: Number(values.rate), seconds: Number(values.seconds), pollIntervalMs: Number(values.poll) });
  console.log(`\nsustained throughput, backlog of ${p.events} events (relay batches of 500, archive batches of 500):`);
  console.log(`  relay    ${formatNumber(p.relay.perSecond).padStart(7)} events/s  (${p.relay.n} events in ${p.relay.invocations} invocations, ${formatNumber(p.relay.n / p.relay.invocations)} per invocation)`);
  console.log(`  archive  ${formatNumber(p.archive.perSecond).padStart(7)} events/s  (${p.archive.n} events in ${p.archive.invocations} invocations)`);
  console.log(`  end to end ${formatNumber(p.endToEnd.perSecond)} events/s (${formatNumber(p.endToEnd.seconds)} s from the pollers' start to drained)`);
  console.log(`\ncommit-to-archived lag, ${p.lag.count} events at ${formatNumber(p.lag.achievedRate)} events/s (poll interval ${p.pollIntervalMs} ms):`);
  console.log(`  p50 ${formatNumber(p.lag.p50)} ms   p99 ${formatNumber(p.lag.p99)} ms   max ${formatNumber(p.lag.max)} ms`);
  console.log(`\nload average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
