/**
 * The local user pool guards sign-in as Cognito does (issue 25), each class of the black-box
 * test's findings attacked again through real clients: the AWS SDK's CognitoIdentityProviderClient,
 * aws-amplify v6 (signIn / signOut, SRP by default) and amazon-cognito-identity-js for SRP, the
 * SDK's own SigV4 signer (@smithy/signature-v4) for the administrators' calls. Each block names
 * the AWS page it follows.
 */
import {
  AdminAddUserToGroupCommand,
  AdminUserGlobalSignOutCommand,
  CognitoIdentityProviderClient,
  ConfirmSignUpCommand,
  GetUserCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  RevokeTokenCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { AuthenticationDetails, CognitoUser, CognitoUserPool } from 'amazon-cognito-identity-js';
import { Amplify } from 'aws-amplify';
import { fetchAuthSession, signIn, signOut } from 'aws-amplify/auth';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuthenticator } from '../src/server/auth';
import { ClientFairness, clientOf, JOB_ABANDONED } from '../src/userpool/fairness';
import { INPUT_LIMITS } from '../src/userpool/pool';
import { BODY_READ_TIMEOUT_MS, startUserPoolServer, type UserPoolServer } from '../src/userpool/server';
import { srpWork } from '../src/userpool/srp';
import { TEST_IAM, TEST_USERS } from './support/api';
import { sdkErrorOf } from './support/sdk-error';

const POOL_ID = 'us-east-1_AppSyncLocal';
const CLIENT_ID = 'appsynclocalwebandmobile01';
const user = (username: (typeof TEST_USERS)[number]['username']) => TEST_USERS.find((u) => u.username === username)!;
const realNow = Date.now;

/** The pool's clock: real time plus what a test moves it on by (lockouts last seconds to minutes). */
const clock = { offset: 0 };
let server: UserPoolServer;
let sdk: CognitoIdentityProviderClient;
let admin: CognitoIdentityProviderClient;

beforeAll(async () => {
  server = await startUserPoolServer({ groups: ['staff', 'dataProtection'], seed: TEST_USERS, adminCredentials: TEST_IAM, now: () => realNow() + clock.offset });
  // maxAttempts 1: the SDK would otherwise retry a TooManyRequestsException by itself
  sdk = new CognitoIdentityProviderClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1 });
  admin = new CognitoIdentityProviderClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: TEST_IAM, maxAttempts: 1 });
  Amplify.configure({ Auth: { Cognito: { userPoolId: POOL_ID, userPoolClientId: CLIENT_ID, userPoolEndpoint: server.endpoint } } });
});

afterAll(async () => {
  await signOut().catch(() => {});
  sdk?.destroy();
  admin?.destroy();
  await server?.stop();
});

const passwordSignIn = (username: string, password: string) =>
  sdk.send(new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD: password } }));

/** amazon-cognito-identity-js's CognitoUser.authenticateUser: USER_SRP_AUTH, computed by that library. */
function srpSignIn(username: string, password: string): Promise<{ ok: boolean; error?: { code?: string; message?: string } }> {
  const pool = new CognitoUserPool({ UserPoolId: POOL_ID, ClientId: CLIENT_ID, endpoint: server.endpoint });
  return new Promise((resolve) => {
    new CognitoUser({ Username: username, Pool: pool }).authenticateUser(new AuthenticationDetails({ Username: username, Password: password }), {
      onSuccess: () => resolve({ ok: true }),
      onFailure: (error: { code?: string; message?: string }) => resolve({ ok: false, error: { code: error?.code, message: error?.message } }),
    });
  });
}

const amplifyFailure = async (username: string, password: string) => {
  try {
    await signIn({ username, password });
    return undefined;
  } catch (err) {
    return { name: (err as Error).name, message: (err as Error).message };
  }
};

