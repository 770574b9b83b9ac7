/**
 * The whole downstream path on the local stack: events committed to MarkEvents (DynamoDB Local)
 * flow through the relay mapping to kinesalite and through the archive mapping to s3rver; the
 * eraser mapping and the archive erase a forgotten mark everywhere.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeStreamSummaryCommand, ListShardsCommand, PutRecordsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { eventKey, markPrefix } from '../functions/archive/keys';
import { dynamoDbClient } from 'appsync-local';
import { ensureTables } from '../local/services/tables';
import { kinesisClient } from '../local/services/kinesalite';
import { s3Client } from '../local/services/s3rver';
import { startPipeline, type Pipeline } from '../local/pollers/pipeline';
import { uniquePrefix } from './support/prefix';
import { archiveText, forgotten, markEvents, personalStrings, putEvents, readArchive, registerArchiveKeys, scanAll } from './support/pipeline-fixtures';

let dataDir: string;
let dynamodb: DynamoDBClient;
let env: Record<string, string>;
let pipeline: Pipeline;
let s3: S3Client;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pipeline-flow-'));
  dynamodb = dynamoDbClient(inject('dynamodbEndpoint'));
  env = await ensureTables(dynamodb, uniquePrefix('flow'));
  pipeline = await startPipeline({
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    env,
    dataDir,
    kinesisInMemory: true,
    batchSize: 50,
    pollIntervalMs: 50,
  });
  s3 = s3Client(pipeline.archive.endpoint);
  // readArchive and archiveText read the archive with this pipeline's keys
  registerArchiveKeys({ dynamodb, table: env.MARK_ARCHIVE_KEYS_TABLE });
});

afterAll(async () => {
  s3?.destroy();
  dynamodb?.destroy();
  await pipeline?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('pipeline', () => {
  it('archives exactly the N committed events, each object equal to its MarkEvents item', async () => {
    const events = Array.from({ length: 12 }, (_, i) => markEvents(`FLOW ${i}`, 1, 25)).flat();
    await putEvents(dynamodb, env.MARK_EVENTS_TABLE, events);
    await pipeline.drain();

    const items = await scanAll(dynamodb, env.MARK_EVENTS_TABLE);
    expect(items).toHaveLength(300);
    const archived = await readArchive(s3, pipeline.archive.bucket);
    expect(archived.size).toBe(items.length);
    for (const item of items) {
      expect(archived.get(eventKey(item.mark as string, item.version as number))).toEqual(item);
    }
    // Checkpoints are on disk, one file per mapping.
    for (const name of ['relay', 'eraser', 'archive']) expect(existsSync(join(dataDir, 'pollers', `${name}.json`))).toBe(true);
    expect(pipeline.archiveLocation).toContain(pipeline.archive.bucket);
    expect(existsSync(pipeline.archive.directory!)).toBe(true);
  });

  it('forgets a mark everywhere: only a tombstone free of personal data remains, and the next life is kept', async () => {
    const mark = 'SECRET 1';
    const life = markEvents(mark, 1, 40, 'Zebedee');
    const bystander = markEvents('BYSTANDER 1', 1, 5, 'Dougal');
    await putEvents(dynamodb, env.MARK_EVENTS_TABLE, [...life, ...bystander]);
    await putEvents(dynamodb, env.MARK_SNAPSHOTS_TABLE, [
      { mark, version: 20, state: { purchaserName: 'Purchaser Zebedee Smith', address: { addLine1: 'Zebedee Acacia Avenue' } } },
    ]);
    await pipeline.drain();
    expect([...(await readArchive(s3, pipeline.archive.bucket, markPrefix(mark))).keys()]).toHaveLength(40);

    await putEvents(dynamodb, env.MARK_EVENTS_TABLE, [forgotten(mark, 41)]);
    await pipeline.drain();
    // Released again after the forget: a new life with no link to the old one.
    const next = [{ mark, version: 42, type: 'MARK_RELEASED', recordedAt: '2024-03-01T00:00:00.000Z', data: { status: 'MARK_AVAILABLE', price: 100 } }];
    await putEvents(dynamodb, env.MARK_EVENTS_TABLE, next);
    await pipeline.drain();

    const events = (await scanAll(dynamodb, env.MARK_EVENTS_TABLE)).filter((i) => i.mark === mark);
    expect(events.sort((a, b) => (a.version as number) - (b.version as number))).toEqual([forgotten(mark, 41), ...next]);
    expect((await scanAll(dynamodb, env.MARK_SNAPSHOTS_TABLE)).filter((i) => i.mark === mark)).toEqual([]);
    const objects = await readArchive(s3, pipeline.archive.bucket, markPrefix(mark));
    expect([...objects.keys()]).toEqual([eventKey(mark, 41), eventKey(mark, 42)]);
    expect(objects.get(eventKey(mark, 41))).toEqual(forgotten(mark, 41));

    // Nothing anywhere still names the forgotten person; the bystander is untouched.
    const everything = [
      JSON.stringify(await scanAll(dynamodb, env.MARK_EVENTS_TABLE)),
      JSON.stringify(await scanAll(dynamodb, env.MARK_SNAPSHOTS_TABLE)),
      await archiveText(s3, pipeline.archive.bucket),
    ].join('\n');
    for (const text of personalStrings('Zebedee')) expect(everything).not.toContain(text);
    for (const text of personalStrings('Dougal')) expect(everything).toContain(text);
  });

  it('skips a foreign item in the table and a non-JSON Kinesis record, and keeps delivering what follows', async () => {
    await putEvents(dynamodb, env.MARK_EVENTS_TABLE, [{ mark: 'JUNK 1', version: 1, comment: 'written by hand, not an event' }]);
    const kinesis = kinesisClient(pipeline.kinesis.endpoint);
    try {
      await kinesis.send(
        new PutRecordsCommand({
          StreamName: pipeline.kinesis.streamName,
          Records: [
            { PartitionKey: 'JUNK 2', Data: Buffer.from('this is not JSON') },
            { PartitionKey: 'JUNK 3', Data: Buffer.from(JSON.stringify({ some: 'other shape' })) },
          ],
        }),
      );
    } finally {
      kinesis.destroy();
    }
    const after = markEvents('AFTER 1', 1, 3);
    await putEvents(dynamodb, env.MARK_EVENTS_TABLE, after);
    await pipeline.drain();
    const archived = await readArchive(s3, pipeline.archive.bucket);
    for (const e of after) expect(archived.get(eventKey(e.mark, e.version))).toEqual(e);
    expect([...archived.keys()].some((k) => k.includes('JUNK'))).toBe(false);
    // The mappings moved past the bad records (their checkpoints are past them).
    const relayCheckpoint = JSON.parse(readFileSync(join(dataDir, 'pollers', 'relay.json'), 'utf8'));
    expect(Object.values(relayCheckpoint.shards as Record<string, { position?: { type: string } }>).every((s) => s.position?.type !== 'AT_SEQUENCE_NUMBER')).toBe(true);
  });

  it('follows Kinesis shard lineage: after a split the parent is read to its end, then both children', async () => {
    const kinesis = kinesisClient(pipeline.kinesis.endpoint);
    try {
      const before = markEvents('SPLIT 1', 1, 20);
      await putEvents(dynamodb, env.MARK_EVENTS_TABLE, before);
      await pipeline.drain();
      const [parent] = (await kinesis.send(new ListShardsCommand({ StreamName: pipeline.kinesis.streamName }))).Shards!;
      // Half the hash key space each: 2^127.
      await kinesis.send(
        new SplitShardCommand({ StreamName: pipeline.kinesis.streamName, ShardToSplit: parent.ShardId, NewStartingHashKey: '170141183460469231731687303715884105728' }),
      );
      for (;;) {
        const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: pipeline.kinesis.streamName }));
        if (summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const after = Array.from({ length: 8 }, (_, i) => markEvents(`SPLIT ${i + 2}`, 1, 5)).flat();
      await putEvents(dynamodb, env.MARK_EVENTS_TABLE, after);
      await pipeline.drain();

      const shards = (await kinesis.send(new ListShardsCommand({ StreamName: pipeline.kinesis.streamName }))).Shards!;
      expect(shards.filter((s) => s.ParentShardId === parent.ShardId)).toHaveLength(2);
      const archived = await readArchive(s3, pipeline.archive.bucket);
      for (const e of [...before, ...after]) expect(archived.get(eventKey(e.mark, e.version))).toEqual(e);
      const checkpoint = JSON.parse(readFileSync(join(dataDir, 'pollers', 'archive.json'), 'utf8'));
      expect(checkpoint.shards[parent.ShardId!].finished).toBe(true);
      // Both children were read (marks hash to both halves).
      const children = shards.filter((s) => s.ParentShardId === parent.ShardId).map((s) => s.ShardId!);
      for (const child of children) expect(checkpoint.shards[child]?.position?.type).toBe('AFTER_SEQUENCE_NUMBER');
    } finally {
      kinesis.destroy();
    }
  });
});
