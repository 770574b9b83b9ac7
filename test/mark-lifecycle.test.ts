/**
 * The original mark-api's create request and lifecycle, end to end through GraphQL on the local
 * stack (issue 3, "Done when"): APPSYNC_JS bundles, DynamoDB Local, typed errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './support/stack';
import { ORIGINAL, command, entitlementInput, freshMark, getMark, getMarkAt, listMarkEvents, ok, storedEvents, storedView } from './support/marks';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ label: 'marklifecycle' });
});

afterAll(async () => {
  await stack?.stop();
});

describe("the original's create request", () => {
  it('returns version 1, and MarkAlreadyExists the second time', async () => {
    const first = await ok(stack, 'createEntitlement', ORIGINAL.request);
    expect(first).toMatchObject({ mark: 'AFC F5', version: 1, type: 'ENTITLEMENT_CREATED', eventTime: '2019-11-29T09:26:43.837Z' });
    expect(first.recordedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    // the entitlement is personal data: it comes in personalData (staff asked), never in data
    expect(JSON.parse(first.data)).toEqual({ price: 299, status: 'MARK_SOLD_ISSUE_CERTIFICATE_TO_PURCHASER' });
    expect(JSON.parse(first.personalData!)).toMatchObject({ entitlement: { certificateNo: 'EV56RP259VQP8G423H65', nomineeName: 'Mr John Jones' } });

    const again = await command(stack, 'createEntitlement', ORIGINAL.request);
    expect(again.data).toBeNull();
    expect(again.error).toMatchObject({ errorType: 'MarkAlreadyExists', errorInfo: { mark: 'AFC F5', version: 1 } });
    expect(await storedEvents(stack, 'AFC F5')).toHaveLength(1);

    const view = await getMark(stack, 'afc   f5');
    expect(view.data).toMatchObject({
      mark: 'AFC F5',
      status: 'MARK_SOLD_ISSUE_CERTIFICATE_TO_PURCHASER',
      price: 299,
      version: 1,
      eventTime: '2019-11-29T09:26:43.837Z',
      entitlement: {
        certificateNo: 'EV56RP259VQP8G423H65',
        purchaserName: 'Felicity Jones',
        certificateTime: '2019-11-29T09:26:43.786Z',
        address: { addLine1: '2 My Street', addLine2: 'Redwood', postTown: 'Swansea', postcode: 'SW1 4RT' },
      },
    });
  });
});

describe('the original lifecycle', () => {
  it('create, extend, change address, change nominee, replay by time, forget', async () => {
    const mark = freshMark('L');
    const created = await ok(stack, 'createEntitlement', entitlementInput(mark));
    expect(created.version).toBe(1);
    const extended = await ok(stack, 'extendEntitlement', { mark, expectedVersion: 1, expiryTime: '2029-11-29T00:00:00Z', agreementTime: '2019-12-01T10:00:00+01:00' });
    expect(extended.version).toBe(2);
    const moved = await ok(stack, 'changeAddress', {
      mark,
      expectedVersion: 2,
      address: { addLine1: '5 Your Street', postTown: 'Cardiff', postcode: 'cf10 1aa' },
    });
    expect(moved.version).toBe(3);
    const renamed = await ok(stack, 'changeNominee', { mark, expectedVersion: 3, nomineeName: 'Mrs Jane Jones' });
    expect(renamed.version).toBe(4);

    const then = await getMarkAt(stack, mark, created.recordedAt);
    expect(then.errors).toEqual([]);
    expect(then.data).toMatchObject({ version: 1, entitlement: { nomineeName: 'Mr John Jones', address: { addLine1: '2 My Street', postcode: 'SW1 4RT' } } });
    const now = await getMarkAt(stack, mark, new Date().toISOString());
    expect(now.data).toMatchObject({
      version: 4,
      entitlement: { nomineeName: 'Mrs Jane Jones', expiryTime: '2029-11-29T00:00:00.000Z', agreementTime: '2019-12-01T09:00:00.000Z', address: { addLine1: '5 Your Street', postcode: 'CF10 1AA' } },
    });
    expect((await getMarkAt(stack, mark, undefined, 2)).data).toMatchObject({ version: 2, entitlement: { address: { addLine1: '2 My Street' } } });
    expect((await getMarkAt(stack, mark, '2000-01-01T00:00:00Z')).data).toBeNull();
    expect((await getMark(stack, mark)).data).toEqual((await getMarkAt(stack, mark)).data);

    const forgotten = await ok(stack, 'forgetMark', { mark, expectedVersion: 4 });
    expect(forgotten).toMatchObject({ version: 5, type: 'MARK_FORGOTTEN', data: '{}' });
    expect((await getMark(stack, mark)).data).toBeNull();
    expect(await storedView(stack, mark)).toEqual({ mark, version: 5, forgotten: true, updatedAt: forgotten.recordedAt, historyStartsAt: 5 });
    // the erased history is gone from every query, before the eraser has even run
    expect((await getMarkAt(stack, mark, undefined, 4)).data).toBeNull();
    expect((await getMarkAt(stack, mark, created.recordedAt)).data).toBeNull();
    expect((await listMarkEvents(stack, mark)).data?.items.map((e) => e.type)).toEqual(['MARK_FORGOTTEN']);
    const after = await command(stack, 'changeNominee', { mark, expectedVersion: 5, nomineeName: 'Nobody' });
    expect(after.error).toMatchObject({ errorType: 'MarkNotFound', errorInfo: { mark } });

    // a create on a forgotten mark continues its stream
    const reborn = await ok(stack, 'releaseMark', { mark, price: 1000 });
    expect(reborn.version).toBe(6);
    expect((await getMark(stack, mark)).data).toMatchObject({ status: 'MARK_AVAILABLE', version: 6, entitlement: null });
    expect((await getMarkAt(stack, mark, undefined, 5)).data).toBeNull();
    expect((await listMarkEvents(stack, mark)).data?.items.map((e) => e.version)).toEqual([5, 6]);
  });

  it('locks and unlocks an available mark; refuses to lock a locked or unavailable one', async () => {
    const mark = freshMark('K');
    await ok(stack, 'releaseMark', { mark, price: 250 });
    const locked = await ok(stack, 'lockMark', { mark, expectedVersion: 1 });
    const lockedUntil = JSON.parse(locked.data).lockedUntil as string;
    expect(Date.parse(lockedUntil) - Date.parse(locked.recordedAt)).toBe(10 * 60 * 1000);
    expect((await getMark(stack, mark)).data).toMatchObject({ lockedUntil, version: 2 });

    const again = await command(stack, 'lockMark', { mark, expectedVersion: 2 });
    expect(again.error).toMatchObject({ errorType: 'MarkLocked', errorInfo: { mark, status: 'MARK_AVAILABLE', lockedUntil } });

    await ok(stack, 'unlockMark', { mark, expectedVersion: 2 });
    expect((await getMark(stack, mark)).data).toMatchObject({ lockedUntil: null, version: 3 });
    await ok(stack, 'lockMark', { mark, expectedVersion: 3 });

    const sold = freshMark('S');
    await ok(stack, 'createEntitlement', entitlementInput(sold));
    const refused = await command(stack, 'lockMark', { mark: sold, expectedVersion: 1 });
    expect(refused.error).toMatchObject({ errorType: 'MarkNotAvailable', errorInfo: { mark: sold, status: 'MARK_SOLD_ISSUE_CERTIFICATE_TO_PURCHASER', lockedUntil: null } });
    expect(await storedEvents(stack, sold)).toHaveLength(1);
  });

  it('issues a duplicate certificate with a server-generated number', async () => {
    const mark = freshMark('D');
    await ok(stack, 'createEntitlement', entitlementInput(mark));
    const issued = await ok(stack, 'issueDuplicateCertificate', { mark, expectedVersion: 1 });
    const { certificateTime } = JSON.parse(issued.data) as { certificateTime: string };
    const { certificateNo } = JSON.parse(issued.personalData!) as { certificateNo: string };
    expect(certificateNo).toMatch(/^[A-Z0-9]{20}$/);
    expect(certificateNo).not.toBe('EV56RP259VQP8G423H65');
    expect(certificateTime).toBe(issued.recordedAt);
    expect((await getMark(stack, mark)).data).toMatchObject({ entitlement: { certificateNo, certificateTime } });
  });

  it('answers a retry with the same commandId with the stored event, for creates and updates', async () => {
    const mark = freshMark('R');
    const created = await ok(stack, 'releaseMark', { mark, price: 10, commandId: 'create-1' });
    expect(await ok(stack, 'releaseMark', { mark, price: 10, commandId: 'create-1' })).toEqual(created);
    const other = await command(stack, 'releaseMark', { mark, price: 10, commandId: 'create-2' });
    expect(other.error?.errorType).toBe('MarkAlreadyExists');

    const locked = await ok(stack, 'lockMark', { mark, expectedVersion: 1, commandId: 'lock-1' });
    await ok(stack, 'unlockMark', { mark, expectedVersion: 2 });
    expect(await ok(stack, 'lockMark', { mark, expectedVersion: 1, commandId: 'lock-1' })).toEqual(locked);
    const stale = await command(stack, 'lockMark', { mark, expectedVersion: 1, commandId: 'lock-2' });
    expect(stale.error).toMatchObject({ errorType: 'ConcurrentModification', errorInfo: { expectedVersion: 1, actualVersion: 3 } });
    expect((await storedEvents(stack, mark)).map((e) => e.version)).toEqual([1, 2, 3]);
  });

  it('lists marks by status without forgotten ones, and events page by page', async () => {
    const marks = [freshMark('A'), freshMark('A'), freshMark('A')];
    for (const mark of marks) await ok(stack, 'releaseMark', { mark, price: 5 });
    await ok(stack, 'forgetMark', { mark: marks[2], expectedVersion: 1 });
    const listed = await query(stack, 'query { listMarks(status: MARK_AVAILABLE, limit: 100) { items { mark status } nextToken } }');
    const names = (listed.data as { items: { mark: string }[] }).items.map((m) => m.mark);
    expect(names).toEqual(expect.arrayContaining(marks.slice(0, 2)));
    expect(names).not.toContain(marks[2]);
    const scanned = await query(stack, 'query { listMarks(limit: 100) { items { mark } } }');
    expect((scanned.data as { items: { mark: string }[] }).items.map((m) => m.mark)).not.toContain(marks[2]);

    const mark = marks[0];
    await ok(stack, 'lockMark', { mark, expectedVersion: 1 });
    await ok(stack, 'unlockMark', { mark, expectedVersion: 2 });
    const page1 = await listMarkEvents(stack, mark, { limit: 2 });
    expect(page1.data?.items.map((e) => e.version)).toEqual([1, 2]);
    expect(page1.data?.nextToken).toBeTruthy();
    const page2 = await listMarkEvents(stack, mark, { limit: 2, nextToken: page1.data!.nextToken! });
    expect(page2.data?.items.map((e) => e.version)).toEqual([3]);
    expect((await listMarkEvents(stack, mark, { fromVersion: 2 })).data?.items.map((e) => e.type)).toEqual(['MARK_LOCKED', 'MARK_UNLOCKED']);
  });
});

function query(s: TestStack, document: string) {
  return s.gql(document, undefined, { as: 'staff' }).then((res) => ({ data: Object.values(res.body.data ?? {})[0], errors: res.body.errors ?? [] }));
}