describe('lockout after five failed sign-ins ("Lockout behavior for failed sign-in attempts", https://docs.aws.amazon.com/cognito/latest/developerguide/authentication.html#authentication-flow-lockout-behavior)', () => {
  it('USER_PASSWORD_AUTH: five wrong passwords, then even the right one is "Password attempts exceeded" until the lockout ends', async () => {
    const { username, password } = user('purchaserA');
    for (let i = 0; i < 5; i++) {
      expect(await sdkErrorOf(passwordSignIn(username, 'Wrong-Password-1'))).toMatchObject({ name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
    }
    expect(await sdkErrorOf(passwordSignIn(username, password))).toMatchObject({ name: 'NotAuthorizedException', message: 'Password attempts exceeded' });
    // 2^(5-5) = 1 second after the fifth failure; a sixth failure then locks for 2 seconds
    clock.offset += 1_100;
    expect(await sdkErrorOf(passwordSignIn(username, 'Wrong-Password-1'))).toMatchObject({ message: 'Incorrect username or password.' });
    clock.offset += 1_100;
    expect(await sdkErrorOf(passwordSignIn(username, password))).toMatchObject({ message: 'Password attempts exceeded' });
    clock.offset += 1_000;
    expect((await passwordSignIn(username, password)).AuthenticationResult?.AccessToken).toBeTruthy();
    // a success after the lockout starts over: four more failures lock nothing
    for (let i = 0; i < 4; i++) await sdkErrorOf(passwordSignIn(username, 'Wrong-Password-1'));
    expect((await passwordSignIn(username, password)).AuthenticationResult).toBeDefined();
  });

  it('USER_SRP_AUTH (aws-amplify v6 signIn): five wrong answers, then the right password is refused the same way', async () => {
    const { username, password } = user('purchaserB');
    for (let i = 0; i < 5; i++) expect(await amplifyFailure(username, 'Wrong-Password-1')).toEqual({ name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
    expect(await amplifyFailure(username, password)).toEqual({ name: 'NotAuthorizedException', message: 'Password attempts exceeded' });
    clock.offset += 1_100;
    expect(await amplifyFailure(username, password)).toBeUndefined();
    await signOut();
  });

  it('locks an unknown name out exactly as a known one, so that a lockout tells no one who exists', async () => {
    const answers = async (name: string) => {
      const seen: string[] = [];
      for (let i = 0; i < 6; i++) seen.push((await sdkErrorOf(passwordSignIn(name, 'Wrong-Password-1'))).message);
      return seen;
    };
    await sdk.send(new SignUpCommand({ ClientId: CLIENT_ID, Username: 'locked1', Password: 'Locked-Test-1', UserAttributes: [{ Name: 'email', Value: 'locked1@example.com' }] }));
    await sdk.send(new ConfirmSignUpCommand({ ClientId: CLIENT_ID, Username: 'locked1', ConfirmationCode: server.pool.confirmationCode('locked1') }));
    const known = await answers('locked1');
    const unknown = await answers('nobody-at-all');
    expect(unknown).toEqual(known);
    expect(known).toEqual([...Array(5).fill('Incorrect username or password.'), 'Password attempts exceeded']);
  });
});

describe('sign-out revokes (GlobalSignOut, https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GlobalSignOut.html; "Revoking tokens", https://docs.aws.amazon.com/cognito/latest/developerguide/token-revocation.html)', () => {
  it('GlobalSignOut: GetUser refuses the access token ("Access Token has been revoked"), the refresh token no longer refreshes, a new sign-in works', async () => {
    const { username, password } = user('staff');
    const first = (await passwordSignIn(username, password)).AuthenticationResult!;
    const second = (await passwordSignIn(username, password)).AuthenticationResult!;
    expect((await sdk.send(new GetUserCommand({ AccessToken: first.AccessToken }))).Username).toBe('staff');
    await sdk.send(new GlobalSignOutCommand({ AccessToken: first.AccessToken }));
    // every session of the user: the other sign-in's tokens too
    for (const session of [first, second]) {
      expect(await sdkErrorOf(sdk.send(new GetUserCommand({ AccessToken: session.AccessToken })))).toMatchObject({ name: 'NotAuthorizedException', message: 'Access Token has been revoked' });
      expect(await sdkErrorOf(sdk.send(new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: session.RefreshToken! } })))).toMatchObject({
        name: 'NotAuthorizedException',
        message: 'Refresh Token has been revoked',
      });
    }
    expect(await sdkErrorOf(sdk.send(new GlobalSignOutCommand({ AccessToken: first.AccessToken })))).toMatchObject({ message: 'Access Token has been revoked' });
    const again = (await passwordSignIn(username, password)).AuthenticationResult!;
    expect((await sdk.send(new GetUserCommand({ AccessToken: again.AccessToken }))).Username).toBe('staff');
  });

  it('RevokeToken revokes that refresh token and its session’s access tokens only, and refuses a token it never issued', async () => {
    const { username, password } = user('staff');
    const revoked = (await passwordSignIn(username, password)).AuthenticationResult!;
    const kept = (await passwordSignIn(username, password)).AuthenticationResult!;
    // a made-up token, and an access token where a refresh token belongs: refused, nothing revoked
    expect(await sdkErrorOf(sdk.send(new RevokeTokenCommand({ ClientId: CLIENT_ID, Token: 'made-up-token' })))).toMatchObject({ name: 'UnsupportedTokenTypeException' });
    expect(await sdkErrorOf(sdk.send(new RevokeTokenCommand({ ClientId: CLIENT_ID, Token: kept.AccessToken })))).toMatchObject({ name: 'UnsupportedTokenTypeException' });
    await sdk.send(new RevokeTokenCommand({ ClientId: CLIENT_ID, Token: revoked.RefreshToken }));
    expect(await sdkErrorOf(sdk.send(new GetUserCommand({ AccessToken: revoked.AccessToken })))).toMatchObject({ message: 'Access Token has been revoked' });
    expect(await sdkErrorOf(sdk.send(new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: revoked.RefreshToken! } })))).toMatchObject({ message: 'Refresh Token has been revoked' });
    // revoking again is no error (RFC 7009 section 2.2)
    await sdk.send(new RevokeTokenCommand({ ClientId: CLIENT_ID, Token: revoked.RefreshToken }));
    expect((await sdk.send(new GetUserCommand({ AccessToken: kept.AccessToken }))).Username).toBe('staff');
    const refreshed = await sdk.send(new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: kept.RefreshToken! } }));
    expect(refreshed.AuthenticationResult?.AccessToken).toBeTruthy();
  });

  it('aws-amplify v6 signOut() revokes its refresh token (RevokeToken), signOut({ global: true }) every session (GlobalSignOut)', async () => {
    const { username, password } = user('dataProtection');
    const other = (await passwordSignIn(username, password)).AuthenticationResult!;
    expect((await signIn({ username, password })).isSignedIn).toBe(true);
    const local = (await fetchAuthSession()).tokens!.accessToken.toString();
    await signOut();
    expect(await sdkErrorOf(sdk.send(new GetUserCommand({ AccessToken: local })))).toMatchObject({ message: 'Access Token has been revoked' });
    // a local sign-out leaves the user's other sessions alone
    expect((await sdk.send(new GetUserCommand({ AccessToken: other.AccessToken }))).Username).toBe('dataprotection');
    expect((await signIn({ username, password })).isSignedIn).toBe(true);
    await signOut({ global: true });
    expect(await sdkErrorOf(sdk.send(new GetUserCommand({ AccessToken: other.AccessToken })))).toMatchObject({ message: 'Access Token has been revoked' });
  });

  it('AdminUserGlobalSignOut, signed by the pool’s IAM principal, signs a user out everywhere; unsigned, it is refused and revokes nothing', async () => {
    const { username, password } = user('purchaserA');
    const session = (await passwordSignIn(username, password)).AuthenticationResult!;
    expect(await sdkErrorOf(sdk.send(new AdminUserGlobalSignOutCommand({ UserPoolId: POOL_ID, Username: username })))).toMatchObject({ name: 'UnrecognizedClientException' });
    expect((await sdk.send(new GetUserCommand({ AccessToken: session.AccessToken }))).Username).toBe('purchasera');
    await admin.send(new AdminUserGlobalSignOutCommand({ UserPoolId: POOL_ID, Username: 'PurchaserA' }));
    expect(await sdkErrorOf(sdk.send(new GetUserCommand({ AccessToken: session.AccessToken })))).toMatchObject({ message: 'Access Token has been revoked' });
    expect(await sdkErrorOf(admin.send(new AdminUserGlobalSignOutCommand({ UserPoolId: POOL_ID, Username: 'nobody-at-all' })))).toMatchObject({ name: 'UserNotFoundException' });
  });

  it('the GraphQL endpoint, as AppSync, checks a token’s signature, issuer, client and expiry only: a revoked access token is still taken until it expires (aws/aws-appsync-community#298; the docs and the web client close the gap)', async () => {
    const { username, password } = user('purchaserB');
    const session = (await passwordSignIn(username, password)).AuthenticationResult!;
    await sdk.send(new GlobalSignOutCommand({ AccessToken: session.AccessToken }));
    const authenticator = createAuthenticator({
      modes: { defaultMode: 'AMAZON_COGNITO_USER_POOLS', additionalModes: [] },
      userPool: { issuer: server.pool.issuer, clientId: CLIENT_ID, jwks: new URL(server.pool.jwksUrl) },
    });
    const outcome = await authenticator.authenticate({ headers: { authorization: session.AccessToken! }, sourceIp: '127.0.0.1' });
    expect(outcome).toMatchObject({ ok: true, caller: { identity: { username: 'purchaserb' } } });
  });
});

