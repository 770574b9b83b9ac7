/**
 * mark-api's operations × callers, end to end with real credentials (tokens of the local user
 * pool, SigV4 for IAM, the API key): what AppSync decides before any resolver runs — the
 * credentials ("Configuring authorization and authentication to secure your GraphQL APIs",
 * https://docs.aws.amazon.com/appsync/latest/devguide/security-authz.html: 401
 * UnauthorizedException) and the schema's auth directives (same page, "Using additional
 * authorization modes": `Not Authorized to access <field> on type <Type>`) — and then what
 * resolvers/lib/authorize.ts decides from the caller and the mark's state (docs/AUTHORIZATION.md),
 * which refuses with the same words and errorType. Each command is sent so that, if let through,
 * `decide` refuses it (stale expectedVersion, existing mark): the whole matrix writes nothing, over
 * HTTP and over the real-time endpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRealtime, LocalUserPool, type RealtimeClient } from 'appsync-local';
import { SEEDED_USERS } from '../local/users';
import { ok } from './support/marks';
import { tablesSnapshot } from './support/reliability';
import { startTestStack, type Identity, type TestStack } from './support/stack';

let stack: TestStack;
const MARK = 'AUZ 1';
/** bought by purchaser A in beforeAll: the owner-only commands are sent on it */
const OWNED = 'AUZ 2';
const clients: RealtimeClient[] = [];

type Caller = Identity | 'malformed' | 'expired' | 'otherIssuer' | 'otherClient';
const CALLERS: Caller[] = ['none', 'malformed', 'expired', 'otherIssuer', 'otherClient', 'apiKey', 'purchaserA', 'purchaserB', 'staff', 'dataProtection', 'iam'];
const BAD: Caller[] = ['none', 'malformed', 'expired', 'otherIssuer', 'otherClient'];
let badTokens: Record<string, string>;

const stale = { mark: MARK, expectedVersion: 99 };
const staleOwned = { mark: OWNED, expectedVersion: 99 };
const OPERATIONS: Record<string, { query: string; variables: Record<string, unknown>; type: 'Query' | 'Mutation' }> = {
  getMark: { type: 'Query', query: 'query Q($mark: ID!) { getMark(mark: $mark) { mark version } }', variables: { mark: MARK } },
  listMarks: { type: 'Query', query: 'query { listMarks { items { mark } } }', variables: {} },
  listMyMarks: { type: 'Query', query: 'query { listMyMarks { items { mark } } }', variables: {} },
  getMarkAt: { type: 'Query', query: 'query Q($mark: ID!) { getMarkAt(mark: $mark, version: 1) { mark } }', variables: { mark: MARK } },
  listMarkEvents: { type: 'Query', query: 'query Q($mark: ID!) { listMarkEvents(mark: $mark) { items { version } } }', variables: { mark: MARK } },
  releaseMark: { type: 'Mutation', query: 'mutation M($input: ReleaseMarkInput!) { releaseMark(input: $input) { version } }', variables: { input: { mark: MARK, price: 1 } } },
  createEntitlement: {
    type: 'Mutation',
    query: 'mutation M($input: CreateEntitlementInput!) { createEntitlement(input: $input) { version } }',
    variables: { input: { mark: MARK, entitlement: { certificateNo: 'C1', purchaserName: 'Ann Example', address: { addLine1: '1 Road', postTown: 'Town', postcode: 'AB1 2CD' } } } },
  },
  extendEntitlement: { type: 'Mutation', query: 'mutation M($input: ExtendEntitlementInput!) { extendEntitlement(input: $input) { version } }', variables: { input: { ...staleOwned, expiryTime: '2040-01-01T00:00:00.000Z' } } },
  changeAddress: { type: 'Mutation', query: 'mutation M($input: ChangeAddressInput!) { changeAddress(input: $input) { version } }', variables: { input: { ...staleOwned, address: { addLine1: '2 Road', postTown: 'Town', postcode: 'AB1 2CD' } } } },
  changeNominee: { type: 'Mutation', query: 'mutation M($input: ChangeNomineeInput!) { changeNominee(input: $input) { version } }', variables: { input: { ...staleOwned, nomineeName: 'Bo Example' } } },
  issueDuplicateCertificate: { type: 'Mutation', query: 'mutation M($input: IssueDuplicateCertificateInput!) { issueDuplicateCertificate(input: $input) { version } }', variables: { input: staleOwned } },
  lockMark: { type: 'Mutation', query: 'mutation M($input: LockMarkInput!) { lockMark(input: $input) { version } }', variables: { input: stale } },
  purchaseMark: {
    type: 'Mutation',
    query: 'mutation M($input: PurchaseMarkInput!) { purchaseMark(input: $input) { version } }',
    variables: { input: { ...stale, entitlement: { purchaserName: 'Ann Example', address: { addLine1: '1 Road', postTown: 'Town', postcode: 'AB1 2CD' } } } },
  },
  unlockMark: { type: 'Mutation', query: 'mutation M($input: UnlockMarkInput!) { unlockMark(input: $input) { version } }', variables: { input: stale } },
  forgetMark: { type: 'Mutation', query: 'mutation M($input: ForgetMarkInput!) { forgetMark(input: $input) { version } }', variables: { input: stale } },
  revokeSubscriptions: { type: 'Mutation', query: 'mutation M($input: RevokeSubscriptionsInput!) { revokeSubscriptions(input: $input) { user } }', variables: { input: { user: 'nobody' } } },
};

