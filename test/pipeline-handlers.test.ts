/**
 * The three Lambda handlers, each invoked directly with Lambda-shaped events, against the real
 * services: kinesalite (in memory), s3rver (files in a temporary folder), DynamoDB Local.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordsCommand,
  type KinesisClient,
  type PutRecordsCommandOutput,
} from '@aws-sdk/client-kinesis';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisStreamRecord } from 'aws-lambda';
import { createRelayHandler } from '../functions/relay/relay';
import { createEraserHandler } from '../functions/eraser/eraser';
import { createArchiveHandler } from '../functions/archive/archive';
import { batchKey, eventKey, linesOf } from '../functions/archive/keys';
import { createKeyring, type Keyring } from '../functions/archive/keyring';
import { openLine, tryOpen, type ArchivedLine } from '../functions/archive/sealing';
import type { Log } from '../functions/lib/log';
import { dynamoDbClient } from 'appsync-local';
import { ensureTables } from '../local/services/tables';
import { ensureStream, kinesisClient, startKinesalite, type Kinesalite } from '../local/services/kinesalite';
import { s3Client, startS3rver, type LocalS3 } from '../local/services/s3rver';
import { lambdaBundleOptions } from '../infra/lambda-bundle';
import { uniquePrefix } from './support/prefix';
import { archiveText, forgotten, insertRecord, listObjectKeys, markEvents, personalStrings, putEvents, readArchive, scanAll, type ArchiveKeys } from './support/pipeline-fixtures';

/** Collects log lines so that tests can see what was logged about skipped records. */
function captureLog() {
  const lines: { level: string; message: string; attributes: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, ...attributes: Record<string, unknown>[]) =>
    lines.push({ level, message, attributes: Object.assign({}, ...attributes) });
  const log: Log = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { log, lines };
}

const fastBackoff = { maxAttempts: 4, baseDelayMs: 1, capDelayMs: 5 };

let kinesalite: Kinesalite;
let s3server: LocalS3;
let kinesis: KinesisClient;
let s3: S3Client;
let dynamodb: DynamoDBClient;
let s3dir: string;

beforeAll(async () => {
  s3dir = mkdtempSync(join(tmpdir(), 'pipeline-handlers-s3-'));
  [kinesalite, s3server] = await Promise.all([startKinesalite({ inMemory: true }), startS3rver({ directory: s3dir })]);
  kinesis = kinesisClient(kinesalite.endpoint);
  s3 = s3Client(s3server.endpoint);
  dynamodb = dynamoDbClient(inject('dynamodbEndpoint'));
});

afterAll(async () => {
  kinesis?.destroy();
  s3?.destroy();
  dynamodb?.destroy();
  await kinesalite?.stop();
  await s3server?.stop();
  rmSync(s3dir, { recursive: true, force: true });
});

