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
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisStreamRecord } from 'aws-lambda';
import { createRelayHandler } from '../functions/relay/relay';
import { createEraserHandler } from '../functions/eraser/eraser';
import { createArchiveHandler } from '../functions/archive/archive';
import { eventKey, erasureKey, runBody, runKey } from '../functions/archive/keys';
import type { ArchiveStore } from '../functions/archive/store';
import type { Log } from '../functions/lib/log';
import { dynamoDbClient } from 'appsync-local';
import { ensureTables } from '../local/services/tables';
import { ensureStream, kinesisClient, startKinesalite, type Kinesalite } from '../local/services/kinesalite';
import { s3Client, s3Store, startS3rver, type LocalS3 } from '../local/services/s3rver';
import { lambdaBundleOptions } from '../infra/lambda-bundle';
import { uniquePrefix } from './support/prefix';
import { forgotten, insertRecord, listObjectKeys, markEvents, putEvents, readArchive, scanAll } from './support/pipeline-fixtures';

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
    const eraser = createEraserHandler({
      dynamodb,
      eventsTable: env.MARK_EVENTS_TABLE,
      snapshotsTable: env.MARK_SNAPSHOTS_TABLE,
      logger: captureLog().log,
    });
    const event = { Records: [insertRecord(before[3]), insertRecord(tombstone)] };
    expect(await eraser(event)).toEqual({ batchItemFailures: [] });
    const remaining = (await scanAll(dynamodb, env.MARK_EVENTS_TABLE)).filter((i) => i.mark === mark).map((i) => i.version);
    expect(remaining.sort()).toEqual([61, 62, 63]);
    expect((await scanAll(dynamodb, env.MARK_EVENTS_TABLE)).filter((i) => i.mark === 'KEEP 1')).toHaveLength(5);
    const snapshots = (await scanAll(dynamodb, env.MARK_SNAPSHOTS_TABLE)).map((i) => `${i.mark}@${i.version}`);
    expect(snapshots.sort()).toEqual(['ERASE 1@61', 'ERASE 1@63', 'KEEP 1@5']);

    expect(await eraser(event)).toEqual({ batchItemFailures: [] });
    expect((await scanAll(dynamodb, env.MARK_EVENTS_TABLE)).filter((i) => i.mark === mark)).toHaveLength(3);
  });

  it('reports the forget it could not complete', async () => {
    const eraser = createEraserHandler({ dynamodb, eventsTable: 'NoSuchTable', snapshotsTable: 'NoSuchTable', logger: captureLog().log });
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

describe('archive', () => {
  it('writes one object per mark per batch, the run of its versions; a redelivery overwrites itself', async () => {
    const bucket = await newBucket('arch');
    const archive = createArchiveHandler({ store: s3Store(s3server.endpoint, bucket), logger: captureLog().log });
    const events = [...markEvents('AFC F5', 1, 4), ...markEvents('Q/1 ?&', 1, 2)];
    const records = events.map((e) => kinesisRecord(e));
    expect(await archive({ Records: records })).toEqual({ batchItemFailures: [] });
    const runs = [runKey('AFC F5', 1, 4), runKey('Q/1 ?&', 1, 2)];
    expect(await listObjectKeys(s3, bucket, 'events/')).toEqual(runs);
    expect(runKey('Q/1 ?&', 1, 2)).toBe('events/Q%2F1%20%3F%26/0000000001-0000000002.jsonl');
    const body = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: runs[0] }))).Body!.transformToString();
    // JSON Lines: one event per line, in version order
    expect(body.endsWith('\n')).toBe(true);
    expect(body.slice(0, -1).split('\n').map((line) => JSON.parse(line) as unknown)).toEqual(markEvents('AFC F5', 1, 4));
    // the same batch again: the same objects, overwritten
    expect(await archive({ Records: records })).toEqual({ batchItemFailures: [] });
    expect(await listObjectKeys(s3, bucket, 'events/')).toEqual(runs);
    // a redelivery cut elsewhere writes its own run over the same events
    expect(await archive({ Records: records.slice(1, 3) })).toEqual({ batchItemFailures: [] });
    expect(await listObjectKeys(s3, bucket, 'events/')).toEqual([runKey('AFC F5', 1, 4), runKey('AFC F5', 2, 3), runKey('Q/1 ?&', 1, 2)]);
    const objects = await readArchive(s3, bucket);
    expect([...objects.keys()].sort()).toEqual(events.map((e) => eventKey(e.mark, e.version)).sort());
    for (const e of events) expect(objects.get(eventKey(e.mark, e.version))).toEqual(e);
  });

  it('splits a mark\'s events at a gap in their versions, in version order whatever the stream order', async () => {
    const bucket = await newBucket('gap');
    const archive = createArchiveHandler({ store: s3Store(s3server.endpoint, bucket), logger: captureLog().log });
    const events = markEvents('GAP 1', 1, 6);
    // 4 was retried by the relay after 5 and 6 went through, and comes in the next batch; 3 twice
    const [e1, e2, e3, e4, e5, e6] = events;
    expect(await archive({ Records: [e2, e1, e3, e5, e3, e6].map((e) => kinesisRecord(e)) })).toEqual({ batchItemFailures: [] });
    expect(await listObjectKeys(s3, bucket, 'events/')).toEqual([runKey('GAP 1', 1, 3), runKey('GAP 1', 5, 6)]);
    expect(await archive({ Records: [kinesisRecord(e4)] })).toEqual({ batchItemFailures: [] });
    expect([...(await readArchive(s3, bucket)).values()]).toEqual(events);
  });

  it('on MARK_FORGOTTEN deletes every earlier object, keeps a marker, drops late older events and keeps the mark\'s next life', async () => {
    const bucket = await newBucket('forget');
    const archive = createArchiveHandler({ store: s3Store(s3server.endpoint, bucket), logger: captureLog().log });
    const mark = 'FORGET 1';
    const life = markEvents(mark, 1, 6);
    const reborn = markEvents(mark, 8, 9, 'reborn');
    // v5 and v6 arrive late, v8 (after the forget at 7) early, and the forget sits in between.
    const batch1 = [...life.slice(0, 4), reborn[0]].map((e) => kinesisRecord(e));
    const batch2 = [kinesisRecord(forgotten(mark, 7)), ...life.slice(4).map((e) => kinesisRecord(e)), kinesisRecord(reborn[1])];
    expect(await archive({ Records: batch1 })).toEqual({ batchItemFailures: [] });
    expect(await archive({ Records: batch2 })).toEqual({ batchItemFailures: [] });
    // A late redelivery of the whole first life changes nothing.
    expect(await archive({ Records: life.map((e) => kinesisRecord(e)) })).toEqual({ batchItemFailures: [] });
    const objects = await readArchive(s3, bucket);
    expect([...objects.keys()].sort()).toEqual([eventKey(mark, 7), eventKey(mark, 8), eventKey(mark, 9)]);
    expect(objects.get(eventKey(mark, 7))).toEqual(forgotten(mark, 7));
    // the tombstone begins a run; 8 came before it and 9 after it, each a run of its own
    expect(await listObjectKeys(s3, bucket, 'events/')).toEqual([runKey(mark, 7, 7), runKey(mark, 8, 8), runKey(mark, 9, 9)]);
    expect((await readArchive(s3, bucket, 'erasures/')).get(erasureKey(mark))).toEqual({ mark, version: 7 });
    // An older forget delivered after a newer one neither lowers the marker nor survives.
    expect(await archive({ Records: [kinesisRecord(forgotten(mark, 3))] })).toEqual({ batchItemFailures: [] });
    expect([...(await readArchive(s3, bucket)).keys()].sort()).toEqual([eventKey(mark, 7), eventKey(mark, 8), eventKey(mark, 9)]);
    expect((await readArchive(s3, bucket, 'erasures/')).get(erasureKey(mark))).toEqual({ mark, version: 7 });
  });

  it('erases again when a forget handled elsewhere overtakes its puts', async () => {
    const bucket = await newBucket('race');
    const mark = 'RACE 1';
    const elsewhere = createArchiveHandler({ store: s3Store(s3server.endpoint, bucket), logger: captureLog().log });
    let raced = false;
    // Just before this batch's first put reaches S3, another consumer handles the forget in full:
    // marker, listing (nothing to see yet), tombstone. Every put of this batch lands after it.
    const store = s3Store(s3server.endpoint, bucket);
    const racing: ArchiveStore = {
      ...store,
      put: async (key, body, contentType) => {
        if (!raced && key.startsWith('events/')) {
          raced = true;
          expect(await elsewhere({ Records: [kinesisRecord(forgotten(mark, 10))] })).toEqual({ batchItemFailures: [] });
        }
        return store.put(key, body, contentType);
      },
    };
    const archive = createArchiveHandler({ store: racing, logger: captureLog().log });
    expect(await archive({ Records: markEvents(mark, 1, 3).map((e) => kinesisRecord(e)) })).toEqual({ batchItemFailures: [] });
    expect(raced).toBe(true);
    expect([...(await readArchive(s3, bucket)).keys()]).toEqual([eventKey(mark, 10)]);
  });

  it('erases a mark with more archived runs than one listing page holds', async () => {
    const bucket = await newBucket('page');
    const archive = createArchiveHandler({ store: s3Store(s3server.endpoint, bucket), logger: captureLog().log });
    const mark = 'LONG 1';
    const life = markEvents(mark, 1, 1_010);
    // one run per event, as 1,010 batches of one event each would leave them
    for (let i = 0; i < life.length; i += 50) {
      await Promise.all(
        life.slice(i, i + 50).map((e) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: runKey(mark, e.version, e.version), Body: runBody([e]) }))),
      );
    }
    expect(await listObjectKeys(s3, bucket, 'events/')).toHaveLength(1_010);
    expect(await archive({ Records: [kinesisRecord(forgotten(mark, 1_011))] })).toEqual({ batchItemFailures: [] });
    expect([...(await readArchive(s3, bucket)).keys()]).toEqual([eventKey(mark, 1_011)]);
  });

  it('refuses to erase a run that spans the forget (no writer of ours makes one) and keeps it', async () => {
    const bucket = await newBucket('span');
    const { log, lines } = captureLog();
    const archive = createArchiveHandler({ store: s3Store(s3server.endpoint, bucket), logger: log });
    const mark = 'SPAN 1';
    const events = markEvents(mark, 1, 4);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: runKey(mark, 1, 4), Body: runBody(events) }));
    const tombstone = kinesisRecord(forgotten(mark, 3));
    expect(await archive({ Records: [tombstone] })).toEqual({ batchItemFailures: [{ itemIdentifier: tombstone.kinesis.sequenceNumber }] });
    expect(await listObjectKeys(s3, bucket, 'events/')).toEqual([runKey(mark, 1, 4)]);
    expect(lines.some((l) => l.level === 'error' && /spans the erasure/.test(String(l.attributes.errorMessage)))).toBe(true);
  });

  it('logs and skips records that are not JSON or not mark events, without blocking the rest', async () => {
    const bucket = await newBucket('bad');
    const { log, lines } = captureLog();
    const archive = createArchiveHandler({ store: s3Store(s3server.endpoint, bucket), logger: log });
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
    expect([...(await readArchive(s3, bucket)).keys()].sort()).toEqual(good.map((e) => eventKey(e.mark, e.version)));
    const skipped = lines.filter((l) => l.level === 'warn' && /not a mark event/.test(l.message));
    expect(skipped.map((l) => l.attributes.sequenceNumber)).toEqual([0, 2, 3, 5].map((i) => records[i].kinesis.sequenceNumber));
    expect(skipped[0].attributes.reason).toBe('not JSON');
  });

  it('reports the earliest record it could not store', async () => {
    const bucket = await newBucket('fail');
    // Puts of one mark fail (an S3 outage for that key range, say); the other mark goes through.
    const store = s3Store(s3server.endpoint, bucket);
    const failing: ArchiveStore = {
      ...store,
      put: (key, body, contentType) => (key.includes('BROKEN') ? Promise.reject(new Error('SlowDown')) : store.put(key, body, contentType)),
    };
    const archive = createArchiveHandler({ store: failing, logger: captureLog().log });
    const ok = markEvents('FINE 1', 1, 3);
    const broken = markEvents('BROKEN 1', 1, 2);
    const records = [kinesisRecord(ok[0]), kinesisRecord(ok[1]), kinesisRecord(broken[0]), kinesisRecord(ok[2]), kinesisRecord(broken[1])];
    expect(await archive({ Records: records })).toEqual({ batchItemFailures: [{ itemIdentifier: records[2].kinesis.sequenceNumber }] });
    expect([...(await readArchive(s3, bucket)).keys()].sort()).toEqual(ok.map((e) => eventKey(e.mark, e.version)));
  });
});

