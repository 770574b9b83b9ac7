/**
 * Issue 12's personal-data scenario end to end with real credentials: every call is an HTTP request
 * carrying a token of the local user pool (or the API key), every subscription runs on the real-time
 * endpoint over a connection authenticated the same way — nothing is given a synthetic identity
 * (test/mark-authorization.test.ts runs the same scenario over HTTP and looks at the subscription
 * resolver's filters in process).
 *
 * Two purchasers each buy a mark, change address and nominee, and subscribe to both marks; staff,
 * data protection and the public storefront (API key) subscribe and read too; one mark is forgotten,
 * released again and bought by the other purchaser. Every response body and every real-time message
 * each caller received is kept, then searched for the actual names, address lines, telephone number
 * and user ids (the seeded users' real subs, read from their tokens) of each purchaser: none reaches a
 * caller not entitled to it (docs/AUTHORIZATION.md, "Personal data on each path"), and the entitled
 * ones did arrive, so the search can fail.
 *
 * AppSync delivers each subscriber the mutation's answer reduced to the subscriber's selection, and an
 * invalidated subscription gets `complete` ("Using subscriptions for real-time data applications in
 * AWS AppSync", https://docs.aws.amazon.com/appsync/latest/devguide/aws-appsync-real-time-data.html;
 * "Unsubscribing WebSocket connections using filters in AWS AppSync",
 * https://docs.aws.amazon.com/appsync/latest/devguide/aws-appsync-real-time-invalidation.html).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRealtime, type AnyServerMessage, type RealtimeClient } from 'appsync-local';
import { EVENT_FIELDS, MARK_FIELDS, MUTATION_INPUT, OPEN_EVENT_FIELDS, freshMark, type MarkEventOut } from './support/marks';
import { startTestStack, type Identity, type TestStack } from './support/stack';

type Caller = Extract<Identity, 'purchaserA' | 'purchaserB' | 'apiKey' | 'staff' | 'dataProtection'>;
const CALLERS: Caller[] = ['purchaserA', 'purchaserB', 'apiKey', 'staff', 'dataProtection'];

let stack: TestStack;
const sockets = new Map<Caller, RealtimeClient>();
/** every HTTP response body each caller received, as text */
const bodies = new Map<Caller, string[]>(CALLERS.map((c) => [c, []]));
let subA: string;
let subB: string;

beforeAll(async () => {
  stack = await startTestStack({ label: 'pde2e' });
  subA = await stack.sub('purchaserA');
  subB = await stack.sub('purchaserB');
  for (const caller of CALLERS) {
    const headers = await stack.credentials(caller);
    const authorization: Record<string, string> = caller === 'apiKey' ? { 'x-api-key': headers['x-api-key'] } : { Authorization: headers.authorization };
    const client = await connectRealtime({ url: stack.realtimeUrl, apiKey: stack.apiKey, authorization });
    sockets.set(caller, client);
    await client.init();
  }
});

afterAll(async () => {
  await Promise.all([...sockets.values()].map((c) => c.close()));
  await stack?.stop();
});

const A_DATA = { purchaserName: 'Gwenllian Garth', nomineeName: 'Mr Gethin Garth', telephoneNo: '01970 111222', address: { addLine1: '7 Rowan Terrace', postTown: 'Aberystwyth', postcode: 'SY23 1AA' } };
const A_LATER = { address: { addLine1: '8 Hazel Mews', postTown: 'Tywyn', postcode: 'LL36 9AA' }, nomineeName: 'Ms Gwawr Garth' };
const B_DATA = { purchaserName: 'Hywel Hafod', nomineeName: 'Mrs Heledd Hafod', telephoneNo: '01286 333444', address: { addLine1: '9 Willow Bank', postTown: 'Caernarfon', postcode: 'LL55 1BB' } };
const B_LATER = { address: { addLine1: '10 Yew Crescent', postTown: 'Pwllheli', postcode: 'LL53 5BB' }, nomineeName: 'Dr Huw Hafod' };
/** B's entitlement on the mark A had, after its new life */
const B_RESALE = { purchaserName: B_DATA.purchaserName, telephoneNo: B_DATA.telephoneNo, address: { addLine1: '12 Larch Drive', postTown: 'Porthmadog', postcode: 'LL49 9BB' } };
const B_RESALE_LATER = { address: { addLine1: '14 Maple Yard', postTown: 'Criccieth', postcode: 'LL52 0BB' } };

