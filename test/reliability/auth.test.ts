/**
 * Auth, with every mode the API has (default Cognito user pools, API key and IAM additional;
 * "Configuring authorization and authentication to secure your GraphQL APIs",
 * https://docs.aws.amazon.com/appsync/latest/devguide/security-authz.html): no credentials, empty
 * and wrong API keys, malformed, forged, expired, other-issuer and other-client tokens, and a
 * forged IAM signature, over HTTP (queries and mutations: 401 UnauthorizedException, nothing
 * written), the right API key on a mutation (refused per field, errorType Unauthorized, nothing
 * written), and on the real-time endpoint (the connection is refused at connect; a start with bad
 * credentials is refused and delivers nothing, while the connection and a good start keep working).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connectRealtime, signedIamHeaders, LocalUserPool, type AnyServerMessage, type RealtimeClient } from 'appsync-local';
import { SEEDED_USERS } from '../../local/users';
import { startTestStack, type TestStack } from '../support/stack';
import { ok } from '../support/marks';
import { Tally, settleLosses, tablesSnapshot, type Acknowledged } from '../support/reliability';

let stack: TestStack;
const tally = new Tally('auth');
const acknowledged: Acknowledged[] = [];
const clients: RealtimeClient[] = [];
const MARK = 'AUTH 1';

/** Authorization headers the endpoint must refuse, with AppSync's 401 message for each. */
let badTokens: [string, string, string][] = [];

beforeAll(async () => {
  stack = await startTestStack({ label: 'relauth' });
  const pool = stack.userPool.pool;
  const stranger = await LocalUserPool.create({ poolId: pool.poolId, clientId: pool.clientId, endpoint: pool.endpoint, seed: SEEDED_USERS });
  // a signed-in staff user's token, tampered with below; the forged ones come from the pool's tokensFor on purpose
  const good = await stack.token('staff');
  badTokens = [
    ['a malformed token', 'eyJhbGciOi.not.a-token', 'Unable to parse JWT token.'],
    ['an empty-looking token', '..', 'Unable to parse JWT token.'],
    ['a token with its signature changed', `${good.slice(0, -6)}AAAAAA`, 'You are not authorized to make this call.'],
    ['a token with its claims changed', good.replace(/\.[^.]+\./, `.${Buffer.from(JSON.stringify({ sub: 'x', token_use: 'access', client_id: pool.clientId, iss: pool.issuer, exp: 9999999999 })).toString('base64url')}.`), 'You are not authorized to make this call.'],
    ['an expired token', (await pool.tokensFor('staff', { expiresIn: -1 })).AccessToken, 'Token has expired.'],
    ['a token from another issuer', (await pool.tokensFor('staff', { issuer: 'https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_Elsewhere' })).AccessToken, 'You are not authorized to make this call.'],
    ['a token signed by another pool', (await stranger.tokensFor('staff')).AccessToken, 'You are not authorized to make this call.'],
    ['a token for another app client', (await pool.tokensFor('staff', { clientId: 'someoneelsesappclient0000a' })).IdToken, 'You are not authorized to make this call.'],
  ];
  const event = await ok(stack, 'releaseMark', { mark: MARK, price: 5 });
  acknowledged.push({ mark: event.mark, version: event.version, type: event.type });
  tally.acknowledged += 1;
});

afterAll(async () => {
  try {
    await settleLosses(stack, tally, acknowledged);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await stack?.stop();
  }
});

const BAD_KEYS: [string, string | null][] = [
  ['no key', null],
  ['an empty key', ''],
  ['a wrong key', 'da2-wrongwrongwrongwrongwrongw'],
  ['the key in the wrong case', 'DA2-LOCALMARKAPIDEVELOPMENT0'],
  ['the key with its last character changed', 'da2-localmarkapidevelopment1'],
  ['the key twice', 'da2-localmarkapidevelopment0da2-localmarkapidevelopment0'],
  ['the key cut short', 'da2-localmarkapidevelopment'],
];

const OPERATIONS: [string, string, Record<string, unknown>][] = [
  ['releaseMark', 'mutation M($input: ReleaseMarkInput!) { releaseMark(input: $input) { version } }', { input: { mark: 'AUTH 2', price: 1 } }],
  ['lockMark', 'mutation M($input: LockMarkInput!) { lockMark(input: $input) { version } }', { input: { mark: MARK, expectedVersion: 1 } }],
  ['forgetMark', 'mutation M($input: ForgetMarkInput!) { forgetMark(input: $input) { version } }', { input: { mark: MARK, expectedVersion: 1 } }],
  ['getMark', 'query Q($mark: ID!) { getMark(mark: $mark) { version } }', { mark: MARK }],
  ['listMarks', 'query { listMarks { items { mark } } }', {}],
];

