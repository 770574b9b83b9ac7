/**
 * Authorization and personal data through the local endpoint (APPSYNC_JS bundles, DynamoDB Local),
 * as each role, with real credentials: every query and mutation is an HTTP request carrying a token
 * of a seeded user of the local pool, a SigV4 signature or the API key. Where the test looks at what
 * no answer shows — a subscription's filters, a mutation's invalidations — it calls the resolver
 * runtime directly, with the ctx.identity the endpoint's authenticator builds from the same
 * credentials (stack.identity). Issue 12 Build 4 and 5.
 *
 * The scenario: two purchasers each lock and buy a mark, change address and nominee, subscribe to
 * both marks; one mark is forgotten, released again and bought by the other. Every answer each caller
 * got is kept and searched for the other purchaser's names and address lines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRealtime, compileSubscriptionFilter, matchesFilter } from 'appsync-local';
import { EVENT_FIELDS, MARK_FIELDS, MUTATION_INPUT, freshMark, storedEvents, type MarkEventOut } from './support/marks';
import { startTestStack, type Identity, type TestStack } from './support/stack';

/** The callers: the public storefront (API key), the seeded users of the pool, a back-office service (IAM). */
type Caller = Extract<Identity, 'apiKey' | 'purchaserA' | 'purchaserB' | 'staff' | 'dataProtection' | 'iam'>;
const PUBLIC: Caller = 'apiKey';
const PURCHASER_A: Caller = 'purchaserA';
const PURCHASER_B: Caller = 'purchaserB';
const STAFF: Caller = 'staff';
const DATA_PROTECTION: Caller = 'dataProtection';
const IAM_SERVICE: Caller = 'iam';

let stack: TestStack;
/** the user pool subs of the seeded users, as their tokens carry them */
let subA: string;
let subB: string;
let staffSub: string;

beforeAll(async () => {
  stack = await startTestStack({ label: 'markauthz' });
  [subA, subB, staffSub] = await Promise.all([stack.sub('purchaserA'), stack.sub('purchaserB'), stack.sub('staff')]);
});

afterAll(async () => {
  await stack?.stop();
});

const A_DATA = { purchaserName: 'Angharad Aalto', nomineeName: 'Mr Aled Aalto', address: { addLine1: '11 Alder Close', postTown: 'Aberaeron', postcode: 'SA46 0AA' } };
const B_DATA = { purchaserName: 'Bethan Bryn', nomineeName: 'Mrs Bronwen Bryn', telephoneNo: '01234 567890', address: { addLine1: '22 Birch Lane', postTown: 'Bala', postcode: 'LL23 7BB' } };
const A_LATER = { address: { addLine1: '33 Ash Grove', postTown: 'Amlwch', postcode: 'LL68 9AA' }, nomineeName: 'Ms Alys Aalto' };
const B_LATER = { address: { addLine1: '44 Beech Row', postTown: 'Bangor', postcode: 'LL57 1BB' }, nomineeName: 'Dr Bleddyn Bryn' };
const aTexts = () => [A_DATA.purchaserName, A_DATA.nomineeName, A_DATA.address.addLine1, A_LATER.address.addLine1, A_LATER.nomineeName, subA];
const bTexts = () => [B_DATA.purchaserName, B_DATA.nomineeName, B_DATA.telephoneNo, B_DATA.address.addLine1, B_LATER.address.addLine1, B_LATER.nomineeName, subB];

/** Every body each caller received, to search afterwards. */
const received = new Map<Caller, string[]>();

async function run(identity: Caller, document: string, variables: Record<string, unknown>) {
  const res = await stack.gql(document, variables, { as: identity });
  const seen = received.get(identity) ?? [];
  seen.push(JSON.stringify(res.body));
  received.set(identity, seen);
  const errors = (res.body.errors ?? []) as { errorType?: string; errorInfo?: unknown; message: string }[];
  return { data: res.body.data ? (Object.values(res.body.data)[0] as never) : null, errors };
}