const aTexts = () => [A_DATA.purchaserName, A_DATA.nomineeName, A_DATA.telephoneNo, A_DATA.address.addLine1, A_LATER.address.addLine1, A_LATER.nomineeName, subA];
const bTexts = () => [
  B_DATA.purchaserName,
  B_DATA.nomineeName,
  B_DATA.telephoneNo,
  B_DATA.address.addLine1,
  B_LATER.address.addLine1,
  B_LATER.nomineeName,
  B_RESALE.address.addLine1,
  B_RESALE_LATER.address.addLine1,
  subB,
];

interface GqlErrorOut {
  errorType?: string;
  message: string;
}

async function call(as: Caller, query: string, variables: Record<string, unknown>): Promise<{ data: unknown; errors: GqlErrorOut[] }> {
  const res = await stack.gql(query, variables, { as });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  bodies.get(as)!.push(JSON.stringify(res.body));
  const data = res.body.data ? Object.values(res.body.data)[0] : null;
  return { data, errors: (res.body.errors ?? []) as GqlErrorOut[] };
}

const mutate = (as: Caller, name: string, input: Record<string, unknown>) => call(as, `mutation M($input: ${MUTATION_INPUT[name]}!) { ${name}(input: $input) { ${EVENT_FIELDS} } }`, { input });

async function done(as: Caller, name: string, input: Record<string, unknown>): Promise<MarkEventOut> {
  const out = await mutate(as, name, input);
  expect(out.errors, `${as} ${name} ${JSON.stringify(input)}`).toEqual([]);
  return out.data as MarkEventOut;
}

/** Every read a caller might make of a mark, whatever it is allowed: the refusals are kept and searched too. */
async function readEverything(as: Caller, mark: string, version: number) {
  const getMark = await call(as, `query Q($mark: ID!) { getMark(mark: $mark) { ${MARK_FIELDS} } }`, { mark });
  await call(as, `query Q($mark: ID!, $version: Int) { getMarkAt(mark: $mark, version: $version) { ${MARK_FIELDS} } }`, { mark, version });
  const events = await call(as, `query Q($mark: ID!) { listMarkEvents(mark: $mark, limit: 100) { items { ${EVENT_FIELDS} } nextToken } }`, { mark });
  await call(as, `query Q { listMarks(limit: 100) { items { ${MARK_FIELDS} } nextToken } }`, {});
  await call(as, `query Q { listMarks(status: MARK_AVAILABLE, limit: 100) { items { ${MARK_FIELDS} } nextToken } }`, {});
  return { getMark, events };
}

const OPEN = `subscription S($mark: ID) { onMarkEvent(mark: $mark) { ${OPEN_EVENT_FIELDS} } }`;
const PERSONAL = `subscription S($mark: ID) { onMarkEvent(mark: $mark) { ${EVENT_FIELDS} } }`;

const start = (as: Caller, id: string, query: string, mark?: string) => sockets.get(as)!.start(id, query, mark ? { mark } : {});
const dataOf = (as: Caller, id: string) => sockets.get(as)!.data(id) as { data: { onMarkEvent: MarkEventOut } }[];
const versionsOf = (as: Caller, id: string) => dataOf(as, id).map((p) => p.data.onMarkEvent.version);
/** everything a caller received: the HTTP bodies and the real-time messages, as one text */
const receivedBy = (as: Caller) => [...bodies.get(as)!, ...sockets.get(as)!.messages.map((m: AnyServerMessage) => JSON.stringify(m))].join('\n');

