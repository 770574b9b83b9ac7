/**
 * Every input rule of issue 3 (Build 4) through GraphQL on the local stack: the bad input gets a
 * ValidationError naming each offending field, and nothing is written to any table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './support/stack';
import { ORIGINAL, command, entitlementInput, ok, query, tableCounts } from './support/marks';

let stack: TestStack;
const EXISTING = 'VAL 1';

beforeAll(async () => {
  stack = await startTestStack({ label: 'markvalidation' });
  await ok(stack, 'createEntitlement', entitlementInput(EXISTING, { entitlement: { ...ORIGINAL.request.entitlement, expiryTime: '2030-01-01T00:00:00Z' } }));
});

afterAll(async () => {
  await stack?.stop();
});

/** Sends a bad mutation: it must fail with a ValidationError on exactly these fields and write nothing. */
async function refused(name: string, input: Record<string, unknown>, fields: string[]) {
  const before = await tableCounts(stack);
  const outcome = await command(stack, name, input);
  expect(outcome.data).toBeNull();
  expect(outcome.error?.errorType, JSON.stringify(outcome.errors)).toBe('ValidationError');
  expect((outcome.error?.errorInfo?.errors as { field: string }[]).map((e) => e.field)).toEqual(fields);
  expect(await tableCounts(stack)).toEqual(before);
  return outcome.error!;
}

const entitlementWith = (changes: Record<string, unknown>) => entitlementInput('NEW 1', { entitlement: { ...ORIGINAL.request.entitlement, ...changes } });
const addressWith = (changes: Record<string, unknown>) => ({ mark: EXISTING, expectedVersion: 1, address: { ...ORIGINAL.request.entitlement.address as object, ...changes } });

describe('mark', () => {
  it('is 1 to 7 letters or digits with at most one space, after canonicalisation', async () => {
    for (const mark of ['', 'ABCDEFGH', 'AB CD EF', 'AB-12', 'AB\t12']) await refused('releaseMark', { mark, price: 1 }, ['input.mark']);
    const created = await ok(stack, 'releaseMark', { mark: '  ab   12 ', price: 1 });
    expect(created.mark).toBe('AB 12');
  });
  it('is checked and canonicalised by queries too', async () => {
    const bad = await query(stack, 'query { getMark(mark: "AB-12") { mark } }', {});
    expect(bad.error).toMatchObject({ errorType: 'ValidationError', errorInfo: { errors: [{ field: 'mark' }] } });
    const good = await query<{ mark: string }>(stack, 'query { getMark(mark: " ab  12") { mark } }', {});
    expect(good.data).toEqual({ mark: 'AB 12' });
  });
});

describe('price', () => {
  it('is an integer from 0 to 10,000,000', async () => {
    await refused('releaseMark', { mark: 'PR 1', price: -1 }, ['input.price']);
    await refused('releaseMark', { mark: 'PR 1', price: 10_000_001 }, ['input.price']);
    await refused('createEntitlement', entitlementInput('PR 2', { price: -5 }), ['input.price']);
  });
});

describe('names and address lines', () => {
  it('are 1 to 100 characters', async () => {
    await refused('createEntitlement', entitlementWith({ purchaserName: 'x'.repeat(101) }), ['input.entitlement.purchaserName']);
    await refused('changeNominee', { mark: EXISTING, expectedVersion: 1, nomineeName: '   ' }, ['input.nomineeName']);
    await refused('changeAddress', addressWith({ addLine3: 'y'.repeat(101) }), ['input.address.addLine3']);
  });
  it('contain no control characters', async () => {
    await refused('changeNominee', { mark: EXISTING, expectedVersion: 1, nomineeName: 'Mr\u0000John' }, ['input.nomineeName']);
    await refused('changeAddress', addressWith({ addLine2: 'Red\nwood' }), ['input.address.addLine2']);
  });
  it('addLine1, postTown and postcode are required', async () => {
    await refused('changeAddress', addressWith({ addLine1: '' }), ['input.address.addLine1']);
    await refused('changeAddress', addressWith({ postTown: ' ' }), ['input.address.postTown']);
    await refused('changeAddress', addressWith({ postcode: '' }), ['input.address.postcode']);
    // omitted entirely, GraphQL itself refuses the request (the fields are non-null in the schema)
    const before = await tableCounts(stack);
    const omitted = await command(stack, 'changeAddress', { mark: EXISTING, expectedVersion: 1, address: { addLine1: 'x', postcode: 'SW1 4RT' } });
    expect(omitted.errors.length).toBeGreaterThan(0);
    expect(await tableCounts(stack)).toEqual(before);
  });
});

