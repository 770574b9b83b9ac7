/**
 * Where and how the archive keeps events: shared by the handler, the local stack and the tests.
 *
 * One object per batch (docs/PIPELINE.md, "The archive"): the batch's events, of however many
 * marks, one archived line per event (JSON Lines, sealing.ts says what a line holds), at
 *
 *   events/dt=<YYYY-MM-DD>/<shard id>/<sequence number of the batch's first record>.jsonl
 *
 * The date is the first record's arrival on the Kinesis stream (UTC), a Hive-style partition so
 * that Athena reads a range of days without listing the rest. Everything in the key comes from
 * the batch's first record, which the stream keeps as it was: a redelivery of the batch from the
 * same record writes the same key, and overwrites itself. A redelivery cut at another record
 * writes another object; an event in two objects is the same line twice, and readers take each
 * (mark, version) once.
 *
 * `eventKey` names one event, (mark, version), for readers that key events one by one (tests,
 * tools): it is not an object key.
 */
import type { KinesisStreamRecord } from 'aws-lambda';

/** Versions are zero-padded in event addresses, so that addresses of one mark sort by version. */
export const VERSION_DIGITS = 10;

export const eventsPrefix = 'events/';

/** The object key of a batch: from its first record's shard, sequence number and arrival day. */
export function batchKey(first: Pick<KinesisStreamRecord, 'eventID'> & { kinesis: Pick<KinesisStreamRecord['kinesis'], 'sequenceNumber' | 'approximateArrivalTimestamp'> }): string {
  // eventID is "<shard id>:<sequence number>" in every Kinesis event Lambda delivers
  const shard = first.eventID.includes(':') ? first.eventID.slice(0, first.eventID.indexOf(':')) : 'shard';
  const day = new Date(first.kinesis.approximateArrivalTimestamp * 1000).toISOString().slice(0, 10);
  return `${eventsPrefix}dt=${day}/${encodeURIComponent(shard)}/${first.kinesis.sequenceNumber}.jsonl`;
}

/** Whether a key is a batch object's (and not some other object in the bucket). */
export function isBatchKey(key: string): boolean {
  return /^events\/dt=\d{4}-\d{2}-\d{2}\/[^/]+\/\d+\.jsonl$/.test(key);
}

/** The prefix of every event address of one mark (see eventKey). */
export function markPrefix(mark: string): string {
  return `${eventsPrefix}${encodeURIComponent(mark)}/`;
}

const padded = (version: number) => String(version).padStart(VERSION_DIGITS, '0');

/** The address of one archived event (not an object key): what readers that list events key them by. */
export function eventKey(mark: string, version: number): string {
  return `${markPrefix(mark)}${padded(version)}`;
}

/** A batch object's body: one JSON document per line. */
export function linesBody(lines: readonly object[]): string {
  return lines.map((line) => `${JSON.stringify(line)}\n`).join('');
}

/** The lines of a batch object's body, in order. */
export function linesOf<T = unknown>(body: string): T[] {
  return body
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as T);
}