/** The directives of schema.graphql, as a table: who the schema lets reach each operation. */
const ANY_USER: Caller[] = ['purchaserA', 'purchaserB', 'staff', 'dataProtection', 'iam'];
const REACHES: Record<string, Caller[]> = {
  getMark: ['apiKey', ...ANY_USER],
  listMarks: ['apiKey', ...ANY_USER],
  listMyMarks: ANY_USER,
  getMarkAt: ANY_USER,
  listMarkEvents: ANY_USER,
  releaseMark: ['staff', 'iam'],
  createEntitlement: ['staff', 'iam'],
  extendEntitlement: ANY_USER,
  changeAddress: ANY_USER,
  changeNominee: ANY_USER,
  issueDuplicateCertificate: ANY_USER,
  lockMark: ANY_USER,
  purchaseMark: ANY_USER,
  unlockMark: ANY_USER,
  forgetMark: ['staff', 'dataProtection', 'iam'],
  revokeSubscriptions: ['staff', 'iam'],
};

/**
 * Of the callers the directives let through, those authorize refuses in this test's states
 * (docs/AUTHORIZATION.md's matrix): MARK is for sale with no lock, OWNED is purchaser A's.
 */
const OWNER_ONLY: Caller[] = ['purchaserB', 'dataProtection'];
const DOMAIN_REFUSES: Record<string, Caller[]> = {
  // the storefront lists only marks for sale: a listing without status: MARK_AVAILABLE is not the public's
  listMarks: ['apiKey'],
  // a caller's own marks are those of their sub: an IAM caller has none, and must name an owner
  listMyMarks: ['iam'],
  extendEntitlement: OWNER_ONLY,
  changeAddress: OWNER_ONLY,
  changeNominee: OWNER_ONLY,
  issueDuplicateCertificate: OWNER_ONLY,
  // no one holds a lock on MARK: only staff may clear one
  unlockMark: ['purchaserA', 'purchaserB', 'dataProtection'],
  // IAM callers are services: they cannot become an owner
  purchaseMark: ['iam'],
};

beforeAll(async () => {
  stack = await startTestStack({ label: 'authmatrix' });
  await ok(stack, 'releaseMark', { mark: MARK, price: 5 });
  await ok(stack, 'releaseMark', { mark: OWNED, price: 5 });
  const bought = await stack.gql(OPERATIONS.purchaseMark.query, { input: { ...OPERATIONS.purchaseMark.variables.input as object, mark: OWNED, expectedVersion: 1 } }, { as: 'purchaserA' });
  expect(bought.body).toEqual({ data: { purchaseMark: { version: 2 } } });
  const pool = stack.userPool.pool;
  badTokens = {
    malformed: 'abc.def.ghi',
    expired: (await pool.tokensFor('purchaser-a', { expiresIn: -30 })).AccessToken,
    otherIssuer: (await (await LocalUserPool.create({ poolId: 'us-east-1_Another', clientId: pool.clientId, seed: SEEDED_USERS })).tokensFor('purchaser-a')).IdToken,
    otherClient: (await pool.tokensFor('purchaser-a', { clientId: 'anotherclientanotherclient' })).IdToken,
  };
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await stack?.stop();
});