describe('personal data with real credentials, over HTTP and the real-time endpoint', () => {
  it('two purchasers, two marks, a forget and a resale: no caller ever receives personal data it is not entitled to', async () => {
    const m1 = freshMark('G');
    const m2 = freshMark('H');

    // Everyone follows both marks with the fields anyone may select; staff follow every mark in full.
    for (const caller of CALLERS) {
      if (caller === 'staff') expect(await start(caller, 'all', PERSONAL)).toEqual({ type: 'start_ack', id: 'all' });
      expect(await start(caller, 'm1', OPEN, m1)).toEqual({ type: 'start_ack', id: 'm1' });
      expect(await start(caller, 'm2', OPEN, m2)).toEqual({ type: 'start_ack', id: 'm2' });
    }

    await done('staff', 'releaseMark', { mark: m1, price: 250 });
    await done('staff', 'releaseMark', { mark: m2, price: 300 });

    // each purchaser locks and buys one mark; the owner is the token's sub, never the input's
    await done('purchaserA', 'lockMark', { mark: m1, expectedVersion: 1 });
    const soldToA = await done('purchaserA', 'purchaseMark', { mark: m1, expectedVersion: 2, entitlement: A_DATA });
    expect(JSON.parse(soldToA.personalData!)).toMatchObject({ owner: subA, entitlement: { purchaserName: A_DATA.purchaserName } });
    await done('purchaserB', 'lockMark', { mark: m2, expectedVersion: 1 });
    const soldToB = await done('purchaserB', 'purchaseMark', { mark: m2, expectedVersion: 2, entitlement: B_DATA });
    expect(JSON.parse(soldToB.personalData!)).toMatchObject({ owner: subB, entitlement: { purchaserName: B_DATA.purchaserName } });

    // personalData subscriptions: each owner on their own mark; nobody else (the refusals are kept too)
    expect(await start('purchaserA', 'm1p', PERSONAL, m1)).toEqual({ type: 'start_ack', id: 'm1p' });
    expect(await start('purchaserB', 'm2p', PERSONAL, m2)).toEqual({ type: 'start_ack', id: 'm2p' });
    for (const [caller, mark] of [['purchaserA', m2], ['purchaserB', m1], ['dataProtection', m1], ['apiKey', m2]] as const) {
      expect(await start(caller, 'refused', PERSONAL, mark)).toMatchObject({ type: 'error', payload: { errors: [{ errorType: 'Unauthorized' }] } });
    }

    // each changes address and nominee on their own mark, and may not on the other's
    await done('purchaserA', 'changeAddress', { mark: m1, expectedVersion: 3, address: A_LATER.address });
    await done('purchaserA', 'changeNominee', { mark: m1, expectedVersion: 4, nomineeName: A_LATER.nomineeName });
    await done('purchaserB', 'changeAddress', { mark: m2, expectedVersion: 3, address: B_LATER.address });
    await done('purchaserB', 'changeNominee', { mark: m2, expectedVersion: 4, nomineeName: B_LATER.nomineeName });
    expect((await mutate('purchaserA', 'changeAddress', { mark: m2, expectedVersion: 5, address: A_LATER.address })).errors[0]).toMatchObject({ errorType: 'Unauthorized' });
    expect((await mutate('purchaserB', 'changeNominee', { mark: m1, expectedVersion: 5, nomineeName: B_LATER.nomineeName })).errors[0]).toMatchObject({ errorType: 'Unauthorized' });

    // every caller reads both marks every way it can
    for (const caller of CALLERS) for (const mark of [m1, m2]) await readEverything(caller, mark, 4);
    expect((await readEverything('purchaserA', m1, 5)).getMark.data).toMatchObject({ entitlement: { purchaserName: A_DATA.purchaserName, nomineeName: A_LATER.nomineeName, address: A_LATER.address } });
    expect((await readEverything('purchaserA', m2, 5)).getMark.data).toMatchObject({ mark: m2, version: 5, entitlement: null });

    // m1 is forgotten, released again and bought by B: A's owner subscription ends
    const forgotten = await done('dataProtection', 'forgetMark', { mark: m1, expectedVersion: 5 });
    expect(forgotten).toMatchObject({ version: 6, type: 'MARK_FORGOTTEN', personalData: null });
    expect(await sockets.get('purchaserA')!.next((m) => m.id === 'm1p' && m.type === 'complete', 10_000)).toEqual({ type: 'complete', id: 'm1p' });
    await done('staff', 'releaseMark', { mark: m1, price: 400 });
    await done('purchaserB', 'lockMark', { mark: m1, expectedVersion: 7 });
    const resold = await done('purchaserB', 'purchaseMark', { mark: m1, expectedVersion: 8, entitlement: B_RESALE });
    expect(JSON.parse(resold.personalData!)).toMatchObject({ owner: subB, entitlement: { purchaserName: B_RESALE.purchaserName, address: B_RESALE.address } });

    // the new owner follows m1 in full; the previous owner may not any more
    expect(await start('purchaserB', 'm1p', PERSONAL, m1)).toEqual({ type: 'start_ack', id: 'm1p' });
    expect(await start('purchaserA', 'refused-again', PERSONAL, m1)).toMatchObject({ type: 'error', payload: { errors: [{ errorType: 'Unauthorized' }] } });
    await done('purchaserB', 'changeAddress', { mark: m1, expectedVersion: 9, address: B_RESALE_LATER.address });

    // every caller reads both marks again, the erased versions of m1 included
    for (const caller of CALLERS) for (const mark of [m1, m2]) await readEverything(caller, mark, 5);
    const bOnM1 = await readEverything('purchaserB', m1, 10);
    expect(bOnM1.getMark.data).toMatchObject({ mark: m1, version: 10, entitlement: { purchaserName: B_RESALE.purchaserName, address: B_RESALE_LATER.address } });
    const bEvents = (bOnM1.events.data as { items: MarkEventOut[] }).items;
    // A's life of the mark is erased; B's purchase and change carry B's own data
    expect(bEvents.map((e) => [e.version, e.type, e.personalData !== null])).toEqual([
      [6, 'MARK_FORGOTTEN', false],
      [7, 'MARK_RELEASED', false],
      [8, 'MARK_LOCKED', false],
      [9, 'MARK_PURCHASED', true],
      [10, 'ADDRESS_CHANGED', true],
    ]);
    expect((await readEverything('purchaserA', m1, 10)).getMark.data).toMatchObject({ mark: m1, version: 10, entitlement: null });

    // every subscription got every event it should (m1: 10 events, m2: 5) before the search
    const m1All = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const m2All = [1, 2, 3, 4, 5];
    await expect.poll(() => versionsOf('staff', 'all').length, { timeout: 15_000 }).toBe(m1All.length + m2All.length);
    for (const caller of CALLERS) {
      await expect.poll(() => versionsOf(caller, 'm1'), { timeout: 15_000 }).toEqual(m1All);
      await expect.poll(() => versionsOf(caller, 'm2'), { timeout: 15_000 }).toEqual(m2All);
    }
    // the owners' personalData subscriptions: only the events of their ownership, after they started
    expect(versionsOf('purchaserA', 'm1p')).toEqual([4, 5]);
    await expect.poll(() => versionsOf('purchaserB', 'm1p'), { timeout: 15_000 }).toEqual([10]);
    expect(versionsOf('purchaserB', 'm2p')).toEqual([4, 5]);
    // the open subscriptions never carry personalData, whoever answered the mutation
    for (const caller of CALLERS) for (const id of ['m1', 'm2']) expect(dataOf(caller, id).every((p) => !('personalData' in p.data.onMarkEvent))).toBe(true);

    // the search
    const text = Object.fromEntries(CALLERS.map((c) => [c, receivedBy(c)])) as Record<Caller, string>;
    const absent = (caller: Caller, needles: string[]) => {
      for (const needle of needles) expect(text[caller].includes(needle), `${caller} received "${needle}"`).toBe(false);
    };
    const present = (caller: Caller, needles: string[]) => {
      for (const needle of needles) expect(text[caller].includes(needle), `${caller} never received "${needle}"`).toBe(true);
    };
    absent('purchaserA', bTexts());
    absent('purchaserB', aTexts());
    for (const caller of ['apiKey', 'dataProtection'] as const) absent(caller, [...aTexts(), ...bTexts()]);
    // the entitled did receive theirs: so each search above could have found something
    present('purchaserA', [A_DATA.purchaserName, A_DATA.telephoneNo, A_DATA.address.addLine1, A_LATER.address.addLine1, A_LATER.nomineeName, subA]);
    present('purchaserB', bTexts());
    present('staff', [...aTexts(), ...bTexts()]);
    // and over the real-time endpoint alone: the owners' subscriptions carried their own data
    const realtimeOf = (caller: Caller) => JSON.stringify(sockets.get(caller)!.messages);
    expect(realtimeOf('purchaserA')).toContain(A_LATER.nomineeName);
    expect(realtimeOf('purchaserB')).toContain(B_RESALE_LATER.address.addLine1);
    expect(realtimeOf('staff')).toContain(A_LATER.address.addLine1);
    expect(realtimeOf('staff')).toContain(B_RESALE_LATER.address.addLine1);
  });
});
