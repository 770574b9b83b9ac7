/**
 * `npm run users` (local/ops/users.ts) for real against the local stack's user pool: the command
 * finds the running stack by its data folder's stack.json as the other tools do, creates staff and
 * smoke users with Cognito's administrator operations signed by the local IAM principal, says what
 * it did, writes the SMOKE_* file with mode 600, and a second run only completes groups. The smoke
 * journey then runs as the users it created. AWS's pages for the operations:
 * https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminCreateUser.html,
 * API_AdminSetUserPassword.html, API_AdminAddUserToGroup.html.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AdminRemoveUserFromGroupCommand, CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { ConsoleLogger } from 'aws-amplify/utils';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../infra/wiring';
import { localClientConfig, writeClientConfig } from '../local/client-config';
import { runSmoke } from '../local/ops/journey';
import { smokeTarget } from '../local/ops/smoke';
import { UsageError } from '../local/ops/target';
import { createUsers, generatePassword, PoolError, usersPlan } from '../local/ops/users';
import { LOCAL_IAM_CREDENTIALS } from '../local/stack';
import { STACK_FILE_NAME } from '../local/stack-file';
import { MARK_API_USER_POOL } from '../local/users';
import { startTestStack, type TestStack } from './support/stack';

const run = promisify(execFile);
let stack: TestStack;
let folder = '';
let dataDir = '';
let admin: CognitoIdentityProviderClient;

beforeAll(async () => {
  ConsoleLogger.LOG_LEVEL = 'ERROR';
  stack = await startTestStack({ label: 'users' });
  folder = mkdtempSync(join(tmpdir(), 'mark-api-users-'));
  // a data folder that this process "runs on", as npm start's stack.json says (local/stack-file.ts)
  dataDir = join(folder, 'data');
  mkdirSync(dataDir);
  const clientConfigFile = join(folder, 'amplify-config.json');
  writeClientConfig(localClientConfig(stack), clientConfigFile);
  writeFileSync(
    join(dataDir, STACK_FILE_NAME),
    JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString(), dataDir, inMemory: true, graphqlUrl: stack.graphqlUrl, userPoolEndpoint: stack.userPool.endpoint, clientConfigFile }),
  );
  admin = new CognitoIdentityProviderClient({ endpoint: stack.userPool.endpoint, region: 'us-east-1', credentials: { accessKeyId: LOCAL_IAM_CREDENTIALS.accessKeyId, secretAccessKey: LOCAL_IAM_CREDENTIALS.secretAccessKey } });
});

afterAll(async () => {
  admin?.destroy();
  await stack?.stop();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

const users = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'local/ops/users.ts', ...args], { cwd: REPO_ROOT, env: { ...process.env, MARK_USERS_PASSWORD: '' } });

async function groupsOf(username: string, password: string): Promise<string[]> {
  const signedIn = await admin.send(new InitiateAuthCommand({ ClientId: stack.userPool.pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD: password } }));
  return (decodeJwt(signedIn.AuthenticationResult!.IdToken!)['cognito:groups'] as string[] | undefined) ?? [];
}

describe('npm run users against the local stack', () => {
  it('creates staff and the smoke users with printed passwords, writes SMOKE_* with mode 600, and the smoke journey passes as them', async () => {
    expect(stack.userPool.pool.poolId).toBe(MARK_API_USER_POOL.poolId);
    const envFile = join(folder, 'smoke.env');
    const { stdout } = await users('--data-dir', dataDir, '--staff', 'Registrar-One:registrar@registry.example', '--smoke', '--smoke-env', envFile);
    expect(stdout).toContain(`the local stack's user pool ${MARK_API_USER_POOL.poolId} at ${stack.userPool.endpoint}`);
    const created = [...stdout.matchAll(/^ {2}created (\S+) <[^>]+> \(([^)]*)\), password (\S+)$/gm)].map(([, name, groups, password]) => ({ name, groups, password }));
    expect(created.map((c) => [c.name, c.groups])).toEqual([
      ['Registrar-One', 'groups staff'],
      ['smoke-purchaser-a', 'no group'],
      ['smoke-purchaser-b', 'no group'],
      ['smoke-data-protection', 'groups dataProtection'],
    ]);
    // each password is its own, meets the pool's policy, and signs its user in with the asked-for groups
    expect(new Set(created.map((c) => c.password)).size).toBe(4);
    expect(await groupsOf('registrar-one', created[0].password)).toEqual(['staff']);
    expect(await groupsOf('smoke-data-protection', created[3].password)).toEqual(['dataProtection']);

    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const env = Object.fromEntries([...readFileSync(envFile, 'utf8').matchAll(/^(SMOKE_\w+)='([^']*)'$/gm)].map(([, k, v]) => [k, v]));
    expect(env).toEqual({
      SMOKE_PURCHASER_A: 'smoke-purchaser-a', SMOKE_PURCHASER_A_PASSWORD: created[1].password,
      SMOKE_PURCHASER_B: 'smoke-purchaser-b', SMOKE_PURCHASER_B_PASSWORD: created[2].password,
      SMOKE_DATA_PROTECTION: 'smoke-data-protection', SMOKE_DATA_PROTECTION_PASSWORD: created[3].password,
    });
    // npm run smoke with that environment: the journey as the created users, not the seeded ones
    const target = smokeTarget({ config: join(folder, 'amplify-config.json') }, env);
    expect(target.users.dataProtection.username).toBe('smoke-data-protection');
    const result = await runSmoke(target, {});
    expect(result.failure).toBeUndefined();

    // again: everyone exists; a group taken away meanwhile is given back, passwords are left alone
    await admin.send(new AdminRemoveUserFromGroupCommand({ UserPoolId: MARK_API_USER_POOL.poolId, Username: 'registrar-one', GroupName: 'staff' }));
    const again = await users('--data-dir', dataDir, '--staff', 'registrar-one:registrar@registry.example');
    expect(again.stdout).toMatch(/^ {2}exists {2}registrar-one <registrar@registry\.example> \(groups staff; added to staff\), password unchanged$/m);
    expect(await groupsOf('registrar-one', created[0].password)).toEqual(['staff']);
  }, 120_000);

  it('fails in one line: a bad flag (2), a pool that refuses the credentials or does not exist (PoolError)', async () => {
    const bad = await users('--staff', 'alice').catch((err: { code: number; stderr: string }) => err);
    expect(bad).toMatchObject({ code: 2, stderr: 'npm run users: --staff alice: give username:email (the pool requires an email)\n' });
    expect(() => usersPlan(['--frobnicate'])).toThrow(UsageError);
    expect(() => usersPlan([])).toThrow('nobody to create');
    expect(() => usersPlan(['--smoke-env', 'x'])).toThrow('--smoke-env writes the --smoke users: give --smoke');
    expect(() => usersPlan(['--staff', 'a:a@x.example', '--staff', 'A:b@x.example'])).toThrow('A is named twice');

    const plan = { users: [{ username: 'nobody-made', email: 'nobody@registry.example', groups: ['staff'] }], invite: false };
    const stranger = new CognitoIdentityProviderClient({ endpoint: stack.userPool.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIANOTTHEPRINCIPAL1', secretAccessKey: 'wrong' } });
    try {
      await expect(createUsers(stranger, MARK_API_USER_POOL.poolId, plan)).rejects.toThrow(new PoolError(`nobody-made: the credentials were refused (UnrecognizedClientException: The security token included in the request is invalid.): use a principal allowed cognito-idp:Admin* on pool ${MARK_API_USER_POOL.poolId}`));
    } finally {
      stranger.destroy();
    }
    await expect(createUsers(admin, 'us-east-1_NoSuchPool', plan)).rejects.toThrow(/^nobody-made: User pool us-east-1_NoSuchPool does not exist\. \(is it the right stack and region\? pool us-east-1_NoSuchPool\)$/);
    expect(stack.userPool.pool.user('nobody-made')).toBeUndefined();
  });

  it('generates passwords that meet the pool policy', () => {
    for (let i = 0; i < 200; i++) {
      const p = generatePassword();
      expect(p).toMatch(/^(?=.*[a-z])(?=.*[A-Z])(?=.*[0-9])(?=.*[^A-Za-z0-9]).{20}$/);
    }
  });
});
