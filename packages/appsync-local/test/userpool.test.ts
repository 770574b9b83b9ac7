/**
 * The local user pool answers the AWS SDK's CognitoIdentityProviderClient as Cognito does:
 * sign-up with an emailed (here: printed) code, confirmation, InitiateAuth with
 * USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH, group changes by an administrator (signed with the
 * pool's IAM principal), and Cognito's error types. Tokens are checked against the pool's published
 * JWKS with the claims Cognito puts in them ("Understanding user pool JSON web tokens (JWTs)",
 * https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-with-identity-providers.html).
 * Usernames are one namespace whatever their case ("User pool case sensitivity",
 * https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-case-sensitivity.html), and
 * sign-in does not tell which users exist ("Managing user existence error responses",
 * https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-managing-errors.html).
 * SRP sign-in: userpool-srp.test.ts; CORS and the administrators' SigV4: userpool-guard.test.ts.
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
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalUserPool } from '../src/userpool/pool';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUserPoolServer, type UserPoolServer } from '../src/userpool/server';
import { TEST_IAM, TEST_USERS } from './support/api';
import { sdkErrorOf } from './support/sdk-error';

const STAFF_GROUP = 'staff';
/** The pool the API's tests run: the groups and seeded users of test/support/api.ts. */
const POOL = { groups: ['staff', 'dataProtection'], seed: TEST_USERS };

let server: UserPoolServer;
let client: CognitoIdentityProviderClient;
let pool: UserPoolServer['pool'];
const printed: string[] = [];

beforeAll(async () => {
  server = await startUserPoolServer({ ...POOL, log: (line) => printed.push(line), adminCredentials: TEST_IAM });
  pool = server.pool;
  client = new CognitoIdentityProviderClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    // the administrators' operations are signed with these, as in AWS; the others go unsigned
    credentials: { accessKeyId: TEST_IAM.accessKeyId, secretAccessKey: TEST_IAM.secretAccessKey },
  });
});

afterAll(async () => {
  client?.destroy();
  await server?.stop();
});


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
    expect(await sdkErrorOf(auth())).toMatchObject({ name: 'UserNotConfirmedException', status: 400 });
    const wrongCode = code === '000000' ? '000001' : '000000';
    expect(await sdkErrorOf(client.send(new ConfirmSignUpCommand({ ClientId: pool.clientId, Username: 'new-buyer', ConfirmationCode: wrongCode })))).toMatchObject({ name: 'CodeMismatchException' });
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
      sdkErrorOf(client.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: flow, AuthParameters: params })));
    expect(await initiate({ USERNAME: 'staff', PASSWORD: 'wrong-Password-1' })).toMatchObject({ name: 'NotAuthorizedException', message: 'Incorrect username or password.', status: 400 });
    // an unknown user is answered as a wrong password (the app client prevents user existence errors)
    expect(await initiate({ USERNAME: 'nobody', PASSWORD: 'x' })).toEqual(await initiate({ USERNAME: 'staff', PASSWORD: 'wrong-Password-1' }));
    expect(await initiate({ USERNAME: 'staff', PASSWORD: 'Staff-Local-1' }, 'someotherclientid00000000a')).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await initiate({ REFRESH_TOKEN: 'forged' }, pool.clientId, 'REFRESH_TOKEN_AUTH')).toMatchObject({ name: 'NotAuthorizedException' });
    expect(await initiate({ USERNAME: 'staff' }, pool.clientId, 'USER_SRP_AUTH')).toMatchObject({ name: 'InvalidParameterException', message: 'Missing required parameter SRP_A' });

    const signUp = (username: string, password: string, email = `${username}@example.com`) =>
      sdkErrorOf(client.send(new SignUpCommand({ ClientId: pool.clientId, Username: username, Password: password, UserAttributes: [{ Name: 'email', Value: email }] })));
    expect(await signUp('staff', 'Another-Pass-1')).toMatchObject({ name: 'UsernameExistsException' });
    expect(await signUp('weak', 'short')).toMatchObject({ name: 'InvalidPasswordException' });
    expect(await sdkErrorOf(client.send(new SignUpCommand({ ClientId: pool.clientId, Username: 'no-email', Password: 'Valid-Pass-1' })))).toMatchObject({ name: 'InvalidParameterException' });
    expect(await sdkErrorOf(client.send(new AdminAddUserToGroupCommand({ UserPoolId: pool.poolId, Username: 'staff', GroupName: 'admins' })))).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await sdkErrorOf(client.send(new GetUserCommand({ AccessToken: 'not-a-token' })))).toMatchObject({ name: 'NotAuthorizedException' });
    // nothing above created a user
    expect(pool.user('weak')).toBeUndefined();
    expect(pool.user('no-email')).toBeUndefined();
  });
});

