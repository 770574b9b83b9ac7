/**
 * The archive's data keys, one item per mark in MarkArchiveKeys (infra/tables.ts):
 *
 *   { mark, erasedBelow: N, dataKey?: B (32 random bytes) }
 *
 * `dataKey` seals the personal data of the mark's current life, the versions from `erasedBelow`
 * on (the version of its latest MARK_FORGOTTEN, whose tombstone begins the life; 0 before any
 * forget). A forget raises `erasedBelow` and removes the key in the same write, never lowering it, so the key of a
 * forgotten life can never come back and the archive seals nothing of that life again. The next
 * life gets a new key, made by the first archive batch that has something of it to seal.
 *
 * Requests (test/capacity.test.ts pins them): per archive batch, one BatchGetItem of the batch's
 * marks (strongly consistent: a key or a forget written a moment ago by another invocation or the
 * eraser is seen; up to 100 marks a call); a conditional PutItem for a mark that has no key yet
 * (once per mark life), and a GetItem after losing that race; a PutItem for a forget the batch
 * holds. The eraser makes the same forget with an UpdateItem (`forgetKey`): whichever comes first
 * removes the key.
 */
import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import { backoffDelay, defaultBackoff, sleep, type BackoffOptions } from '../lib/retry';
import { DATA_KEY_BYTES, type LifeKey } from './sealing';

/** BatchGetItem reads at most 100 keys a call. */
const BATCH_GET_LIMIT = 100;

export interface MarkKey extends LifeKey {
  mark: string;
}

export interface Keyring {
  /** The key items of the marks (a mark without one: erasedBelow 0, no key). */
  load(marks: readonly string[]): Promise<Map<string, MarkKey>>;
  /** A key for the mark's current life: a new one, or the one a concurrent writer made; re-read when the life changed. */
  create(current: MarkKey): Promise<MarkKey>;
  /** Forgets the mark's versions below `version` (removes its key) unless a forget at or after it already did; the item as it is now. */
  forget(mark: string, version: number): Promise<MarkKey>;
}

const isConditionFailure = (err: unknown) => err instanceof ConditionalCheckFailedException || (err as { name?: string }).name === 'ConditionalCheckFailedException';

function toMarkKey(mark: string, item: Record<string, AttributeValue> | undefined): MarkKey {
  const erasedBelow = item?.erasedBelow?.N ? Number(item.erasedBelow.N) : 0;
  const dataKey = item?.dataKey?.B;
  return dataKey ? { mark, erasedBelow, dataKey } : { mark, erasedBelow };
}

const NAMES = { '#m': 'mark', '#k': 'dataKey', '#e': 'erasedBelow' };

export function createKeyring(options: { dynamodb: Pick<DynamoDBClient, 'send'>; table: string; backoff?: BackoffOptions }): Keyring {
  const { dynamodb, table } = options;
  const backoff = options.backoff ?? defaultBackoff;

  async function get(mark: string): Promise<MarkKey> {
    const { Item } = await dynamodb.send(new GetItemCommand({ TableName: table, Key: { mark: { S: mark } }, ConsistentRead: true }));
    return toMarkKey(mark, Item);
  }

  return {
    async load(marks) {
      const found = new Map<string, MarkKey>();
      for (let i = 0; i < marks.length; i += BATCH_GET_LIMIT) {
        let keys: Record<string, AttributeValue>[] = marks.slice(i, i + BATCH_GET_LIMIT).map((mark) => ({ mark: { S: mark } }));
        for (let attempt = 0; keys.length; attempt++) {
          if (attempt > 0) {
            if (attempt >= backoff.maxAttempts) throw new Error(`BatchGetItem left ${keys.length} keys unprocessed in ${table} after ${backoff.maxAttempts} attempts`);
            // Unprocessed keys mean throttling: back off before asking again.
            await sleep(backoffDelay(attempt - 1, backoff));
          }
          const response = await dynamodb.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true } } }));
          for (const item of response.Responses?.[table] ?? []) found.set(item.mark.S!, toMarkKey(item.mark.S!, item));
          keys = response.UnprocessedKeys?.[table]?.Keys ?? [];
        }
      }
      return new Map(marks.map((mark) => [mark, found.get(mark) ?? { mark, erasedBelow: 0 }]));
    },

    async create(current) {
      const dataKey = randomBytes(DATA_KEY_BYTES);
      try {
        await dynamodb.send(
          new PutItemCommand({
            TableName: table,
            Item: { mark: { S: current.mark }, erasedBelow: { N: String(current.erasedBelow) }, dataKey: { B: dataKey } },
            // only for the life we read: no key yet, and no forget since
            ConditionExpression: 'attribute_not_exists(#k) AND (attribute_not_exists(#e) OR #e = :e)',
            ExpressionAttributeNames: { '#k': NAMES['#k'], '#e': NAMES['#e'] },
            ExpressionAttributeValues: { ':e': { N: String(current.erasedBelow) } },
          }),
        );
        return { mark: current.mark, erasedBelow: current.erasedBelow, dataKey };
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        // another invocation made the key first, or a forget came in between: take what is there
        return get(current.mark);
      }
    },

    async forget(mark, version) {
      try {
        await dynamodb.send(
          new PutItemCommand({
            TableName: table,
            Item: { mark: { S: mark }, erasedBelow: { N: String(version) } },
            ConditionExpression: 'attribute_not_exists(#e) OR #e < :e',
            ExpressionAttributeNames: { '#e': NAMES['#e'] },
            ExpressionAttributeValues: { ':e': { N: String(version) } },
          }),
        );
        return { mark, erasedBelow: version };
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        return get(mark);
      }
    },
  };
}

/**
 * The eraser's half of a forget at `version`: erasedBelow = version and no key, unless a forget at or after
 * `version` is already recorded (then its key, if any, belongs to a later life and stays).
 * Returns whether this call removed the key.
 */
export async function forgetKey(dynamodb: Pick<DynamoDBClient, 'send'>, table: string, mark: string, version: number): Promise<boolean> {
  try {
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { mark: { S: mark } },
        UpdateExpression: 'SET #e = :e REMOVE #k',
        ConditionExpression: 'attribute_not_exists(#e) OR #e < :e',
        ExpressionAttributeNames: { '#e': NAMES['#e'], '#k': NAMES['#k'] },
        ExpressionAttributeValues: { ':e': { N: String(version) } },
      }),
    );
    return true;
  } catch (err) {
    if (isConditionFailure(err)) return false;
    throw err;
  }
}