describe('HTTP', () => {
  it('answers every operation without valid credentials with 401 UnauthorizedException and writes nothing', async () => {
    expect(stack.apiKey).toBe('da2-localmarkapidevelopment0');
    const before = await tablesSnapshot(stack);
    for (const [keyLabel, apiKey] of BAD_KEYS) {
      for (const [name, query, variables] of OPERATIONS) {
        tally.attempted += 1;
        const res = await stack.gql(query, variables, { apiKey });
        expect(res.status, `${name} with ${keyLabel}`).toBe(401);
        // no credentials at all: the default mode (user pools) asks for its header
        const message = apiKey === null ? 'Valid authorization header not provided.' : 'You are not authorized to make this call.';
        expect(res.body, `${name} with ${keyLabel}`).toEqual({ errors: [{ errorType: 'UnauthorizedException', message }] });
        tally.rejected += 1;
      }
    }
    for (const [tokenLabel, token, message] of badTokens) {
      for (const [name, query, variables] of OPERATIONS) {
        tally.attempted += 1;
        const res = await stack.gql(query, variables, { as: 'none', headers: { authorization: token } });
        expect(res.status, `${name} with ${tokenLabel}`).toBe(401);
        expect(res.body, `${name} with ${tokenLabel}`).toEqual({ errors: [{ errorType: 'UnauthorizedException', message }] });
        tally.rejected += 1;
      }
    }
    for (const [name, query, variables] of OPERATIONS) {
      tally.attempted += 1;
      const body = JSON.stringify({ query, variables });
      const forged = await stack.post(body, await signedIamHeaders(stack.graphqlUrl, body, { accessKeyId: stack.iam.accessKeyId, secretAccessKey: `${stack.iam.secretAccessKey}x` }));
      expect(forged.status, `${name} with a forged IAM signature`).toBe(401);
      tally.rejected += 1;
    }
    // an API key in the Authorization header is no key, and no token either
    tally.attempted += 1;
    const elsewhere = await stack.gql(OPERATIONS[0][1], OPERATIONS[0][2], { apiKey: null, headers: { authorization: stack.apiKey } });
    expect(elsewhere.status).toBe(401);
    tally.rejected += 1;
    // the right API key may read but not mutate: each mutation field is refused, nothing runs
    for (const [name, query, variables] of OPERATIONS.filter(([, q]) => q.startsWith('mutation'))) {
      tally.attempted += 1;
      const res = await stack.gql(query, variables, { as: 'apiKey' });
      expect(res.status, name).toBe(200);
      // the field is non-null (MarkEvent!), so its null reaches data itself
      expect(res.body.data, name).toBeNull();
      expect(res.body.errors, name).toEqual([expect.objectContaining({ errorType: 'Unauthorized', message: `Not Authorized to access ${name} on type Mutation` })]);
      tally.rejected += 1;
    }
    expect(await tablesSnapshot(stack)).toEqual(before);
    // good credentials on the same request go through (so the refusals above were about them)
    for (const as of ['apiKey', 'staff', 'purchaserA', 'iam'] as const) {
      const allowed = await stack.gql(OPERATIONS[3][1], OPERATIONS[3][2], { as });
      expect(allowed.body, as).toEqual({ data: { getMark: { version: 1 } } });
    }
  });
});

/** Opens a socket and sends connection_init: the refusal, whichever way it comes (upgrade refused or connection_error). */
async function connectAndInit(open: () => Promise<RealtimeClient>): Promise<string> {
  let client: RealtimeClient;
  try {
    client = await open();
  } catch (err) {
    return `upgrade refused: ${(err as Error).message}`;
  }
  clients.push(client);
  client.send({ type: 'connection_init' });
  const reply = await client.next((m) => m.type === 'connection_error' || m.type === 'connection_ack');
  expect(reply.type).toBe('connection_error');
  const [error] = (reply.payload as { errors: { errorType: string; message: string }[] }).errors;
  expect(error.errorType).toMatch(/UnauthorizedException$/);
  expect(error.message.length).toBeGreaterThan(0);
  await new Promise<void>((resolve) => (client.socket.readyState === WebSocket.CLOSED ? resolve() : client.socket.once('close', () => resolve())));
  return error.errorType;
}