describe('postcode', () => {
  it('is a UK postcode, stored canonicalised', async () => {
    await refused('changeAddress', addressWith({ postcode: 'NOT A CODE' }), ['input.address.postcode']);
    await refused('createEntitlement', entitlementWith({ address: { addLine1: 'x', postTown: 'y', postcode: '12345' } }), ['input.entitlement.address.postcode']);
    const moved = await ok(stack, 'changeAddress', addressWith({ postcode: 'sw1a1aa' }));
    expect(JSON.parse(moved.personalData!).address.postcode).toBe('SW1A 1AA');
  });
});

describe('certificate numbers', () => {
  it('are 1 to 32 letters or digits', async () => {
    await refused('createEntitlement', entitlementWith({ certificateNo: 'A'.repeat(33) }), ['input.entitlement.certificateNo']);
    await refused('createEntitlement', entitlementWith({ certificateNo: 'EV56-RP25' }), ['input.entitlement.certificateNo']);
  });
});

describe('versions, limits and expiry', () => {
  it('expectedVersion is at least 1', async () => {
    await refused('lockMark', { mark: EXISTING, expectedVersion: 0 }, ['input.expectedVersion']);
    await refused('forgetMark', { mark: EXISTING, expectedVersion: -1 }, ['input.expectedVersion']);
  });
  it('limit is 1 to 100 (and fromVersion, version at least 1)', async () => {
    for (const document of [
      'query { listMarks(limit: 0) { nextToken } }',
      'query { listMarks(limit: 101) { nextToken } }',
      `query { listMarkEvents(mark: "${EXISTING}", limit: 1000) { nextToken } }`,
      `query { listMarkEvents(mark: "${EXISTING}", fromVersion: 0) { nextToken } }`,
      `query { getMarkAt(mark: "${EXISTING}", version: 0) { version } }`,
    ]) {
      const outcome = await query(stack, document, {});
      expect(outcome.error?.errorType, document).toBe('ValidationError');
    }
  });
  it('a new expiry is later than the current one', async () => {
    const view = await query<{ version: number }>(stack, `query { getMark(mark: "${EXISTING}") { version } }`, {});
    const error = await refused('extendEntitlement', { mark: EXISTING, expectedVersion: view.data!.version, expiryTime: '2029-12-31T23:59:59Z' }, ['input.expiryTime']);
    expect(error.message).toContain('2030-01-01T00:00:00.000Z');
  });
  it('a bad time is refused before any resolver runs', async () => {
    const before = await tableCounts(stack);
    const outcome = await command(stack, 'releaseMark', { mark: 'TM 1', price: 1, eventTime: 'yesterday' });
    expect(outcome.errors.length).toBeGreaterThan(0);
    expect(await tableCounts(stack)).toEqual(before);
  });
});

describe('all problems of one request', () => {
  it('come back together in one ValidationError', async () => {
    const error = await refused(
      'createEntitlement',
      { mark: 'WAY TOO LONG', price: 20_000_000, entitlement: { certificateNo: '', purchaserName: 'P\u0007', address: { addLine1: 'x', postTown: 'y', postcode: 'zz' } } },
      ['input.mark', 'input.price', 'input.entitlement.certificateNo', 'input.entitlement.purchaserName', 'input.entitlement.address.postcode'],
    );
    expect(error.message).toMatch(/^Invalid input: input\.mark: /);
  });
});

describe('onMarkEvent', () => {
  it('filters by the canonical mark and the type, and refuses a bad mark', async () => {
    const info = { fieldName: 'onMarkEvent', parentTypeName: 'Subscription', variables: {}, selectionSetList: ['mark'], selectionSetGraphQL: '{ mark }' };
    const resolve = (args: Record<string, unknown>) =>
      stack.runtime.resolve('Subscription', 'onMarkEvent', { arguments: args, source: null, identity: null, requestHeaders: {}, info });
    const filtered = await resolve({ mark: ' afc  f5', type: 'MARK_LOCKED' });
    expect(filtered.errors).toEqual([]);
    expect(JSON.stringify(filtered.subscriptionFilter)).toContain('AFC F5');
    expect(JSON.stringify(filtered.subscriptionFilter)).toContain('MARK_LOCKED');
    const bad = await resolve({ mark: 'NOT-A-MARK' });
    expect(bad.errors[0]).toMatchObject({ errorType: 'ValidationError' });
  });
});
