/**
 * getMarkAt against getMark on marks with 10, 100, 1,000 and 10,000 events.
 *
 * Seeding: marks of up to `apiSeedLimit` events (100 by default) are written through the API, one
 * mutation after another. Longer ones would take minutes that way, so their items are written
 * straight to DynamoDB — exactly the items appendEvent writes, computed by resolvers/lib's own
 * planAppend (decide + evolve): the event, every SNAPSHOT_INTERVAL versions the snapshot, and the
 * final view. A sample of versions of every mark is then checked: getMarkAt(version) must equal
 * the fold of the events read back from MarkEvents.
 *
 * Measurement: (getMark, getMarkAt) pairs, alternated call by call. getMarkAt asks for versions
 * just below a snapshot boundary (49 events past the last snapshot: the most the design ever
 * folds), spread over the whole history; one row also asks by time (`at`), which adds the
 * snapshots' byUpdatedAt lookup and reads up to the next snapshot. Target: getMarkAt at 10,000 events <= 3 x getMark (median).
 *
 *   npx tsx bench/replay.ts [--pairs 200] [--sizes 10,100,1000,10000]
 */
import { BatchWriteItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { planAppend } from '../resolvers/lib/append';
import type { Command } from '../resolvers/lib/commands';
import type { DomainEvent } from '../resolvers/lib/events';
import { SNAPSHOT_INTERVAL } from '../resolvers/lib/mark';
import { toGraphQLMark } from '../resolvers/lib/output';
import type { MarkState } from '../resolvers/lib/state';
import { compact, fold } from '../resolvers/lib/state';
import { formatDateTime } from '../resolvers/lib/time';
import { startStack, type Stack } from '../local/stack';
import { dynamoDbClient } from 'appsync-local';
import { graphqlClient, type GraphQLClient } from './client';
import { formatNumber, ratio, summarize, timed, type Summary } from './stats';

const FIELDS = 'mark status price version updatedAt lockedUntil eventTime entitlement { certificateNo nomineeName purchaserName address { addLine1 postTown postcode } }';
const GET_MARK = `query($mark: ID!) { getMark(mark: $mark) { ${FIELDS} } }`;
const GET_MARK_AT = `query($mark: ID!, $version: Int, $at: AWSDateTime) { getMarkAt(mark: $mark, version: $version, at: $at) { ${FIELDS} } }`;

const ADDRESS = { addLine1: '1 Replay Road', postTown: 'Swansea', postcode: 'SA1 1AA' };

/** The command that appends version `version` of a seeded mark (1: create; then nominee and address changes). */
function commandFor(mark: string, version: number): Command {
  if (version === 1) {
    return {
      kind: 'createEntitlement',
      mark,
      price: 25_000,
      status: 'MARK_SOLD_ISSUE_CERTIFICATE_TO_PURCHASER',
      entitlement: { certificateNo: `C${mark}`, purchaserName: 'Replay Purchaser', nomineeName: 'Nominee 1', address: ADDRESS },
    };
  }
  return version % 2 === 0
    ? { kind: 'changeNominee', mark, expectedVersion: version - 1, nomineeName: `Nominee ${version}` }
    : { kind: 'changeAddress', mark, expectedVersion: version - 1, address: { ...ADDRESS, addLine1: `${version} Replay Road` } };
}

const MUTATION: Record<string, string> = {
  createEntitlement: 'mutation($input: CreateEntitlementInput!) { createEntitlement(input: $input) { version } }',
  changeNominee: 'mutation($input: ChangeNomineeInput!) { changeNominee(input: $input) { version } }',
  changeAddress: 'mutation($input: ChangeAddressInput!) { changeAddress(input: $input) { version } }',
};

async function seedThroughApi(client: GraphQLClient, mark: string, events: number): Promise<void> {
  for (let version = 1; version <= events; version++) {
    const { kind, ...input } = commandFor(mark, version);
    await client.gql(MUTATION[kind]!, { input });
  }
}

/** The items appendEvent would write for `events` versions, written with BatchWriteItem. */
async function seedDirectly(sdk: DynamoDBClient, env: Record<string, string>, mark: string, events: number): Promise<void> {
  const writes: { table: string; item: object }[] = [];
  let view: MarkState | null = null;
  const start = Date.now() - events; // one millisecond apart, ending now
  for (let version = 1; version <= events; version++) {
    const plan = planAppend(commandFor(mark, version), view, null, { now: formatDateTime(start + version), randomId: randomUUID() });
    if (plan.kind !== 'append') throw new Error(`seeding ${mark} v${version}: ${JSON.stringify(plan)}`);
    writes.push({ table: env.MARK_EVENTS_TABLE!, item: plan.event });
    if (plan.snapshot) writes.push({ table: env.MARK_SNAPSHOTS_TABLE!, item: plan.view });
    view = plan.view;
  }
  writes.push({ table: env.MARKS_TABLE!, item: view! });
  const batches: { table: string; item: object }[][] = [];
  for (let i = 0; i < writes.length; i += 25) batches.push(writes.slice(i, i + 25));
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < batches.length) {
        const batch = batches[next++]!;
        let requests: Record<string, WriteRequest[]> = {};
        for (const { table, item } of batch) (requests[table] ??= []).push({ PutRequest: { Item: marshall(compact(item), { removeUndefinedValues: true }) } });
        while (Object.keys(requests).length) {
          const answer = await sdk.send(new BatchWriteItemCommand({ RequestItems: requests }));
          requests = (answer.UnprocessedItems ?? {}) as Record<string, WriteRequest[]>;
        }
      }
    }),
  );
}

