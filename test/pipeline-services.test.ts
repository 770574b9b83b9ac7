/**
 * kinesalite and s3rver as the local stack runs them: on free ports, with their data in the data
 * folder, surviving a restart (npm start without --in-memory).
 */
import { afterAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { kinesisClient, startKinesalite } from '../local/services/kinesalite';
import { s3Client, startS3rver } from '../local/services/s3rver';

const dataDir = mkdtempSync(join(tmpdir(), 'pipeline-services-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it('kinesalite keeps a stream and its records in LevelDB across a restart, over HTTP/1.1', async () => {
  const first = await startKinesalite({ dataDir: join(dataDir, 'kinesis'), streamName: 'persisted', shardCount: 2 });
  let client = kinesisClient(first.endpoint);
  const put = await client.send(
    new PutRecordsCommand({ StreamName: 'persisted', Records: ['A', 'B', 'C'].map((k) => ({ PartitionKey: k, Data: Buffer.from(k) })) }),
  );
  expect(put.FailedRecordCount).toBe(0);
  client.destroy();
  await first.stop();

  const second = await startKinesalite({ dataDir: join(dataDir, 'kinesis'), streamName: 'persisted', shardCount: 2 });
  client = kinesisClient(second.endpoint);
  try {
    const shards = (await client.send(new ListShardsCommand({ StreamName: 'persisted' }))).Shards ?? [];
    expect(shards).toHaveLength(2);
    const data: string[] = [];
    for (const shard of shards) {
      const iterator = (await client.send(new GetShardIteratorCommand({ StreamName: 'persisted', ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator }));
      data.push(...(page.Records ?? []).map((r) => Buffer.from(r.Data!).toString()));
    }
    expect(data.sort()).toEqual(['A', 'B', 'C']);
  } finally {
    client.destroy();
    await second.stop();
  }
});

it('s3rver keeps its objects as files in the data folder across a restart', async () => {
  const first = await startS3rver({ directory: join(dataDir, 's3'), bucket: 'kept' });
  let client = s3Client(first.endpoint);
  await client.send(new PutObjectCommand({ Bucket: 'kept', Key: 'events/A%20B/0000000001.json', Body: '{"x":1}' }));
  client.destroy();
  await first.stop();

  const second = await startS3rver({ directory: join(dataDir, 's3'), bucket: 'kept' });
  client = s3Client(second.endpoint);
  try {
    const object = await client.send(new GetObjectCommand({ Bucket: 'kept', Key: 'events/A%20B/0000000001.json' }));
    expect(await object.Body!.transformToString()).toBe('{"x":1}');
  } finally {
    client.destroy();
    await second.stop();
  }
});
