/**
 * The local event source mappings on their own: a ShardPoller over DynamoDB Local's real stream,
 * with a delivery function standing in for the handler, so that what Lambda would do with a
 * partial batch failure and a restart can be checked record by record.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBStreamsClient, type _Record as StreamRecord } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { eraserFilterPattern } from '../functions/eraser/filter';
import { dynamoDbClient, localAwsConfig } from 'appsync-local';
import { ensureTables } from '../local/services/tables';
import { CheckpointStore } from '../local/pollers/checkpoint';
import { matchesFilter, type FilterPattern } from '../local/pollers/filter';
import { ShardPoller } from '../local/pollers/shard-poller';
import { DynamoDbStreamSource, latestStreamArn, toLambdaDynamoDbRecord } from '../local/pollers/sources';
import type { Log } from '../functions/lib/log';
import { uniquePrefix } from './support/prefix';
import { forgotten, insertRecord, markEvents, putEvents } from './support/pipeline-fixtures';

const quiet: Log = { debug() {}, info() {}, warn() {}, error() {} };
let dir: string;
let dynamodb: DynamoDBClient;
let streams: DynamoDBStreamsClient;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pipeline-pollers-'));
  dynamodb = dynamoDbClient(inject('dynamodbEndpoint'));
  streams = new DynamoDBStreamsClient({ ...localAwsConfig, endpoint: inject('dynamodbEndpoint') });
});

afterAll(() => {
  dynamodb?.destroy();
  streams?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const versionOf = (r: StreamRecord) => Number(r.dynamodb!.NewImage!.version.N);

describe('ShardPoller on a DynamoDB stream', () => {
  it('resumes at the first failed record of a partial batch failure, and after a restart from its checkpoint', async () => {
    const env = await ensureTables(dynamodb, uniquePrefix('pollers'));
    const arn = await latestStreamArn(streams, env.MARK_EVENTS_TABLE);
    await putEvents(dynamodb, env.MARK_EVENTS_TABLE, markEvents('POLL 1', 1, 25));
    const batches: number[][] = [];
    let failOnce = true;
    const checkpointPath = join(dir, 'relay.json');
    const poller = () =>
      new ShardPoller<StreamRecord>({
        name: 'test',
        source: new DynamoDbStreamSource(streams, arn),
        checkpointPath,
        batchSize: 10,
        pollIntervalMs: 10,
        logger: quiet,
        async deliver(_shard, records) {
          batches.push(records.map(versionOf));
          // The handler reports version 5 as the first failure of the first batch, once.
          const failed = records.find((r) => versionOf(r) === 5);
          if (failOnce && failed) {
            failOnce = false;
            return failed.dynamodb!.SequenceNumber;
          }
          return undefined;
        },
      });
    const first = poller();
    first.start();
    await first.caughtUp();
    await first.stop();
    const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
    expect(batches).toEqual([range(1, 10), range(5, 14), range(15, 24), [25]]);

    // Restarted: only what was committed since.
    await putEvents(dynamodb, env.MARK_EVENTS_TABLE, markEvents('POLL 1', 26, 30));
    batches.length = 0;
    const second = poller();
    second.start();
    await second.caughtUp();
    await second.stop();
    expect(batches).toEqual([range(26, 30)]);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('hands the eraser only what its filter lets through, as the mapping filter does', async () => {
    const env = await ensureTables(dynamodb, uniquePrefix('filter'));
    const arn = await latestStreamArn(streams, env.MARK_EVENTS_TABLE);
    await putEvents(dynamodb, env.MARK_EVENTS_TABLE, [...markEvents('FILT 1', 1, 4), forgotten('FILT 1', 5), ...markEvents('FILT 2', 1, 2)]);
    const delivered: string[] = [];
    const poller = new ShardPoller<StreamRecord>({
      name: 'eraser',
      source: new DynamoDbStreamSource(streams, arn),
      checkpointPath: join(dir, 'eraser.json'),
      batchSize: 100,
      pollIntervalMs: 10,
      logger: quiet,
      async deliver(_shard, records) {
        const lambdaRecords = records.map((r) => toLambdaDynamoDbRecord(r, arn));
        delivered.push(...lambdaRecords.filter((r) => matchesFilter(r, eraserFilterPattern as unknown as FilterPattern)).map((r) => `${r.dynamodb!.NewImage!.mark.S}@${r.dynamodb!.NewImage!.version.N}`));
        // DynamoDB Local's "{}" for an empty map is put right: the tombstone's data is { M: {} }.
        const tombstone = lambdaRecords.find((r) => r.dynamodb!.NewImage!.type.S === 'MARK_FORGOTTEN');
        if (tombstone) expect(tombstone.dynamodb!.NewImage!.data).toEqual({ M: {} });
        return undefined;
      },
    });
    poller.start();
    await poller.caughtUp();
    await poller.stop();
    expect(delivered).toEqual(['FILT 1@5']);
  });
});

describe('filter and checkpoint', () => {
  it('matches the eraser pattern only on MARK_FORGOTTEN inserts', () => {
    const pattern = eraserFilterPattern as unknown as FilterPattern;
    expect(matchesFilter(insertRecord(forgotten('A 1', 3)), pattern)).toBe(true);
    expect(matchesFilter(insertRecord(markEvents('A 1', 1, 1)[0]), pattern)).toBe(false);
    expect(matchesFilter(insertRecord(forgotten('A 1', 3), 'MODIFY'), pattern)).toBe(false);
    expect(matchesFilter(insertRecord(forgotten('A 1', 3), 'REMOVE'), pattern)).toBe(false);
    expect(() => matchesFilter({}, { a: [{ prefix: 'x' } as never] })).toThrow(/not supported/);
  });

  it('keeps positions per stream, and starts over for another stream', async () => {
    const path = join(dir, 'store', 'cp.json');
    const store = new CheckpointStore(path, 'stream-1');
    await Promise.all([
      store.set('shard-a', { position: { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '10' } }),
      store.set('shard-b', { position: { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: '7' } }),
    ]);
    expect(JSON.parse(readFileSync(path, 'utf8')).shards).toEqual({
      'shard-a': { position: { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '10' } },
      'shard-b': { position: { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: '7' } },
    });
    expect(new CheckpointStore(path, 'stream-1').get('shard-b').position?.sequenceNumber).toBe('7');
    expect(new CheckpointStore(path, 'stream-2').get('shard-b')).toEqual({});
    writeFileSync(path, '{ torn');
    expect(() => new CheckpointStore(path, 'stream-1')).toThrow(/unreadable checkpoint/);
  });
});