describe('existence answers ("Managing user existence error responses", https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-managing-errors.html)', () => {
  const challenge = async (name: string) =>
    (await sdk.send(new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: name, SRP_A: (2n ** 1000n + 77n).toString(16) } })));

  it('USER_ID_FOR_SRP: an email is answered with itself whether it is a user’s or no one’s; full-width names are normalised alike', async () => {
    const known = await challenge('Staff@Example.com');
    const unknown = await challenge('Nobody@Example.com');
    expect(known.ChallengeParameters).toMatchObject({ USER_ID_FOR_SRP: 'staff@example.com', USERNAME: 'staff@example.com' });
    expect(unknown.ChallengeParameters).toMatchObject({ USER_ID_FOR_SRP: 'nobody@example.com', USERNAME: 'nobody@example.com' });
    expect(Object.keys(known.ChallengeParameters!).sort()).toEqual(Object.keys(unknown.ChallengeParameters!).sort());
    expect((await challenge('ｓｔａｆｆ')).ChallengeParameters?.USER_ID_FOR_SRP).toBe('staff');
    expect((await challenge('ｎｏｂｏｄｙ')).ChallengeParameters?.USER_ID_FOR_SRP).toBe('nobody');
  });

  it('signs a user in by email over SRP (the email is what the client hashes the password with) and refuses a wrong password there as anywhere', async () => {
    const { email, password } = user('purchaserB');
    expect(await srpSignIn(email.toUpperCase(), password)).toEqual({ ok: true });
    expect(await srpSignIn(email, 'Wrong-Password-1')).toMatchObject({ ok: false, error: { code: 'NotAuthorizedException', message: 'Incorrect username or password.' } });
  });

  it('does the same arithmetic for a known and an unknown name: one exponentiation to start, the same to answer (counted, not timed)', async () => {
    const work = async (step: () => Promise<unknown>) => {
      const before = srpWork.modPows;
      await step().catch(() => {});
      return srpWork.modPows - before;
    };
    const answer = (name: string, started: Awaited<ReturnType<typeof challenge>>) =>
      sdk.send(
        new RespondToAuthChallengeCommand({
          ClientId: CLIENT_ID,
          ChallengeName: 'PASSWORD_VERIFIER',
          ChallengeResponses: { USERNAME: started.ChallengeParameters!.USER_ID_FOR_SRP, PASSWORD_CLAIM_SECRET_BLOCK: started.ChallengeParameters!.SECRET_BLOCK, PASSWORD_CLAIM_SIGNATURE: Buffer.alloc(32).toString('base64'), TIMESTAMP: 'Tue Mar 5 09:04:01 UTC 2024' },
        }),
      );
    for (const [knownName, unknownName] of [['purchaserA', 'nobody-else'], ['a@example.com', 'z@example.com']]) {
      let knownStart!: Awaited<ReturnType<typeof challenge>>;
      let unknownStart!: Awaited<ReturnType<typeof challenge>>;
      const startKnown = await work(async () => (knownStart = await challenge(knownName)));
      const startUnknown = await work(async () => (unknownStart = await challenge(unknownName)));
      expect(startKnown).toBe(1);
      expect(startUnknown).toBe(startKnown);
      const answerKnown = await work(() => answer(knownName, knownStart));
      const answerUnknown = await work(() => answer(unknownName, unknownStart));
      expect(answerKnown).toBe(2);
      expect(answerUnknown).toBe(answerKnown);
      // USER_PASSWORD_AUTH: one verifier computed either way
      expect(await work(() => passwordSignIn(unknownName, 'Wrong-Password-1'))).toBe(await work(() => passwordSignIn(knownName, 'Wrong-Password-1')));
    }
  });

  it('ConfirmSignUp answers an unknown name, a confirmed user and a wrong code alike: CodeMismatchException', async () => {
    await sdk.send(new SignUpCommand({ ClientId: CLIENT_ID, Username: 'pending1', Password: 'Pending-Test-1', UserAttributes: [{ Name: 'email', Value: 'pending1@example.com' }] }));
    const answers = await Promise.all(
      [
        { Username: 'nobody-at-all', ConfirmationCode: '123456' },
        { Username: 'staff', ConfirmationCode: '123456' },
        { Username: 'pending1', ConfirmationCode: server.pool.confirmationCode('pending1') === '000000' ? '111111' : '000000' },
      ].map((input) => sdkErrorOf(sdk.send(new ConfirmSignUpCommand({ ClientId: CLIENT_ID, ...input })))),
    );
    for (const answer of answers) expect(answer).toEqual({ name: 'CodeMismatchException', message: 'Invalid verification code provided, please try again.', status: 400 });
  });
});

