/**
 * The local pool is safe to leave running on a developer's machine:
 * - the administrators' operations want a SigV4 signature by the pool's IAM principal for
 *   cognito-idp in the pool's region, as Cognito wants IAM for them ("Using the Amazon Cognito user
 *   pools API and user pool endpoints",
 *   https://docs.aws.amazon.com/cognito/latest/developerguide/user-pools-API-operations.html), and
 *   answer a missing, unknown or wrong signature with the errors AWS's JSON services give
 *   (MissingAuthenticationTokenException "Missing Authentication Token", as Cognito answered an
 *   unsigned DescribeUserPool in awslabs/aws-sdk-ios-samples#108; UnrecognizedClientException;
 *   InvalidSignatureException);
 * - CORS answers only the origins it is told of: another origin's request is refused with 403
 *   and no Access-Control-Allow-Origin, so a browser neither sends the preflighted call nor shows
 *   the page an answer (https://fetch.spec.whatwg.org/#cors-protocol). Requests without an Origin
 *   (the SDK in Node, curl) are not browsers' and pass as before.
 */
import {
  AdminAddUserToGroupCommand,
  AdminListGroupsForUserCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopbackOrigins, startUserPoolServer, type UserPoolServer } from '../src/userpool/server';
import { startTestApi, TEST_IAM, TEST_USERS } from './support/api';
import { sdkErrorOf } from './support/sdk-error';

const WEB_CLIENT = 'http://127.0.0.1:5173';
const POOL = { groups: ['staff', 'dataProtection'], seed: TEST_USERS };

let server: UserPoolServer;

beforeAll(async () => {
  server = await startUserPoolServer({ ...POOL, adminCredentials: TEST_IAM, allowedOrigins: [WEB_CLIENT] });
});

afterAll(async () => {
  await server?.stop();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request, with whatever headers a browser or a script would send (Origin included). */
function call(url: string, method: string, headers: Record<string, string>, body = ''): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const target = (operation: string) => ({ 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${operation}` });
const signIn = JSON.stringify({ ClientId: 'appsynclocalwebandmobile01', AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'staff', PASSWORD: 'Staff-Test-1' } });
const preflight = (origin: string) => call(server.endpoint, 'OPTIONS', { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-amz-target,x-amz-user-agent' });

describe('CORS: only the origins the pool is told of', () => {
  it('lets an allowed origin’s page call it: the preflight and the answer name that origin', async () => {
    const pre = await preflight(WEB_CLIENT);
    expect(pre.status).toBe(204);
    expect(pre.headers).toMatchObject({ 'access-control-allow-origin': WEB_CLIENT, vary: 'Origin', 'access-control-allow-methods': expect.stringContaining('POST') });
    expect(String(pre.headers['access-control-allow-headers'])).toContain('x-amz-target');
    const answer = await call(server.endpoint, 'POST', { origin: WEB_CLIENT, ...target('InitiateAuth') }, signIn);
    expect(answer.status).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBe(WEB_CLIENT);
    expect(JSON.parse(answer.body).AuthenticationResult.AccessToken).toEqual(expect.any(String));
  });

  it('refuses any other origin, preflight or not, with 403 and no CORS header, and does nothing for it', async () => {
    for (const origin of ['https://attacker.example', 'http://127.0.0.1:5174', 'http://localhost:5173', 'null']) {
      const pre = await preflight(origin);
      expect(pre.status, origin).toBe(403);
      expect(pre.headers['access-control-allow-origin'], origin).toBeUndefined();
      const answer = await call(server.endpoint, 'POST', { origin, ...target('SignUp') }, JSON.stringify({ ClientId: server.pool.clientId, Username: `from-${origin.length}`, Password: 'Page-Pass-1', UserAttributes: [{ Name: 'email', Value: `p${origin.length}@example.com` }] }));
      expect(answer.status, origin).toBe(403);
      expect(answer.headers['access-control-allow-origin'], origin).toBeUndefined();
      expect(JSON.parse(answer.body)).toMatchObject({ __type: 'AccessDeniedException' });
      expect(server.pool.user(`from-${origin.length}`), origin).toBeUndefined();
    }
  });

  it('answers a request without an Origin (a program, not a page) as before, with no CORS headers', async () => {
    const answer = await call(server.endpoint, 'POST', target('InitiateAuth'), signIn);
    expect(answer.status).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('counts a loopback origin under each loopback name; startAppSyncLocal lets its console’s origins in and no others', async () => {
    expect(loopbackOrigins('http://localhost:5173')).toEqual(['http://127.0.0.1:5173', 'http://localhost:5173', 'http://[::1]:5173']);
    expect(loopbackOrigins('https://mark.example.com')).toEqual(['https://mark.example.com']);
    const api = await startTestApi({ label: 'poolcors', wiringFile: new URL('./fixtures/server-api/wiring.json', import.meta.url).pathname, auth: { userPool: { groups: ['staff'], users: TEST_USERS, allowedOrigins: ['http://localhost:3000'] } } });
    try {
      const port = new URL(api.url).port;
      for (const origin of [`http://127.0.0.1:${port}`, `https://127.0.0.1:${port}`, `http://localhost:${port}`, 'http://127.0.0.1:3000', 'http://localhost:3000']) {
        expect((await call(api.userPool.endpoint, 'OPTIONS', { origin })).headers['access-control-allow-origin'], origin).toBe(origin);
      }
      expect((await call(api.userPool.endpoint, 'OPTIONS', { origin: `http://127.0.0.1:${Number(port) + 1}` })).status).toBe(403);
    } finally {
      await api.stop();
    }
  });
});

