/**
 * The price of the hot operations, pinned: DynamoDB calls and the read and write units DynamoDB
 * Local reports for them (ReturnConsumedCapacity TOTAL on every call the runtime makes,
 * local/appsync/capacity.ts). These are counts, not timings: a change that adds a read to a
 * command, or makes a replay read more items, fails here — and if it is meant, the numbers here
 * and the cost table of docs/PERFORMANCE.md change together.
 *
 * Units as DynamoDB bills them (Developer Guide, "Read/write capacity mode" and "Managing capacity
 * for transactions"): a strongly consistent read of up to 4 KB is 1 RCU; a write of up to 1 KB is
 * 1 WCU; a transactional write is 2 WCU per KB of each item; BatchGetItem is the sum of its items.
 * An index entry is written only when the item's index keys or projected attributes change
 * (Developer Guide, "Global secondary indexes", write activity).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { KinesisStreamRecord } from 'aws-lambda';
import { dynamoDbClient, type CapacityCounts } from 'appsync-local';
import { createArchiveHandler } from '../functions/archive/archive';
import { createKeyring } from '../functions/archive/keyring';
import type { MarkEventRecord } from '../functions/lib/mark-event';
import { s3Client, startS3rver, type LocalS3 } from '../local/services/s3rver';
import { SNAPSHOT_INTERVAL } from '../resolvers/lib/mark';
import { command, entitlementInput, getMark, getMarkAt, listMarkEvents, ok, query } from './support/marks';
import { startTestStack, type TestStack } from './support/stack';

let stack: TestStack;
const MARK = 'COST 1';
// past two snapshots, so getMarkAt reads a snapshot and events after it
const HISTORY = 2 * SNAPSHOT_INTERVAL + 5;

beforeAll(async () => {
  stack = await startTestStack({ label: 'capacity' });
  await ok(stack, 'createEntitlement', entitlementInput(MARK));
  for (let version = 1; version < HISTORY; version += 1) {
    await ok(stack, 'changeNominee', { mark: MARK, expectedVersion: version, nomineeName: `Nominee ${version + 1}` });
  }
}, 300_000);

afterAll(async () => {
  await stack?.stop();
});

/** What one operation cost: its field's counts, with nothing else measured in between. */
async function measure(field: string, run: () => Promise<{ errors: unknown[] }>): Promise<Pick<CapacityCounts, 'calls' | 'readUnits' | 'writeUnits' | 'byCall'>> {
  stack.capacity.reset();
  const outcome = await run();
  expect(outcome.errors).toEqual([]);
  const counts = stack.capacity.field(field);
  expect(counts.resolutions).toBe(1);
  return { calls: counts.calls, readUnits: counts.readUnits, writeUnits: counts.writeUnits, byCall: counts.byCall };
}