/** Every record of a stream, in shard order, decoded. */
async function readStream(streamName: string) {
  const shards = (await kinesis.send(new ListShardsCommand({ StreamName: streamName }))).Shards ?? [];
  const out: { partitionKey: string; body: unknown }[] = [];
  for (const shard of shards) {
    let iterator = (await kinesis.send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    for (;;) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
      for (const r of page.Records ?? []) out.push({ partitionKey: r.PartitionKey!, body: JSON.parse(Buffer.from(r.Data!).toString('utf8')) });
      if (!page.Records?.length) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}

/** A Kinesis client that makes chosen entries of PutRecords fail, putting the rest for real. */
function flakyKinesis(shouldFail: (partitionKey: string, body: { version: number }, call: number) => boolean) {
  const calls: number[] = [];
  const client = {
    async send(command: PutRecordsCommand): Promise<PutRecordsCommandOutput> {
      const call = calls.length;
      const entries = command.input.Records!;
      calls.push(entries.length);
      const failing = entries.map((e) => shouldFail(e.PartitionKey!, JSON.parse(Buffer.from(e.Data!).toString('utf8')), call));
      const passed = entries.filter((_, i) => !failing[i]);
      const real = passed.length
        ? await kinesis.send(new PutRecordsCommand({ ...command.input, Records: passed }))
        : { Records: [], FailedRecordCount: 0, $metadata: {} };
      let next = 0;
      return {
        $metadata: {},
        FailedRecordCount: failing.filter(Boolean).length,
        Records: failing.map((fail) =>
          fail ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard' } : real.Records![next++],
        ),
      };
    },
  };
  return { client: client as unknown as KinesisClient, calls };
}

describe('relay', () => {
  it('puts every INSERT as one JSON record keyed by mark, in order, and skips what is not an event', async () => {
    const streamName = uniquePrefix('relay');
    await ensureStream(kinesalite.endpoint, streamName, 2);
    const { log, lines } = captureLog();
    const relay = createRelayHandler({ kinesis, streamName, logger: log });
    const a = markEvents('AFC F5', 1, 5);
    const b = markEvents('B1 XYZ', 1, 3);
    const records = [
      insertRecord(a[0]),
      insertRecord(b[0]),
      insertRecord({ mark: 'AFC F5', version: 99, note: 'not an event' }),
      insertRecord(a[1], 'REMOVE'),
      ...a.slice(1).map((e) => insertRecord(e)),
      ...b.slice(1).map((e) => insertRecord(e)),
      insertRecord(forgotten('B1 XYZ', 4)),
    ];
    expect(await relay({ Records: records })).toEqual({ batchItemFailures: [] });

    const stream = await readStream(streamName);
    expect(stream).toHaveLength(a.length + b.length + 1);
    for (const r of stream) expect(r.partitionKey).toBe((r.body as { mark: string }).mark);
    // Per mark, the order of the stream is the order of commit.
    expect(stream.filter((r) => r.partitionKey === 'AFC F5').map((r) => r.body)).toEqual(a);
    expect(stream.filter((r) => r.partitionKey === 'B1 XYZ').map((r) => r.body)).toEqual([...b, forgotten('B1 XYZ', 4)]);
    expect(lines.filter((l) => l.level === 'warn' && /not a mark event/.test(l.message))).toHaveLength(1);
  });

  it('splits a large batch into PutRecords calls of at most 500 records and 5 MiB', async () => {
    const streamName = uniquePrefix('relaybig');
    await ensureStream(kinesalite.endpoint, streamName, 1);
    const counting = flakyKinesis(() => false);
    const relay = createRelayHandler({ kinesis: counting.client, streamName, logger: captureLog().log });
    const many = markEvents('MANY 1', 1, 1_200);
    expect(await relay({ Records: many.map((e) => insertRecord(e)) })).toEqual({ batchItemFailures: [] });
    expect(counting.calls).toEqual([500, 500, 200]);

    // 24 events of ~300 KB: 7.2 MB, more than one call can carry.
    const bulky = markEvents('BULKY 1', 1, 24).map((e) => ({ ...e, data: { ...e.data, blob: 'x'.repeat(300_000) } }));
    counting.calls.length = 0;
    expect(await relay({ Records: bulky.map((e) => insertRecord(e)) })).toEqual({ batchItemFailures: [] });
    expect(counting.calls.length).toBeGreaterThan(1);
    expect(counting.calls.reduce((x, y) => x + y, 0)).toBe(24);
    expect(Math.max(...counting.calls)).toBeLessThanOrEqual(17); // 17 * 300 KB < 5 MiB < 18 * 300 KB
    expect(await readStream(streamName)).toHaveLength(1_224);
  });

  it('retries only the entries that failed, so each event is put once', async () => {
    const streamName = uniquePrefix('relayretry');
    await ensureStream(kinesalite.endpoint, streamName, 1);
    // The first two calls throttle every third entry.
    const flaky = flakyKinesis((_pk, body, call) => call < 2 && body.version % 3 === 0);
    const relay = createRelayHandler({ kinesis: flaky.client, streamName, logger: captureLog().log, backoff: fastBackoff });
    const events = markEvents('RETRY 1', 1, 30);
    expect(await relay({ Records: events.map((e) => insertRecord(e)) })).toEqual({ batchItemFailures: [] });
    expect(flaky.calls).toEqual([30, 10, 10]);
    const stream = await readStream(streamName);
    expect(stream.map((r) => (r.body as { version: number }).version).sort((x, y) => x - y)).toEqual(events.map((e) => e.version));
  });

  it('reports the first record still failing after its retries as the partial batch failure', async () => {
    const streamName = uniquePrefix('relayfail');
    await ensureStream(kinesalite.endpoint, streamName, 1);
    const flaky = flakyKinesis((pk, body) => pk === 'STUCK 1' && body.version >= 3);
    const { log, lines } = captureLog();
    const relay = createRelayHandler({ kinesis: flaky.client, streamName, logger: log, backoff: fastBackoff });
    const stuck = markEvents('STUCK 1', 1, 6);
    const other = markEvents('OTHER 1', 1, 6);
    const records = stuck.map((e, i) => [insertRecord(e), insertRecord(other[i])]).flat();
    const response = await relay({ Records: records });
    // STUCK 1 v3 is the 5th record: the mapping must resume there.
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: records[4].dynamodb!.SequenceNumber }] });
    expect(flaky.calls).toEqual([12, 4, 4, 4]);
    expect(lines.some((l) => l.level === 'error' && l.attributes.sequenceNumber === records[4].dynamodb!.SequenceNumber)).toBe(true);
  });
});

