/**
 * A stand-in for a Lambda event source mapping on a sharded stream (DynamoDB Streams or
 * Kinesis): it reads every shard, parents before children, hands each batch to a delivery
 * function (which invokes the handler with a Lambda-shaped event) and checkpoints a shard only
 * after its batch was handled — at the first failed record when the handler reported a partial
 * batch failure, so that record and everything after it come again, as Lambda does.
 */
import type { Log } from '../../functions/lib/log';
import { describeError } from '../../functions/lib/log';
import { CheckpointStore, type Position } from './checkpoint';

export interface ShardInfo {
  shardId: string;
  /** Parent shards (a split has one, a merge two): they are read to the end first. */
  parentShardIds: string[];
}

export interface RecordsPage<R> {
  records: R[];
  /** Absent when the shard is closed and fully read. */
  nextIterator?: string;
  /** Kinesis says how far behind the tip a read is; an empty read that is behind is not "caught up". */
  behindLatest?: boolean;
}

/** The few calls a poller needs, common to DynamoDB Streams and Kinesis. */
export interface StreamSource<R> {
  /** Identifies the stream in the checkpoint file (stream ARN or name). */
  readonly streamId: string;
  listShards(): Promise<ShardInfo[]>;
  /** An iterator at the position, or at TRIM_HORIZON without one. */
  getIterator(shardId: string, position: Position | undefined): Promise<string>;
  getRecords(iterator: string, limit: number): Promise<RecordsPage<R>>;
  sequenceNumber(record: R): string;
}

/** Handles one batch; returns the first failed record's sequence number, if any failed. */
export type Deliver<R> = (shardId: string, records: R[]) => Promise<string | undefined>;

export interface ShardPollerOptions<R> {
  name: string;
  source: StreamSource<R>;
  deliver: Deliver<R>;
  checkpointPath: string;
  /** Records per GetRecords call, i.e. per handler invocation. */
  batchSize: number;
  /** Pause between cycles that found nothing new. */
  pollIntervalMs: number;
  logger: Log;
}

export class ShardPoller<R> {
  private readonly checkpoints: CheckpointStore;
  private readonly iterators = new Map<string, string>();
  private readonly retryAt = new Map<string, { at: number; failures: number }>();
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private cycle = 0;
  /** Waiters for a cycle, started after they asked, in which nothing was pending anywhere. */
  private waiters: { afterCycle: number; resolve: () => void }[] = [];

  constructor(private readonly options: ShardPollerOptions<R>) {
    this.checkpoints = new CheckpointStore(options.checkpointPath, options.source.streamId);
  }

  get name(): string {
    return this.options.name;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after the batch in hand (if any) is handled and checkpointed. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
  }

  /**
   * Resolves once a whole cycle that began after this call found every shard read to its tip
   * with nothing failed: everything written to the stream before the call has been handled.
   */
  caughtUp(): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push({ afterCycle: this.cycle, resolve });
      this.wake?.();
    });
  }

  private async run(): Promise<void> {
    while (this.running) {
      const cycle = ++this.cycle;
      let idle = false;
      try {
        idle = await this.pollOnce();
      } catch (err) {
        this.options.logger.warn(`${this.name}: poll failed`, describeError(err));
      }
      if (idle) {
        this.waiters = this.waiters.filter((w) => (w.afterCycle < cycle ? (w.resolve(), false) : true));
      }
      if (!this.running) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, idle ? this.options.pollIntervalMs : Math.min(this.options.pollIntervalMs, 50));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** One pass over every readable shard; true when nothing was pending or failing. */
  private async pollOnce(): Promise<boolean> {
    const shards = await this.options.source.listShards();
    const present = new Set(shards.map((s) => s.shardId));
    const readable = shards.filter(
      (shard) =>
        !this.checkpoints.get(shard.shardId).finished &&
        // A parent no longer listed was trimmed away (past retention): nothing left to read.
        shard.parentShardIds.every((parent) => !present.has(parent) || this.checkpoints.get(parent).finished),
    );
    // Shards are independent (a mark lives on one), so they proceed in parallel, as Lambda does.
    const results = await Promise.all(readable.map((shard) => this.pollShard(shard.shardId)));
    // A parent that finished in this pass reports false, so its children get a pass before
    // the poller counts as caught up.
    return results.every(Boolean);
  }

  /** Reads a shard up to its tip; true when it was already there and nothing failed. */
  private async pollShard(shardId: string): Promise<boolean> {
    const { source, deliver, logger, batchSize } = this.options;
    const backoff = this.retryAt.get(shardId);
    if (backoff && Date.now() < backoff.at) return false;
    let idle = true;
    while (this.running) {
      let iterator = this.iterators.get(shardId);
      let page: RecordsPage<R>;
      try {
        iterator ??= await source.getIterator(shardId, this.checkpoints.get(shardId).position);
        page = await source.getRecords(iterator, batchSize);
      } catch (err) {
        // An expired iterator, a restarted emulator: start again from the checkpoint.
        this.iterators.delete(shardId);
        if ((err as Error).name === 'TrimmedDataAccessException') {
          // The checkpoint points at records past the stream's retention: they are gone, and
          // Lambda would carry on from the oldest record left, so do the same.
          logger.warn(`${this.name}: checkpoint of ${shardId} is past retention; continuing from TRIM_HORIZON`);
          await this.checkpoints.set(shardId, {});
        }
        logger.warn(`${this.name}: reading ${shardId} failed`, describeError(err));
        this.backOff(shardId);
        return false;
      }
      if (page.records.length) {
        idle = false;
        let failedAt: string | undefined;
        try {
          failedAt = await deliver(shardId, page.records);
        } catch (err) {
          // The handler threw: the whole batch failed.
          logger.warn(`${this.name}: handler failed on ${shardId}`, describeError(err));
          failedAt = source.sequenceNumber(page.records[0]);
        }
        if (failedAt !== undefined) {
          await this.checkpoints.set(shardId, { position: { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: failedAt } });
          this.iterators.delete(shardId);
          this.backOff(shardId);
          return false;
        }
        this.retryAt.delete(shardId);
        const last = source.sequenceNumber(page.records[page.records.length - 1]);
        await this.checkpoints.set(shardId, { position: { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: last } });
      } else if (page.behindLatest) {
        idle = false;
      }
      if (page.nextIterator === undefined) {
        // Closed and read to the end: the children may start.
        await this.checkpoints.set(shardId, { ...this.checkpoints.get(shardId), finished: true });
        this.iterators.delete(shardId);
        return false;
      }
      this.iterators.set(shardId, page.nextIterator);
      if (!page.records.length && !page.behindLatest) return idle;
    }
    return false;
  }

  private backOff(shardId: string): void {
    const failures = (this.retryAt.get(shardId)?.failures ?? 0) + 1;
    const delay = Math.min(this.options.pollIntervalMs * 2 ** failures, 5_000);
    this.retryAt.set(shardId, { at: Date.now() + delay, failures });
  }
}