describe('consumed capacity per operation (pinned)', () => {
  it('changeNominee: one consistent GetItem of the view, one TransactWriteItems of the event and the view', async () => {
    // 2 WCU per item in a transaction: the event and the view, and no index entry. Before issue 20
    // 8: the event's entry in byRecordedAt (LSI) and the view's in byStatus (GSI, projection ALL)
    // were 2 more each; byStatus now holds the keys and the price, which a nominee leaves as they are,
    // and byOwner (issue 27) the keys only, which a nominee leaves as they are too
    const counts = await measure('Mutation.changeNominee', () => command(stack, 'changeNominee', { mark: MARK, expectedVersion: HISTORY, nomineeName: 'Nominee pinned' }));
    expect(counts).toEqual({ calls: 2, readUnits: 1, writeUnits: 4, byCall: { GetItem: 1, TransactWriteItems: 1 } });
  });

  it('changeNominee at a snapshot version also writes the snapshot: one more item in the same transaction', async () => {
    // the mark is at HISTORY + 1 now; walk it to one below the next multiple of SNAPSHOT_INTERVAL
    let version = HISTORY + 1;
    while ((version + 1) % SNAPSHOT_INTERVAL !== 0) {
      await ok(stack, 'changeNominee', { mark: MARK, expectedVersion: version, nomineeName: `Nominee ${version + 1}` });
      version += 1;
    }
    const counts = await measure('Mutation.changeNominee', () => command(stack, 'changeNominee', { mark: MARK, expectedVersion: version, nomineeName: 'Nominee snapshot' }));
    // + 2 WCU the snapshot, + 2 its byUpdatedAt entry (KEYS_ONLY): once in SNAPSHOT_INTERVAL commands
    expect(counts).toEqual({ calls: 2, readUnits: 1, writeUnits: 8, byCall: { GetItem: 1, TransactWriteItems: 1 } });
  });

  it('a command that changes the status also writes its byStatus entry', async () => {
    const released = 'COST 2';
    await ok(stack, 'releaseMark', { mark: released, price: 250 });
    // a lock leaves status and price as they are: the event and the view only (2 + 2)
    const locked = await measure('Mutation.lockMark', () => command(stack, 'lockMark', { mark: released, expectedVersion: 1 }));
    expect(locked).toMatchObject({ calls: 2, writeUnits: 4 });
    // a purchase moves the view to another status: its entry leaves one key of byStatus for another,
    // a delete and a put in the index (2 + 2 in a transaction) besides the event and the view; and it
    // gives the mark an owner: a new entry in byOwner (+ 2; 8 before issue 27)
    const buyer = { purchaserName: 'Gwen Price', address: { addLine1: '9 Hill Road', postTown: 'Neath', postcode: 'SA11 1AA' } };
    const bought = await measure('Mutation.purchaseMark', () => command(stack, 'purchaseMark', { mark: released, expectedVersion: 2, entitlement: buyer }));
    expect(bought).toMatchObject({ calls: 2, writeUnits: 10 });
    // the owner's nominee: the event and the view only, byOwner left alone
    const renamed = await measure('Mutation.changeNominee', () => command(stack, 'changeNominee', { mark: released, expectedVersion: 3, nomineeName: 'Glyn Price' }));
    expect(renamed).toMatchObject({ calls: 2, writeUnits: 4 });
  });

  it("listMyMarks: one Query of byOwner (keys only), then one consistent BatchGetItem of the page's views", async () => {
    // the staff user bought COST 2 above (it held the lock), and buys one more; the index entries are a few bytes each
    await ok(stack, 'releaseMark', { mark: 'COST 4', price: 400 });
    await ok(stack, 'purchaseMark', { mark: 'COST 4', expectedVersion: 1, entitlement: { purchaserName: 'Gwen Price', address: { addLine1: '9 Hill Road', postTown: 'Neath', postcode: 'SA11 1AA' } } });
    const mine = 'query { listMyMarks(limit: 10) { items { mark entitlement { purchaserName } } nextToken } }';
    let listed: string[] = [];
    const counts = await measure('Query.listMyMarks', async () => {
      const out = await query<{ items: { mark: string }[] }>(stack, mine, {});
      listed = (out.data?.items ?? []).map((item) => item.mark);
      return out;
    });
    expect(listed).toEqual(['COST 2', 'COST 4']);
    // the Query: 0.5 (an eventually consistent read of up to 4 KB), the views: 1 each
    expect(counts).toEqual({ calls: 2, readUnits: 2.5, writeUnits: 0, byCall: { Query: 1, BatchGetItem: 1 } });
  });

  it('getMark: one consistent GetItem', async () => {
    expect(await measure('Query.getMark', () => getMark(stack, MARK))).toEqual({ calls: 1, readUnits: 1, writeUnits: 0, byCall: { GetItem: 1 } });
  });

  it('getMarkAt by version: one BatchGetItem of the view, a snapshot and the events after it', async () => {
    // target 2 * SNAPSHOT_INTERVAL + 3: the view, snapshot 20 and events 21..23 = 5 items
    const counts = await measure('Query.getMarkAt', () => getMarkAt(stack, MARK, undefined, 2 * SNAPSHOT_INTERVAL + 3));
    expect(counts).toEqual({ calls: 1, readUnits: 5, writeUnits: 0, byCall: { BatchGetItem: 1 } });
  });

  it('getMarkAt by time: one Query on the snapshots’ byUpdatedAt first, then one BatchGetItem up to the next snapshot', async () => {
    const listed = await listMarkEvents(stack, MARK, { fromVersion: 2 * SNAPSHOT_INTERVAL + 3, limit: 1 });
    const at = listed.data!.items[0]!.recordedAt;
    const counts = await measure('Query.getMarkAt', () => getMarkAt(stack, MARK, at));
    // the Query: 1; the view, snapshot 20 and events 21..30 (the version recorded by `at` is among
    // them): 12. Before issue 20 6 (the events table's byRecordedAt index gave the version itself),
    // paid for by 2 WCU on every command
    expect(counts).toEqual({ calls: 2, readUnits: 13, writeUnits: 0, byCall: { Query: 1, BatchGetItem: 1 } });
  });

  it('listMarks by status: the index answers mark, status and price alone; other fields read the views of the page', async () => {
    await ok(stack, 'releaseMark', { mark: 'COST 3', price: 300 });
    const page = 'query { listMarks(status: MARK_AVAILABLE, limit: 10) { items { mark status price } nextToken } }';
    expect(await measure('Query.listMarks', () => query(stack, page, {}))).toMatchObject({ calls: 1, byCall: { Query: 1 } });
    const whole = 'query { listMarks(status: MARK_AVAILABLE, limit: 10) { items { mark version } nextToken } }';
    expect(await measure('Query.listMarks', () => query(stack, whole, {}))).toMatchObject({ calls: 2, byCall: { Query: 1, BatchGetItem: 1 } });
    // an alias hides which field it selects from selectionSetList: the views are read
    const aliased = 'query { listMarks(status: MARK_AVAILABLE, limit: 10) { items { mark price: version } nextToken } }';
    let listed: { mark: string; price: number }[] = [];
    const counts = await measure('Query.listMarks', async () => {
      const out = await query<{ items: { mark: string; price: number }[] }>(stack, aliased, {});
      listed = out.data?.items ?? [];
      return out;
    });
    expect(counts).toMatchObject({ calls: 2, byCall: { Query: 1, BatchGetItem: 1 } });
    // the version under the alias, not the price of the index entry
    expect(listed).toContainEqual({ mark: 'COST 3', price: 1 });
  });

  it('listMarkEvents: the view, then one Query of a page of events', async () => {
    const counts = await measure('Query.listMarkEvents', () => listMarkEvents(stack, MARK, { limit: 10 }));
    expect(counts).toEqual({ calls: 2, readUnits: 2, writeUnits: 0, byCall: { GetItem: 1, Query: 1 } });
  });
});

