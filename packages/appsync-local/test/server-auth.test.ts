/**
 * The local endpoint's authentication and auth directives, on a small API with one field per rule
 * (test/fixtures/auth-api/schema.graphql), default mode Cognito user pools, additional API key
 * and IAM. Each rule is AppSync's, from:
 * - "Configuring authorization and authentication to secure your GraphQL APIs"
 *   (https://docs.aws.amazon.com/appsync/latest/devguide/security-authz.html): the modes, how a
 *   user pool token is checked, "Using additional authorization modes" (field directives replace
 *   type directives; a field or type with none is the default mode's only; cognito_groups) and
 *   the error for a field the caller may not reach;
 * - "AWS AppSync JavaScript resolver context object reference"
 *   (https://docs.aws.amazon.com/appsync/latest/devguide/resolver-context-reference-js.html):
 *   ctx.identity for each mode;
 * - "Building a real-time WebSocket client in AWS AppSync"
 *   (https://docs.aws.amazon.com/appsync/latest/devguide/real-time-websocket-client.html): the
 *   connection's and each start's authorization header, for user pools `Authorization: <token>`.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRealtime, type RealtimeClient } from '../src/realtime/client';
import { signedIamHeaders } from '../src/server/auth';
import { LocalUserPool } from '../src/userpool/pool';
import { directRuntime } from './support/direct-runtime';
import { startTestApi, TEST_USERS, type TestApi } from './support/api';

const WIRING = new URL('./fixtures/server-api/wiring.json', import.meta.url).pathname;
const SCHEMA = new URL('./fixtures/auth-api/schema.graphql', import.meta.url).pathname;

let stack: TestApi;
const writes: string[] = [];
const clients: RealtimeClient[] = [];

beforeAll(async () => {
  stack = await startTestApi({
    label: 'serverauth',
    wiringFile: WIRING,
    schemaFile: SCHEMA,
    runtime: () =>
      directRuntime({
        'Query.defaultOnly': () => ({ data: 'default', errors: [] }),
        'Query.echo': (input) => ({ data: { identity: JSON.stringify(input.identity) }, errors: [] }),
        'Query.staffSecret': () => ({ data: { text: 'secret', teaser: 'teaser' }, errors: [] }),
        'Query.publicSecret': () => ({ data: { text: 'secret', teaser: 'teaser' }, errors: [] }),
        'Mutation.write': (input) => {
          writes.push(String(input.arguments.id));
          return { data: String(input.arguments.id), errors: [] };
        },
      }),
  });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await stack?.stop();
});

const unauthorized = (field: string, type: string, path: (string | number)[]) =>
  expect.objectContaining({ path, data: null, errorType: 'Unauthorized', errorInfo: null, message: `Not Authorized to access ${field} on type ${type}` });

/** Tokens the endpoint must refuse, and the 401 message AppSync gives each. */
async function badTokens(): Promise<[string, string, string][]> {
  const pool = stack.userPool.pool;
  const stranger = await LocalUserPool.create({ poolId: pool.poolId, clientId: pool.clientId, endpoint: pool.endpoint, seed: TEST_USERS });
  return [
    ['a malformed token', 'not-a-jwt', 'Unable to parse JWT token.'],
    ['a token with a forged signature', `${(await pool.tokensFor('staff')).AccessToken.slice(0, -4)}AAAA`, 'You are not authorized to make this call.'],
    ['an expired token', (await pool.tokensFor('staff', { expiresIn: -60 })).AccessToken, 'Token has expired.'],
    ['a token of another issuer (same key)', (await pool.tokensFor('staff', { issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other' })).IdToken, 'You are not authorized to make this call.'],
    ['a token of another pool’s key (same issuer)', (await stranger.tokensFor('staff')).IdToken, 'You are not authorized to make this call.'],
    ['an id token for another app client', (await pool.tokensFor('staff', { clientId: 'anotherappclient000000000a' })).IdToken, 'You are not authorized to make this call.'],
    ['an access token for another app client', (await pool.tokensFor('staff', { clientId: 'anotherappclient000000000a' })).AccessToken, 'You are not authorized to make this call.'],
    ['a token after "Bearer "', `Bearer ${(await pool.tokensFor('staff')).AccessToken}`, 'Unable to parse JWT token.'],
  ];
}

describe('authentication over HTTP', () => {
  it('refuses missing and bad credentials with 401 before any resolver runs', async () => {
    const none = await stack.gql('mutation { write(id: "none") }', {}, { as: 'none' });
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ errors: [{ errorType: 'UnauthorizedException', message: 'Valid authorization header not provided.' }] });
    for (const [label, token, message] of await badTokens()) {
      const res = await stack.gql('mutation { write(id: "bad") }', {}, { as: 'none', headers: { authorization: token } });
      expect(res.status, label).toBe(401);
      expect(res.body, label).toEqual({ errors: [{ errorType: 'UnauthorizedException', message }] });
    }
    const wrongKey = await stack.gql('{ echo { identity } }', {}, { apiKey: 'da2-wrongwrongwrongwrongwrongw' });
    expect(wrongKey.body).toEqual({ errors: [{ errorType: 'UnauthorizedException', message: 'You are not authorized to make this call.' }] });
    const body = JSON.stringify({ query: '{ echo { identity } }' });
    const forgedIam = await stack.post(body, await signedIamHeaders(stack.graphqlUrl, body, { accessKeyId: stack.iam.accessKeyId, secretAccessKey: 'not-the-secret' }));
    expect(forgedIam.status).toBe(401);
    expect(forgedIam.body.errors[0].message).toMatch(/^The request signature we calculated does not match/);
    const tamperedIam = await stack.post(body.replace('echo', 'echo '), await signedIamHeaders(stack.graphqlUrl, body, stack.iam));
    expect(tamperedIam.status).toBe(401);
    // signed as the AWS SDKs sign by default, with the payload's hash in x-amz-content-sha256: a
    // body other than the one hashed is refused too, not vouched for by the signed header
    const url = new URL(stack.graphqlUrl);
    const withChecksum = await new SignatureV4({ service: 'appsync', region: 'us-east-1', sha256: Sha256, credentials: stack.iam }).sign({
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      headers: { host: url.host, 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation { write(id: "signed") }' }),
    });
    expect(withChecksum.headers['x-amz-content-sha256']).toEqual(expect.stringMatching(/^[0-9a-f]{64}$/));
    const swapped = await stack.post(JSON.stringify({ query: 'mutation { write(id: "swapped") }' }), withChecksum.headers as Record<string, string>);
    expect(swapped.status).toBe(401);
    expect(writes).toEqual([]);
  });

  it('gives resolvers ctx.identity in AppSync’s shape for each mode', async () => {
    const identityOf = async (as: Parameters<TestApi['gql']>[2]) => JSON.parse((await stack.gql<{ echo: { identity: string } }>('{ echo { identity } }', {}, as)).body.data!.echo.identity);
    const staff = await identityOf({ as: 'staff' });
    expect(Object.keys(staff).sort()).toEqual(['claims', 'defaultAuthStrategy', 'groups', 'issuer', 'sourceIp', 'sub', 'username']);
    expect(staff).toMatchObject({ issuer: stack.userPool.pool.issuer, username: 'staff', groups: ['staff'], defaultAuthStrategy: 'ALLOW', sourceIp: [expect.stringMatching(/127\.0\.0\.1/)] });
    expect(staff.claims).toMatchObject({ sub: staff.sub, token_use: 'access', client_id: stack.userPool.pool.clientId });
    const purchaser = await identityOf({ as: 'purchaserA' });
    expect(purchaser.groups).toBeNull();
    expect(purchaser.sub).not.toBe(staff.sub);
    const viaIdToken = JSON.parse((await stack.gql<{ echo: { identity: string } }>('{ echo { identity } }', {}, { as: 'none', headers: { authorization: await stack.token('purchaserA', 'id') } })).body.data!.echo.identity);
    // seeded as "purchaserA": a case-insensitive pool gives usernames back in lower case
    // (https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-case-sensitivity.html)
    expect(viaIdToken).toMatchObject({ sub: purchaser.sub, username: 'purchasera', claims: { token_use: 'id', aud: stack.userPool.pool.clientId } });
    const iam = await identityOf({ as: 'iam' });
    expect(iam).toEqual({
      accountId: stack.iam.accountId,
      cognitoIdentityPoolId: null,
      cognitoIdentityId: null,
      sourceIp: [expect.any(String)],
      username: stack.iam.username,
      userArn: stack.iam.userArn,
      cognitoIdentityAuthType: null,
      cognitoIdentityAuthProvider: null,
    });
    expect(await identityOf({ as: 'apiKey' })).toBeNull();
  });
});

describe('auth directives over HTTP', () => {
  it('a field with no directive on a type with none: the default mode only', async () => {
    expect((await stack.gql('{ defaultOnly }', {}, { as: 'purchaserA' })).body).toEqual({ data: { defaultOnly: 'default' } });
    for (const as of ['apiKey', 'iam'] as const) {
      const res = await stack.gql('{ defaultOnly }', {}, { as });
      expect(res.status, as).toBe(200);
      expect(res.body, as).toEqual({ data: { defaultOnly: null }, errors: [unauthorized('defaultOnly', 'Query', ['defaultOnly'])] });
    }
  });

  it('cognito_groups admit only members; IAM and groups on the type apply to its fields', async () => {
    const query = '{ staffSecret { text } }';
    expect((await stack.gql(query, {}, { as: 'staff' })).body).toEqual({ data: { staffSecret: { text: 'secret' } } });
    expect((await stack.gql(query, {}, { as: 'iam' })).body).toEqual({ data: { staffSecret: { text: 'secret' } } });
    for (const as of ['purchaserA', 'dataProtection', 'apiKey'] as const) {
      expect((await stack.gql(query, {}, { as })).body, as).toEqual({ data: { staffSecret: null }, errors: [unauthorized('staffSecret', 'Query', ['staffSecret'])] });
    }
  });

  it('a field’s directives replace its type’s: nested fields are refused one by one, the rest is answered', async () => {
    // The API key reaches publicSecret and Secret.teaser, not Secret.text (the type's rules).
    expect((await stack.gql('{ publicSecret { teaser text } }', {}, { as: 'apiKey' })).body).toEqual({
      data: { publicSecret: { teaser: 'teaser', text: null } },
      errors: [unauthorized('text', 'Secret', ['publicSecret', 'text'])],
    });
    // IAM reaches Secret.text through the type, but not teaser: its own directives do not name IAM.
    expect((await stack.gql('{ staffSecret { teaser text } }', {}, { as: 'iam' })).body).toEqual({
      data: { staffSecret: { teaser: null, text: 'secret' } },
      errors: [unauthorized('teaser', 'Secret', ['staffSecret', 'teaser'])],
    });
  });

  it('a refused mutation field never runs its resolver', async () => {
    const res = await stack.gql('mutation { write(id: "p") }', {}, { as: 'purchaserA' });
    expect(res.body).toEqual({ data: { write: null }, errors: [unauthorized('write', 'Mutation', ['write'])] });
    expect((await stack.gql('mutation { write(id: "k") }', {}, { as: 'apiKey' })).body.errors).toEqual([unauthorized('write', 'Mutation', ['write'])]);
    expect(writes).toEqual([]);
    expect((await stack.gql('mutation { write(id: "d") }', {}, { as: 'dataProtection' })).body).toEqual({ data: { write: 'd' } });
    expect(writes).toEqual(['d']);
    writes.length = 0;
  });
});

describe('the real-time endpoint', () => {
  it('refuses a connection whose token is missing or bad, with AppSync’s connection_error', async () => {
    const url = stack.realtimeUrl;
    for (const [label, token] of [...(await badTokens()).map(([l, t]) => [l, t] as const), ['an empty Authorization', ''] as const]) {
      const client = await connectRealtime({ url, apiKey: 'unused', authorization: { Authorization: token } });
      clients.push(client);
      client.send({ type: 'connection_init' });
      const reply = await client.next((m) => m.type === 'connection_error' || m.type === 'connection_ack');
      expect(reply.type, label).toBe('connection_error');
    }
  });

  it('checks every start’s own token and the directives of the field and its selection', async () => {
    const purchaser = await connectRealtime({ url: stack.realtimeUrl, apiKey: 'unused', authorization: { Authorization: await stack.token('purchaserA') } });
    clients.push(purchaser);
    await purchaser.init();
    expect(await purchaser.start('open', 'subscription { onWrite }')).toEqual({ type: 'start_ack', id: 'open' });
    const staffOnly = await purchaser.start('staff-only', 'subscription { staffOnly }');
    expect(staffOnly).toMatchObject({ type: 'error', id: 'staff-only', payload: { errors: [{ errorType: 'Unauthorized', message: 'Not Authorized to access staffOnly on type Subscription' }] } });
    // a start whose own credentials are bad is refused even on a good connection
    purchaser.send({ id: 'forged', type: 'start', payload: { data: JSON.stringify({ query: 'subscription { onWrite }' }), extensions: { authorization: { Authorization: 'not-a-jwt', host: 'h' } } } });
    expect(await purchaser.next((m) => m.id === 'forged')).toMatchObject({ type: 'error', payload: { errors: [{ errorType: 'UnauthorizedException' }] } });

    const publicClient = await connectRealtime({ url: stack.realtimeUrl, apiKey: stack.apiKey });
    clients.push(publicClient);
    await publicClient.init();
    expect(await publicClient.start('pub', 'subscription { onWrite }')).toEqual({ type: 'start_ack', id: 'pub' });
    expect(await publicClient.start('pub-staff', 'subscription { staffOnly }')).toMatchObject({ type: 'error', payload: { errors: [{ errorType: 'Unauthorized' }] } });

    const staff = await connectRealtime({ url: stack.realtimeUrl, apiKey: 'unused', authorization: { Authorization: await stack.token('staff') } });
    clients.push(staff);
    await staff.init();
    expect(await staff.start('staff', 'subscription { staffOnly }')).toEqual({ type: 'start_ack', id: 'staff' });

    expect((await stack.gql('mutation { write(id: "x") }', {}, { as: 'staff' })).body).toEqual({ data: { write: 'x' } });
    await purchaser.next((m) => m.type === 'data' && m.id === 'open');
    await publicClient.next((m) => m.type === 'data' && m.id === 'pub');
    await staff.next((m) => m.type === 'data' && m.id === 'staff');
    expect(purchaser.data('staff-only')).toEqual([]);
    expect(purchaser.data('forged')).toEqual([]);
    expect(publicClient.data('pub-staff')).toEqual([]);
    writes.length = 0;
  });

  it('accepts IAM: a connection signed over {} to /connect, a start signed over its data', async () => {
    const connectHeaders = await signedIamHeaders(`${stack.graphqlUrl}/connect`, '{}', stack.iam);
    const client = await connectRealtime({ url: stack.realtimeUrl, apiKey: 'unused', authorization: connectHeaders });
    clients.push(client);
    await client.init();
    const data = JSON.stringify({ query: 'subscription { onWrite }', variables: {} });
    client.send({ id: 'iam-open', type: 'start', payload: { data, extensions: { authorization: await signedIamHeaders(stack.graphqlUrl, data, stack.iam) } } });
    // IAM is not named on onWrite: refused by the directives, after authenticating
    expect(await client.next((m) => m.id === 'iam-open')).toMatchObject({ type: 'error', payload: { errors: [{ errorType: 'Unauthorized', message: 'Not Authorized to access onWrite on type Subscription' }] } });
    client.send({ id: 'iam-forged', type: 'start', payload: { data, extensions: { authorization: await signedIamHeaders(stack.graphqlUrl, `${data} `, stack.iam) } } });
    expect(await client.next((m) => m.id === 'iam-forged')).toMatchObject({ type: 'error', payload: { errors: [{ errorType: 'UnauthorizedException' }] } });
  });
});
