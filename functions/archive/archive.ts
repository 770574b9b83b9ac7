/**
 * Archive: Kinesis (an enhanced fan-out consumer in AWS) → S3, one object per event at
 * eventKey(mark, version), so a redelivery overwrites itself.
 *
 * Erasure: a MARK_FORGOTTEN event at version V writes the erasure marker { mark, version: V }
 * first, then deletes every object of the mark below V, then archives the tombstone itself.
 * An event of the mark below the marker's version that arrives later (redelivery, a replay,
 * a retried relay put) is dropped, so personal data never reappears; events above it (the
 * mark released again after the forget) are archived as usual.
 *
 * Ordering: records are grouped by mark and each mark's records are handled one after
 * another, in stream order, while different marks proceed in parallel. The event source
 * mapping never runs two batches of one shard at once and a mark lives on one shard, so
 * within a mark nothing races; and since the marker is written before the listing, a put that
 * raced a forget from elsewhere is either listed and deleted or sees the marker.
 */
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { fromKinesisData, MARK_FORGOTTEN, type MarkEventRecord } from '../lib/mark-event';
import { describeError, noMetrics, type Log, type MetricsSink } from '../lib/log';
import { erasureKey, eventKey, markPrefix, versionOfKey } from './keys';

export interface ArchiveOptions {
  s3: Pick<S3Client, 'send'>;
  bucket: string;
  logger: Log;
  metrics?: MetricsSink;
  /** Marks handled at once within a batch. */
  concurrency?: number;
}

export type ArchiveHandler = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse>;

interface Item {
  index: number;
  sequenceNumber: string;
  event: MarkEventRecord;
}

export function createArchiveHandler(options: ArchiveOptions): ArchiveHandler {
  const { s3, bucket, logger } = options;
  const metrics = options.metrics ?? noMetrics;
  const concurrency = options.concurrency ?? 16;

  async function readMarker(mark: string): Promise<number> {
    try {
      const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: erasureKey(mark) }));
      const marker = JSON.parse((await response.Body?.transformToString()) ?? '{}') as { version?: unknown };
      return typeof marker.version === 'number' ? marker.version : 0;
    } catch (err) {
      if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return 0;
      throw err;
    }
  }

  async function put(event: MarkEventRecord): Promise<void> {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: eventKey(event.mark, event.version),
        Body: JSON.stringify(event),
        ContentType: 'application/json',
      }),
    );
  }

  /** Deletes every archived event of `mark` below `version`; returns how many. */
  async function eraseBelow(mark: string, version: number): Promise<number> {
    let deleted = 0;
    let continuationToken: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: markPrefix(mark), ContinuationToken: continuationToken }),
      );
      const doomed = (page.Contents ?? [])
        .map((object) => object.Key!)
        .filter((key) => (versionOfKey(key) ?? 0) < version);
      if (doomed.length) {
        // A listing page holds at most 1,000 keys, DeleteObjects' own limit.
        const result = await s3.send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: doomed.map((Key) => ({ Key })), Quiet: true } }),
        );
        if (result.Errors?.length) {
          throw new Error(`DeleteObjects failed for ${result.Errors.length} objects: ${result.Errors[0].Code} ${result.Errors[0].Message}`);
        }
        deleted += doomed.length;
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken);
    return deleted;
  }

  /** Handles one mark's records in order; returns the index of the first that failed. */
  async function handleMark(mark: string, items: Item[]): Promise<number | undefined> {
    let current = 0;
    let markerVersion: number;
    try {
      markerVersion = await readMarker(mark);
    } catch (err) {
      logger.error('archive: could not read the erasure marker', { mark, ...describeError(err) });
      return items[0].index;
    }
    for (const item of items) {
      current = item.index;
      const { event } = item;
      try {
        if (event.type === MARK_FORGOTTEN) {
          if (event.version > markerVersion) {
            // Marker first: from now on nothing below it may be (re)written.
            await s3.send(
              new PutObjectCommand({
                Bucket: bucket,
                Key: erasureKey(mark),
                Body: JSON.stringify({ mark, version: event.version }),
                ContentType: 'application/json',
              }),
            );
            markerVersion = event.version;
          }
          const erased = await eraseBelow(mark, markerVersion);
          metrics.addMetric('ArchiveErasedObjects', 'Count', erased);
          logger.info('archive: erased a forgotten mark', { mark, version: event.version, erased });
          // An older forget delivered after a newer one is itself below the marker.
          if (event.version >= markerVersion) await put(event);
        } else if (event.version < markerVersion) {
          logger.info('archive: dropping an event older than the mark\'s erasure', { mark, version: event.version, erasedBelow: markerVersion });
          metrics.addMetric('ArchiveDroppedErasedEvents', 'Count', 1);
        } else {
          await put(event);
          metrics.addMetric('ArchivedEvents', 'Count', 1);
        }
      } catch (err) {
        logger.error('archive: could not archive a record', { mark, version: event.version, sequenceNumber: item.sequenceNumber, ...describeError(err) });
        return current;
      }
    }
    return undefined;
  }

  return async (event) => {
    const byMark = new Map<string, Item[]>();
    event.Records.forEach((record: KinesisStreamRecord, index) => {
      const sequenceNumber = record.kinesis.sequenceNumber;
      const parsed = fromKinesisData(record.kinesis.data);
      if (!parsed.ok) {
        // A poison record never becomes valid: retrying it would stall the shard. Log where
        // it is (not its content, which may hold personal data) and move on.
        logger.warn('archive: skipping a record that is not a mark event', {
          sequenceNumber,
          partitionKey: record.kinesis.partitionKey,
          reason: parsed.reason,
        });
        metrics.addMetric('ArchiveSkippedRecords', 'Count', 1);
        return;
      }
      const items = byMark.get(parsed.event.mark) ?? [];
      items.push({ index, sequenceNumber, event: parsed.event });
      byMark.set(parsed.event.mark, items);
    });

    const groups = [...byMark];
    const failures: number[] = [];
    let next = 0;
    const worker = async () => {
      while (next < groups.length) {
        const [mark, items] = groups[next++];
        const failed = await handleMark(mark, items);
        if (failed !== undefined) failures.push(failed);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, groups.length) }, worker));

    if (!failures.length) return { batchItemFailures: [] };
    // The mapping resumes from the earliest reported record; every later one comes again and
    // is idempotent, so the earliest failure is the one to report.
    const first = event.Records[Math.min(...failures)].kinesis.sequenceNumber;
    metrics.addMetric('ArchiveFailedBatches', 'Count', 1);
    return { batchItemFailures: [{ itemIdentifier: first }] };
  };
}