async function mutate(identity: Caller, name: string, input: Record<string, unknown>): Promise<{ data: MarkEventOut | null; errorType?: string; errorInfo?: unknown }> {
  const out = await run(identity, `mutation M($input: ${MUTATION_INPUT[name]}!) { ${name}(input: $input) { ${EVENT_FIELDS} } }`, { input });
  return { data: out.data, errorType: out.errors[0]?.errorType, errorInfo: out.errors[0]?.errorInfo };
}

async function done(identity: Caller, name: string, input: Record<string, unknown>): Promise<MarkEventOut> {
  const out = await mutate(identity, name, input);
  expect(out.errorType, `${name} ${JSON.stringify(input)}`).toBeUndefined();
  return out.data!;
}

const getMark = (identity: Caller, mark: string) => run(identity, `query Q($mark: ID!) { getMark(mark: $mark) { ${MARK_FIELDS} } }`, { mark });
const getMarkAt = (identity: Caller, mark: string, version: number) =>
  run(identity, `query Q($mark: ID!, $version: Int) { getMarkAt(mark: $mark, version: $version) { ${MARK_FIELDS} } }`, { mark, version });
const listEvents = (identity: Caller, mark: string) =>
  run(identity, `query Q($mark: ID!) { listMarkEvents(mark: $mark, limit: 100) { items { ${EVENT_FIELDS} } nextToken } }`, { mark });
const listMarks = (identity: Caller, status?: string) =>
  run(identity, `query Q($status: MarkStatus) { listMarks(status: $status, limit: 100) { items { ${MARK_FIELDS} } nextToken } }`, { status });

/** Starts onMarkEvent as the caller would: the subscription resolver's outcome (filters, errors). */
async function subscribe(caller: Caller, mark: string | undefined, fields: string[]) {
  return stack.runtime.resolve('Subscription', 'onMarkEvent', {
    arguments: { mark: mark ?? null, type: null },
    source: null,
    identity: await stack.identity(caller),
    requestHeaders: {},
    info: { fieldName: 'onMarkEvent', parentTypeName: 'Subscription', variables: {}, selectionSetList: fields, selectionSetGraphQL: `{ ${fields.join(' ')} }` },
  });
}

const buyer = (data: Record<string, unknown>) => ({ ...data });