async function storedEvents(sdk: DynamoDBClient, table: string, mark: string): Promise<DomainEvent[]> {
  const events: DomainEvent[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await sdk.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: '#mark = :mark',
        ExpressionAttributeNames: { '#mark': 'mark' },
        ExpressionAttributeValues: { ':mark': { S: mark } },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    events.push(...(page.Items ?? []).map((item) => unmarshall(item) as DomainEvent));
    start = page.LastEvaluatedKey;
  } while (start);
  return events;
}

/** A Mark as the FIELDS selection shows it. */
function project(state: MarkState | null): unknown {
  const mark = toGraphQLMark(state);
  if (!mark) return null;
  const e = mark.entitlement;
  return {
    mark: mark.mark,
    status: mark.status,
    price: mark.price ?? null,
    version: mark.version,
    updatedAt: mark.updatedAt,
    lockedUntil: mark.lockedUntil ?? null,
    eventTime: mark.eventTime ?? null,
    entitlement: e
      ? { certificateNo: e.certificateNo, nomineeName: e.nomineeName ?? null, purchaserName: e.purchaserName ?? null, address: e.address ? { addLine1: e.address.addLine1, postTown: e.address.postTown, postcode: e.address.postcode } : null }
      : null,
  };
}

/** Versions of a mark of n events that fold the most events past a snapshot (49 of 50), over the whole history. */
export function worstCaseTargets(n: number, count: number): number[] {
  if (n <= SNAPSHOT_INTERVAL) return Array.from({ length: count }, (_, i) => 1 + (i % Math.max(1, n - 1)));
  const windows = Math.floor(n / SNAPSHOT_INTERVAL); // targets k*50 + 49 < n
  return Array.from({ length: count }, (_, i) => {
    const k = i === 0 ? windows - 1 : Math.floor((i * 7919) % windows);
    return Math.min(n - 1, k * SNAPSHOT_INTERVAL + SNAPSHOT_INTERVAL - 1);
  });
}

export interface ReplayBenchOptions {
  stack: Stack;
  sizes?: number[];
  /** measured (getMark, getMarkAt) pairs per size */
  pairs?: number;
  warmup?: number;
  /** marks with at most this many events are seeded through the API */
  apiSeedLimit?: number;
  /** versions checked per mark */
  checks?: number;
  log?: (line: string) => void;
}

export interface ReplayRow {
  events: number;
  seeded: 'api' | 'direct';
  /** 'version' or 'at' */
  by: 'version' | 'at';
  getMark: Summary;
  getMarkAt: Summary;
  medianRatio: number;
  p99Ratio: number;
}

export interface ReplayBenchResult {
  rows: ReplayRow[];
  /** versions whose getMarkAt was checked against the fold of the stored events, all correct */
  checked: number;
  seedSeconds: number;
}

