/**
 * The record every downstream consumer sees: one appended event, as the relay puts it on the
 * Kinesis stream and the archive stores it. Absent optional fields are omitted, so the record
 * equals the MarkEvents item it came from, less `commandHash`: that is the API's idempotency check
 * (resolvers/lib/idempotency.ts), a hash of input that holds personal data, and no consumer's business.
 */
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { schemaVersionOf, upcast, type StoredEvent } from '../../resolvers/lib/upcast';

/** A stored event (resolvers/lib/upcast.ts), upcast: `schemaVersion` the current one, `data` in its shape. */
export interface MarkEventRecord extends Omit<StoredEvent, 'schemaVersion' | 'data'> {
  schemaVersion: number;
  data: Record<string, unknown>;
}

/** The tombstone event: the mark's personal data must go everywhere (eraser, archive). */
export const MARK_FORGOTTEN = 'MARK_FORGOTTEN';

export type Parsed = { ok: true; event: MarkEventRecord } | { ok: false; reason: string };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks the shape of an event and rebuilds it with exactly our fields, in a fixed order. */
export function toMarkEventRecord(value: unknown): Parsed {
  if (!isObject(value)) return { ok: false, reason: 'not an object' };
  const { mark, version, type, recordedAt, eventTime, commandId, data } = value;
  if (typeof mark !== 'string' || mark.length === 0) return { ok: false, reason: 'mark is not a non-empty string' };
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    return { ok: false, reason: 'version is not a positive integer' };
  }
  if (typeof type !== 'string' || !/^[A-Z][A-Z_]*$/.test(type)) return { ok: false, reason: 'type is not an event type' };
  if (typeof recordedAt !== 'string') return { ok: false, reason: 'recordedAt is not a string' };
  if (eventTime !== undefined && eventTime !== null && typeof eventTime !== 'string') {
    return { ok: false, reason: 'eventTime is not a string' };
  }
  if (commandId !== undefined && commandId !== null && typeof commandId !== 'string') {
    return { ok: false, reason: 'commandId is not a string' };
  }
  if (data !== undefined && !isObject(data)) return { ok: false, reason: 'data is not an object' };
  // Built field by field so that the JSON keys keep the documented order.
  const event = { mark, version, type, recordedAt } as MarkEventRecord;
  if (typeof eventTime === 'string') event.eventTime = eventTime;
  if (typeof commandId === 'string') event.commandId = commandId;
  event.schemaVersion = schemaVersionOf(value);
  event.data = (data as Record<string, unknown> | undefined) ?? {};
  // Consumers read every event in its current shape, as the resolvers do. A type or shape this
  // release does not know still travels, as stored: dropping it would lose an event.
  const current = upcast(event as StoredEvent);
  if (current.ok) {
    event.schemaVersion = current.event.schemaVersion!;
    event.data = current.event.data as Record<string, unknown>;
  }
  return { ok: true, event };
}

/** A MarkEvents stream image (DynamoDB JSON) as an event record, if it is one of ours. */
export function fromStreamImage(image: Record<string, unknown> | undefined): Parsed {
  if (!image) return { ok: false, reason: 'no NewImage (is the stream view type NEW_IMAGE?)' };
  let item: Record<string, unknown>;
  try {
    item = unmarshall(image as Record<string, AttributeValue>);
  } catch (err) {
    return { ok: false, reason: `not DynamoDB JSON: ${(err as Error).message}` };
  }
  return toMarkEventRecord(item);
}

/** A Kinesis record's payload (base64 in the Lambda event) as an event record, if it is one. */
export function fromKinesisData(base64: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  return toMarkEventRecord(value);
}