/**
 * The archive's requests per batch, counted on the SDK clients themselves (a middleware that sees
 * every command sent, and asks DynamoDB Local for the capacity each consumed), against s3rver and
 * DynamoDB Local: a change that adds a request per event or per mark fails here. bench/cost.ts
 * prices the same counts (archivePerEvent); docs/PERFORMANCE.md has the table.
 */
describe('archive requests per batch of 100 (pinned)', () => {
  const BUCKET = 'capacity-archive';
  let s3server: LocalS3;
  let s3dir: string;
  let s3: S3Client;
  let dynamodb: DynamoDBClient;
  const sent: Record<string, number> = {};
  let readUnits = 0;
  let writeUnits = 0;

  beforeAll(async () => {
    s3dir = mkdtempSync(join(tmpdir(), 'capacity-s3-'));
    s3server = await startS3rver({ directory: s3dir, bucket: BUCKET });
    s3 = s3Client(s3server.endpoint);
    dynamodb = dynamoDbClient(inject('dynamodbEndpoint'));
    for (const client of [s3, dynamodb] as { middlewareStack: DynamoDBClient['middlewareStack'] }[]) {
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const input = args.input as { ReturnConsumedCapacity?: string };
          if (client === (dynamodb as unknown)) input.ReturnConsumedCapacity = 'TOTAL';
          sent[context.commandName!] = (sent[context.commandName!] ?? 0) + 1;
          const result = await next(args);
          const consumed = (result.output as { ConsumedCapacity?: { ReadCapacityUnits?: number; WriteCapacityUnits?: number; CapacityUnits?: number } | { ReadCapacityUnits?: number; WriteCapacityUnits?: number; CapacityUnits?: number }[] }).ConsumedCapacity;
          for (const c of consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed]) {
            // DynamoDB Local reports CapacityUnits only; a read call's are read units, a write call's write units
            const units = c.CapacityUnits ?? (c.ReadCapacityUnits ?? 0) + (c.WriteCapacityUnits ?? 0);
            if (/^(Get|BatchGet)/.test(context.commandName!)) readUnits += units;
            else writeUnits += units;
          }
          return result;
        },
        { step: 'initialize', name: 'countRequests' },
      );
    }
  });

  afterAll(async () => {
    s3?.destroy();
    dynamodb?.destroy();
    await s3server?.stop();
    if (s3dir) rmSync(s3dir, { recursive: true, force: true });
  });

  let sequence = 0;
  const record = (event: MarkEventRecord): KinesisStreamRecord => {
    const sequenceNumber = String(++sequence).padStart(20, '0');
    return {
      kinesis: { kinesisSchemaVersion: '1.0', partitionKey: event.mark, sequenceNumber, data: Buffer.from(JSON.stringify(event)).toString('base64'), approximateArrivalTimestamp: Date.now() / 1000 },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:${sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/capacity',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/capacity',
    };
  };
  /** A batch of 100 changeNominee events over `marks` marks (100 / marks consecutive versions each) from `version` on. */
  const nominees = (marks: number, version: number) =>
    Array.from({ length: 100 }, (_, i): MarkEventRecord => {
      const m = i % marks;
      const v = version + Math.floor(i / marks);
      return { mark: `ARCH ${marks}-${m}`, version: v, type: 'NOMINEE_CHANGED', recordedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, v)).toISOString(), schemaVersion: 1, data: { nomineeName: `Nominee ${m}.${v}` } };
    }).map(record);

  async function counted(run: () => Promise<unknown>) {
    for (const k of Object.keys(sent)) delete sent[k];
    readUnits = 0;
    writeUnits = 0;
    await run();
    return { requests: { ...sent }, readUnits, writeUnits };
  }

  for (const marks of [1, 20, 50, 100]) {
    it(`${marks} marks per batch: one PutObject and one BatchGetItem (${marks} RCU); a key is written once per mark life`, async () => {
      const archive = createArchiveHandler({ s3, bucket: BUCKET, keyring: createKeyring({ dynamodb, table: stack.env.MARK_ARCHIVE_KEYS_TABLE }), logger: { debug() {}, info() {}, warn() {}, error() {} } });
      // the first batch of these marks makes their keys: a conditional PutItem each (1 WCU, an item under 1 KB)
      const first = await counted(async () => expect(await archive({ Records: nominees(marks, 2) })).toEqual({ batchItemFailures: [] }));
      // (the read of an item not there yet: DynamoDB Local reports no units for it, DynamoDB may bill one, so not pinned)
      expect({ ...first, readUnits: undefined }).toEqual({ requests: { BatchGetItemCommand: 1, PutItemCommand: marks, PutObjectCommand: 1 }, writeUnits: marks });
      // every later batch: the keys (one strongly consistent read of each mark's item under 4 KB) and the object
      const steady = await counted(async () => expect(await archive({ Records: nominees(marks, 2 + 100 / marks) })).toEqual({ batchItemFailures: [] }));
      expect(steady).toEqual({ requests: { BatchGetItemCommand: 1, PutObjectCommand: 1 }, readUnits: marks, writeUnits: 0 });
    });
  }
});
