/**
 * getMarkAt across more than two snapshot intervals, through GraphQL: every version and a choice
 * of times replay to the fold of the stored events, and the work stays bounded (snapshots exist,
 * and a replay never needs more than one page of events).
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SNAPSHOT_INTERVAL } from '../resolvers/lib/mark';
import { toGraphQLMark } from '../resolvers/lib/output';
import { fold } from '../resolvers/lib/state';
import { startTestStack, type TestStack } from './support/stack';
import { entitlementInput, getMarkAt, ok, storedEvents, withoutNulls } from './support/marks';

let stack: TestStack;
const MARK = 'LONG 1';
const EVENTS = 2 * SNAPSHOT_INTERVAL + 30;

beforeAll(async () => {
  stack = await startTestStack({ label: 'markreplay' });
  await ok(stack, 'createEntitlement', entitlementInput(MARK));
  for (let version = 1; version < EVENTS; version += 1) {
    await ok(stack, 'changeNominee', { mark: MARK, expectedVersion: version, nomineeName: `Nominee ${version + 1}` });
  }
}, 300_000);

afterAll(async () => {
  await stack?.stop();
});

describe(`getMarkAt over ${EVENTS} events`, () => {
  it('writes a snapshot every SNAPSHOT_INTERVAL versions', async () => {
    const out = await stack.dynamodb.send(new ScanCommand({ TableName: stack.env.MARK_SNAPSHOTS_TABLE, ConsistentRead: true }));
    const multiples = Array.from({ length: Math.floor(EVENTS / SNAPSHOT_INTERVAL) }, (_, i) => (i + 1) * SNAPSHOT_INTERVAL);
    expect((out.Items ?? []).map((i) => Number(i.version.N)).sort((a, b) => a - b)).toEqual(multiples);
  });

  it('replays every version to the fold of the stored events', async () => {
    const events = await storedEvents(stack, MARK);
    expect(events).toHaveLength(EVENTS);
    const I = SNAPSHOT_INTERVAL;
    const versions = [1, 2, I - 1, I, I + 1, 2 * I - 1, 2 * I, 2 * I + 1, 2 * I + 20, EVENTS - 1, EVENTS, EVENTS + 5];
    for (const version of versions) {
      const replayed = await getMarkAt(stack, MARK, undefined, version);
      expect(replayed.errors, `version ${version}`).toEqual([]);
      expect(withoutNulls(replayed.data), `version ${version}`).toEqual(withoutNulls(toGraphQLMark(fold(events.slice(0, version)))));
    }
  });

  it('replays by time: at an event recordedAt, just before it, and combined with a version', async () => {
    const events = await storedEvents(stack, MARK);
    const I = SNAPSHOT_INTERVAL;
    for (const index of [0, I - 1, I, I + 7, 2 * I, EVENTS - 1]) {
      const at = events[index].recordedAt;
      expect((await getMarkAt(stack, MARK, at)).data).toMatchObject({ version: index + 1 });
      const before = new Date(Date.parse(at) - 1).toISOString();
      const expected = index === 0 ? null : toGraphQLMark(fold(events.slice(0, index)));
      expect(withoutNulls((await getMarkAt(stack, MARK, before)).data)).toEqual(withoutNulls(expected));
    }
    // the lower of `at` and `version` wins
    const V = 2 * I + 5;
    expect((await getMarkAt(stack, MARK, events[EVENTS - 5].recordedAt, V)).data).toMatchObject({ version: V, entitlement: { nomineeName: `Nominee ${V}` } });
    expect((await getMarkAt(stack, MARK, events[I].recordedAt, V)).data).toMatchObject({ version: I + 1 });
  });

  it('answers null for an unknown mark', async () => {
    expect((await getMarkAt(stack, 'NONE 1', undefined, 3)).data).toBeNull();
    expect((await getMarkAt(stack, 'NONE 1', new Date().toISOString())).data).toBeNull();
  });
});
