/**
 * Issue 10, defects 3 and 7: after a forget, history before historyStartsAt is erased for every
 * read path — the retry lookup (loadCommandEvent), listMarkEvents (with and without an older
 * nextToken), getMarkAt by version and by time, subscriptions — whether or not the eraser has run;
 * and replay keeps working across the eraser for a forget at every position relative to
 * SNAPSHOT_INTERVAL. The eraser is the real handler, invoked with the tombstone's stream record as
 * its event source mapping would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEraserHandler } from '../functions/eraser/eraser';
import { connectRealtime, type RealtimeClient } from 'appsync-local';
import { SNAPSHOT_INTERVAL } from '../resolvers/lib/mark';
import { toGraphQLMark } from '../resolvers/lib/output';
import { replayFromReads } from '../resolvers/lib/replay';
import { fold, type MarkState } from '../resolvers/lib/state';
import { released } from './support/given';
import { insertRecord } from './support/pipeline-fixtures';
import { startTestStack, type TestStack } from './support/stack';
import { OPEN_EVENT_FIELDS, command, entitlementInput, freshMark, getMarkAt, listMarkEvents, ok, storedEvents, withoutNulls } from './support/marks';

let stack: TestStack;
const clients: RealtimeClient[] = [];
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

beforeAll(async () => {
  stack = await startTestStack({ label: 'markerase' });
});

afterAll(async () => {
  for (const client of clients) await client.close().catch(() => undefined);
  await stack?.stop();
});

async function runEraser(mark: string, version: number): Promise<void> {
  const tombstone = (await storedEvents(stack, mark)).find((e) => e.version === version);
  expect(tombstone?.type).toBe('MARK_FORGOTTEN');
  const eraser = createEraserHandler({
    dynamodb: stack.dynamodb,
    eventsTable: stack.env.MARK_EVENTS_TABLE,
    snapshotsTable: stack.env.MARK_SNAPSHOTS_TABLE,
    archiveKeysTable: stack.env.MARK_ARCHIVE_KEYS_TABLE,
    logger: quiet,
  });
  expect(await eraser({ Records: [insertRecord(tombstone!)] })).toEqual({ batchItemFailures: [] });
}

const SECRET = { addLine1: '7 Secret Lane', postTown: 'Hiddenville', postcode: 'SW1A 1AA' };

describe('defect 3: erased history stays erased on every read path', () => {
  it('retries, listMarkEvents, getMarkAt and subscribers never hand back an event before historyStartsAt', async () => {
    const mark = freshMark('E');
    const subscriber = await connectRealtime({ url: stack.realtimeUrl, apiKey: stack.apiKey, authorization: { Authorization: await stack.token('staff') } });
    clients.push(subscriber);
    await subscriber.init();
    expect(await subscriber.start('s', `subscription($mark: ID) { onMarkEvent(mark: $mark) { ${OPEN_EVENT_FIELDS} } }`, { mark })).toMatchObject({ type: 'start_ack' });

    await ok(stack, 'createEntitlement', entitlementInput(mark));
    const moved = await ok(stack, 'changeAddress', { mark, expectedVersion: 1, commandId: 'c', address: SECRET });
    const earlyPage = await listMarkEvents(stack, mark, { limit: 1 });
    expect(earlyPage.data?.nextToken).toBeTruthy();
    await ok(stack, 'forgetMark', { mark, expectedVersion: 2 });

    // the retry path: the very same command, and every other one with its commandId, while forgotten
    const retry = await command(stack, 'changeAddress', { mark, expectedVersion: 1, commandId: 'c', address: SECRET });
    expect(retry.data).toBeNull();
    expect(retry.error).toMatchObject({ errorType: 'MarkNotFound', errorInfo: { mark } });
    const extra: Record<string, Record<string, unknown>> = { changeNominee: { nomineeName: 'N' }, extendEntitlement: { expiryTime: '2031-01-01T00:00:00Z' } };
    for (const name of ['changeNominee', 'lockMark', 'unlockMark', 'issueDuplicateCertificate', 'extendEntitlement', 'forgetMark']) {
      const outcome = await command(stack, name, { mark, expectedVersion: 1, commandId: 'c', ...extra[name] });
      expect(outcome.error?.errorType, `${name} ${JSON.stringify(outcome)}`).toBe('MarkNotFound');
    }
    // ... and once the mark lives again
    await ok(stack, 'releaseMark', { mark, price: 5 });
    const reborn = await command(stack, 'changeAddress', { mark, expectedVersion: 1, commandId: 'c', address: SECRET });
    expect(reborn.error).toMatchObject({ errorType: 'ConcurrentModification', errorInfo: { expectedVersion: 1, actualVersion: 4 } });

    // listMarkEvents, from the start and from a token handed out before the forget
    expect((await listMarkEvents(stack, mark)).data?.items.map((e) => e.version)).toEqual([3, 4]);
    expect((await listMarkEvents(stack, mark, { fromVersion: 1 })).data?.items.map((e) => e.version)).toEqual([3, 4]);
    const resumed = await listMarkEvents(stack, mark, { limit: 1, nextToken: earlyPage.data!.nextToken! });
    if (resumed.error) expect(resumed.error).toMatchObject({ errorType: 'ValidationError', errorInfo: { errors: [{ field: 'nextToken' }] } });
    else expect(resumed.data!.items.every((e) => e.version >= 3)).toBe(true);

    // getMarkAt by version and by time
    for (const version of [1, 2, 3]) expect((await getMarkAt(stack, mark, undefined, version)).data, `version ${version}`).toBeNull();
    expect((await getMarkAt(stack, mark, moved.recordedAt)).data).toBeNull();

    // subscribers heard versions 1..4 once each, and nothing erased after the forget
    await expect.poll(() => subscriber.data('s').length, { timeout: 10_000 }).toBeGreaterThanOrEqual(4);
    const heard = subscriber.data('s').map((p) => (p as { data: { onMarkEvent: { version: number; type: string; data: string } } }).data.onMarkEvent);
    expect(heard.map((e) => e.version)).toEqual([1, 2, 3, 4]);
    const afterForget = heard.slice(heard.findIndex((e) => e.type === 'MARK_FORGOTTEN'));
    expect(JSON.stringify(afterForget)).not.toContain('Secret Lane');

    // the same after the eraser has run
    await runEraser(mark, 3);
    expect((await storedEvents(stack, mark)).map((e) => e.version)).toEqual([3, 4]);
    expect((await command(stack, 'changeAddress', { mark, expectedVersion: 1, commandId: 'c', address: SECRET })).error?.errorType).toBe('ConcurrentModification');
    expect((await listMarkEvents(stack, mark)).data?.items.map((e) => e.version)).toEqual([3, 4]);
  });
});

/**
 * Forget positions: every residue modulo SNAPSHOT_INTERVAL (2..11), and the second interval's
 * edges (19, 20, 21). After the forget the mark lives again past the next snapshot version.
 */