describe('the administrators’ operations: IAM only', () => {
  const groupsOfPurchaser = () => [...server.pool.user('purchaserA')!.groups];
  const sdk = (credentials: { accessKeyId: string; secretAccessKey: string }, region = 'us-east-1') => new CognitoIdentityProviderClient({ endpoint: server.endpoint, region, credentials });
  const addToStaff = { UserPoolId: 'us-east-1_AppSyncLocal', Username: 'purchaserA', GroupName: 'staff' };

  it('refuses an unsigned call with MissingAuthenticationTokenException and changes nothing', async () => {
    const answer = await call(server.endpoint, 'POST', target('AdminAddUserToGroup'), JSON.stringify(addToStaff));
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
    expect(answer.headers['x-amzn-errortype']).toBe('MissingAuthenticationTokenException:');
    expect(groupsOfPurchaser()).toEqual([]);
  });

  it('refuses an unknown key, a wrong secret, another region and a body changed after signing, and changes nothing', async () => {
    const wrongKey = sdk({ accessKeyId: 'AKIASOMEONEELSE00000', secretAccessKey: TEST_IAM.secretAccessKey });
    expect(await sdkErrorOf(wrongKey.send(new AdminAddUserToGroupCommand(addToStaff)))).toEqual({ name: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.', status: 400 });
    const wrongSecret = sdk({ accessKeyId: TEST_IAM.accessKeyId, secretAccessKey: 'not-the-secret' });
    expect(await sdkErrorOf(wrongSecret.send(new AdminAddUserToGroupCommand(addToStaff)))).toMatchObject({ name: 'InvalidSignatureException', message: expect.stringContaining('does not match the signature you provided') });
    const otherRegion = sdk(TEST_IAM, 'eu-west-1');
    expect(await sdkErrorOf(otherRegion.send(new AdminAddUserToGroupCommand(addToStaff)))).toMatchObject({ name: 'InvalidSignatureException', message: 'Credential should be scoped to a valid region.' });

    // signed for one body, sent with another (a group the signer did not ask for)
    const url = new URL(server.endpoint);
    const signed = await new SignatureV4({ service: 'cognito-idp', region: 'us-east-1', sha256: Sha256, credentials: TEST_IAM }).sign({
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: '/',
      headers: { host: url.host, ...target('AdminAddUserToGroup') },
      body: JSON.stringify({ ...addToStaff, GroupName: 'dataProtection' }),
    });
    const tampered = await call(server.endpoint, 'POST', signed.headers as Record<string, string>, JSON.stringify(addToStaff));
    expect(JSON.parse(tampered.body)).toMatchObject({ __type: 'InvalidSignatureException' });
    for (const client of [wrongKey, wrongSecret, otherRegion]) client.destroy();
    expect(groupsOfPurchaser()).toEqual([]);
  });

  it('does what a call signed by the pool’s principal asks', async () => {
    const admin = sdk(TEST_IAM);
    try {
      await admin.send(new AdminAddUserToGroupCommand(addToStaff));
      expect(groupsOfPurchaser()).toEqual(['staff']);
      expect((await admin.send(new AdminListGroupsForUserCommand({ UserPoolId: addToStaff.UserPoolId, Username: 'PURCHASERA' }))).Groups?.map((g) => g.GroupName)).toEqual(['staff']);
    } finally {
      admin.destroy();
    }
  });

  it('refuses every administrators’ call where the pool was given no IAM principal', async () => {
    const bare = await startUserPoolServer(POOL);
    const admin = new CognitoIdentityProviderClient({ endpoint: bare.endpoint, region: 'us-east-1', credentials: TEST_IAM });
    try {
      expect(await sdkErrorOf(admin.send(new AdminAddUserToGroupCommand(addToStaff)))).toMatchObject({ name: 'UnrecognizedClientException' });
      expect([...bare.pool.user('purchaserA')!.groups]).toEqual([]);
    } finally {
      admin.destroy();
      await bare.stop();
    }
  });
});
