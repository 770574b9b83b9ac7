/**
 * The local user pool answers the AWS SDK's CognitoIdentityProviderClient as Cognito does:
 * sign-up with an emailed (here: printed) code, confirmation, InitiateAuth with
 * USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH, group changes by an administrator, and Cognito's
 * error types. Tokens are checked against the pool's published JWKS with the claims Cognito puts
 * in them ("Understanding user pool JSON web tokens (JWTs)",
 * https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-with-identity-providers.html).
 */
import {
  AdminAddUserToGroupCommand,
  AdminRemoveUserFromGroupCommand,
  CognitoIdentityProviderClient,
  ConfirmSignUpCommand,
  GetUserCommand,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalUserPool } from '../src/userpool/pool';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUserPoolServer, type UserPoolServer } from '../src/userpool/server';
import { TEST_USERS } from './support/api';

const STAFF_GROUP = 'staff';
/** The pool the API's tests run: the groups and seeded users of test/support/api.ts. */
const POOL = { groups: ['staff', 'dataProtection'], seed: TEST_USERS };

let server: UserPoolServer;
let client: CognitoIdentityProviderClient;
let pool: UserPoolServer['pool'];
const printed: string[] = [];

beforeAll(async () => {
  server = await startUserPoolServer({ ...POOL, log: (line) => printed.push(line) });
  pool = server.pool;
  client = new CognitoIdentityProviderClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    // the admin operations are signed in AWS; the local pool does not check the signature
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  client?.destroy();
  await server?.stop();
});

async function errorOf(promise: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await promise;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}

describe('the local user pool through CognitoIdentityProviderClient', () => {
  it('signs a seeded staff user in with USER_PASSWORD_AUTH; the tokens verify against the JWKS with Cognito’s claims', async () => {
    const staff = TEST_USERS.find((u) => (u.groups as readonly string[]).includes(STAFF_GROUP))!;
    const out = await client.send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: staff.username, PASSWORD: staff.password } }));
    const result = out.AuthenticationResult!;
    expect(result.TokenType).toBe('Bearer');
    expect(result.ExpiresIn).toBe(3600);
    expect(result.RefreshToken).toEqual(expect.any(String));

    const jwks = createRemoteJWKSet(new URL(`${server.endpoint}/${pool.poolId}/.well-known/jwks.json`));
    const id = await jwtVerify(result.IdToken!, jwks, { issuer: `${server.endpoint}/${pool.poolId}`, audience: pool.clientId });
    expect(id.protectedHeader.alg).toBe('RS256');
    expect(id.payload).toMatchObject({ token_use: 'id', 'cognito:username': 'staff', 'cognito:groups': [STAFF_GROUP], email: staff.email, email_verified: true });
    const access = await jwtVerify(result.AccessToken!, jwks, { issuer: pool.issuer });
    expect(access.payload).toMatchObject({ token_use: 'access', client_id: pool.clientId, username: 'staff', scope: 'aws.cognito.signin.user.admin', 'cognito:groups': [STAFF_GROUP], sub: id.payload.sub });
    expect(access.payload.aud).toBeUndefined();

    const me = await client.send(new GetUserCommand({ AccessToken: result.AccessToken }));
    expect(me.Username).toBe('staff');
    expect(me.UserAttributes).toContainEqual({ Name: 'sub', Value: id.payload.sub });
  });

  it('signs a purchaser up, refuses sign-in until confirmed with the printed code, then signs in and refreshes', async () => {
    const signUp = await client.send(new SignUpCommand({ ClientId: pool.clientId, Username: 'new-buyer', Password: 'NewBuyer-Pass-1', UserAttributes: [{ Name: 'email', Value: 'new.buyer@example.com' }] }));
    expect(signUp.UserConfirmed).toBe(false);
    expect(signUp.CodeDeliveryDetails?.DeliveryMedium).toBe('EMAIL');
    const code = pool.confirmationCode('new-buyer')!;
    expect(printed.some((line) => line.includes('new-buyer') && line.includes(code))).toBe(true);

    const auth = () => client.send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'new-buyer', PASSWORD: 'NewBuyer-Pass-1' } }));
    expect(await errorOf(auth())).toMatchObject({ name: 'UserNotConfirmedException', status: 400 });
    const wrongCode = code === '000000' ? '000001' : '000000';
    expect(await errorOf(client.send(new ConfirmSignUpCommand({ ClientId: pool.clientId, Username: 'new-buyer', ConfirmationCode: wrongCode })))).toMatchObject({ name: 'CodeMismatchException' });
    await client.send(new ConfirmSignUpCommand({ ClientId: pool.clientId, Username: 'new-buyer', ConfirmationCode: code }));

    const signedIn = (await auth()).AuthenticationResult!;
    const idClaims = decodeJwt(signedIn.IdToken!);
    expect(idClaims.sub).toBe(signUp.UserSub);
    expect(idClaims['cognito:groups']).toBeUndefined();

    // An administrator adds the user to staff: the refreshed tokens carry the group; removed, they no longer do.
    await client.send(new AdminAddUserToGroupCommand({ UserPoolId: pool.poolId, Username: 'new-buyer', GroupName: STAFF_GROUP }));
    const refresh = () => client.send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: signedIn.RefreshToken! } }));
    const refreshed = (await refresh()).AuthenticationResult!;
    expect(refreshed.RefreshToken).toBeUndefined();
    expect(decodeJwt(refreshed.IdToken!)['cognito:groups']).toEqual([STAFF_GROUP]);
    await client.send(new AdminRemoveUserFromGroupCommand({ UserPoolId: pool.poolId, Username: 'new-buyer', GroupName: STAFF_GROUP }));
    expect(decodeJwt((await refresh()).AuthenticationResult!.AccessToken!)['cognito:groups']).toBeUndefined();
  });

  it('answers with Cognito’s error types', async () => {
    const initiate = (params: Record<string, string>, clientId = pool.clientId, flow: 'USER_PASSWORD_AUTH' | 'REFRESH_TOKEN_AUTH' | 'USER_SRP_AUTH' = 'USER_PASSWORD_AUTH') =>
      errorOf(client.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: flow, AuthParameters: params })));
    expect(await initiate({ USERNAME: 'staff', PASSWORD: 'wrong-Password-1' })).toMatchObject({ name: 'NotAuthorizedException', message: 'Incorrect username or password.', status: 400 });
    expect(await initiate({ USERNAME: 'nobody', PASSWORD: 'x' })).toMatchObject({ name: 'UserNotFoundException' });
    expect(await initiate({ USERNAME: 'staff', PASSWORD: 'Staff-Local-1' }, 'someotherclientid00000000a')).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await initiate({ REFRESH_TOKEN: 'forged' }, pool.clientId, 'REFRESH_TOKEN_AUTH')).toMatchObject({ name: 'NotAuthorizedException' });
    expect(await initiate({ USERNAME: 'staff' }, pool.clientId, 'USER_SRP_AUTH')).toMatchObject({ name: 'InvalidParameterException' });

    const signUp = (username: string, password: string, email = `${username}@example.com`) =>
      errorOf(client.send(new SignUpCommand({ ClientId: pool.clientId, Username: username, Password: password, UserAttributes: [{ Name: 'email', Value: email }] })));
    expect(await signUp('staff', 'Another-Pass-1')).toMatchObject({ name: 'UsernameExistsException' });
    expect(await signUp('weak', 'short')).toMatchObject({ name: 'InvalidPasswordException' });
    expect(await errorOf(client.send(new SignUpCommand({ ClientId: pool.clientId, Username: 'no-email', Password: 'Valid-Pass-1' })))).toMatchObject({ name: 'InvalidParameterException' });
    expect(await errorOf(client.send(new AdminAddUserToGroupCommand({ UserPoolId: pool.poolId, Username: 'staff', GroupName: 'admins' })))).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await errorOf(client.send(new GetUserCommand({ AccessToken: 'not-a-token' })))).toMatchObject({ name: 'NotAuthorizedException' });
    // nothing above created a user
    expect(pool.user('weak')).toBeUndefined();
    expect(pool.user('no-email')).toBeUndefined();
  });
});

