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
 *   npx tsx bench/runtime-overhead.ts [--pairs 1000] [--warmup 100] [--concurrency 1,16]
 */
import { GetItemCommand, TransactWriteItemsCommand, type DynamoDBClient, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { planAppend } from '../resolvers/lib/append';
import type { Command } from '../resolvers/lib/commands';
import type { MarkState } from '../resolvers/lib/state';
import { compact } from '../resolvers/lib/state';
import { formatDateTime } from '../resolvers/lib/time';
import { startStack, type Stack } from '../local/stack';
import { dynamoDbClient } from '../local/services/dynamodb-local';
import { graphqlClient, type GraphQLClient } from './client';
import { formatNumber, median, ratio, summarize, timed, type Summary } from './stats';

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
  const client = graphqlClient(stack.graphqlUrl, stack.apiKey, concurrency);
  const sdk = dynamoDbClient(stack.dynamodbEndpoint);
  // per pair index across workers, so blocks are taken in time order
  const graphql: { i: number; ms: number }[] = [];
  const direct: { i: number; ms: number }[] = [];
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
          const runS = async () => (s = await timed(() => viaSdk(sdk, stack.env, sMark, i)));
          if ((i + w) % 2) {
            await runS();
            await runG();
          } else {
            await runG();
            await runS();
          }
          if (i < warmup) continue;
          graphql.push({ i: i - warmup, ms: g });
          direct.push({ i: i - warmup, ms: s });
        }
      }),
    );
  } finally {
    client.close();
    sdk.destroy();
  }
  const blockRatios: number[] = [];
  const block = Math.max(1, Math.ceil(pairs / 5));
  for (let start = 0; start < pairs; start += block) {
    const inBlock = (xs: { i: number; ms: number }[]) => xs.filter((x) => x.i >= start && x.i < start + block).map((x) => x.ms);
    blockRatios.push(ratio(median(inBlock(graphql)), median(inBlock(direct))));
  }
  const g = summarize(graphql.map((x) => x.ms));
  const s = summarize(direct.map((x) => x.ms));
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
  const client = graphqlClient(stack.graphqlUrl, stack.apiKey, concurrency);
  const sdk = dynamoDbClient(stack.dynamodbEndpoint);
  try {
    const gMarks = Array.from({ length: concurrency }, (_, w) => `G${tag}${w}`);
    const sMarks = Array.from({ length: concurrency }, (_, w) => `S${tag}${w}`);
    const versions = await Promise.all(gMarks.map((m) => createMark(client, m)));
    await Promise.all(sMarks.map((m) => createMark(client, m)));
    let gTime = 0;
    let sTime = 0;
    for (let round = 0; round < rounds; round++) {
      gTime += await timed(() =>
        Promise.all(
          gMarks.map(async (mark, w) => {
            for (let n = 0; n < perWorker; n++) versions[w] = await viaGraphQL(client, mark, versions[w]!, n);
          }),
        ),
      );
      sTime += await timed(() =>
        Promise.all(
          sMarks.map(async (mark) => {
            for (let n = 0; n < perWorker; n++) await viaSdk(sdk, stack.env, mark, n);
          }),
        ),
      );
    }
    const mutations = concurrency * perWorker * rounds;
    const graphqlPerSecond = mutations / (gTime / 1000);
    const sdkPerSecond = mutations / (sTime / 1000);
    return { concurrency, mutations, graphqlPerSecond, sdkPerSecond, ratio: ratio(graphqlPerSecond, sdkPerSecond) };
  } finally {
    client.close();
    sdk.destroy();
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
      console.log(`  ratio median ${r.medianRatio.toFixed(2)} (per fifth: ${r.blockRatios.map((x) => x.toFixed(2)).join(' ')})   p99 ${r.p99Ratio.toFixed(2)}   target median <= 1.3: ${r.medianRatio <= 1.3 ? 'met' : 'MISSED'}`);
    }
    const t = await benchThroughput({ stack, concurrency: 16, perWorker: 50, rounds: 2, tag: 'T' });
    console.log(`throughput at concurrency 16: ${formatNumber(t.graphqlPerSecond)} mutations/s via GraphQL, ${formatNumber(t.sdkPerSecond)}/s via the SDK (ratio ${t.ratio.toFixed(2)})`);
  } finally {
    await stack.stop();
    rmSync(buildRoot, { recursive: true, force: true });
  }
}