describe('Lambda entry points', () => {
  /** The environment the Lambda runtime and infra/ give a function, pointed at the emulators. */
  async function lambdaEnvironment(label: string) {
    const streamName = uniquePrefix(label);
    await ensureStream(kinesalite.endpoint, streamName, 1);
    const bucket = await newBucket(label);
    return {
      streamName,
      bucket,
      env: {
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
        AWS_ENDPOINT_URL_KINESIS: kinesalite.endpoint,
        AWS_ENDPOINT_URL_S3: s3server.endpoint,
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
    expect([...(await readArchive(s3, setup.bucket)).values()]).toEqual(events);
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

  it('bundled as deployed (infra/lambda-bundle.ts: CommonJS, credentials from the environment only), work the same', async () => {
    const setup = await lambdaEnvironment('bundle');
    const dir = mkdtempSync(join(tmpdir(), 'pipeline-bundles-'));
    const saved = { ...process.env };
    try {
      const bundle = async (name: string) => {
        const outfile = join(dir, name, 'index.js');
        await build({ ...lambdaBundleOptions, entryPoints: [join(import.meta.dirname, '..', 'functions', name, 'index.ts')], outfile, logLevel: 'error' });
        // the SDK's default chain, with its SSO/STS clients, is not in the bundle
        expect(readFileSync(outfile, 'utf8')).not.toMatch(/AssumeRoleWithWebIdentity|sso-oidc/);
        return outfile;
      };
      const [relayFile, archiveFile] = [await bundle('relay'), await bundle('archive')];
      // the archive talks to S3 through its own client (functions/archive/store.ts), not the
      // SDK's S3 client with its operation schemas and endpoint rules (S3Express, ListObjectsV2)
      expect(readFileSync(archiveFile, 'utf8')).not.toMatch(/S3Express|ListObjectsV2|@aws-sdk\/client-s3/);
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