const send = (caller: Caller, query: string, variables: Record<string, unknown>) =>
  caller in (badTokens ?? {}) ? stack.gql(query, variables, { as: 'none', headers: { authorization: badTokens[caller] } }) : stack.gql(query, variables, { as: caller as Identity });

describe('over HTTP', () => {
  it('every operation × every caller: 401 for bad credentials, the directives’ or authorize’s refusal, or a pass, and nothing written', async () => {
    const before = await tablesSnapshot(stack);
    const outcomes: Record<string, Record<string, string>> = {};
    for (const [name, op] of Object.entries(OPERATIONS)) {
      outcomes[name] = {};
      for (const caller of CALLERS) {
        const res = await send(caller, op.query, op.variables);
        const refusal = `Not Authorized to access ${name} on type ${op.type}`;
        const errors = (res.body.errors ?? []) as { message: string; errorType?: string }[];
        outcomes[name][caller] = res.status === 401 ? '401' : errors.some((e) => e.message === refusal && e.errorType === 'Unauthorized') ? 'refused' : 'passed';
      }
    }
    const expected = Object.fromEntries(
      Object.keys(OPERATIONS).map((name) => [name, Object.fromEntries(CALLERS.map((c) => [c, BAD.includes(c) ? '401' : REACHES[name].includes(c) && !DOMAIN_REFUSES[name]?.includes(c) ? 'passed' : 'refused']))]),
    );
    expect(outcomes).toEqual(expected);
    expect(await tablesSnapshot(stack)).toEqual(before);
    // every request above carried a real token, yet each seeded user signed in once (test/support/sign-in.ts)
    expect(stack.signIns.calls).toEqual({ signIn: 4, renew: 0 });
  });

  it('the API key reads a mark but not its personal data: Mark.entitlement and MarkEvent.data are refused field by field', async () => {
    const res = await stack.gql('query Q($mark: ID!) { getMark(mark: $mark) { mark entitlement { purchaserName } } }', { mark: MARK }, { as: 'apiKey' });
    expect(res.body).toEqual({ data: { getMark: { mark: MARK, entitlement: null } }, errors: [expect.objectContaining({ path: ['getMark', 'entitlement'], errorType: 'Unauthorized', message: 'Not Authorized to access entitlement on type Mark' })] });
    const staff = await stack.gql('query Q($mark: ID!) { getMark(mark: $mark) { mark entitlement { purchaserName } } }', { mark: MARK }, { as: 'staff' });
    expect(staff.body).toEqual({ data: { getMark: { mark: MARK, entitlement: null } } });
  });
});

