/**
 * Archive: Kinesis (an enhanced fan-out consumer in AWS) → S3, one object per batch: the batch's
 * events, of however many marks, one line each (JSON Lines), at batchKey(first record) (keys.ts),
 * so a redelivery overwrites itself. Each line keeps its event's open fields in clear and seals
 * its personal data with the data key of the mark's life (sealing.ts, keyring.ts).
 *
 * Per batch: one BatchGetItem of the batch's marks' keys, one PutObject. Besides, a PutItem per
 * mark that has something to seal and no key yet (the first event of a mark's life), and per
 * forget the batch holds.
 *
 * Erasure (crypto-shredding, docs/PRIVACY.md): a MARK_FORGOTTEN at version V removes the mark's
 * key and records erasedBelow = V (the tombstone begins the next life), here when the archive meets it and in the eraser when it does,
 * whichever comes first. From then on:
 * - every line of the forgotten life already in the bucket is sealed with a key that no longer
 *   exists;
 * - an event of that life that reaches the archive later (a redelivery, a late relay retry) is
 *   written without its personal data (marked `erased`);
 * - the next life's events are sealed with a new key, made when the first of them arrives.
 * A create event (MARK_RELEASED, ENTITLEMENT_CREATED) above version 1 follows a forget at the
 * version before it (resolvers/lib/decide.ts: a create needs a mark that is not live), so a batch
 * that holds the next life's create starts that life even when the tombstone itself comes later.
 *
 * Ordering and failures: the batch is written as one object, after the keys it needs exist; if
 * any request fails, the batch's first record is reported, and the whole batch comes again (and
 * overwrites its object). Nothing is cached between batches: each reads the keys as they are.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { fromKinesisData, MARK_FORGOTTEN, type MarkEventRecord } from '../lib/mark-event';
import { describeError, noMetrics, type Log, type MetricsSink } from '../lib/log';
import { batchKey, linesBody } from './keys';
import type { Keyring, MarkKey } from './keyring';
import { needsKey, sealEvent } from './sealing';

export interface ArchiveOptions {
  /** The S3 client (functions/lib/clients.ts s3ClientFromEnv); tests wrap it to inject faults or count calls. */
  s3: Pick<S3Client, 'send'>;
  bucket: string;
  keyring: Keyring;
  logger: Log;
  metrics?: MetricsSink;
}

export type ArchiveHandler = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse>;

/** Event types that begin a mark's life: above version 1, they follow a forget at the version before. */
const CREATES = new Set(['MARK_RELEASED', 'ENTITLEMENT_CREATED']);

/** The version of the latest forget the events of one mark show: a tombstone, or a create that follows one. */
function latestForget(events: readonly MarkEventRecord[]): number {
  let forget = 0;
  for (const event of events) {
    if (event.type === MARK_FORGOTTEN) forget = Math.max(forget, event.version);
    else if (CREATES.has(event.type) && event.version > 1) forget = Math.max(forget, event.version - 1);
  }
  return forget;
}

/** Attempts at getting a key for a life that a concurrent forget keeps changing. */
const KEY_ATTEMPTS = 4;

export function createArchiveHandler(options: ArchiveOptions): ArchiveHandler {
  const { s3, bucket, keyring, logger } = options;
  const metrics = options.metrics ?? noMetrics;

  /** The key item a mark's events need: forgets applied, a key made when something is to be sealed. */
  async function lifeOf(current: MarkKey, events: MarkEventRecord[]): Promise<MarkKey> {
    let life = current;
    const forget = latestForget(events);
    if (forget > life.erasedBelow) {
      life = await keyring.forget(life.mark, forget);
      logger.info('archive: forgot a mark\'s data key', { mark: life.mark, version: forget });
      metrics.addMetric('ArchiveForgottenKeys', 'Count', 1);
    }
    for (let attempt = 0; !life.dataKey && events.some((event) => needsKey(event, life)); attempt++) {
      if (attempt >= KEY_ATTEMPTS) throw new Error(`no data key for ${life.mark} after ${KEY_ATTEMPTS} attempts (concurrent forgets?)`);
      life = await keyring.create(life);
    }
    return life;
  }

  return async (event) => {
    if (!event.Records.length) return { batchItemFailures: [] };
    const byMark = new Map<string, MarkEventRecord[]>();
    const seen = new Set<string>();
    let skipped = 0;
    for (const record of event.Records) {
      const parsed = fromKinesisData(record.kinesis.data);
      if (!parsed.ok) {
        // A poison record never becomes valid: retrying it would stall the shard. Log where
        // it is (not its content, which may hold personal data) and move on.
        logger.warn('archive: skipping a record that is not a mark event', {
          sequenceNumber: record.kinesis.sequenceNumber,
          partitionKey: record.kinesis.partitionKey,
          reason: parsed.reason,
        });
        skipped++;
        continue;
      }
      // a record the relay put twice (a retry) is the same event: one line
      const id = JSON.stringify([parsed.event.mark, parsed.event.version]);
      if (seen.has(id)) continue;
      seen.add(id);
      const events = byMark.get(parsed.event.mark) ?? [];
      events.push(parsed.event);
      byMark.set(parsed.event.mark, events);
    }
    if (skipped) metrics.addMetric('ArchiveSkippedRecords', 'Count', skipped);
    if (!byMark.size) return { batchItemFailures: [] };

    const key = batchKey(event.Records[0]);
    try {
      const loaded = await keyring.load([...byMark.keys()]);
      const lives = new Map(await Promise.all([...byMark].map(async ([mark, events]) => [mark, await lifeOf(loaded.get(mark)!, events)] as const)));
      // lines by mark, each mark's in stream order, each sealed under its mark's life
      const lines = [...byMark.values()].flat().map((e) => sealEvent(e, lives.get(e.mark)!));
      const erased = lines.filter((line) => line.erased).length;
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: linesBody(lines), ContentType: 'application/x-ndjson' }));
      metrics.addMetric('ArchivedEvents', 'Count', lines.length);
      if (erased) {
        logger.info("archive: wrote events of a forgotten life without their personal data", { key, erased });
        metrics.addMetric('ArchiveErasedEvents', 'Count', erased);
      }
      return { batchItemFailures: [] };
    } catch (err) {
      // The mapping resumes from the reported record: the whole batch comes again, to the same key.
      logger.error('archive: could not archive a batch', { key, records: event.Records.length, ...describeError(err) });
      metrics.addMetric('ArchiveFailedBatches', 'Count', 1);
      return { batchItemFailures: [{ itemIdentifier: event.Records[0].kinesis.sequenceNumber }] };
    }
  };
}