describe('two purchasers, two marks, a forget and a resale', () => {
  it('keeps each purchaser’s personal data to them and staff, on every read path', async () => {
    const m1 = freshMark('P');
    const m2 = freshMark('Q');
    await done(STAFF, 'releaseMark', { mark: m1, price: 250 });
    await done(STAFF, 'releaseMark', { mark: m2, price: 300 });

    // the public and purchasers may not release
    expect((await mutate(PUBLIC, 'releaseMark', { mark: freshMark('X'), price: 1 })).errorType).toBe('Unauthorized');
    expect((await mutate(PURCHASER_A, 'releaseMark', { mark: freshMark('X'), price: 1 })).errorType).toBe('Unauthorized');

    // A locks m1; B may neither buy it nor unlock it meanwhile; nothing is written by those refusals
    const lock = await done(PURCHASER_A, 'lockMark', { mark: m1, expectedVersion: 1 });
    expect(lock.personalData).toBeNull(); // the holder's id is not in the answer (it is every subscriber's payload)
    expect((await mutate(PURCHASER_B, 'purchaseMark', { mark: m1, expectedVersion: 2, entitlement: buyer(B_DATA) })).errorType).toBe('MarkLocked');
    const refusedUnlock = await mutate(PURCHASER_B, 'unlockMark', { mark: m1, expectedVersion: 2 });
    expect(refusedUnlock).toMatchObject({ data: null, errorType: 'Unauthorized', errorInfo: null });
    expect(await storedEvents(stack, m1)).toHaveLength(2);
    expect((await storedEvents(stack, m1))[1]).toMatchObject({ type: 'MARK_LOCKED', data: { holder: subA } });

    const soldToA = await done(PURCHASER_A, 'purchaseMark', { mark: m1, expectedVersion: 2, entitlement: buyer(A_DATA) });
    expect(soldToA).toMatchObject({ type: 'MARK_PURCHASED', version: 3, ownership: 3 });
    expect(JSON.parse(soldToA.data)).toEqual({ status: 'MARK_SOLD_ISSUE_CERTIFICATE_TO_PURCHASER' });
    const aPersonal = JSON.parse(soldToA.personalData!);
    expect(aPersonal).toMatchObject({ owner: subA, entitlement: { purchaserName: A_DATA.purchaserName, certificateTime: soldToA.recordedAt } });
    expect(aPersonal.entitlement.certificateNo).toMatch(/^[A-Z0-9]{20}$/);

    await done(PURCHASER_B, 'lockMark', { mark: m2, expectedVersion: 1 });
    await done(PURCHASER_B, 'purchaseMark', { mark: m2, expectedVersion: 2, entitlement: buyer(B_DATA) });

    // each changes their own mark, never the other's
    await done(PURCHASER_A, 'changeAddress', { mark: m1, expectedVersion: 3, address: A_LATER.address });
    await done(PURCHASER_A, 'changeNominee', { mark: m1, expectedVersion: 4, nomineeName: A_LATER.nomineeName });
    await done(PURCHASER_B, 'changeAddress', { mark: m2, expectedVersion: 3, address: B_LATER.address });
    await done(PURCHASER_B, 'changeNominee', { mark: m2, expectedVersion: 4, nomineeName: B_LATER.nomineeName });
    expect((await mutate(PURCHASER_A, 'changeAddress', { mark: m2, expectedVersion: 5, address: A_LATER.address })).errorType).toBe('Unauthorized');
    expect(await storedEvents(stack, m2)).toHaveLength(5);

    // reads: the owner and staff in full, everyone else without the entitlement
    expect((await getMark(PURCHASER_A, m1)).data).toMatchObject({ entitlement: { purchaserName: A_DATA.purchaserName, nomineeName: A_LATER.nomineeName, address: A_LATER.address } });
    expect((await getMark(STAFF, m2)).data).toMatchObject({ entitlement: { purchaserName: B_DATA.purchaserName } });
    for (const identity of [PURCHASER_A, PUBLIC, DATA_PROTECTION]) expect((await getMark(identity, m2)).data).toMatchObject({ mark: m2, version: 5, entitlement: null });
    const bOwnEvents = (await listEvents(PURCHASER_B, m2)).data as unknown as { items: MarkEventOut[] };
    expect(bOwnEvents.items.map((e) => e.personalData !== null)).toEqual([false, false, true, true, true]);
    const aOnB = (await listEvents(PURCHASER_A, m2)).data as unknown as { items: MarkEventOut[] };
    expect(aOnB.items).toHaveLength(5);
    expect(aOnB.items.every((e) => e.personalData === null)).toBe(true);
    expect((await getMarkAt(PURCHASER_A, m2, 4)).data).toMatchObject({ version: 4, entitlement: null });
    expect((await getMarkAt(PURCHASER_B, m2, 4)).data).toMatchObject({ version: 4, entitlement: { address: B_LATER.address } });

    // the public: the storefront list and getMark; no history, no other list
    expect((await listEvents(PUBLIC, m1)).errors[0]).toMatchObject({ errorType: 'Unauthorized' });
    expect((await listMarks(PUBLIC)).errors[0]).toMatchObject({ errorType: 'Unauthorized' });
    expect((await listMarks(PUBLIC, 'MARK_AVAILABLE')).errors).toEqual([]);
    const soldList = (await listMarks(PURCHASER_A, 'MARK_SOLD_ISSUE_CERTIFICATE_TO_PURCHASER')).data as unknown as { items: { mark: string; entitlement: unknown }[] };
    expect(soldList.items.find((m) => m.mark === m1)?.entitlement).not.toBeNull();
    expect(soldList.items.find((m) => m.mark === m2)?.entitlement).toBeNull();

    // subscriptions: anyone may follow either mark without personal data; personalData only the owner (of one mark) and staff
    for (const identity of [PUBLIC, PURCHASER_A, PURCHASER_B]) expect((await subscribe(identity, m2, ['mark', 'type', 'data'])).errors).toEqual([]);
    expect((await subscribe(PUBLIC, m1, ['mark', 'personalData'])).errors[0]).toMatchObject({ errorType: 'Unauthorized' });
    expect((await subscribe(PURCHASER_A, m2, ['mark', 'personalData'])).errors[0]).toMatchObject({ errorType: 'Unauthorized' });
    expect((await subscribe(PURCHASER_A, undefined, ['mark', 'personalData'])).errors[0]).toMatchObject({ errorType: 'Unauthorized' });
    expect((await subscribe(STAFF, undefined, ['mark', 'personalData'])).errors).toEqual([]);
    const aOwn = await subscribe(PURCHASER_A, m1, ['mark', 'personalData']);
    expect(aOwn.errors).toEqual([]);
    const aFilter = compileSubscriptionFilter(aOwn.subscriptionFilter);
    const aInvalidation = compileSubscriptionFilter(aOwn.subscriptionInvalidationFilter);
    expect(matchesFilter(aFilter, { mark: m1, ownership: 3 })).toBe(true);

    // m1 is forgotten by data protection, released again by staff and bought by B: a new owner
    const forget = await done(DATA_PROTECTION, 'forgetMark', { mark: m1, expectedVersion: 5 });
    expect(matchesFilter(aInvalidation, { mark: m1, ownership: forget.ownership ?? 0 })).toBe(true);
    await done(STAFF, 'releaseMark', { mark: m1, price: 400 });
    const resold = await stack.runtime.resolve('Mutation', 'purchaseMark', {
      arguments: { input: { mark: m1, expectedVersion: 7, entitlement: buyer(B_DATA) } },
      source: null,
      identity: await stack.identity(PURCHASER_B),
      requestHeaders: {},
      info: { fieldName: 'purchaseMark', parentTypeName: 'Mutation', variables: {}, selectionSetList: EVENT_FIELDS.split(' '), selectionSetGraphQL: `{ ${EVENT_FIELDS} }` },
    });
    expect(resold.errors).toEqual([]);
    const resoldEvent = resold.data as MarkEventOut;
    received.get(PURCHASER_B)!.push(JSON.stringify(resoldEvent));
    // the sale ends the previous ownership's owner subscriptions, and A's filter does not let B's purchase through
    expect(resold.invalidations).toEqual([{ subscriptionField: 'onMarkEvent', payload: { mark: m1, ownership: 8 } }]);
    expect(matchesFilter(aFilter, resoldEvent)).toBe(false);

    // B, the new owner, sees nothing of A's life of the mark; A sees nothing of B's
    expect((await getMarkAt(PURCHASER_B, m1, 5)).data).toBeNull(); // erased history
    const bOnM1 = (await listEvents(PURCHASER_B, m1)).data as unknown as { items: MarkEventOut[] };
    expect(bOnM1.items.map((e) => [e.type, e.personalData !== null])).toEqual([['MARK_FORGOTTEN', false], ['MARK_RELEASED', false], ['MARK_PURCHASED', true]]);
    expect((await getMark(PURCHASER_A, m1)).data).toMatchObject({ version: 8, entitlement: null });
    await listEvents(PURCHASER_A, m1);
    expect((await subscribe(PURCHASER_A, m1, ['mark', 'personalData'])).errors[0]).toMatchObject({ errorType: 'Unauthorized' });
    expect((await subscribe(PURCHASER_B, m1, ['mark', 'personalData'])).errors).toEqual([]);

    // the search: no caller ever received the other purchaser's names, address lines, telephone or id
    const text = (identity: Caller) => (received.get(identity) ?? []).join('\n');
    for (const needle of bTexts()) {
      expect(text(PURCHASER_A), needle).not.toContain(needle);
      expect(text(PUBLIC), needle).not.toContain(needle);
      expect(text(DATA_PROTECTION), needle).not.toContain(needle);
    }
    for (const needle of aTexts()) {
      expect(text(PURCHASER_B), needle).not.toContain(needle);
      expect(text(PUBLIC), needle).not.toContain(needle);
      expect(text(DATA_PROTECTION), needle).not.toContain(needle);
    }
    // and the search can find: the owners did receive their own, staff everyone's
    expect(text(PURCHASER_A)).toContain(A_LATER.address.addLine1);
    expect(text(PURCHASER_B)).toContain(B_LATER.address.addLine1);
    expect(text(STAFF)).toContain(B_DATA.purchaserName);
  });
});

