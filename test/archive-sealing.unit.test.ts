/**
 * The archive's layout and sealing, as pure functions (functions/archive/keys.ts, sealing.ts):
 * what a batch's key is made of, what a line keeps in clear and what it seals, and that a box
 * opens with its own life's key at its own line only. The handler against s3rver and DynamoDB
 * Local is test/pipeline-handlers.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { batchKey, eventKey, isBatchKey, linesBody, linesOf, markPrefix } from '../functions/archive/keys';
import { needsKey, openLine, sealEvent, tryOpen, type ArchivedLine } from '../functions/archive/sealing';
import { forgotten, markEvents, personalStrings } from './support/pipeline-fixtures';

const record = (sequenceNumber: string, seconds: number, shard = 'shardId-000000000003') => ({
  eventID: `${shard}:${sequenceNumber}`,
  kinesis: { sequenceNumber, approximateArrivalTimestamp: seconds },
});

describe('batch keys', () => {
  it('come from the first record alone: its shard, sequence number and arrival day (UTC), so a redelivery from it writes the same key', () => {
    const key = batchKey(record('49590338271490256608559692538361571095921575989136588898', Date.UTC(2026, 11, 6, 23, 59, 59) / 1000));
    expect(key).toBe('events/dt=2026-12-06/shardId-000000000003/49590338271490256608559692538361571095921575989136588898.jsonl');
    expect(isBatchKey(key)).toBe(true);
    expect(batchKey(record('1', Date.UTC(2026, 11, 7) / 1000))).toBe('events/dt=2026-12-07/shardId-000000000003/1.jsonl');
    expect(isBatchKey('erasures/AFC%20F5.json')).toBe(false);
  });

  it('event addresses sort by version within a mark and are not object keys', () => {
    expect(eventKey('Q/1 ?&', 7)).toBe('events/Q%2F1%20%3F%26/0000000007');
    expect(eventKey('A', 9) < eventKey('A', 10)).toBe(true);
    expect(eventKey('A', 1).startsWith(markPrefix('A'))).toBe(true);
    expect(isBatchKey(eventKey('A', 1))).toBe(false);
  });

  it('a body is JSON Lines, read back in order', () => {
    const lines = [{ a: 1 }, { b: '2\n3' }];
    expect(linesBody(lines)).toBe('{"a":1}\n{"b":"2\\n3"}\n');
    expect(linesOf(linesBody(lines))).toEqual(lines);
  });
});

describe('sealing', () => {
  const life = { erasedBelow: 0, dataKey: randomBytes(32) };
  const [created, address, nominee] = markEvents('SEAL 2', 1, 3);

  it('keeps the open fields and times in clear and seals the personal data and commandId', () => {
    const line = sealEvent(created, life);
    expect(line).toMatchObject({ mark: 'SEAL 2', version: 1, type: 'ENTITLEMENT_CREATED', recordedAt: created.recordedAt, eventTime: created.eventTime, schemaVersion: 1, life: 0 });
    expect(line.data).toEqual({ status: 'ENTITLEMENT_ASSIGNED', price: 250 });
    const text = JSON.stringify([line, sealEvent(address, life), sealEvent(nominee, life)]);
    for (const secret of [...personalStrings('SEAL 2'), created.commandId!]) expect(text).not.toContain(secret);
    for (const event of [created, address, nominee]) expect(openLine(sealEvent(event, life), life)).toEqual({ readable: true, event });
  });

  it('a box opens only with its key, at its own mark, version and life', () => {
    const line = sealEvent(address, life);
    expect(tryOpen(line, randomBytes(32))).toBeUndefined();
    for (const moved of [{ ...line, version: 3 }, { ...line, mark: 'SEAL 3' }, { ...line, life: 1 }] as ArchivedLine[]) {
      expect(tryOpen(moved, life.dataKey)).toBeUndefined();
    }
    expect(openLine(line, { erasedBelow: 0 })).toMatchObject({ readable: false, reason: 'no key' });
    expect(openLine(line, { erasedBelow: 0, dataKey: randomBytes(32) })).toMatchObject({ readable: false, reason: 'wrong key' });
    // the IV is random: the same event sealed twice gives two different boxes
    expect(sealEvent(address, life).sealed).not.toBe(line.sealed);
  });

  it('writes an event of a forgotten life without its personal data, and needs no key for it or for an event with nothing to seal', () => {
    const next = { erasedBelow: 4 };
    expect(needsKey(nominee, next)).toBe(false);
    const line = sealEvent(nominee, next);
    expect(line).toEqual({ mark: 'SEAL 2', version: 3, type: 'NOMINEE_CHANGED', recordedAt: nominee.recordedAt, schemaVersion: 1, data: {}, life: 4, erased: true });
    expect(openLine(line, { ...next, dataKey: randomBytes(32) })).toMatchObject({ readable: false, reason: 'erased' });
    // the tombstone begins the next life; without a commandId it has nothing to seal
    const tombstone = forgotten('SEAL 2', 4);
    expect(needsKey(tombstone, next)).toBe(false);
    expect(openLine(sealEvent(tombstone, next), undefined)).toEqual({ readable: true, event: tombstone });
    expect(needsKey({ ...tombstone, commandId: 'forget-1' }, next)).toBe(true);
    expect(() => sealEvent({ ...tombstone, commandId: 'forget-1' }, next)).toThrow(/no data key/);
  });
});
