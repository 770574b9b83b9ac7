/**
 * The benchmarks' clients, in a Node.js process of their own.
 *
 * What bench/runtime-overhead.ts and bench/subscriptions.ts measure is the endpoint: the local
 * AppSync server, its resolvers and the real-time endpoint, all in the process that called
 * startStack. The clients that load it — the GraphQL client, the SDK client of the baseline, the
 * mutation sender and the subscribers — run here instead, as they would on another machine, so
 * that their CPU time (serialising requests, parsing answers, the SDK's own pipeline for the
 * baseline) does not queue in the endpoint's event loop and count as the endpoint's latency.
 * Both paths of a comparison run from this one process, interleaved call by call, so the client
 * side costs them alike.
 *
 * The benchmark files call startLoadGenerator() and hand it a job; this file, forked (with the
 * parent's TypeScript loader, by bench/job-process.ts), runs the job and sends back the raw
 * samples: the statistics are computed by the caller, with bench/stats.ts.
 */
import { GetItemCommand, TransactWriteItemsCommand, type DynamoDBClient, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { planAppend } from '../resolvers/lib/append';
import type { Command } from '../resolvers/lib/commands';
import type { MarkState } from '../resolvers/lib/state';
import { compact } from '../resolvers/lib/state';
import { formatDateTime } from '../resolvers/lib/time';
import { dynamoDbClient } from 'appsync-local';
import { graphqlClient, type GraphQLClient } from './client';
import { clock, forkJobProcess, serveJobs } from './job-process';
import { timed } from './stats';

/** Where the endpoint under test listens, and what the SDK baseline writes to. */
export interface Target {
  graphqlUrl: string;
  realtimeUrl: string;
  /** the public key: the subscribers use it */
  apiKey: string;
  /** a staff user's token: mutations are staff's (the API key may not mutate) */
  authorization: string;
  dynamodbEndpoint: string;
  /** the stack's table names (ctx.env) */
  env: Record<string, string>;
}

export interface LatencyJob {
  kind: 'latency';
  concurrency: number;
  pairs: number;
  warmup: number;
  tag: string;
}
/** Per measured pair: its index per worker (for the per-fifth ratios) and both latencies, ms. */
export interface LatencyOutput {
  pairs: { i: number; graphqlMs: number; sdkMs: number }[];
}

export interface ThroughputJob {
  kind: 'throughput';
  concurrency: number;
  perWorker: number;
  rounds: number;
  tag: string;
}
export interface ThroughputOutput {
  mutations: number;
  graphqlMs: number;
  sdkMs: number;
}

export interface SubscriptionsJob {
  kind: 'subscriptions';
  mark: string;
  subscribers: number;
  mutations: number;
  warmup: number;
}
/** Per measured mutation: the version it committed, when it was sent and answered, when each subscriber received it. */
export interface SubscriptionsOutput {
  mutations: { version: number; sent: number; answered: number; arrivals: number[] }[];
}

type Job = LatencyJob | ThroughputJob | SubscriptionsJob;
type Output<J extends Job> = J extends LatencyJob ? LatencyOutput : J extends ThroughputJob ? ThroughputOutput : SubscriptionsOutput;

export interface LoadGenerator {
  /** runs one job in the load-generating process and resolves with its raw samples */
  run<J extends Job>(job: J, onProgress?: (line: string) => void): Promise<Output<J>>;
  /** this process's clock minus the load generator's (bench/job-process.ts) */
  clockOffset(samples?: number): Promise<{ offsetMs: number; rttMs: number }>;
  stop(): Promise<void>;
}

interface TargetedJob {
  target: Target;
  job: Job;
}

const FLAG = '--load-generator';

/** Forks the load-generating process, ready for jobs against `target`. */
export async function startLoadGenerator(target: Target): Promise<LoadGenerator> {
  const child = await forkJobProcess<TargetedJob>(import.meta.url, FLAG, 'load generator');
  return {
    run: async <J extends Job>(job: J, onProgress?: (line: string) => void) => (await child.run({ target, job }, onProgress)) as Output<J>,
    clockOffset: (samples) => child.clockOffset(samples),
    stop: () => child.stop(),
  };
}

// ---------------------------------------------------------------------------------------------
// The load-generating process.

const CHANGE_NOMINEE = 'mutation($input: ChangeNomineeInput!) { changeNominee(input: $input) { mark version type } }';
const CREATE_ENTITLEMENT = 'mutation($input: CreateEntitlementInput!) { createEntitlement(input: $input) { mark version } }';

/** Each path of a bench needs its own marks: a letter per path, a run tag, the worker. */
async function createMark(client: GraphQLClient, mark: string): Promise<number> {
  const input = {
    mark,
    price: 25_000,
    entitlement: {
      certificateNo: `C${mark.replace(/\W/g, '')}`,
      purchaserName: 'Bench Purchaser',
      nomineeName: 'Bench Nominee',
      address: { addLine1: '1 Bench Road', postTown: 'Swansea', postcode: 'SA1 1AA' },
    },
  };
  const data = await client.gql<{ createEntitlement: { version: number } }>(CREATE_ENTITLEMENT, { input });
  return data.createEntitlement.version;
}

/** One command through GraphQL; returns the new version. */
async function viaGraphQL(client: GraphQLClient, mark: string, expectedVersion: number, n: number): Promise<number> {
  const data = await client.gql<{ changeNominee: { version: number } }>(CHANGE_NOMINEE, {
    input: { mark, expectedVersion, nomineeName: `Nominee ${n}` },
  });
  return data.changeNominee.version;
}

/**
 * The same command as the pipeline runs it, straight through the SDK: the same GetItem, the same
 * plan (resolvers/lib), the same TransactWriteItems items and conditions.
 */
async function viaSdk(sdk: DynamoDBClient, env: Record<string, string>, mark: string, n: number): Promise<number> {
  const got = await sdk.send(new GetItemCommand({ TableName: env.MARKS_TABLE, Key: { mark: { S: mark } }, ConsistentRead: true }));
  const view = got.Item ? (unmarshall(got.Item) as MarkState) : null;
  const command: Command = { kind: 'changeNominee', mark, expectedVersion: view?.version ?? 0, nomineeName: `Nominee ${n}` };
  const plan = planAppend(command, view, null, { now: formatDateTime(Date.now()), randomId: randomUUID() });
  if (plan.kind !== 'append') throw new Error(`SDK path: ${mark} could not append: ${JSON.stringify(plan)}`);
  const put = (value: object) => marshall(compact(value), { removeUndefinedValues: true });
  const items: TransactWriteItem[] = [
    {
      Put: {
        TableName: env.MARK_EVENTS_TABLE,
        Item: put(plan.event),
        ConditionExpression: 'attribute_not_exists(#version)',
        ExpressionAttributeNames: { '#version': 'version' },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    },
    {
      Put: {
        TableName: env.MARKS_TABLE,
        Item: put(plan.view),
        ConditionExpression: '#version = :loaded',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':loaded': { N: String(plan.viewVersion) } },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    },
  ];
  if (plan.snapshot) items.push({ Put: { TableName: env.MARK_SNAPSHOTS_TABLE, Item: put(plan.view) } });
  await sdk.send(new TransactWriteItemsCommand({ TransactItems: items }));
  return plan.event.version;
}

/** `concurrency` workers, each alternating the two paths call by call (and which goes first). */
async function latency(target: Target, job: LatencyJob): Promise<LatencyOutput> {
  const { concurrency, pairs, warmup, tag } = job;
  const client = graphqlClient(target.graphqlUrl, { authorization: target.authorization }, concurrency);
  const sdk = dynamoDbClient(target.dynamodbEndpoint);
  const out: LatencyOutput['pairs'] = [];
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async (_, w) => {
        const gMark = `G${tag}${w}`;
        const sMark = `S${tag}${w}`;
        let version = await createMark(client, gMark);
        await createMark(client, sMark);
        for (let i = 0; i < warmup + pairs; i++) {
          let g = 0;
          let s = 0;
          const runG = async () => (g = await timed(async () => (version = await viaGraphQL(client, gMark, version, i))));
          const runS = async () => (s = await timed(() => viaSdk(sdk, target.env, sMark, i)));
          if ((i + w) % 2) {
            await runS();
            await runG();
          } else {
            await runG();
            await runS();
          }
          if (i >= warmup) out.push({ i: i - warmup, graphqlMs: g, sdkMs: s });
        }
      }),
    );
  } finally {
    client.close();
    sdk.destroy();
  }
  return { pairs: out };
}