describe('revokeSubscriptions: rights changed outside GraphQL', () => {
  const revoke = async (caller: Caller, user: string) =>
    stack.runtime.resolve('Mutation', 'revokeSubscriptions', {
      arguments: { input: { user } },
      source: null,
      identity: await stack.identity(caller),
      requestHeaders: {},
      info: { fieldName: 'revokeSubscriptions', parentTypeName: 'Mutation', variables: {}, selectionSetList: ['user'], selectionSetGraphQL: '{ user }' },
    });
  it('ends every live subscription of the user named, and only staff may ask', async () => {
    const mark = freshMark('V');
    await done(STAFF, 'releaseMark', { mark, price: 100 });
    const staffSubscription = await subscribe(STAFF, undefined, ['mark', 'personalData']);
    const bSubscription = await subscribe(PURCHASER_B, mark, ['mark', 'data']);
    const publicSubscription = await subscribe(PUBLIC, mark, ['mark', 'data']);
    expect(publicSubscription.subscriptionInvalidationFilter).toBeUndefined(); // no one to revoke

    const revoked = await revoke(STAFF, staffSub);
    expect(revoked).toMatchObject({ data: { user: staffSub }, errors: [], invalidations: [{ subscriptionField: 'onMarkEvent', payload: { subscriber: staffSub } }] });
    const payload = (revoked.invalidations![0] as { payload: Record<string, unknown> }).payload;
    expect(matchesFilter(compileSubscriptionFilter(staffSubscription.subscriptionInvalidationFilter), payload)).toBe(true);
    expect(matchesFilter(compileSubscriptionFilter(bSubscription.subscriptionInvalidationFilter), payload)).toBe(false);
    expect(matchesFilter(compileSubscriptionFilter(bSubscription.subscriptionInvalidationFilter), { subscriber: subB })).toBe(true);

    for (const identity of [PUBLIC, PURCHASER_A, DATA_PROTECTION]) {
      const refused = await revoke(identity, subB);
      expect(refused.errors[0]).toMatchObject({ errorType: 'Unauthorized' });
      expect(refused.invalidations).toBeUndefined();
    }
    expect((await revoke(IAM_SERVICE, subB)).errors).toEqual([]);
    expect((await revoke(STAFF, '')).errors[0]).toMatchObject({ errorType: 'ValidationError' });
  });
});