describe('the local user pool’s state file', () => {
  it('keeps signed-up users (same sub, groups) and the signing key across a restart; seeded users are reset', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'appsync-local-userpool-'));
    try {
      const stateFile = join(dir, 'userpool', 'pool.json');
      const first = await LocalUserPool.create({ ...POOL, stateFile });
      const { UserSub } = first.signUp({ ClientId: first.clientId, Username: 'keeper', Password: 'Keeper-Pass-1', UserAttributes: [{ Name: 'email', Value: 'keeper@example.com' }] });
      first.confirmSignUp({ ClientId: first.clientId, Username: 'keeper', ConfirmationCode: first.confirmationCode('keeper') });
      first.adminAddUserToGroup({ UserPoolId: first.poolId, Username: 'keeper', GroupName: 'dataProtection' });
      first.adminRemoveUserFromGroup({ UserPoolId: first.poolId, Username: 'staff', GroupName: 'staff' });
      const token = (await first.tokensFor('keeper')).IdToken;
      expect(statSync(stateFile).mode & 0o077).toBe(0);

      const second = await LocalUserPool.create({ ...POOL, stateFile });
      expect(second.user('keeper')).toMatchObject({ sub: UserSub, confirmed: true, groups: new Set(['dataProtection']) });
      expect(second.user('staff')!.groups).toEqual(new Set(['staff']));
      const { payload } = await jwtVerify(token, createLocalJWKSet(second.jwks()), { issuer: second.issuer });
      expect(payload.sub).toBe(UserSub);
      const signedIn = await second.initiateAuth({ ClientId: second.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'keeper', PASSWORD: 'Keeper-Pass-1' } });
      expect(decodeJwt(signedIn.AuthenticationResult.IdToken).sub).toBe(UserSub);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
