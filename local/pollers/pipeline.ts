/**
 * The local downstream pipeline: the three Lambda event source mappings of the deployment,
 * played by pollers that invoke the very same handlers with Lambda-shaped events.
 *
 *   MarkEvents stream ──(relay mapping)──────────────▶ relay   ──PutRecords──▶ kinesalite
 *   MarkEvents stream ──(eraser mapping, filtered)───▶ eraser  ──▶ MarkEvents / MarkSnapshots
 *   kinesalite stream ──(archive mapping)────────────▶ archive ──▶ s3rver bucket
 *
 * In AWS the archive reads through an enhanced fan-out consumer (SubscribeToShard, pushed over
 * HTTP/2). kinesalite has no SubscribeToShard, and what the handler sees is the same either
 * way — a KinesisStreamEvent per batch of one shard — so locally it is played by GetRecords
 * polling, like a standard (shared-throughput) mapping.
 *
 * Each mapping keeps its own checkpoint file under <dataDir>/pollers/, so a restart resumes
 * where it stopped, and one failing mapping does not hold the others back.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient, type _Record as StreamRecord } from '@aws-sdk/client-dynamodb-streams';
import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import type { DynamoDBStreamEvent, KinesisStreamEvent } from 'aws-lambda';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createArchiveHandler, type ArchiveHandler } from '../../functions/archive/archive';
import { createKeyring } from '../../functions/archive/keyring';
import { createEraserHandler, type EraserHandler } from '../../functions/eraser/eraser';
import { eraserFilterPattern } from '../../functions/eraser/filter';
import { createRelayHandler, type RelayHandler } from '../../functions/relay/relay';
import { createLogger, type Log } from '../../functions/lib/log';
import { localAwsConfig } from 'appsync-local';
import { kinesisClient, startKinesalite, ensureStream, type Kinesalite } from '../services/kinesalite';
import { s3Client, startS3rver, type LocalS3 } from '../services/s3rver';
import { matchesFilter, type FilterPattern } from './filter';
import { ShardPoller } from './shard-poller';
import { DynamoDbStreamSource, KinesisSource, kinesisStreamId, latestStreamArn, toLambdaDynamoDbRecord, toLambdaKinesisRecord } from './sources';

export interface PipelineOptions {
  dynamodbEndpoint: string;
  /** Physical table names by environment variable: MARK_EVENTS_TABLE, MARK_SNAPSHOTS_TABLE, MARK_ARCHIVE_KEYS_TABLE. */
  env: Record<string, string>;
  /**
   * Checkpoints go to <dataDir>/pollers; kinesalite's and s3rver's files too when started here.
   * Without one, a temporary folder is used (Kinesis in memory) and removed on stop.
   */
  dataDir?: string;
  /** An already running Kinesis endpoint; otherwise kinesalite is started in this process. */
  kinesis?: { endpoint: string; streamName: string };
  /** Keep a kinesalite started here in memory instead of <dataDir>/kinesis. */
  kinesisInMemory?: boolean;
  /** An already running S3 endpoint; otherwise s3rver is started with its files in <dataDir>/s3. */
  s3?: { endpoint: string; bucket: string; directory?: string };
  /** Names used when the services are started here. */
  streamName?: string;
  bucket?: string;
  /** Records per handler invocation: one number for all, or per mapping. Lambda's default is 100. */
  batchSize?: number | { relay?: number; eraser?: number; archive?: number };
  /** Pause between polls that found nothing (Lambda polls a DynamoDB stream shard 4 times a second). */
  pollIntervalMs?: number;
  /** What the handlers and pollers log to (default: Powertools Logger at POWERTOOLS_LOG_LEVEL, or WARN). */
  logger?: Log;
  /** Called after each archive batch was handled, with the records it stored (benchmarks). */
  onArchived?: (records: KinesisStreamEvent['Records']) => void;
  /** Called after every handler invocation: which mapping, how many records, how long (benchmarks). */
  onBatch?: (mapping: 'relay' | 'eraser' | 'archive', records: number, startedAt: number, endedAt: number) => void;
}

