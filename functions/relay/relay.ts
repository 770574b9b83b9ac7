/**
 * Relay: MarkEvents stream (DynamoDB) → Kinesis. Every INSERT becomes one JSON record with
 * partition key = the mark, so each mark's events land on one shard in commit order.
 */
import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { fromStreamImage } from '../lib/mark-event';
import { describeError, noMetrics, type Log, type MetricsSink } from '../lib/log';
import { backoffDelay, defaultBackoff, sleep, type BackoffOptions } from '../lib/retry';

/** PutRecords limits: 500 entries, 5 MiB per call counting data and partition keys. */
export const MAX_RECORDS_PER_CALL = 500;
export const MAX_BYTES_PER_CALL = 5 * 1024 * 1024;

export interface RelayOptions {
  kinesis: Pick<KinesisClient, 'send'>;
  /** StreamName or StreamARN (one of them). */
  streamName?: string;
  streamArn?: string;
  logger: Log;
  metrics?: MetricsSink;
  backoff?: BackoffOptions;
}

interface Entry {
  /** The DynamoDB stream sequence number: what a partial batch failure names. */
  sequenceNumber: string;
  mark: string;
  version: number;
  data: Uint8Array;
  size: number;
}

export type RelayHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;

export function createRelayHandler(options: RelayOptions): RelayHandler {
  const { kinesis, logger } = options;
  const metrics = options.metrics ?? noMetrics;
  const backoff = options.backoff ?? defaultBackoff;
  if (!options.streamName && !options.streamArn) throw new Error('relay: a Kinesis stream name or ARN is required');
  const target = options.streamArn ? { StreamARN: options.streamArn } : { StreamName: options.streamName };

  /** Puts one call's worth of entries, retrying only the failed ones; returns what still failed. */
  async function putAll(entries: Entry[]): Promise<Entry[]> {
    let pending = entries;
    for (let attempt = 0; ; attempt++) {
      let failed: Entry[];
      try {
        const response = await kinesis.send(
          new PutRecordsCommand({
            ...target,
            Records: pending.map((e): PutRecordsRequestEntry => ({ PartitionKey: e.mark, Data: e.data })),
          }),
        );
        const results = response.Records ?? [];
        // Results are positional; an entry with an ErrorCode (throttling, internal failure)
        // was not written, every other entry was.
        failed = pending.filter((_, i) => !results[i] || results[i].ErrorCode);
        if (failed.length) {
          const codes = [...new Set(results.filter((r) => r.ErrorCode).map((r) => r.ErrorCode))];
          logger.warn('PutRecords: some entries failed', { attempt, failed: failed.length, of: pending.length, codes });
        }
      } catch (err) {
        // The whole call failed (after the SDK's own retries): every entry is still pending.
        logger.warn('PutRecords call failed', { attempt, entries: pending.length, ...describeError(err) });
        failed = pending;
      }
      metrics.addMetric('RelayedRecords', 'Count', pending.length - failed.length);
      if (!failed.length || attempt + 1 >= backoff.maxAttempts) return failed;
      metrics.addMetric('RelayRetriedRecords', 'Count', failed.length);
      await sleep(backoffDelay(attempt, backoff));
      pending = failed;
    }
  }

  return async (event) => {
    const entries: Entry[] = [];
    for (const record of event.Records) {
      const entry = toEntry(record, logger, metrics);
      if (entry) entries.push(entry);
    }
    // Calls go one after another, in stream order, so that a mark's events reach Kinesis in
    // the order they were committed whenever nothing fails.
    for (const call of chunk(entries)) {
      const failed = await putAll(call);
      if (failed.length) {
        // Resume from the earliest record not on Kinesis: the event source mapping redelivers
        // it and everything after it (those already put are delivered twice; consumers are
        // idempotent by (mark, version)). Later calls are not attempted for the same reason.
        const first = failed[0];
        logger.error('relay: records still failing after retries; reporting a partial batch failure', {
          sequenceNumber: first.sequenceNumber,
          failed: failed.length,
        });
        metrics.addMetric('RelayFailedBatches', 'Count', 1);
        return { batchItemFailures: [{ itemIdentifier: first.sequenceNumber }] };
      }
    }
    return { batchItemFailures: [] };
  };
}

function toEntry(record: DynamoDBRecord, logger: Log, metrics: MetricsSink): Entry | undefined {
  const sequenceNumber = record.dynamodb?.SequenceNumber ?? '';
  // MODIFY cannot happen (events are immutable) and REMOVE is the eraser's own work: neither
  // is an appended event.
  if (record.eventName !== 'INSERT') {
    logger.debug('relay: skipping a non-INSERT record', { eventName: record.eventName, sequenceNumber });
    return undefined;
  }
  const parsed = fromStreamImage(record.dynamodb?.NewImage as Record<string, unknown> | undefined);
  if (!parsed.ok) {
    // Not an event of ours (a stray item written to the table by hand, say): relaying it would
    // hand consumers garbage, retrying it would block the shard forever.
    logger.warn('relay: skipping a stream record that is not a mark event', { sequenceNumber, reason: parsed.reason });
    metrics.addMetric('RelaySkippedRecords', 'Count', 1);
    return undefined;
  }
  const data = Buffer.from(JSON.stringify(parsed.event), 'utf8');
  const { mark, version } = parsed.event;
  return { sequenceNumber, mark, version, data, size: data.length + Buffer.byteLength(mark, 'utf8') };
}

/** Splits entries, in order, into PutRecords calls within the entry and byte limits. */
export function chunk<T extends { size: number }>(entries: T[], maxRecords = MAX_RECORDS_PER_CALL, maxBytes = MAX_BYTES_PER_CALL): T[][] {
  const calls: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const entry of entries) {
    if (current.length && (current.length >= maxRecords || bytes + entry.size > maxBytes)) {
      calls.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += entry.size;
  }
  if (current.length) calls.push(current);
  return calls;
}