describe('over the real-time endpoint', () => {
  // The class of the review's finding: personalData reached under another response key. An alias,
  // an alias inside an inline fragment and one inside a named fragment must each be decided as
  // personalData itself (only staff, or the owner of the mark named), whatever the key it arrives as.
  const AS_ALIASES = {
    alias: 'subscription S($mark: ID) { onMarkEvent(mark: $mark) { mark p: personalData } }',
    aliasAsOpenField: 'subscription S($mark: ID) { onMarkEvent(mark: $mark) { mark data: personalData } }',
    inlineFragment: 'subscription S($mark: ID) { onMarkEvent(mark: $mark) { mark ... on MarkEvent { q: personalData } } }',
    namedFragment: 'subscription S($mark: ID) { onMarkEvent(mark: $mark) { mark ...F } } fragment F on MarkEvent { r: personalData }',
  };

  it('personalData under an alias or in a fragment is refused as personalData is: only the owner of the named mark, or staff', async () => {
    const outcomes: Record<string, string> = {};
    for (const caller of ['purchaserA', 'purchaserB', 'dataProtection', 'staff'] as const) {
      const client = await connectRealtime({ url: stack.realtimeUrl, apiKey: 'unused', authorization: { Authorization: (await stack.credentials(caller)).authorization } });
      clients.push(client);
      await client.init();
      for (const [name, document] of Object.entries(AS_ALIASES)) {
        for (const [label, mark] of [['any', undefined], ['owned', OWNED]] as const) {
          const reply = await client.start(`${name}-${label}`, document, mark ? { mark } : {});
          outcomes[`${caller} ${name} ${label}`] = reply.type;
        }
      }
    }
    const expected: Record<string, string> = {};
    for (const caller of ['purchaserA', 'purchaserB', 'dataProtection', 'staff']) {
      for (const name of Object.keys(AS_ALIASES)) {
        expected[`${caller} ${name} any`] = caller === 'staff' ? 'start_ack' : 'error';
        expected[`${caller} ${name} owned`] = caller === 'staff' || caller === 'purchaserA' ? 'start_ack' : 'error';
      }
    }
    expect(outcomes).toEqual(expected);
  });

  it('a purchaser who aliased personalData receives nothing of another’s purchase', async () => {
    const client = await connectRealtime({ url: stack.realtimeUrl, apiKey: 'unused', authorization: { Authorization: (await stack.credentials('purchaserB')).authorization } });
    clients.push(client);
    await client.init();
    const open = await client.start('open', 'subscription { onMarkEvent { mark version data } }', {});
    expect(open.type).toBe('start_ack');
    const nominee = 'Zebedee Aliasprobe';
    const changed = await stack.gql('mutation M($input: ChangeNomineeInput!) { changeNominee(input: $input) { version personalData } }', { input: { mark: OWNED, expectedVersion: 2, nomineeName: nominee } }, { as: 'purchaserA' });
    expect(JSON.stringify(changed.body)).toContain(nominee);
    const delivered = await client.next((m) => m.id === 'open' && m.type === 'data');
    expect(JSON.stringify(delivered)).not.toContain(nominee);
  });

  const SUBSCRIBE = 'subscription S($mark: ID) { onMarkEvent(mark: $mark) { mark version type } }';
  const WITH_DATA = 'subscription S($mark: ID) { onMarkEvent(mark: $mark) { mark version data personalData } }';

  const credentialsOf = async (caller: Caller): Promise<Record<string, string>> => {
    if (caller in badTokens) return { Authorization: badTokens[caller] };
    if (caller === 'iam') return {}; // IAM on the real-time endpoint signs each message: packages/appsync-local/test/server-auth.test.ts
    const headers = await stack.credentials(caller as Identity);
    return caller === 'apiKey' ? { 'x-api-key': headers['x-api-key'] } : headers.authorization ? { Authorization: headers.authorization } : {};
  };

  it('every caller: the connection is refused for bad credentials; the subscription starts for every mode the schema names; personalData only for staff and the mark’s owner', async () => {
    const results: Record<string, string> = {};
    for (const caller of CALLERS.filter((c) => c !== 'iam')) {
      const client = await connectRealtime({ url: stack.realtimeUrl, apiKey: 'unused', authorization: await credentialsOf(caller) });
      clients.push(client);
      client.send({ type: 'connection_init' });
      const reply = await client.next((m) => m.type === 'connection_ack' || m.type === 'connection_error');
      if (reply.type === 'connection_error') {
        results[caller] = 'connection refused';
        continue;
      }
      const started = await client.start('s', SUBSCRIBE, { mark: MARK });
      const outcome = (m: { type: string; payload?: unknown }) => (m.type === 'error' ? (m.payload as { errors: { message: string }[] }).errors[0].message : m.type);
      const withData = await client.start('d', WITH_DATA, { mark: MARK });
      const ownedWithData = await client.start('o', WITH_DATA, { mark: OWNED });
      results[caller] = `${started.type}/${outcome(withData)}/${outcome(ownedWithData)}`;
    }
    expect(results).toEqual({
      none: 'connection refused',
      malformed: 'connection refused',
      expired: 'connection refused',
      otherIssuer: 'connection refused',
      otherClient: 'connection refused',
      // the directive keeps the API key from personalData; authorize lets a user select it only on a mark they own
      apiKey: 'start_ack/Not Authorized to access personalData on type MarkEvent/Not Authorized to access personalData on type MarkEvent',
      purchaserA: 'start_ack/Not Authorized to access onMarkEvent on type Subscription/start_ack',
      purchaserB: 'start_ack/Not Authorized to access onMarkEvent on type Subscription/Not Authorized to access onMarkEvent on type Subscription',
      staff: 'start_ack/start_ack/start_ack',
      dataProtection: 'start_ack/Not Authorized to access onMarkEvent on type Subscription/Not Authorized to access onMarkEvent on type Subscription',
    });
  });
});