/** Mutations across distinct marks (one per worker), GraphQL-only and SDK-only phases alternated. */
async function throughput(target: Target, job: ThroughputJob): Promise<ThroughputOutput> {
  const { concurrency, perWorker, rounds, tag } = job;
  const client = graphqlClient(target.graphqlUrl, { authorization: target.authorization }, concurrency);
  const sdk = dynamoDbClient(target.dynamodbEndpoint);
  try {
    const gMarks = Array.from({ length: concurrency }, (_, w) => `G${tag}${w}`);
    const sMarks = Array.from({ length: concurrency }, (_, w) => `S${tag}${w}`);
    const versions = await Promise.all(gMarks.map((m) => createMark(client, m)));
    await Promise.all(sMarks.map((m) => createMark(client, m)));
    let graphqlMs = 0;
    let sdkMs = 0;
    for (let round = 0; round < rounds; round++) {
      graphqlMs += await timed(() =>
        Promise.all(
          gMarks.map(async (mark, w) => {
            for (let n = 0; n < perWorker; n++) versions[w] = await viaGraphQL(client, mark, versions[w]!, n);
          }),
        ),
      );
      sdkMs += await timed(() =>
        Promise.all(
          sMarks.map(async (mark) => {
            for (let n = 0; n < perWorker; n++) await viaSdk(sdk, target.env, mark, n);
          }),
        ),
      );
    }
    return { mutations: concurrency * perWorker * rounds, graphqlMs, sdkMs };
  } finally {
    client.close();
    sdk.destroy();
  }
}

