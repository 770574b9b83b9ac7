/**
 * Archive: Kinesis (an enhanced fan-out consumer in AWS) → S3, one object per mark per batch: the
 * batch's events of the mark as a run of consecutive versions at runKey(mark, first, last)
 * (keys.ts), so a redelivery overwrites itself. A gap in a mark's versions within a batch (an
 * event retried by the relay after a later one) starts another run.
 *
 * Erasure: a MARK_FORGOTTEN event at version V writes the erasure marker { mark, version: V }
 * first, then deletes every run of the mark below V, then archives the tombstone itself (it begins
 * the mark's next run). An event of the mark below the marker's version that arrives later
 * (redelivery, a replay, a retried relay put) is dropped, so personal data never reappears; events
 * above it (the mark released again after the forget) are archived as usual. No run spans a forget:
 * the tombstone always begins a run, and nothing below the marker is written after it.
 *
 * Ordering: records are grouped by mark; within a mark a MARK_FORGOTTEN is a barrier (what
 * precedes it in the stream is done before it, what follows after it), while different marks
 * proceed in parallel. The event source mapping never runs two batches of one shard at once and a
 * mark lives on one shard, so within a mark nothing races. Against a forget handled elsewhere at
 * the same time, the marker is re-read once per mark after the batch's puts: a forget writes its
 * marker before it lists, so a put is either listed and deleted by it, or followed by a read that
 * sees the marker and erases again.
 */
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { fromKinesisData, MARK_FORGOTTEN, type MarkEventRecord } from '../lib/mark-event';
import { describeError, noMetrics, type Log, type MetricsSink } from '../lib/log';
import { erasureKey, markPrefix, runBody, runKey, runOfKey, toRuns } from './keys';
import type { ArchiveStore } from './store';

export interface ArchiveOptions {
  /** The bucket (store.ts: createS3Store, archiveStoreFromEnv); tests wrap it to inject faults. */
  store: ArchiveStore;
  logger: Log;
  metrics?: MetricsSink;
  /** S3 requests in flight at once within a batch. */
  concurrency?: number;
}

export type ArchiveHandler = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse>;

interface Item {
  index: number;
  sequenceNumber: string;
  event: MarkEventRecord;
}