export interface Pipeline {
  /** Where the archive is, in words: bucket, endpoint and folder. */
  archiveLocation: string;
  archive: { endpoint: string; bucket: string; directory?: string };
  kinesis: { endpoint: string; streamName: string };
  /** Resolves when every mapping has handled everything committed before the call. */
  drain(timeoutMs?: number): Promise<void>;
  /** Stops the pollers (after the batch in hand) and the services started here. */
  stop(): Promise<void>;
}

export const defaultStreamName = 'mark-events';
export const defaultBucket = 'mark-archive';

export async function startPipeline(options: PipelineOptions): Promise<Pipeline> {
  const temporary = options.dataDir === undefined;
  const dataDir = temporary ? mkdtempSync(join(tmpdir(), 'mark-api-pipeline-')) : resolve(options.dataDir!);
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  const sizes = typeof options.batchSize === 'object' ? options.batchSize : {};
  const batchSize = (name: 'relay' | 'eraser' | 'archive') =>
    (typeof options.batchSize === 'number' ? options.batchSize : sizes[name]) ?? 100;
  const logger =
    options.logger ??
    createLogger('local-pipeline', (process.env.POWERTOOLS_LOG_LEVEL as 'WARN' | undefined) ?? 'WARN');
  const eventsTable = options.env.MARK_EVENTS_TABLE;
  const snapshotsTable = options.env.MARK_SNAPSHOTS_TABLE;
  const archiveKeysTable = options.env.MARK_ARCHIVE_KEYS_TABLE;
  if (!eventsTable || !snapshotsTable || !archiveKeysTable) throw new Error('startPipeline: env needs MARK_EVENTS_TABLE, MARK_SNAPSHOTS_TABLE and MARK_ARCHIVE_KEYS_TABLE');

  const started: { stop(): Promise<void> }[] = [];
  const stopStarted = async () => {
    for (const service of started.reverse()) await service.stop();
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    let kinesis = options.kinesis;
    if (kinesis) {
      await ensureStream(kinesis.endpoint, kinesis.streamName);
    } else {
      const streamName = options.streamName ?? defaultStreamName;
      const server: Kinesalite = await startKinesalite({
        inMemory: options.kinesisInMemory || temporary,
        dataDir: join(dataDir, 'kinesis'),
        streamName,
      });
      started.push(server);
      kinesis = { endpoint: server.endpoint, streamName };
    }
    let archive = options.s3;
    if (!archive) {
      const bucket = options.bucket ?? defaultBucket;
      const server: LocalS3 = await startS3rver({ directory: join(dataDir, 's3'), bucket });
      started.push(server);
      archive = { endpoint: server.endpoint, bucket, directory: join(server.directory, bucket) };
    }

    const dynamodb = new DynamoDBClient({ ...localAwsConfig, endpoint: options.dynamodbEndpoint });
    const streams = new DynamoDBStreamsClient({ ...localAwsConfig, endpoint: options.dynamodbEndpoint });
    const kinesisSdk = kinesisClient(kinesis.endpoint);
    const s3 = s3Client(archive.endpoint);
    started.push({ stop: async () => [dynamodb, streams, kinesisSdk, s3].forEach((c) => c.destroy()) });

    const relay: RelayHandler = createRelayHandler({ kinesis: kinesisSdk, streamName: kinesis.streamName, logger });
    const eraser: EraserHandler = createEraserHandler({ dynamodb, eventsTable, snapshotsTable, archiveKeysTable, logger });
    const archiveHandler: ArchiveHandler = createArchiveHandler({ s3, bucket: archive.bucket, keyring: createKeyring({ dynamodb, table: archiveKeysTable }), logger });

    const streamArn = await latestStreamArn(streams, eventsTable);
    const kinesisArn = `arn:aws:kinesis:${localAwsConfig.region}:000000000000:stream/${kinesis.streamName}`;
    const checkpoint = (name: string) => join(dataDir, 'pollers', `${name}.json`);

    /** A DynamoDB stream mapping, with the mapping's filter applied before the handler. */
    const dynamoDbMapping = (name: string, handler: RelayHandler | EraserHandler, filter?: FilterPattern) =>
      new ShardPoller<StreamRecord>({
        name,
        source: new DynamoDbStreamSource(streams, streamArn),
        checkpointPath: checkpoint(name),
        batchSize: batchSize(name as 'relay'),
        pollIntervalMs,
        logger,
        async deliver(_shardId, records) {
          const all = records.map((r) => toLambdaDynamoDbRecord(r, streamArn));
          // Filtered-out records are consumed without an invocation, as Lambda does.
          const Records = filter ? all.filter((r) => matchesFilter(r, filter)) : all;
          if (!Records.length) return undefined;
          const startedAt = performance.now();
          const response = await handler({ Records } as DynamoDBStreamEvent);
          options.onBatch?.(name as 'relay', Records.length, startedAt, performance.now());
          return firstFailure(response, Records.map((r) => r.dynamodb!.SequenceNumber!));
        },
      });

    const archivePoller = new ShardPoller<KinesisRecord>({
      name: 'archive',
      source: new KinesisSource(kinesisSdk, kinesis.streamName, await kinesisStreamId(kinesisSdk, kinesis.streamName)),
      checkpointPath: checkpoint('archive'),
      batchSize: batchSize('archive'),
      pollIntervalMs,
      logger,
      async deliver(shardId, records) {
        const Records = records.map((r) => toLambdaKinesisRecord(r, shardId, kinesisArn, localAwsConfig.region));
        const startedAt = performance.now();
        const response = await archiveHandler({ Records });
        options.onBatch?.('archive', Records.length, startedAt, performance.now());
        const failed = firstFailure(response, Records.map((r) => r.kinesis.sequenceNumber));
        options.onArchived?.(failed === undefined ? Records : Records.slice(0, Records.findIndex((r) => r.kinesis.sequenceNumber === failed)));
        return failed;
      },
    });

    const pollers = [
      dynamoDbMapping('relay', relay),
      dynamoDbMapping('eraser', eraser, eraserFilterPattern as unknown as FilterPattern),
      archivePoller,
    ];
    for (const poller of pollers) poller.start();
    const [relayPoller, eraserPoller] = pollers;

    const location = archive.directory
      ? `s3://${archive.bucket} (s3rver at ${archive.endpoint}; files in ${archive.directory})`
      : `s3://${archive.bucket} (at ${archive.endpoint})`;

    return {
      archiveLocation: location,
      archive,
      kinesis,
      async drain(timeoutMs = 60_000) {
        const work = (async () => {
          // The archive reads what the relay put: it catches up after the relay has.
          await Promise.all([relayPoller.caughtUp(), eraserPoller.caughtUp()]);
          await archivePoller.caughtUp();
        })();
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`pipeline did not drain within ${timeoutMs} ms (a mapping keeps failing? see the log)`)), timeoutMs);
        });
        try {
          await Promise.race([work, timeout]);
        } finally {
          clearTimeout(timer);
        }
      },
      async stop() {
        await Promise.all(pollers.map((p) => p.stop()));
        await stopStarted();
      },
    };
  } catch (err) {
    await stopStarted();
    throw err;
  }
}

/**
 * Lambda's reading of a partial batch response: the batch resumes at the earliest reported
 * record. An identifier that names no record of the batch fails the whole batch.
 */
function firstFailure(response: { batchItemFailures?: { itemIdentifier?: string }[] } | void, sequenceNumbers: string[]): string | undefined {
  const failures = response?.batchItemFailures ?? [];
  if (!failures.length) return undefined;
  const indexes = failures.map((f) => sequenceNumbers.indexOf(f.itemIdentifier ?? ''));
  if (indexes.some((i) => i < 0)) return sequenceNumbers[0];
  return sequenceNumbers[Math.min(...indexes)];
}