export async function benchReplay(options: ReplayBenchOptions): Promise<ReplayBenchResult> {
  const { stack } = options;
  const sizes = options.sizes ?? [10, 100, 1_000, 10_000];
  const pairs = options.pairs ?? 200;
  const warmup = options.warmup ?? 20;
  const apiSeedLimit = options.apiSeedLimit ?? 100;
  const checks = options.checks ?? 12;
  const log = options.log ?? (() => {});
  const client = graphqlClient(stack.graphqlUrl, { authorization: (await stack.userPool.pool.tokensFor('staff')).AccessToken }, 4);
  const sdk = dynamoDbClient(stack.dynamodbEndpoint);
  const rows: ReplayRow[] = [];
  let checked = 0;
  let seedMs = 0;
  try {
    for (const n of sizes) {
      const mark = `R${n}`;
      const seeded = n <= apiSeedLimit ? 'api' : 'direct';
      seedMs += await timed(() => (seeded === 'api' ? seedThroughApi(client, mark, n) : seedDirectly(sdk, stack.env, mark, n)));

      // correctness: getMarkAt(v) == fold(stored events 1..v), on a spread of versions
      const events = await storedEvents(sdk, stack.env.MARK_EVENTS_TABLE!, mark);
      if (events.length !== n || events.some((e, i) => e.version !== i + 1)) throw new Error(`${mark}: expected versions 1..${n} in MarkEvents, found ${events.length}`);
      const sample = new Set([1, n, ...worstCaseTargets(n, checks), Math.min(n, SNAPSHOT_INTERVAL), Math.min(n, SNAPSHOT_INTERVAL + 1)]);
      for (const version of sample) {
        const got = (await client.gql<{ getMarkAt: unknown }>(GET_MARK_AT, { mark, version })).getMarkAt;
        const want = project(fold(events.slice(0, version)));
        if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`getMarkAt(${mark}, version ${version}) is wrong:\n got  ${JSON.stringify(got)}\n want ${JSON.stringify(want)}`);
        checked += 1;
      }
      log(`getMarkAt: ${mark} seeded (${n} events, ${seeded === 'api' ? 'through the API' : "resolvers/lib's plan written directly"}); ${sample.size} versions checked`);

      const byTime = n === sizes[sizes.length - 1];
      for (const by of byTime ? (['version', 'at'] as const) : (['version'] as const)) {
        const targets = worstCaseTargets(n, warmup + pairs);
        const plain: number[] = [];
        const replay: number[] = [];
        for (let i = 0; i < warmup + pairs; i++) {
          const target = targets[i]!;
          const variables = by === 'version' ? { mark, version: target } : { mark, at: events[target - 1]!.recordedAt };
          const a = () => timed(() => client.gql(GET_MARK, { mark }));
          const b = () => timed(() => client.gql(GET_MARK_AT, variables));
          let x: number;
          let y: number;
          if (i % 2) {
            x = await a();
            y = await b();
          } else {
            y = await b();
            x = await a();
          }
          if (i < warmup) continue;
          plain.push(x);
          replay.push(y);
        }
        const g = summarize(plain);
        const r = summarize(replay);
        rows.push({ events: n, seeded, by, getMark: g, getMarkAt: r, medianRatio: ratio(r.median, g.median), p99Ratio: ratio(r.p99, g.p99) });
      }
    }
  } finally {
    client.close();
    sdk.destroy();
  }
  return { rows, checked, seedSeconds: seedMs / 1000 };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { pairs: { type: 'string', default: '200' }, sizes: { type: 'string', default: '10,100,1000,10000' } } });
  const buildRoot = mkdtempSync(join(tmpdir(), 'mark-api-bench-'));
  const stack = await startStack({ inMemory: true, buildRoot, tablePrefix: 'bench_' });
  try {
    const result = await benchReplay({ stack, pairs: Number(values.pairs), sizes: values.sizes.split(',').map(Number), log: (l) => console.error(l) });
    console.log(`getMarkAt vs getMark, Node ${process.version}, ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    for (const row of result.rows) {
      console.log(
        `  ${String(row.events).padStart(6)} events by ${row.by.padEnd(7)} getMark ${formatNumber(row.getMark.median)} / ${formatNumber(row.getMark.p99)} ms   getMarkAt ${formatNumber(row.getMarkAt.median)} / ${formatNumber(row.getMarkAt.p99)} ms   ratio ${row.medianRatio.toFixed(2)}`,
      );
    }
    console.log(`  ${result.checked} versions checked against the fold of the stored events; seeding took ${result.seedSeconds.toFixed(1)} s`);
  } finally {
    await stack.stop();
    rmSync(buildRoot, { recursive: true, force: true });
  }
}