export function createArchiveHandler(options: ArchiveOptions): ArchiveHandler {
  const { store, logger } = options;
  const metrics = options.metrics ?? noMetrics;
  const limit = limiter(options.concurrency ?? 16);

  async function readMarker(mark: string): Promise<number> {
    const marker = JSON.parse((await store.get(erasureKey(mark))) ?? '{}') as { version?: unknown };
    return typeof marker.version === 'number' ? marker.version : 0;
  }

  /** Puts one run of a mark's events, in version order. */
  async function putRun(run: MarkEventRecord[]): Promise<void> {
    await store.put(runKey(run[0].mark, run[0].version, run[run.length - 1].version), runBody(run), 'application/x-ndjson');
  }

  /**
   * Deletes every archived run of `mark` below `version`; returns how many events they held.
   * ListObjects (v1, paged by marker) rather than v2: s3rver signs v2 continuation tokens with
   * DES, which OpenSSL 3 (Node 18+) no longer offers, so its v2 listings past 1,000 keys fail; v1
   * behaves the same on S3 and on s3rver.
   */
  async function eraseBelow(mark: string, version: number): Promise<number> {
    let erased = 0;
    let marker: string | undefined;
    for (;;) {
      const page = await store.list(markPrefix(mark), marker);
      const keys = page.keys;
      const doomed: string[] = [];
      for (const key of keys) {
        const run = runOfKey(key);
        if (!run || run.first >= version) continue;
        // The writer never makes one (see above); deleting it would erase the next life too.
        if (run.last >= version) throw new Error(`archive run ${key} spans the erasure at version ${version}`);
        doomed.push(key);
        erased += run.last - run.first + 1;
      }
      if (doomed.length) {
        // A listing page holds at most 1,000 keys, DeleteObjects' own limit.
        // (a key that failed to go throws, naming S3's error code)
        await store.delete(doomed);
      }
      if (page.next === undefined) return erased;
      marker = page.next;
    }
  }

  /** Handles one mark's records in order; returns the index of the first that failed. */
  async function handleMark(mark: string, items: Item[]): Promise<number | undefined> {
    let markerVersion: number;
    try {
      markerVersion = await limit(() => readMarker(mark));
    } catch (err) {
      logger.error('archive: could not read the erasure marker', { mark, ...describeError(err) });
      return items[0].index;
    }
    // A forget is a barrier; the events between two forgets go as runs, one object each (one run
    // unless their versions have a gap), put in parallel.
    let segment: Item[] = [];
    const flush = async (): Promise<number | undefined> => {
      const kept: Item[] = [];
      for (const item of segment) {
        if (item.event.version >= markerVersion) {
          kept.push(item);
          continue;
        }
        logger.info("archive: dropping an event older than the mark's erasure", { mark, version: item.event.version, erasedBelow: markerVersion });
        metrics.addMetric('ArchiveDroppedErasedEvents', 'Count', 1);
      }
      segment = [];
      const failed = await Promise.all(
        toRuns(kept.map((item) => item.event)).map(async (run) => {
          try {
            await limit(() => putRun(run));
            metrics.addMetric('ArchivedEvents', 'Count', run.length);
            return undefined;
          } catch (err) {
            const [first, last] = [run[0].version, run[run.length - 1].version];
            // every record of the run comes again: the earliest of them is the one to report
            const indexes = kept.filter((item) => item.event.version >= first && item.event.version <= last).map((item) => item.index);
            logger.error('archive: could not archive a run of records', { mark, first, last, ...describeError(err) });
            return Math.min(...indexes);
          }
        }),
      );
      const indexes = failed.filter((i): i is number => i !== undefined);
      return indexes.length ? Math.min(...indexes) : undefined;
    };
    for (const item of items) {
      if (item.event.type !== MARK_FORGOTTEN) {
        segment.push(item);
        continue;
      }
      const failed = await flush();
      if (failed !== undefined) return failed;
      const { event } = item;
      try {
        if (event.version > markerVersion) {
          // Marker first: from now on nothing below it may be (re)written.
          await limit(() => store.put(erasureKey(mark), JSON.stringify({ mark, version: event.version }), 'application/json'));
          markerVersion = event.version;
        }
        const erased = await eraseBelow(mark, markerVersion);
        metrics.addMetric('ArchiveErasedEvents', 'Count', erased);
        logger.info('archive: erased a forgotten mark', { mark, version: event.version, erased });
      } catch (err) {
        logger.error('archive: could not erase a forgotten mark', { mark, version: event.version, sequenceNumber: item.sequenceNumber, ...describeError(err) });
        return item.index;
      }
      // The tombstone begins the next run (an older forget delivered after a newer one is below
      // the marker, and dropped with the rest).
      segment.push(item);
    }
    const failed = await flush();
    if (failed !== undefined) return failed;
    // Belt and braces against a forget of this mark handled elsewhere at the same time (a
    // replay, a second consumer): it wrote its marker before listing, so either its listing saw
    // our puts or this read, after them, sees its marker.
    try {
      const latest = await limit(() => readMarker(mark));
      if (latest > markerVersion) {
        const erased = await eraseBelow(mark, latest);
        logger.info('archive: a concurrent erasure overtook this batch; erased again', { mark, erasedBelow: latest, erased });
      }
    } catch (err) {
      logger.error('archive: could not re-check the erasure marker', { mark, ...describeError(err) });
      return items[items.length - 1].index;
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

    // Marks proceed side by side; the limiter bounds the S3 requests in flight.
    const results = await Promise.all([...byMark].map(([mark, items]) => handleMark(mark, items)));
    const failures = results.filter((i): i is number => i !== undefined);

    if (!failures.length) return { batchItemFailures: [] };
    // The mapping resumes from the earliest reported record; every later one comes again and
    // is idempotent, so the earliest failure is the one to report.
    const first = event.Records[Math.min(...failures)].kinesis.sequenceNumber;
    metrics.addMetric('ArchiveFailedBatches', 'Count', 1);
    return { batchItemFailures: [{ itemIdentifier: first }] };
  };
}

/** Runs at most `max` of the given tasks at once. */
function limiter(max: number) {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    // A finishing task hands its slot straight to the next waiter, so `active` never overshoots.
    if (active >= max) await new Promise<void>((resolve) => queue.push(resolve));
    else active++;
    try {
      return await task();
    } finally {
      const next = queue.shift();
      if (next) next();
      else active--;
    }
  };
}
