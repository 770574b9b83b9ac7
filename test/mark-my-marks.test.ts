/**
 * listMyMarks (issue 27, "a purchaser cannot find what they bought") through the local endpoint,
 * as each role with real credentials: a purchaser lists the marks they own, with their own
 * entitlement, paged; the owner comes from the sign-in and never from an argument; staff (and an
 * IAM service, which owns nothing and so must name one) ask for a given purchaser's marks; the API
 * key reaches none of it; a mark that changes hands or is forgotten leaves its owner's list.
 * The units the query and the index cost are pinned in test/capacity.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MARK_FIELDS, freshMark, ok, query, storedView } from './support/marks';
import { startTestStack, type Identity, type TestStack } from './support/stack';

let stack: TestStack;
let subA: string;
let subB: string;

const A_BUYS = { purchaserName: 'Angharad Aalto', nomineeName: 'Mr Aled Aalto', address: { addLine1: '11 Alder Close', postTown: 'Aberaeron', postcode: 'SA46 0AA' } };
const B_BUYS = { purchaserName: 'Bethan Bryn', address: { addLine1: '22 Birch Lane', postTown: 'Bala', postcode: 'LL23 7BB' } };
const aMarks = [freshMark('MY'), freshMark('MY'), freshMark('MY')].sort();
const bMark = freshMark('MY');

const LIST = `query L($owner: ID, $limit: Int, $nextToken: String) {
  listMyMarks(owner: $owner, limit: $limit, nextToken: $nextToken) {
    items { ${MARK_FIELDS} entitlement { purchaserName nomineeName address { addLine1 postTown postcode } } }
    nextToken
  }
}`;

interface Listed {
  items: { mark: string; status: string; entitlement: { purchaserName: string } | null }[];
  nextToken: string | null;
}

const list = (as: Identity, variables: Record<string, unknown> = {}) => query<Listed>(stack, LIST, variables, as);

async function buy(mark: string, as: Identity, entitlement: Record<string, unknown>) {
  await ok(stack, 'releaseMark', { mark, price: 18503 });
  return ok(stack, 'purchaseMark', { mark, expectedVersion: 1, entitlement }, as);
}

beforeAll(async () => {
  stack = await startTestStack({ label: 'mymarks' });
  [subA, subB] = await Promise.all([stack.sub('purchaserA'), stack.sub('purchaserB')]);
  for (const mark of aMarks) await buy(mark, 'purchaserA', A_BUYS);
  await buy(bMark, 'purchaserB', B_BUYS);
  // released and never sold: it has no owner, so no entry in byOwner
  await ok(stack, 'releaseMark', { mark: freshMark('MY'), price: 1 });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('listMyMarks', () => {
  it("lists the caller's own marks with their own entitlement, and no one else's", async () => {
    const a = await list('purchaserA');
    expect(a.errors).toEqual([]);
    expect(a.data!.items.map((item) => item.mark)).toEqual(aMarks);
    for (const item of a.data!.items) expect(item).toMatchObject({ status: 'MARK_SOLD_ISSUE_CERTIFICATE_TO_PURCHASER', entitlement: { purchaserName: A_BUYS.purchaserName } });
    const b = await list('purchaserB');
    expect(b.data!.items.map((item) => item.mark)).toEqual([bMark]);
    expect(JSON.stringify(b)).not.toContain(A_BUYS.purchaserName);
    // a signed-in user who owns nothing: an empty page, not an error
    expect((await list('dataProtection')).data).toEqual({ items: [], nextToken: null });
  });

  it('pages with limit and nextToken', async () => {
    const first = await list('purchaserA', { limit: 2 });
    expect(first.data!.items).toHaveLength(2);
    expect(first.data!.nextToken).toEqual(expect.any(String));
    const rest = await list('purchaserA', { limit: 2, nextToken: first.data!.nextToken });
    expect([...first.data!.items, ...rest.data!.items].map((item) => item.mark)).toEqual(aMarks);
    expect((await list('purchaserA', { limit: 0 })).error).toMatchObject({ errorType: 'ValidationError', errorInfo: { errors: [{ field: 'limit' }] } });
    expect((await list('purchaserA', { nextToken: 'not-a-token' })).error).toMatchObject({ errorType: 'ValidationError', errorInfo: { errors: [{ field: 'nextToken' }] } });
  });

  it("refuses a purchaser who names another owner, and the API key; staff and IAM name a purchaser", async () => {
    const prying = await list('purchaserA', { owner: subB });
    expect(prying.error).toMatchObject({ errorType: 'Unauthorized' });
    expect(prying.data).toBeNull();
    expect(JSON.stringify(prying)).not.toContain(B_BUYS.purchaserName);
    // even their own sub: the owner argument is staff's; a purchaser's list is their sign-in's
    expect((await list('purchaserA', { owner: subA })).error).toMatchObject({ errorType: 'Unauthorized' });
    expect((await list('apiKey')).errors[0]!.message).toContain('Not Authorized to access listMyMarks on type Query');

    const asStaff = await list('staff', { owner: subB });
    expect(asStaff.data!.items).toMatchObject([{ mark: bMark, entitlement: { purchaserName: B_BUYS.purchaserName } }]);
    // staff own nothing themselves
    expect((await list('staff')).data!.items).toEqual([]);
    expect((await list('iam', { owner: subA })).data!.items.map((item) => item.mark)).toEqual(aMarks);
    // an IAM caller has no sub: it owns nothing, and is told so rather than given an empty list
    expect((await list('iam')).error).toMatchObject({ errorType: 'Unauthorized' });
  });

  it('drops a mark from its owner’s list when it is forgotten, and the index entry with it', async () => {
    const [gone] = aMarks;
    const view = await storedView(stack, gone!);
    await ok(stack, 'forgetMark', { mark: gone, expectedVersion: view!.version }, 'dataProtection');
    expect((await list('purchaserA')).data!.items.map((item) => item.mark)).toEqual(aMarks.slice(1));
    // the tombstone has no owner, so the sparse index holds nothing for it
    expect(await storedView(stack, gone!)).not.toHaveProperty('owner');
  });

  it('says whether the lock is the caller’s own (Mark.lockedByYou), never whose it is', async () => {
    const mark = freshMark('MY');
    await ok(stack, 'releaseMark', { mark, price: 5 });
    await ok(stack, 'lockMark', { mark, expectedVersion: 1 }, 'purchaserA');
    const read = async (as: Identity) => (await query<{ lockedUntil: string | null; lockedByYou: boolean }>(stack, 'query Q($mark: ID!) { getMark(mark: $mark) { lockedUntil lockedByYou } }', { mark }, as)).data;
    expect(await read('purchaserA')).toEqual({ lockedUntil: expect.any(String), lockedByYou: true });
    for (const other of ['purchaserB', 'staff', 'apiKey'] as const) expect(await read(other), other).toMatchObject({ lockedByYou: false });
    const listed = await query<{ items: { mark: string; lockedByYou: boolean }[] }>(stack, 'query { listMarks(status: MARK_AVAILABLE, limit: 100) { items { mark lockedByYou } } }', {}, 'purchaserA');
    expect(listed.data!.items.find((item) => item.mark === mark)).toEqual({ mark, lockedByYou: true });
  });
});