describe('eraser', () => {
  it('deletes every earlier event and snapshot, keeping the tombstone and its snapshot (the replay base), and nothing else; twice is harmless', async () => {
    const env = await ensureTables(dynamodb, uniquePrefix('eraser'));
    const mark = 'ERASE 1';
    const before = markEvents(mark, 1, 60);
    const tombstone = forgotten(mark, 61);
    const after = markEvents(mark, 62, 63, 'reborn');
    const bystander = markEvents('KEEP 1', 1, 5);
    await putEvents(dynamodb, env.MARK_EVENTS_TABLE, [...before, tombstone, ...after, ...bystander]);
    await putEvents(dynamodb, env.MARK_SNAPSHOTS_TABLE, [
      { mark, version: 50, state: { purchaserName: 'x' } },
      { mark, version: 61, state: { forgotten: true } },
      { mark, version: 63, state: { purchaserName: 'reborn' } },
      { mark: 'KEEP 1', version: 5, state: {} },
    ]);
    // the archive's keys: the forgotten life's (to go), the bystander's (to stay)
    await putEvents(dynamodb, env.MARK_ARCHIVE_KEYS_TABLE, [
      { mark, erasedBelow: 0, dataKey: new Uint8Array(32).fill(1) },
      { mark: 'KEEP 1', erasedBelow: 0, dataKey: new Uint8Array(32).fill(2) },
    ]);
    const eraser = createEraserHandler({
      dynamodb,
      eventsTable: env.MARK_EVENTS_TABLE,
      snapshotsTable: env.MARK_SNAPSHOTS_TABLE,
      archiveKeysTable: env.MARK_ARCHIVE_KEYS_TABLE,
      logger: captureLog().log,
    });
    const event = { Records: [insertRecord(before[3]), insertRecord(tombstone)] };
    expect(await eraser(event)).toEqual({ batchItemFailures: [] });
    const remaining = (await scanAll(dynamodb, env.MARK_EVENTS_TABLE)).filter((i) => i.mark === mark).map((i) => i.version);
    expect(remaining.sort()).toEqual([61, 62, 63]);
    expect((await scanAll(dynamodb, env.MARK_EVENTS_TABLE)).filter((i) => i.mark === 'KEEP 1')).toHaveLength(5);
    const snapshots = (await scanAll(dynamodb, env.MARK_SNAPSHOTS_TABLE)).map((i) => `${i.mark}@${i.version}`);
    expect(snapshots.sort()).toEqual(['ERASE 1@61', 'ERASE 1@63', 'KEEP 1@5']);
    const keys = async () => Object.fromEntries((await scanAll(dynamodb, env.MARK_ARCHIVE_KEYS_TABLE)).map((i) => [i.mark, i]));
    expect(await keys()).toEqual({ [mark]: { mark, erasedBelow: 61 }, 'KEEP 1': { mark: 'KEEP 1', erasedBelow: 0, dataKey: new Uint8Array(32).fill(2) } });

    // twice is harmless, and an older forget delivered late leaves the next life's key alone
    await putEvents(dynamodb, env.MARK_ARCHIVE_KEYS_TABLE, [{ mark, erasedBelow: 61, dataKey: new Uint8Array(32).fill(3) }]);
    expect(await eraser(event)).toEqual({ batchItemFailures: [] });
    expect(await eraser({ Records: [insertRecord(forgotten(mark, 40))] })).toEqual({ batchItemFailures: [] });
    expect((await scanAll(dynamodb, env.MARK_EVENTS_TABLE)).filter((i) => i.mark === mark)).toHaveLength(3);
    expect((await keys())[mark]).toEqual({ mark, erasedBelow: 61, dataKey: new Uint8Array(32).fill(3) });
  });

  it('reports the forget it could not complete', async () => {
    const eraser = createEraserHandler({ dynamodb, eventsTable: 'NoSuchTable', snapshotsTable: 'NoSuchTable', archiveKeysTable: 'NoSuchTable', logger: captureLog().log });
    const record = insertRecord(forgotten('GONE 1', 3));
    expect(await eraser({ Records: [record] })).toEqual({ batchItemFailures: [{ itemIdentifier: record.dynamodb!.SequenceNumber }] });
  });
});

