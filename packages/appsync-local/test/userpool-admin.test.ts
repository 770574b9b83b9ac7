/**
 * The administrators' user operations of the local pool, through the AWS SDK as Cognito's:
 * AdminCreateUser (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminCreateUser.html),
 * AdminSetUserPassword (.../API_AdminSetUserPassword.html), AdminGetUser (.../API_AdminGetUser.html)
 * and AdminDeleteUser (.../API_AdminDeleteUser.html). A created user is FORCE_CHANGE_PASSWORD until
 * a permanent password is set, then CONFIRMED and able to sign in; each is refused unsigned, as the
 * other Admin* operations (userpool-guard.test.ts).
 */
import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUserPoolServer, type UserPoolServer } from '../src/userpool/server';
import { TEST_IAM, TEST_USERS } from './support/api';
import { sdkErrorOf } from './support/sdk-error';

let server: UserPoolServer;
let admin: CognitoIdentityProviderClient;
let stranger: CognitoIdentityProviderClient;
const printed: string[] = [];

beforeAll(async () => {
  server = await startUserPoolServer({ groups: ['staff', 'dataProtection'], seed: TEST_USERS, log: (line) => printed.push(line), adminCredentials: TEST_IAM });
  admin = new CognitoIdentityProviderClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: TEST_IAM.accessKeyId, secretAccessKey: TEST_IAM.secretAccessKey } });
  stranger = new CognitoIdentityProviderClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIASOMEONEELSE00001', secretAccessKey: 'not-the-pool-principal' } });
});

afterAll(async () => {
  admin?.destroy();
  stranger?.destroy();
  await server?.stop();
});

const poolId = () => server.pool.poolId;
const signIn = (username: string, password: string) =>
  admin.send(new InitiateAuthCommand({ ClientId: server.pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD: password } }));

describe('AdminCreateUser, AdminSetUserPassword, AdminGetUser, AdminDeleteUser', () => {
  it('creates a user in FORCE_CHANGE_PASSWORD, who can sign in once a permanent password is set; then deletes them', async () => {
    const created = await admin.send(new AdminCreateUserCommand({ UserPoolId: poolId(), Username: 'New-Officer', MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: 'officer@registry.example' }] }));
    expect(created.User).toMatchObject({ Username: 'new-officer', Enabled: true, UserStatus: 'FORCE_CHANGE_PASSWORD' });
    expect(created.User!.UserCreateDate).toBeInstanceOf(Date);
    // SUPPRESS: no invitation
    expect(printed.some((line) => line.includes('new-officer'))).toBe(false);
    // the temporary password was generated (and not told): the one to come does not sign in yet
    expect(await sdkErrorOf(signIn('new-officer', 'Officer-Pass-1'))).toMatchObject({ name: 'NotAuthorizedException' });

    await admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId(), Username: 'NEW-OFFICER', Password: 'Officer-Pass-1', Permanent: true }));
    const got = await admin.send(new AdminGetUserCommand({ UserPoolId: poolId(), Username: 'new-officer' }));
    expect(got).toMatchObject({ Username: 'new-officer', UserStatus: 'CONFIRMED', Enabled: true });
    expect(got.UserAttributes).toContainEqual({ Name: 'email', Value: 'officer@registry.example' });
    expect((await signIn('new-officer', 'Officer-Pass-1')).AuthenticationResult?.AccessToken).toBeTruthy();

    await admin.send(new AdminDeleteUserCommand({ UserPoolId: poolId(), Username: 'new-officer' }));
    expect(await sdkErrorOf(admin.send(new AdminGetUserCommand({ UserPoolId: poolId(), Username: 'new-officer' })))).toMatchObject({ name: 'UserNotFoundException', status: 400 });
    expect(server.pool.user('new-officer')).toBeUndefined();
  });

  it('prints the invitation it would mail unless SUPPRESS; a second create is UsernameExistsException, whatever the case', async () => {
    await admin.send(new AdminCreateUserCommand({ UserPoolId: poolId(), Username: 'invited', UserAttributes: [{ Name: 'email', Value: 'invited@registry.example' }] }));
    expect(printed.some((line) => line.includes('invitation for invited'))).toBe(true);
    expect(await sdkErrorOf(admin.send(new AdminCreateUserCommand({ UserPoolId: poolId(), Username: 'INVITED', MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: 'other@registry.example' }] })))).toMatchObject({
      name: 'UsernameExistsException',
      message: 'User account already exists',
    });
    // RESEND re-sends an existing user's invitation; for an unknown one it is UserNotFoundException
    await admin.send(new AdminCreateUserCommand({ UserPoolId: poolId(), Username: 'invited', MessageAction: 'RESEND' }));
    expect(await sdkErrorOf(admin.send(new AdminCreateUserCommand({ UserPoolId: poolId(), Username: 'nobody-here', MessageAction: 'RESEND' })))).toMatchObject({ name: 'UserNotFoundException' });
    await admin.send(new AdminDeleteUserCommand({ UserPoolId: poolId(), Username: 'invited' }));
  });

  it('refuses a password against the policy, a missing email, an unknown pool or user, and writes nothing', async () => {
    const before = server.pool.user('weak');
    expect(before).toBeUndefined();
    expect(await sdkErrorOf(admin.send(new AdminCreateUserCommand({ UserPoolId: poolId(), Username: 'weak', TemporaryPassword: 'short', UserAttributes: [{ Name: 'email', Value: 'weak@registry.example' }] })))).toMatchObject({ name: 'InvalidPasswordException' });
    expect(await sdkErrorOf(admin.send(new AdminCreateUserCommand({ UserPoolId: poolId(), Username: 'weak', MessageAction: 'SUPPRESS' })))).toMatchObject({ name: 'InvalidParameterException' });
    expect(await sdkErrorOf(admin.send(new AdminCreateUserCommand({ UserPoolId: 'us-east-1_Nope', Username: 'weak', UserAttributes: [{ Name: 'email', Value: 'weak@registry.example' }] })))).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(server.pool.user('weak')).toBeUndefined();
    expect(await sdkErrorOf(admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId(), Username: 'staff', Password: 'nouppercase1!', Permanent: true })))).toMatchObject({ name: 'InvalidPasswordException' });
    // staff's own password still works: nothing was written
    const staff = TEST_USERS.find((u) => u.role === 'staff')!;
    expect((await signIn(staff.username, staff.password)).AuthenticationResult).toBeDefined();
    expect(await sdkErrorOf(admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId(), Username: 'ghost', Password: 'Ghost-Pass-1', Permanent: true })))).toMatchObject({ name: 'UserNotFoundException' });
    expect(await sdkErrorOf(admin.send(new AdminDeleteUserCommand({ UserPoolId: poolId(), Username: 'ghost' })))).toMatchObject({ name: 'UserNotFoundException' });
  });

  it('refuses each of them to any principal but the pool’s', async () => {
    const calls = [
      new AdminCreateUserCommand({ UserPoolId: poolId(), Username: 'intruder', MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: 'intruder@example.com' }] }),
      new AdminSetUserPasswordCommand({ UserPoolId: poolId(), Username: 'staff', Password: 'Taken-Over-1', Permanent: true }),
      new AdminGetUserCommand({ UserPoolId: poolId(), Username: 'staff' }),
      new AdminDeleteUserCommand({ UserPoolId: poolId(), Username: 'staff' }),
    ];
    for (const call of calls) {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      expect(await sdkErrorOf(stranger.send(call as any))).toMatchObject({ name: 'UnrecognizedClientException' });
    }
    expect(server.pool.user('intruder')).toBeUndefined();
    expect(server.pool.user('staff')).toBeDefined();
  });
});
