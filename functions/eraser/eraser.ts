/**
 * Eraser: MarkEvents stream (MARK_FORGOTTEN inserts only, by the mapping's filter) → deletes
 * every earlier event and every earlier snapshot of the mark. The tombstone event stays: it holds
 * no personal data and keeps the version sequence. So does the snapshot at the tombstone's own
 * version (written when the forget lands on a multiple of SNAPSHOT_INTERVAL): it is the forgotten
 * state, no personal data, and the base every replay of the versions after it starts from
 * (issue 10, defect 7: deleting it made getMarkAt of the reborn mark fail with ReplayIncomplete).
 * Idempotent: a second run finds nothing to delete.
 *
 * It also forgets the mark's archive data key (functions/archive/keyring.ts forgetKey): every
 * archived copy of the forgotten life's personal data becomes unreadable (crypto-shredding,
 * docs/PRIVACY.md). The archive does the same when the tombstone reaches it; whichever is first
 * removes the key, the other finds it done.
 */
import {
  BatchWriteItemCommand,
  QueryCommand,
  type AttributeValue,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { fromStreamImage, MARK_FORGOTTEN } from '../lib/mark-event';
import { describeError, noMetrics, type Log, type MetricsSink } from '../lib/log';
import { backoffDelay, defaultBackoff, sleep, type BackoffOptions } from '../lib/retry';
import { forgetKey } from '../archive/keyring';

/** BatchWriteItem takes at most 25 requests. */
const BATCH_WRITE_LIMIT = 25;

export interface EraserOptions {
  dynamodb: Pick<DynamoDBClient, 'send'>;
  eventsTable: string;
  snapshotsTable: string;
  /** MarkArchiveKeys (infra/tables.ts): the archive's data keys */
  archiveKeysTable: string;
  logger: Log;
  metrics?: MetricsSink;
  backoff?: BackoffOptions;
}

export type EraserHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;

export function createEraserHandler(options: EraserOptions): EraserHandler {
  const { dynamodb, logger } = options;
  const metrics = options.metrics ?? noMetrics;
  const backoff = options.backoff ?? { ...defaultBackoff, maxAttempts: 8 };

  /** Deletes the keys (mark, version) of every item of `mark` in `table` matching the range. */
  async function deleteRange(table: string, mark: string, comparator: '<', version: number): Promise<number> {
    let deleted = 0;
    let exclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      // Keys only: the items' personal data need not travel to be deleted.
      const page = await dynamodb.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: `#m = :m AND #v ${comparator} :v`,
          ExpressionAttributeNames: { '#m': 'mark', '#v': 'version' },
          ExpressionAttributeValues: { ':m': { S: mark }, ':v': { N: String(version) } },
          ProjectionExpression: '#m, #v',
          ConsistentRead: true,
          ExclusiveStartKey: exclusiveStartKey,
        }),
      );
      const keys = page.Items ?? [];
      for (let i = 0; i < keys.length; i += BATCH_WRITE_LIMIT) {
        await batchDelete(table, keys.slice(i, i + BATCH_WRITE_LIMIT));
      }
      deleted += keys.length;
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey);
    return deleted;
  }

  async function batchDelete(table: string, keys: Record<string, AttributeValue>[]): Promise<void> {
    let requests: WriteRequest[] = keys.map((Key) => ({ DeleteRequest: { Key } }));
    for (let attempt = 0; ; attempt++) {
      const response = await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests } }));
      requests = response.UnprocessedItems?.[table] ?? [];
      if (!requests.length) return;
      if (attempt + 1 >= backoff.maxAttempts) {
        throw new Error(`BatchWriteItem left ${requests.length} deletes unprocessed in ${table} after ${backoff.maxAttempts} attempts`);
      }
      // Unprocessed items mean throttling: back off before asking again.
      await sleep(backoffDelay(attempt, backoff));
    }
  }

  return async (event) => {
    for (const record of event.Records) {
      const sequenceNumber = record.dynamodb?.SequenceNumber ?? '';
      if (record.eventName !== 'INSERT') continue;
      const parsed = fromStreamImage(record.dynamodb?.NewImage as Record<string, unknown> | undefined);
      // The mapping's filter lets only MARK_FORGOTTEN inserts through; anything else (no
      // filter configured, a foreign item) is not ours to act on.
      if (!parsed.ok || parsed.event.type !== MARK_FORGOTTEN) {
        logger.debug('eraser: skipping a record that is not a MARK_FORGOTTEN event', { sequenceNumber });
        continue;
      }
      const { mark, version } = parsed.event;
      try {
        // the archive's copies first: one write makes all of them unreadable
        const shredded = await forgetKey(dynamodb, options.archiveKeysTable, mark, version);
        const events = await deleteRange(options.eventsTable, mark, '<', version);
        const snapshots = await deleteRange(options.snapshotsTable, mark, '<', version);
        metrics.addMetric('ErasedEvents', 'Count', events);
        metrics.addMetric('ErasedSnapshots', 'Count', snapshots);
        logger.info('eraser: erased a forgotten mark', { mark, version, events, snapshots, archiveKeyRemoved: shredded });
      } catch (err) {
        // Forgets are rare and each is independent, but the mapping resumes from the earliest
        // reported record anyway: stop here and let this one and the rest come again.
        logger.error('eraser: erasure failed; reporting a partial batch failure', { mark, version, sequenceNumber, ...describeError(err) });
        metrics.addMetric('EraserFailedBatches', 'Count', 1);
        return { batchItemFailures: [{ itemIdentifier: sequenceNumber }] };
      }
    }
    return { batchItemFailures: [] };
  };
}