/** A Kinesis record as Lambda delivers it. */
let kinesisSequence = 0;
function kinesisRecord(body: unknown, partitionKey = (body as { mark?: string })?.mark ?? 'x'): KinesisStreamRecord {
  const sequenceNumber = String(++kinesisSequence).padStart(56, '0');
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey,
      sequenceNumber,
      data: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)).toString('base64'),
      approximateArrivalTimestamp: Date.now() / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `shardId-000000000000:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/test',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/test',
  };
}

async function newBucket(label: string): Promise<string> {
  const bucket = uniquePrefix(label).toLowerCase().replace(/_/g, '-').replace(/-$/, '');
  const { CreateBucketCommand } = await import('@aws-sdk/client-s3');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

/** A key table of the archive's own (MarkArchiveKeys under a fresh prefix) and its reader's handle. */
async function newKeyTable(label: string): Promise<ArchiveKeys & { keyring: Keyring }> {
  const env = await ensureTables(dynamodb, uniquePrefix(label));
  const table = env.MARK_ARCHIVE_KEYS_TABLE;
  return { dynamodb, table, keyring: createKeyring({ dynamodb, table }) };
}

/** The item of a mark in a key table, as stored. */
async function keyItem(keys: ArchiveKeys, mark: string) {
  return (await dynamodb.send(new GetItemCommand({ TableName: keys.table, Key: { mark: { S: mark } }, ConsistentRead: true }))).Item;
}

async function objectLines(bucket: string, key: string): Promise<ArchivedLine[]> {
  return linesOf<ArchivedLine>(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString());
}

describe('archive', () => {
  it('writes one JSON Lines object per batch, of however many marks, keyed by its first record; a redelivery overwrites itself', async () => {
    const bucket = await newBucket('arch');
    const keys = await newKeyTable('arch');
    const archive = createArchiveHandler({ s3, bucket, keyring: keys.keyring, logger: captureLog().log });
    const events = [...markEvents('AFC F5', 1, 4), ...markEvents('Q/1 ?&', 1, 2)];
    const records = events.map((e) => kinesisRecord(e));
    expect(await archive({ Records: records })).toEqual({ batchItemFailures: [] });
    const key = batchKey(records[0]);
    expect(key).toMatch(/^events\/dt=\d{4}-\d{2}-\d{2}\/shardId-000000000000\/\d{56}\.jsonl$/);
    expect(key.slice('events/dt='.length, 'events/dt='.length + 10)).toBe(new Date(records[0].kinesis.approximateArrivalTimestamp * 1000).toISOString().slice(0, 10));
    expect(await listObjectKeys(s3, bucket, 'events/')).toEqual([key]);
    // JSON Lines: one line per event, each mark's in stream order
    const lines = await objectLines(bucket, key);
    expect(lines.map((l) => [l.mark, l.version])).toEqual(events.map((e) => [e.mark, e.version]));
    // the same batch again: the same object, overwritten
    expect(await archive({ Records: records })).toEqual({ batchItemFailures: [] });
    expect(await listObjectKeys(s3, bucket, 'events/')).toEqual([key]);
    // a redelivery cut elsewhere writes its own object over the same events
    expect(await archive({ Records: records.slice(1, 3) })).toEqual({ batchItemFailures: [] });
    expect((await listObjectKeys(s3, bucket, 'events/')).sort()).toEqual([key, batchKey(records[1])].sort());
    const objects = await readArchive(s3, bucket, 'events/', keys);
    expect([...objects.keys()].sort()).toEqual(events.map((e) => eventKey(e.mark, e.version)).sort());
    for (const e of events) expect(objects.get(eventKey(e.mark, e.version))).toEqual(e);
    // one key per mark, made once and reused by the redeliveries
    expect((await scanAll(dynamodb, keys.table)).map((i) => i.mark).sort()).toEqual(['AFC F5', 'Q/1 ?&']);
  });

  it('keeps the open fields in clear and seals the personal data and commandId, so that a box opens only with its key at its own line', async () => {
    const bucket = await newBucket('seal');
    const keys = await newKeyTable('seal');
    const archive = createArchiveHandler({ s3, bucket, keyring: keys.keyring, logger: captureLog().log });
    const events = markEvents('SEAL 1', 1, 3);
    const records = events.map((e) => kinesisRecord(e));
    expect(await archive({ Records: records })).toEqual({ batchItemFailures: [] });
    const lines = await objectLines(bucket, batchKey(records[0]));
    const body = JSON.stringify(lines);
    // names and addresses hold spaces, which no base64 box can
    for (const secret of [...personalStrings('SEAL 1'), 'cmd-SEAL 1-1']) expect(body).not.toContain(secret);
    // a short value (the customer id) is looked for outside the boxes: random base64 holds "C1" by chance
    const open = JSON.stringify(lines.map((line) => Object.fromEntries(Object.entries(line).filter(([field]) => field !== 'sealed'))));
    expect(open).not.toContain('C1');
    const [first, second] = lines;
    // analytics read the rest as it is
    expect(first).toMatchObject({ mark: 'SEAL 1', version: 1, type: 'ENTITLEMENT_CREATED', recordedAt: events[0].recordedAt, eventTime: events[0].eventTime, schemaVersion: 1, data: { status: 'ENTITLEMENT_ASSIGNED', price: 250 }, life: 0 });
    expect(Object.keys(first.data).sort()).toEqual(['price', 'status']);
    const item = await keyItem(keys, 'SEAL 1');
    const life = { erasedBelow: 0, dataKey: item!.dataKey.B! };
    expect(openLine(first, life)).toEqual({ readable: true, event: events[0] });
    // a box moved to another line, or opened with another key, does not open
    expect(openLine({ ...second, sealed: first.sealed }, life).readable).toBe(false);
    expect(tryOpen(first, new Uint8Array(32))).toBeUndefined();
  });

  it('takes the key another invocation made first (a lost conditional put), never a second key for one life', async () => {
    const bucket = await newBucket('race');
    const keys = await newKeyTable('race');
    const mark = 'RACE 1';
    // Another invocation made the key just after this one read the table: this one sees no key, its put loses.
    const other = createArchiveHandler({ s3, bucket, keyring: keys.keyring, logger: captureLog().log });
    expect(await other({ Records: [kinesisRecord(markEvents(mark, 1, 1)[0])] })).toEqual({ batchItemFailures: [] });
    const made = (await keyItem(keys, mark))!.dataKey.B!;
    const stale: Keyring = { ...keys.keyring, load: async (marks) => new Map(marks.map((m) => [m, { mark: m, erasedBelow: 0 }])) };
    const archive = createArchiveHandler({ s3, bucket, keyring: stale, logger: captureLog().log });
    const events = markEvents(mark, 1, 3);
    expect(await archive({ Records: events.slice(1).map((e) => kinesisRecord(e)) })).toEqual({ batchItemFailures: [] });
    expect((await keyItem(keys, mark))!.dataKey.B).toEqual(made);
    expect([...(await readArchive(s3, bucket, 'events/', keys)).values()]).toEqual(events);
  });

  it('on MARK_FORGOTTEN removes the key: older lines no longer open, late older events lose their personal data, the next life has a key of its own', async () => {
    const bucket = await newBucket('forget');
    const keys = await newKeyTable('forget');
    const archive = createArchiveHandler({ s3, bucket, keyring: keys.keyring, logger: captureLog().log });
    const mark = 'FORGET 1';
    const life = markEvents(mark, 1, 6);
    const reborn = markEvents(mark, 8, 9, 'reborn');
    expect(await archive({ Records: life.slice(0, 4).map((e) => kinesisRecord(e)) })).toEqual({ batchItemFailures: [] });
    // v5 and v6 arrive late, with the forget at 7 and the next life (8, 9) in the same batch
    const batch2 = [kinesisRecord(forgotten(mark, 7)), ...life.slice(4).map((e) => kinesisRecord(e)), ...reborn.map((e) => kinesisRecord(e))];
    expect(await archive({ Records: batch2 })).toEqual({ batchItemFailures: [] });
    const late = (await objectLines(bucket, batchKey(batch2[0]))).filter((l) => l.version === 5 || l.version === 6);
    expect(late.map((l) => [l.erased, l.sealed])).toEqual([[true, undefined], [true, undefined]]);
    // A late redelivery of the whole first life, and an older forget after the newer, change nothing readable.
    expect(await archive({ Records: life.map((e) => kinesisRecord(e)) })).toEqual({ batchItemFailures: [] });
    expect(await archive({ Records: [kinesisRecord(forgotten(mark, 3))] })).toEqual({ batchItemFailures: [] });
    const objects = await readArchive(s3, bucket, 'events/', keys);
    expect([...objects.keys()]).toEqual([eventKey(mark, 7), eventKey(mark, 8), eventKey(mark, 9)]);
    expect(objects.get(eventKey(mark, 7))).toEqual(forgotten(mark, 7));
    expect([objects.get(eventKey(mark, 8)), objects.get(eventKey(mark, 9))]).toEqual(reborn);
    expect(Number((await keyItem(keys, mark))!.erasedBelow.N)).toBe(7);
    const text = await archiveText(s3, bucket, keys);
    for (const secret of personalStrings(mark)) expect(text).not.toContain(secret);
    for (const secret of personalStrings('reborn')) expect(text).toContain(secret);
  });

  it('starts the next life at a create above version 1, even when its tombstone comes later (a relay retry)', async () => {
    const bucket = await newBucket('early');
    const keys = await newKeyTable('early');
    const archive = createArchiveHandler({ s3, bucket, keyring: keys.keyring, logger: captureLog().log });
    const mark = 'EARLY 1';
    const life = markEvents(mark, 1, 4);
    const reborn = markEvents(mark, 6, 7, 'reborn');
    expect(await archive({ Records: life.map((e) => kinesisRecord(e)) })).toEqual({ batchItemFailures: [] });
    // the create at 6 reaches the archive before the tombstone at 5
    expect(await archive({ Records: [kinesisRecord(reborn[0])] })).toEqual({ batchItemFailures: [] });
    expect(await archive({ Records: [kinesisRecord(forgotten(mark, 5)), kinesisRecord(reborn[1])] })).toEqual({ batchItemFailures: [] });
    expect([...(await readArchive(s3, bucket, 'events/', keys)).values()]).toEqual([forgotten(mark, 5), ...reborn]);
    const text = await archiveText(s3, bucket, keys);
    for (const secret of personalStrings(mark)) expect(text).not.toContain(secret);
  });

  it('logs and skips records that are not JSON or not mark events, without blocking the rest', async () => {
    const bucket = await newBucket('bad');
    const keys = await newKeyTable('bad');
    const { log, lines } = captureLog();
    const archive = createArchiveHandler({ s3, bucket, keyring: keys.keyring, logger: log });
    const good = markEvents('GOOD 1', 1, 3);
    const records = [
      kinesisRecord('{not json', 'GOOD 1'),
      kinesisRecord(good[0]),
      kinesisRecord({ hello: 'world' }, 'GOOD 1'),
      kinesisRecord({ ...good[1], version: -1 }),
      kinesisRecord(good[1]),
      kinesisRecord(Buffer.from([0xff, 0xfe, 0x00]).toString('latin1'), 'x'),
      kinesisRecord(good[2]),
    ];
    expect(await archive({ Records: records })).toEqual({ batchItemFailures: [] });
    expect([...(await readArchive(s3, bucket, 'events/', keys)).keys()].sort()).toEqual(good.map((e) => eventKey(e.mark, e.version)));
    const skipped = lines.filter((l) => l.level === 'warn' && /not a mark event/.test(l.message));
    expect(skipped.map((l) => l.attributes.sequenceNumber)).toEqual([0, 2, 3, 5].map((i) => records[i].kinesis.sequenceNumber));
    expect(skipped[0].attributes.reason).toBe('not JSON');
    // a batch of nothing but poison writes nothing
    expect(await archive({ Records: [records[0], records[2]] })).toEqual({ batchItemFailures: [] });
    expect(await listObjectKeys(s3, bucket, 'events/')).toEqual([batchKey(records[0])]);
  });

  it('reports the batch\'s first record when its object or a key cannot be written, and writes nothing', async () => {
    const bucket = await newBucket('fail');
    const keys = await newKeyTable('fail');
    const records = markEvents('FAIL 1', 1, 3).map((e) => kinesisRecord(e));
    const failingS3 = { send: (command: unknown) => (command instanceof PutObjectCommand ? Promise.reject(Object.assign(new Error('Reduce your request rate.'), { name: 'SlowDown' })) : s3.send(command as never)) };
    const archive = createArchiveHandler({ s3: failingS3, bucket, keyring: keys.keyring, logger: captureLog().log });
    expect(await archive({ Records: records })).toEqual({ batchItemFailures: [{ itemIdentifier: records[0].kinesis.sequenceNumber }] });
    const noTable = createArchiveHandler({ s3, bucket, keyring: createKeyring({ dynamodb, table: 'NoSuchTable' }), logger: captureLog().log });
    expect(await noTable({ Records: records })).toEqual({ batchItemFailures: [{ itemIdentifier: records[0].kinesis.sequenceNumber }] });
    expect(await listObjectKeys(s3, bucket, 'events/')).toEqual([]);
  });
});

describe('Lambda entry points', () => {
  /** The environment the Lambda runtime and infra/ give a function, pointed at the emulators. */
  async function lambdaEnvironment(label: string) {
    const streamName = uniquePrefix(label);
    await ensureStream(kinesalite.endpoint, streamName, 1);
    const bucket = await newBucket(label);
    const keys = await newKeyTable(label);
    return {
      streamName,
      bucket,
      keys,
      env: {
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
        AWS_ENDPOINT_URL_KINESIS: kinesalite.endpoint,
        AWS_ENDPOINT_URL_S3: s3server.endpoint,
        AWS_ENDPOINT_URL_DYNAMODB: inject('dynamodbEndpoint'),
        MARK_ARCHIVE_KEYS_TABLE: keys.table,
        AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
        KINESIS_STREAM_NAME: streamName,
        ARCHIVE_BUCKET: bucket,
        POWERTOOLS_LOG_LEVEL: 'ERROR',
        POWERTOOLS_METRICS_DISABLED: 'true',
      },
    };
  }

  type Handler = (event: unknown) => Promise<unknown>;

  /** relay → stream → archive through the given entry points; the archive then holds the events. */
  async function relayAndArchive(setup: Awaited<ReturnType<typeof lambdaEnvironment>>, relay: Handler, archive: Handler, mark: string) {
    const events = markEvents(mark, 1, 3);
    expect(await relay({ Records: events.map((e) => insertRecord(e)) })).toEqual({ batchItemFailures: [] });
    const stream = await readStream(setup.streamName);
    expect(stream.map((r) => r.body)).toEqual(events);
    expect(await archive({ Records: stream.map((r) => kinesisRecord(r.body)) })).toEqual({ batchItemFailures: [] });
    expect([...(await readArchive(s3, setup.bucket, 'events/', setup.keys)).values()]).toEqual(events);
  }

  it('build their clients from the environment (AWS_ENDPOINT_URL_*) and work against the emulators', async () => {
    const setup = await lambdaEnvironment('entry');
    const saved = { ...process.env };
    Object.assign(process.env, setup.env);
    try {
      const relay = await import('../functions/relay/index');
      const archive = await import('../functions/archive/index');
      await relayAndArchive(setup, relay.handler as Handler, archive.handler as Handler, 'ENTRY 1');
    } finally {
      process.env = saved;
    }
  });

  it('bundled as deployed (infra/lambda-bundle.ts: CommonJS, minified), each with the SDK client it calls, work the same', async () => {
    const setup = await lambdaEnvironment('bundle');
    const dir = mkdtempSync(join(tmpdir(), 'pipeline-bundles-'));
    const saved = { ...process.env };
    try {
      const bundle = async (name: string) => {
        const outfile = join(dir, name, 'index.js');
        await build({ ...lambdaBundleOptions, entryPoints: [join(import.meta.dirname, '..', 'functions', name, 'index.ts')], outfile, logLevel: 'error' });
        return outfile;
      };
      const [relayFile, archiveFile, eraserFile] = [await bundle('relay'), await bundle('archive'), await bundle('eraser')];
      // Each bundles the AWS SDK client of each service it calls (the service's protocol target
      // or signing name in the client's schema), and no other service's client; no SigV4 or S3
      // protocol code of our own (issue 26: functions/archive/store.ts is gone).
      const code = (file: string) => readFileSync(file, 'utf8');
      const clients = (text: string) => ({
        kinesis: text.includes('Kinesis_20131202'),
        dynamodb: text.includes('DynamoDB_20120810'),
        s3: /AmazonS3|"s3express"/.test(text) && text.includes('PutObject'),
      });
      expect(clients(code(relayFile))).toEqual({ kinesis: true, dynamodb: false, s3: false });
      expect(clients(code(archiveFile))).toEqual({ kinesis: false, dynamodb: true, s3: true });
      expect(clients(code(eraserFile))).toEqual({ kinesis: false, dynamodb: true, s3: false });
      Object.assign(process.env, setup.env);
      const load = createRequire(import.meta.url);
      const relay = load(relayFile) as { handler: Handler };
      const archive = load(archiveFile) as { handler: Handler };
      await relayAndArchive(setup, relay.handler, archive.handler, 'BUNDLE 1');
    } finally {
      process.env = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