const FORGET_AT = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 2 * SNAPSHOT_INTERVAL - 1, 2 * SNAPSHOT_INTERVAL, 2 * SNAPSHOT_INTERVAL + 1];

async function lifeWithForgetAt(forgetAt: number): Promise<{ mark: string; last: number; times: Map<number, string> }> {
  const mark = freshMark('F');
  await ok(stack, 'createEntitlement', entitlementInput(mark));
  for (let version = 1; version < forgetAt - 1; version += 1) {
    await ok(stack, 'changeNominee', { mark, expectedVersion: version, nomineeName: `Nominee ${version + 1}` });
  }
  await ok(stack, 'forgetMark', { mark, expectedVersion: forgetAt - 1 });
  await ok(stack, 'releaseMark', { mark, price: 10 });
  const last = (Math.floor(forgetAt / SNAPSHOT_INTERVAL) + 1) * SNAPSHOT_INTERVAL + 1;
  for (let version = forgetAt + 1; version < last; version += 1) {
    await ok(stack, (version - forgetAt) % 2 === 1 ? 'lockMark' : 'unlockMark', { mark, expectedVersion: version });
  }
  // when each version was recorded, read before the eraser deletes the history
  const times = new Map((await storedEvents(stack, mark)).map((e) => [e.version, e.recordedAt]));
  return { mark, last, times };
}

/**
 * getMarkAt of every version, by version and by the time it was recorded: null up to the forget,
 * the fold of the events from the tombstone after it. By time, a replay starts from the last
 * snapshot recorded by then, the forget's own among them (resolvers/lib/replay.ts).
 */
async function replayProblems(mark: string, forgetAt: number, last: number, times: Map<number, string>): Promise<string[]> {
  const events = (await storedEvents(stack, mark)).filter((e) => e.version >= forgetAt);
  const problems: string[] = [];
  for (let version = 1; version <= last; version += 1) {
    const expected = version <= forgetAt ? null : toGraphQLMark(fold(events.filter((e) => e.version <= version)));
    for (const [how, replayed] of [
      ['version', await getMarkAt(stack, mark, undefined, version)],
      ['time', await getMarkAt(stack, mark, times.get(version))],
    ] as const) {
      if (replayed.errors.length > 0) problems.push(`forget at ${forgetAt}, ${how} of version ${version}: ${replayed.errors[0].errorType} ${replayed.errors[0].message}`);
      else if (JSON.stringify(withoutNulls(replayed.data)) !== JSON.stringify(withoutNulls(expected))) problems.push(`forget at ${forgetAt}, ${how} of version ${version}: ${JSON.stringify(replayed.data)}`);
    }
  }
  return problems;
}

describe('defect 7: replay after a forget at every position relative to SNAPSHOT_INTERVAL', () => {
  it('answers every version before and after the eraser has run', { timeout: 600_000 }, async () => {
    const lives = await Promise.all(FORGET_AT.map(async (forgetAt) => ({ forgetAt, ...(await lifeWithForgetAt(forgetAt)) })));
    const before = (await Promise.all(lives.map((l) => replayProblems(l.mark, l.forgetAt, l.last, l.times)))).flat();
    expect(before).toEqual([]);
    for (const l of lives) await runEraser(l.mark, l.forgetAt);
    for (const l of lives) expect((await storedEvents(stack, l.mark))[0].version, `forget at ${l.forgetAt}`).toBe(l.forgetAt);
    const after = (await Promise.all(lives.map((l) => replayProblems(l.mark, l.forgetAt, l.last, l.times)))).flat();
    expect(after).toEqual([]);
  });
});

describe('defect 7: a tombstone snapshot an earlier eraser already deleted', () => {
  it('is not needed: the state at the forget is known, so replay after it still answers', () => {
    const I = SNAPSHOT_INTERVAL;
    const reborn = { ...released(I + 1), mark: 'AFC F5' };
    const view: MarkState = { mark: 'AFC F5', version: I + 1, status: 'MARK_AVAILABLE', price: 299, updatedAt: reborn.recordedAt, createdVersion: I + 1, historyStartsAt: I };
    expect(replayFromReads(view, I, null, [])).toEqual({ ok: true, state: null });
    const answer = replayFromReads({ ...view, version: I + 2 }, I + 1, null, [reborn]);
    expect(answer).toEqual({ ok: true, state: expect.objectContaining({ version: I + 1, status: 'MARK_AVAILABLE', historyStartsAt: I }) });
  });
});