/**
 * The subscribers, as plain JavaScript for a worker thread of this process (eval'd: no
 * TypeScript loader needed), so that their JSON parsing does not delay the mutation sender's
 * event loop either. Speaks AppSync's protocol with `ws`; reports, per version, every
 * subscriber's arrival time.
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

/**
 * `subscribers` WebSocket subscriptions to onMarkEvent(mark:), then lock/unlock mutations one at
 * a time, each sent only once every subscriber holds the previous one's event.
 */
async function subscriptions(target: Target, job: SubscriptionsJob, progress: (line: string) => void): Promise<SubscriptionsOutput> {
  const { mark, subscribers, mutations, warmup } = job;
  const client = graphqlClient(target.graphqlUrl, { authorization: target.authorization }, 1);
  let worker: Worker | undefined;
  try {
    const released = await client.raw('mutation($input: ReleaseMarkInput!) { releaseMark(input: $input) { version } }', { input: { mark, price: 100 } });
    if (released.errors) throw new Error(`releaseMark failed: ${JSON.stringify(released.errors)}`);
    const deliveries = new Map<number, (arrivals: number[]) => void>();
    worker = new Worker(SUBSCRIBERS_WORKER, {
      eval: true,
      workerData: { url: target.realtimeUrl, apiKey: target.apiKey, host: new URL(target.graphqlUrl).host, mark, count: subscribers },
    });
    await new Promise<void>((resolve, reject) => {
      worker!.on('error', reject);
      worker!.on('message', (m: { type: string; version?: number; arrivals?: number[]; error?: string }) => {
        if (m.type === 'ready') resolve();
        else if (m.type === 'failed') reject(new Error(m.error));
        else if (m.type === 'delivered') deliveries.get(m.version!)?.(m.arrivals!);
      });
    });
    progress(`${subscribers} subscribers connected`);
    const out: SubscriptionsOutput['mutations'] = [];
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
      const result = await client.raw(
        version % 2 === 1
          ? 'mutation($input: LockMarkInput!) { lockMark(input: $input) { mark version type recordedAt } }'
          : 'mutation($input: UnlockMarkInput!) { unlockMark(input: $input) { mark version type recordedAt } }',
        { input: { mark, expectedVersion: version } },
      );
      const answered = clock();
      if (result.errors) throw new Error(`mutation failed: ${JSON.stringify(result.errors)}`);
      const arrivals = await delivered;
      version = next;
      if (n >= warmup) out.push({ version, sent, answered, arrivals });
    }
    return { mutations: out };
  } finally {
    if (worker) {
      worker.postMessage('close');
      await new Promise((resolve) => worker!.once('exit', resolve));
    }
    client.close();
  }
}

serveJobs<TargetedJob>(FLAG, ({ target, job }, progress) =>
  job.kind === 'latency' ? latency(target, job) : job.kind === 'throughput' ? throughput(target, job) : subscriptions(target, job, progress),
);