describe('over the real-time endpoint, with the API key', () => {
  it('a public subscriber gets the events without personal data, and may not select personalData', async () => {
    const mark = freshMark('W');
    await done(STAFF, 'releaseMark', { mark, price: 100 });
    const client = await connectRealtime({ url: stack.realtimeUrl, apiKey: stack.apiKey });
    try {
      await client.init();
      const refused = await client.start('personal', 'subscription($mark: ID) { onMarkEvent(mark: $mark) { mark personalData } }', { mark });
      expect(refused).toMatchObject({ type: 'error', id: 'personal', payload: { errors: [{ errorType: 'Unauthorized' }] } });
      expect(await client.start('open', `subscription($mark: ID) { onMarkEvent(mark: $mark) { mark version type data ownership } }`, { mark })).toEqual({ type: 'start_ack', id: 'open' });
      // the buyer's answer holds their personal data; what the public subscriber gets does not
      const sold = await done(PURCHASER_B, 'purchaseMark', { mark, expectedVersion: 1, entitlement: buyer(B_DATA) });
      expect(sold.personalData).toContain(B_DATA.purchaserName);
      const message = await client.next((m) => m.type === 'data' && m.id === 'open');
      expect(message.payload).toEqual({ data: { onMarkEvent: { mark, version: 2, type: 'MARK_PURCHASED', data: sold.data, ownership: 2 } } });
      for (const needle of bTexts()) expect(JSON.stringify(client.messages)).not.toContain(needle);
    } finally {
      await client.close();
    }
  });
});