describe('usernames: one namespace whatever their case (a case-insensitive pool)', () => {
  const signUp = (username: string, email = `${username.normalize('NFKC').toLowerCase()}.${Math.random().toString(36).slice(2, 8)}@example.com`) =>
    client.send(new SignUpCommand({ ClientId: pool.clientId, Username: username, Password: 'Another-Pass-1', UserAttributes: [{ Name: 'email', Value: email }] }));
  const passwordSignIn = (username: string, password: string) =>
    client.send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD: password } }));

  it('refuses to sign up Staff, STAFF or ｓtaff (a fullwidth s) beside staff, and creates nothing', async () => {
    for (const name of ['Staff', 'STAFF', 'ｓtaff', 'ＳＴＡＦＦ', 'staff']) {
      expect(await sdkErrorOf(signUp(name)), name).toMatchObject({ name: 'UsernameExistsException', message: 'User already exists' });
    }
    expect(pool.user('ｓtaff')).toBe(pool.user('staff'));
    // "ß" folds to "ss": Straße and STRASSE are one name
    await signUp('Straße');
    expect(await sdkErrorOf(signUp('STRASSE'))).toMatchObject({ name: 'UsernameExistsException' });
  });

  it('signs STAFF in as staff: the same sub and groups, and the username as the pool keeps it', async () => {
    const staff = TEST_USERS.find((u) => u.username === 'staff')!;
    const lower = decodeJwt((await passwordSignIn('staff', staff.password)).AuthenticationResult!.IdToken!);
    for (const name of ['STAFF', 'Staff', 'ｓtaff']) {
      const result = (await passwordSignIn(name, staff.password)).AuthenticationResult!;
      expect(decodeJwt(result.IdToken!), name).toMatchObject({ sub: lower.sub, 'cognito:username': 'staff', 'cognito:groups': [STAFF_GROUP] });
      expect(decodeJwt(result.AccessToken!)).toMatchObject({ sub: lower.sub, username: 'staff' });
    }
  });

  it('keeps a mixed-case sign-up in lower case, as Cognito gives it back, and signs it in under any case or by its email in any case', async () => {
    const { UserSub } = await signUp('CarolCase', 'Carol.Case@Example.com');
    await client.send(new ConfirmSignUpCommand({ ClientId: pool.clientId, Username: 'CAROLCASE', ConfirmationCode: pool.confirmationCode('carolcase') }));
    for (const name of ['CarolCase', 'carolcase', 'CAROLCASE', 'carol.case@example.com', 'CAROL.CASE@EXAMPLE.COM']) {
      const result = (await passwordSignIn(name, 'Another-Pass-1')).AuthenticationResult!;
      expect(decodeJwt(result.IdToken!), name).toMatchObject({ sub: UserSub, 'cognito:username': 'carolcase', email: 'Carol.Case@Example.com' });
      expect((await client.send(new GetUserCommand({ AccessToken: result.AccessToken }))).Username).toBe('carolcase');
    }
    // the email is one of its own too: a sign-up with it is taken (saying nothing), its confirmation refused, as in Cognito
    await signUp('carol-again', 'CAROL.CASE@example.com');
    expect(await sdkErrorOf(client.send(new ConfirmSignUpCommand({ ClientId: pool.clientId, Username: 'carol-again', ConfirmationCode: pool.confirmationCode('carol-again') })))).toMatchObject({ name: 'AliasExistsException' });
  });

  it('refuses a username in email format, since email is a sign-in alias of this pool', async () => {
    expect(await sdkErrorOf(signUp('someone@example.com'))).toMatchObject({ name: 'InvalidParameterException', message: 'Username cannot be of email format, since user pool is configured for email alias.' });
  });

  it('keeps names apart in a pool created case-sensitive (signInCaseSensitive: true)', async () => {
    const sensitive = await LocalUserPool.create({ ...POOL, signInCaseSensitive: true });
    const created = sensitive.signUp({ ClientId: sensitive.clientId, Username: 'STAFF', Password: 'Another-Pass-1', UserAttributes: [{ Name: 'email', Value: 'upper.staff@example.com' }] });
    expect(created.UserSub).not.toBe(sensitive.user('staff')!.sub);
    expect(sensitive.user('STAFF')!.username).toBe('STAFF');
    expect(sensitive.user('Staff')).toBeUndefined();
  });
});

describe('sign-in that does not tell which users exist (PreventUserExistenceErrors)', () => {
  it('answers an unknown user as a wrong password, and ConfirmSignUp of an unknown user as a wrong code', async () => {
    const wrongPassword = await sdkErrorOf(client.send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'staff', PASSWORD: 'Not-Her-Password-1' } })));
    const unknown = await sdkErrorOf(client.send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'no-such-user', PASSWORD: 'Not-Her-Password-1' } })));
    expect(wrongPassword).toEqual({ name: 'NotAuthorizedException', message: 'Incorrect username or password.', status: 400 });
    expect(unknown).toEqual(wrongPassword);
    expect(await sdkErrorOf(client.send(new ConfirmSignUpCommand({ ClientId: pool.clientId, Username: 'no-such-user', ConfirmationCode: '123456' })))).toMatchObject({
      name: 'CodeMismatchException',
      message: 'Invalid verification code provided, please try again.',
    });
  });

  it('says UserNotFoundException where the app client does not prevent existence errors (LEGACY)', async () => {
    const legacy = await LocalUserPool.create({ ...POOL, preventUserExistenceErrors: false });
    const attempt = legacy.initiateAuth({ ClientId: legacy.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'no-such-user', PASSWORD: 'x' } });
    await expect(attempt).rejects.toMatchObject({ type: 'UserNotFoundException', message: 'User does not exist.' });
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
      expect(decodeJwt(signedIn.AuthenticationResult!.IdToken).sub).toBe(UserSub);
      // what the file keeps of a password: SRP's salt and verifier, from which it cannot be read back
      const saved = readFileSync(stateFile, 'utf8');
      expect(saved).not.toContain('Keeper-Pass-1');
      const keeper = (JSON.parse(saved) as { users: { username: string; password?: unknown; passwordHash?: unknown }[] }).users.find((u) => u.username === 'keeper')!;
      expect(keeper.password).toEqual({ salt: expect.stringMatching(/^[0-9a-f]{32}$/), verifier: expect.stringMatching(/^[0-9a-f]{600,770}$/) });
      expect(keeper.passwordHash).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