/** A socket whose handshake carries a header without any x-api-key, or no header at all. */
function rawSocket(header: object | null): Promise<RealtimeClient> {
  const url = new URL(stack.realtimeUrl);
  if (header) url.searchParams.set('header', Buffer.from(JSON.stringify(header)).toString('base64'));
  url.searchParams.set('payload', Buffer.from('{}').toString('base64'));
  return connectRealtime({ url: url.toString(), apiKey: 'unused', protocols: ['graphql-ws'], via: 'subprotocol' }).then((client) => client);
}

describe('real-time endpoint', () => {
  it('refuses a connection without the right key', async () => {
    const host = new URL(stack.realtimeUrl).host;
    const attempts: [string, () => Promise<RealtimeClient>][] = [
      ...BAD_KEYS.filter(([, key]) => key !== null).flatMap(([label, key]) =>
        (['query', 'subprotocol'] as const).map((via) => [`${label} via ${via}`, () => connectRealtime({ url: stack.realtimeUrl, apiKey: key!, via })] as [string, () => Promise<RealtimeClient>]),
      ),
      ['a header without x-api-key', () => rawSocket({ host })],
      ...badTokens.map(([label, token]) => [`${label} as Authorization`, () => connectRealtime({ url: stack.realtimeUrl, apiKey: 'unused', authorization: { Authorization: token } })] as [string, () => Promise<RealtimeClient>]),
    ];
    for (const [label, open] of attempts) {
      tally.attempted += 1;
      const refusal = await connectAndInit(open);
      expect(refusal, label).toMatch(/UnauthorizedException|upgrade refused: HTTP 4\d\d/);
      tally.rejected += 1;
    }
    expect(stack.realtime.stats().subscriptions).toBe(0);
  });

  it('refuses a start without the right key and delivers nothing to it; the right key still works', async () => {
    const client = await connectRealtime({ url: stack.realtimeUrl, apiKey: stack.apiKey });
    clients.push(client);
    await client.init();
    const query = 'subscription S($mark: ID) { onMarkEvent(mark: $mark) { mark version } }';
    const refusedIds: string[] = [];
    for (const [label, apiKey] of BAD_KEYS) {
      const id = `bad-${refusedIds.length}`;
      tally.attempted += 1;
      let reply: AnyServerMessage;
      if (apiKey === null) {
        // authorization without any x-api-key
        client.send({ id, type: 'start', payload: { data: JSON.stringify({ query, variables: { mark: MARK } }), extensions: { authorization: { host: new URL(stack.realtimeUrl).host } } } });
        reply = await client.next((m) => m.id === id && (m.type === 'start_ack' || m.type === 'error'));
      } else {
        reply = await client.start(id, query, { mark: MARK }, apiKey);
      }
      expect(reply, label).toEqual({ type: 'error', id, payload: { errors: [{ errorType: 'UnauthorizedException', message: 'You are not authorized to make this call.' }] } });
      tally.rejected += 1;
      refusedIds.push(id);
    }
    for (const [label, token] of badTokens) {
      const id = `bad-${refusedIds.length}`;
      tally.attempted += 1;
      client.send({ id, type: 'start', payload: { data: JSON.stringify({ query, variables: { mark: MARK } }), extensions: { authorization: { host: new URL(stack.realtimeUrl).host, Authorization: token } } } });
      const reply = await client.next((m) => m.id === id && (m.type === 'start_ack' || m.type === 'error'));
      expect(reply, label).toEqual({ type: 'error', id, payload: { errors: [{ errorType: 'UnauthorizedException', message: 'You are not authorized to make this call.' }] } });
      tally.rejected += 1;
      refusedIds.push(id);
    }
    expect(await client.start('good', query, { mark: MARK })).toEqual({ type: 'start_ack', id: 'good' });
    // a purchaser's token on the same connection starts too
    client.send({ id: 'user', type: 'start', payload: { data: JSON.stringify({ query, variables: { mark: MARK } }), extensions: { authorization: { host: new URL(stack.realtimeUrl).host, Authorization: await stack.token('purchaserA') } } } });
    expect(await client.next((m) => m.id === 'user')).toEqual({ type: 'start_ack', id: 'user' });
    const event = await ok(stack, 'lockMark', { mark: MARK, expectedVersion: 1 });
    acknowledged.push({ mark: event.mark, version: event.version, type: event.type });
    tally.acknowledged += 1;
    await client.next((m) => m.type === 'data' && m.id === 'good');
    await client.next((m) => m.type === 'data' && m.id === 'user');
    for (const id of refusedIds) expect(client.data(id), id).toEqual([]);
  });
});