describe('SRP TIMESTAMP is checked (its format: "User pool authentication flow", https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-authentication-flow.html; the window: 5 minutes, as SigV4)', () => {
  it('refuses correctly signed answers dated 2001, a day ago and 2099; takes one dated now', async () => {
    const { username, password } = user('purchaserA');
    try {
      for (const date of [new Date('2001-09-09T01:46:40Z'), new Date(realNow() - 86_400_000), new Date('2099-01-01T00:00:00Z')]) {
        // amazon-cognito-identity-js dates (and signs) its answer with the clock it reads; the pool keeps the real one
        vi.useFakeTimers({ toFake: ['Date'], now: date });
        expect(await srpSignIn(username, password)).toMatchObject({ ok: false, error: { code: 'NotAuthorizedException' } });
        vi.useRealTimers();
      }
    } finally {
      vi.useRealTimers();
    }
    // not counted as wrong passwords: three of them, and the right one dated now still signs in
    expect(await srpSignIn(username, password)).toEqual({ ok: true });
  });
});

describe('admin SigV4: host, x-amz-target and x-amz-date signed, within 5 minutes ("Elements of an AWS API request signature", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-signing-elements.html)', () => {
  const url = new URL('http://127.0.0.1');
  const call = (headers: Record<string, string>, body: string): Promise<{ status: number; body: Record<string, string> }> =>
    new Promise((resolve, reject) => {
      const req = httpRequest(server.endpoint, { method: 'POST', headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, string> }));
      });
      req.on('error', reject);
      req.end(body);
    });
  const sign = async (operation: string, body: string, options: { unsigned?: string[]; signingDate?: Date } = {}) => {
    const endpoint = new URL(server.endpoint);
    url.host = endpoint.host;
    const signed = await new SignatureV4({ service: 'cognito-idp', region: 'us-east-1', sha256: Sha256, credentials: TEST_IAM }).sign(
      { method: 'POST', protocol: 'http:', hostname: endpoint.hostname, port: Number(endpoint.port), path: '/', headers: { host: endpoint.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${operation}` }, body },
      { unsignableHeaders: new Set(options.unsigned ?? []), signingDate: options.signingDate },
    );
    return signed.headers as Record<string, string>;
  };
  const groups = () => [...server.pool.user('purchaserB')!.groups];
  const body = JSON.stringify({ UserPoolId: POOL_ID, Username: 'purchaserB', GroupName: 'staff' });

  it('refuses a captured AdminRemoveUserFromGroup signature replayed as AdminAddUserToGroup: x-amz-target must be signed', async () => {
    const captured = await sign('AdminRemoveUserFromGroup', body, { unsigned: ['x-amz-target'] });
    expect(captured.authorization).not.toContain('x-amz-target');
    const replayed = await call({ ...captured, 'x-amz-target': 'AWSCognitoIdentityProviderService.AdminAddUserToGroup' }, body);
    expect(replayed).toMatchObject({ status: 400, body: { __type: 'IncompleteSignatureException' } });
    // and with x-amz-target signed, changing it breaks the signature
    const whole = await sign('AdminRemoveUserFromGroup', body);
    expect((await call({ ...whole, 'x-amz-target': 'AWSCognitoIdentityProviderService.AdminAddUserToGroup' }, body)).body.__type).toBe('InvalidSignatureException');
    expect(groups()).toEqual([]);
  });

  it('refuses a signature that leaves host out, and one dated 6 minutes ago; takes the SDK’s own', async () => {
    expect((await call(await sign('AdminAddUserToGroup', body, { unsigned: ['host'] }), body)).body.__type).toBe('IncompleteSignatureException');
    const old = await call(await sign('AdminAddUserToGroup', body, { signingDate: new Date(Date.now() - 6 * 60_000) }), body);
    expect(old.body).toMatchObject({ __type: 'InvalidSignatureException', message: expect.stringContaining('Signature expired') });
    expect(groups()).toEqual([]);
    await admin.send(new AdminAddUserToGroupCommand({ UserPoolId: POOL_ID, Username: 'purchaserB', GroupName: 'staff' }));
    expect(groups()).toEqual(['staff']);
    server.pool.user('purchaserB')!.groups.clear();
  });

  it('the GraphQL endpoint’s IAM mode uses the same verifier: host unsigned or a 6-minute-old date is refused', async () => {
    const authenticator = createAuthenticator({ modes: { defaultMode: 'AWS_IAM', additionalModes: [] }, iam: TEST_IAM });
    const request = async (options: { unsigned?: string[]; signingDate?: Date }) => {
      const text = '{"query":"{ __typename }"}';
      const signed = await new SignatureV4({ service: 'appsync', region: 'us-east-1', sha256: Sha256, credentials: TEST_IAM }).sign(
        { method: 'POST', protocol: 'https:', hostname: 'api.local', path: '/graphql', headers: { host: 'api.local', 'content-type': 'application/json' }, body: text },
        { unsignableHeaders: new Set(options.unsigned ?? []), signingDate: options.signingDate },
      );
      const headers = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
      return authenticator.authenticate({ headers, sourceIp: '127.0.0.1', method: 'POST', path: '/graphql', body: text });
    };
    expect(await request({})).toMatchObject({ ok: true });
    expect(await request({ unsigned: ['host'] })).toMatchObject({ ok: false, status: 403, errorType: 'IncompleteSignatureException' });
    expect(await request({ signingDate: new Date(Date.now() - 6 * 60_000) })).toMatchObject({ ok: false, errorType: 'InvalidSignatureException' });
  });
});

describe('ConfirmSignUp attempts are limited (ConfirmSignUp, https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ConfirmSignUp.html: LimitExceededException)', () => {
  it('five wrong codes, then the right one is LimitExceededException until the lockout ends; an unknown name answers the same', async () => {
    await sdk.send(new SignUpCommand({ ClientId: CLIENT_ID, Username: 'pending2', Password: 'Pending-Test-1', UserAttributes: [{ Name: 'email', Value: 'pending2@example.com' }] }));
    const code = server.pool.confirmationCode('pending2')!;
    const wrong = code === '000000' ? '111111' : '000000';
    const run = async (name: string, right: string) => {
      const seen: string[] = [];
      for (let i = 0; i < 5; i++) seen.push((await sdkErrorOf(sdk.send(new ConfirmSignUpCommand({ ClientId: CLIENT_ID, Username: name, ConfirmationCode: wrong })))).name);
      seen.push((await sdkErrorOf(sdk.send(new ConfirmSignUpCommand({ ClientId: CLIENT_ID, Username: name, ConfirmationCode: right })))).name);
      return seen;
    };
    const known = await run('pending2', code);
    expect(known).toEqual([...Array(5).fill('CodeMismatchException'), 'LimitExceededException']);
    expect(await run('nobody-pending', code)).toEqual(known);
    expect(server.pool.user('pending2')!.confirmed).toBe(false);
    clock.offset += 1_100;
    await sdk.send(new ConfirmSignUpCommand({ ClientId: CLIENT_ID, Username: 'pending2', ConfirmationCode: code }));
    expect(server.pool.user('pending2')!.confirmed).toBe(true);
  });
});

describe('input is bounded by the API reference’s lengths, before any work (InitiateAuth, SignUp, ConfirmSignUp: https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_SignUp.html)', () => {
  it('refuses a 240 KB USERNAME, a 129-character one, a 257-character password and a 2049-character code with InvalidParameterException, doing no arithmetic', async () => {
    const before = srpWork.modPows;
    for (const name of ['x'.repeat(240_000), 'x'.repeat(INPUT_LIMITS.username + 1)]) {
      expect(await sdkErrorOf(sdk.send(new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: name, SRP_A: 'ab' } })))).toMatchObject({ name: 'InvalidParameterException', message: expect.stringContaining('128') });
      expect(await sdkErrorOf(passwordSignIn(name, 'Password-1'))).toMatchObject({ name: 'InvalidParameterException' });
    }
    expect(await sdkErrorOf(passwordSignIn('staff', 'P-1'.repeat(86)))).toMatchObject({ name: 'InvalidParameterException', message: expect.stringContaining('256') });
    expect(await sdkErrorOf(sdk.send(new ConfirmSignUpCommand({ ClientId: CLIENT_ID, Username: 'staff', ConfirmationCode: '1'.repeat(2049) })))).toMatchObject({ name: 'InvalidParameterException' });
    expect(srpWork.modPows).toBe(before);
    // 128 characters are a name like any other (no one's here): a challenge
    expect((await challengeFor('y'.repeat(128))).ChallengeName).toBe('PASSWORD_VERIFIER');
  });
});

const challengeFor = (name: string) => sdk.send(new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: name, SRP_A: (2n ** 999n).toString(16) } }));

describe('per-client limits ("Quotas in Amazon Cognito", https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html: per category, here per client address)', () => {
  it('answers a client over its rate with TooManyRequestsException "Rate exceeded" while another client is served', async () => {
    const limited = await startUserPoolServer({ seed: TEST_USERS, fairness: { quotas: { UserAuthentication: 3 } } });
    const post = (localAddress: string) =>
      new Promise<{ status: number; type?: string }>((resolve, reject) => {
        const req = httpRequest(limited.endpoint, { method: 'POST', localAddress, headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, type: (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { __type?: string }).__type }));
        });
        req.on('error', reject);
        req.end(JSON.stringify({ ClientId: CLIENT_ID, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'nobody', PASSWORD: 'Wrong-Password-1' } }));
      });
    try {
      const first = [];
      for (let i = 0; i < 5; i++) first.push((await post('127.0.0.1')).type);
      expect(first.slice(0, 3)).toEqual(Array(3).fill('NotAuthorizedException'));
      expect(first.slice(3)).toEqual(['TooManyRequestsException', 'TooManyRequestsException']);
      // another address (a second loopback address stands for another machine) has its own share
      expect((await post('127.0.0.2')).type).toBe('NotAuthorizedException');
    } finally {
      await limited.stop();
    }
  });
});

describe('the costly work is taken by turns (fairness.ts)', () => {
  it('runs another client’s job after at most one of a client that has many waiting', async () => {
    const fairness = new ClientFairness();
    const order: string[] = [];
    const job = (name: string) => () => {
      order.push(name);
    };
    const flood = Array.from({ length: 10 }, (_, i) => fairness.run('10.0.0.2', job(`flood ${i}`)));
    const victim = fairness.run('10.0.0.1', job('victim'));
    await Promise.all([...flood, victim]);
    // the flood's first job had already started; the victim's comes next, not after the other nine
    expect(order.slice(0, 3)).toEqual(['flood 0', 'victim', 'flood 1']);
  });

  it('does not run a job whose requester has gone by its turn', async () => {
    const fairness = new ClientFairness();
    const order: string[] = [];
    const gone = new Set(['flood 1', 'flood 2']);
    const runs = ['flood 0', 'flood 1', 'flood 2', 'flood 3'].map((name) => fairness.run('10.0.0.2', () => order.push(name), () => gone.has(name)).catch((err: unknown) => err));
    const outcomes = await Promise.all(runs);
    expect(order).toEqual(['flood 0', 'flood 3']);
    expect(outcomes[1]).toBe(JOB_ABANDONED);
    expect(fairness.skipped).toBe(2);
  });

  it('refuses a client’s ninth request under way, and takes it again once one ends', () => {
    const fairness = new ClientFairness();
    const releases = Array.from({ length: 8 }, () => fairness.admit('10.0.0.2'));
    expect(releases.every(Boolean)).toBe(true);
    expect(fairness.admit('10.0.0.2')).toBeUndefined();
    expect(fairness.admit('10.0.0.1')).toBeDefined();
    releases[0]!();
    expect(fairness.admit('10.0.0.2')).toBeDefined();
  });

  it('counts an IPv4-mapped address as its IPv4 address and an IPv6 address by its /64', () => {
    expect(clientOf('::ffff:10.0.0.7')).toBe('10.0.0.7');
    expect(clientOf('2001:db8:0:1::1')).toBe(clientOf('2001:db8:0:1:ffff:1:2:3'));
    expect(clientOf('2001:db8:0:1::1')).toBe('2001:db8:0:1::/64');
    expect(clientOf('2001:db8:0:2::1')).not.toBe(clientOf('2001:db8:0:1::1'));
    expect(clientOf('::1')).toBe('0:0:0:0::/64');
    expect(clientOf('10.0.0.7')).toBe('10.0.0.7');
  });

  it('with a client’s slots all held by slowly sent bodies: the JWKS is still served, and the slots come back after the body timeout', async () => {
    const pool = await startUserPoolServer({ seed: TEST_USERS, fairness: { inFlight: 2 } });
    const slow = Array.from({ length: 2 }, () => {
      const req = httpRequest(pool.endpoint, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth', 'content-length': '1000' } });
      req.on('error', () => {});
      req.write('{');
      return req;
    });
    const status = (method: string, path = '/') =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest(`${pool.endpoint}${path}`, { method, headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth' } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end(method === 'POST' ? '{}' : undefined);
      });
    try {
      await new Promise((r) => setTimeout(r, 200));
      expect(await status('POST')).toBe(400); // TooManyRequestsException: both slots are held
      expect(await status('GET', `/${pool.pool.poolId}/.well-known/jwks.json`)).toBe(200);
      await new Promise((r) => setTimeout(r, BODY_READ_TIMEOUT_MS + 300));
      expect(slow.every((req) => req.destroyed)).toBe(true);
      const again = await new Promise<string>((resolve, reject) => {
        const req = httpRequest(pool.endpoint, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { __type: string }).__type));
        });
        req.on('error', reject);
        req.end('{}');
      });
      expect(again).not.toBe('TooManyRequestsException');
    } finally {
      for (const req of slow) req.destroy();
      await pool.stop();
    }
  }, 20_000);
});
