/**
 * SRP sign-in (USER_SRP_AUTH, challenge PASSWORD_VERIFIER) against the local pool, driven by a
 * client implementation other than the one the server's half mirrors (aws-amplify v6; mark-api's
 * test/realtime-amplify.test.ts signs in with it): amazon-cognito-identity-js, AWS's earlier
 * Cognito SDK for JavaScript, whose CognitoUser.authenticateUser computes SRP_A, the HKDF key and
 * the claim signature on its own. The flow and its parameters are those of "User pool
 * authentication flow"
 * (https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-authentication-flow.html);
 * an unknown name gets a simulated challenge with the same salt each time and fails as a wrong
 * password ("Managing user existence error responses",
 * https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-managing-errors.html).
 */
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { AuthenticationDetails, CognitoUser, CognitoUserPool } from 'amazon-cognito-identity-js';
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { randomBytes, randomUUID, scryptSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUserPoolServer, type UserPoolServer } from '../src/userpool/server';
import { formatTimestamp, parseTimestamp } from '../src/userpool/srp';
import { TEST_USERS } from './support/api';

const POOL = { poolId: 'eu-west-2_SrpTestPool', groups: ['staff', 'dataProtection'], seed: TEST_USERS };
const STAFF = TEST_USERS.find((u) => u.username === 'staff')!;

let server: UserPoolServer;
let sdk: CognitoIdentityProviderClient;
const printed: string[] = [];

beforeAll(async () => {
  server = await startUserPoolServer({ ...POOL, log: (line) => printed.push(line) });
  sdk = new CognitoIdentityProviderClient({ endpoint: server.endpoint, region: 'eu-west-2', credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' } });
});

afterAll(async () => {
  sdk?.destroy();
  await server?.stop();
});

interface Outcome {
  ok: boolean;
  idToken?: string;
  error?: { code?: string; name?: string; message?: string };
}

/** CognitoUser.authenticateUser (USER_SRP_AUTH, its default flow) against a pool server. */
function srpSignIn(target: UserPoolServer, username: string, password: string): Promise<Outcome> {
  const userPool = new CognitoUserPool({ UserPoolId: target.pool.poolId, ClientId: target.pool.clientId, endpoint: target.endpoint });
  const user = new CognitoUser({ Username: username, Pool: userPool });
  return new Promise((resolve) => {
    user.authenticateUser(new AuthenticationDetails({ Username: username, Password: password }), {
      onSuccess: (session) => resolve({ ok: true, idToken: session.getIdToken().getJwtToken() }),
      onFailure: (error: Outcome['error']) => resolve({ ok: false, error: { code: error?.code, name: error?.name, message: error?.message } }),
    });
  });
}

/**
 * Runs `during` with the library's RespondToAuthChallenge request body rewritten by `rewrite`
 * (amazon-cognito-identity-js calls the global fetch), and records the bodies it sent.
 */
async function rewritingChallengeResponses<T>(rewrite: (body: Record<string, unknown>) => Record<string, unknown>, during: () => Promise<T>): Promise<{ result: T; sent: string[] }> {
  const original = globalThis.fetch;
  const sent: string[] = [];
  globalThis.fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    if (headers.get('x-amz-target') === 'AWSCognitoIdentityProviderService.RespondToAuthChallenge' && typeof init?.body === 'string') {
      const body = JSON.stringify(rewrite(JSON.parse(init.body) as Record<string, unknown>));
      sent.push(body);
      return original(input, { ...init, body });
    }
    return original(input, init);
  };
  try {
    return { result: await during(), sent };
  } finally {
    globalThis.fetch = original;
  }
}

const challengeOf = async (username: string) =>
  (await sdk.send(new InitiateAuthCommand({ ClientId: server.pool.clientId, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: username, SRP_A: (2n ** 1000n + 12345n).toString(16) } })))
    .ChallengeParameters!;

describe('USER_SRP_AUTH with amazon-cognito-identity-js', () => {
  it('signs a seeded user in: the tokens verify against the JWKS and carry the user’s claims, whatever case the name is typed in', async () => {
    const jwks = createRemoteJWKSet(new URL(server.pool.jwksUrl));
    for (const name of ['staff', 'STAFF', STAFF.email.toUpperCase()]) {
      const outcome = await srpSignIn(server, name, STAFF.password);
      expect(outcome, name).toMatchObject({ ok: true });
      const { payload } = await jwtVerify(outcome.idToken!, jwks, { issuer: server.pool.issuer, audience: server.pool.clientId });
      expect(payload).toMatchObject({ token_use: 'id', 'cognito:username': 'staff', 'cognito:groups': ['staff'], sub: server.pool.user('staff')!.sub });
    }
  });

  it('answers a wrong password, and an unknown user, with NotAuthorizedException "Incorrect username or password."', async () => {
    const wrong = await srpSignIn(server, 'staff', 'Not-The-Password-1');
    expect(wrong).toEqual({ ok: false, error: { code: 'NotAuthorizedException', name: 'NotAuthorizedException', message: 'Incorrect username or password.' } });
    expect(await srpSignIn(server, 'nobody-at-all', 'Not-The-Password-1')).toEqual(wrong);
  });

  it('gives an unknown name a simulated challenge: the same salt each time, as a user’s, so the challenge does not tell', async () => {
    const [first, second] = [await challengeOf('nobody-at-all'), await challengeOf('NOBODY-AT-ALL')];
    const [known, knownAgain] = [await challengeOf('staff'), await challengeOf('Staff')];
    for (const challenge of [first, known]) expect(Object.keys(challenge).sort()).toEqual(['SALT', 'SECRET_BLOCK', 'SRP_B', 'USERNAME', 'USER_ID_FOR_SRP']);
    expect(second.SALT).toBe(first.SALT);
    expect(knownAgain.SALT).toBe(known.SALT);
    expect(first.USER_ID_FOR_SRP).toBe('nobody-at-all');
    expect(known.USER_ID_FOR_SRP).toBe('staff');
    // a fresh B and secret block for every challenge
    expect(second.SRP_B).not.toBe(first.SRP_B);
    expect(second.SECRET_BLOCK).not.toBe(first.SECRET_BLOCK);
  });

  it('refuses a claim signed over another TIMESTAMP or with a changed signature, and a challenge answered twice', async () => {
    const changedTime = await rewritingChallengeResponses(
      (body) => {
        const responses = body.ChallengeResponses as Record<string, string>;
        const time = parseTimestamp(responses.TIMESTAMP)!;
        return { ...body, ChallengeResponses: { ...responses, TIMESTAMP: formatTimestamp(new Date(time.getTime() + 1000)) } };
      },
      () => srpSignIn(server, 'staff', STAFF.password),
    );
    expect(changedTime.result.error).toMatchObject({ code: 'NotAuthorizedException', message: 'Incorrect username or password.' });

    const changedSignature = await rewritingChallengeResponses(
      (body) => {
        const responses = body.ChallengeResponses as Record<string, string>;
        const signature = Buffer.from(responses.PASSWORD_CLAIM_SIGNATURE, 'base64');
        signature[0] ^= 1;
        return { ...body, ChallengeResponses: { ...responses, PASSWORD_CLAIM_SIGNATURE: signature.toString('base64') } };
      },
      () => srpSignIn(server, 'staff', STAFF.password),
    );
    expect(changedSignature.result.error).toMatchObject({ code: 'NotAuthorizedException', message: 'Incorrect username or password.' });

    const isoTime = await rewritingChallengeResponses(
      (body) => ({ ...body, ChallengeResponses: { ...(body.ChallengeResponses as object), TIMESTAMP: new Date().toISOString() } }),
      () => srpSignIn(server, 'staff', STAFF.password),
    );
    expect(isoTime.result.error).toMatchObject({ code: 'InvalidParameterException', message: 'TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.' });

    // a good answer signs in once; the same answer again finds its challenge spent
    const good = await rewritingChallengeResponses((body) => body, () => srpSignIn(server, 'staff', STAFF.password));
    expect(good.result.ok).toBe(true);
    const replay = await fetch(server.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.RespondToAuthChallenge' },
      body: good.sent[0],
    });
    expect(replay.status).toBe(400);
    expect(await replay.json()).toEqual({ __type: 'NotAuthorizedException', message: 'Invalid session for the user, session is expired.' });
  });

  it('reads and writes TIMESTAMP as Cognito’s clients do ("ddd MMM D HH:mm:ss UTC YYYY", the day unpadded)', () => {
    expect(formatTimestamp(new Date(Date.UTC(2024, 2, 5, 9, 4, 1)))).toBe('Tue Mar 5 09:04:01 UTC 2024');
    expect(parseTimestamp('Tue Mar 5 09:04:01 UTC 2024')?.toISOString()).toBe('2024-03-05T09:04:01.000Z');
    expect(parseTimestamp('Tue Mar 05 09:04:01 UTC 2024')?.toISOString()).toBe('2024-03-05T09:04:01.000Z');
    for (const bad of ['Wed Mar 5 09:04:01 UTC 2024', 'Tue Mar 5 9:04:01 UTC 2024', 'Tue Feb 30 09:04:01 UTC 2024', '2024-03-05T09:04:01Z', 42]) expect(parseTimestamp(bad), String(bad)).toBeUndefined();
  });
});

describe('a state file of an earlier pool, which kept scrypt hashes and case-sensitive names', () => {
  it('signs its users in by password once, keeps a verifier from then on so SRP works, and sets aside (never drops) a name that now collides', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'appsync-local-legacy-pool-'));
    const lines: string[] = [];
    let legacy: UserPoolServer | undefined;
    try {
      const stateFile = join(dir, 'userpool', 'pool.json');
      const { privateKey } = await generateKeyPair('RS256', { extractable: true });
      const scrypt = (password: string) => {
        const salt = randomBytes(16);
        return `${salt.toString('base64')}:${scryptSync(password, salt, 32).toString('base64')}`;
      };
      const old = (username: string, password: string) => ({ username, sub: randomUUID(), email: `${username.toLowerCase()}@old.example.com`, passwordHash: scrypt(password), confirmed: true, groups: [], createdAt: new Date().toISOString() });
      const upperStaff = old('STAFF', 'Upper-Staff-1');
      mkdirSync(join(dir, 'userpool'));
      writeFileSync(stateFile, JSON.stringify({ privateJwk: await exportJWK(privateKey), kid: 'old-key', users: [old('Veteran', 'Veteran-Pass-1'), upperStaff] }));

      legacy = await startUserPoolServer({ ...POOL, stateFile, log: (line) => lines.push(line) });
      // "STAFF" was a second account beside the seeded "staff": kept in the file, said so, no longer signed in
      expect(lines.some((line) => line.includes('"STAFF"') && line.includes(upperStaff.sub) && line.includes('shadowed'))).toBe(true);
      const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as { users: { username: string }[]; shadowed: { sub: string }[] };
      expect(saved.shadowed.map((u) => u.sub)).toEqual([upperStaff.sub]);
      expect(legacy.pool.user('STAFF')!.sub).toBe(legacy.pool.user('staff')!.sub);

      // no verifier yet: SRP fails as a wrong password would, and the terminal says what to do
      expect(await srpSignIn(legacy, 'veteran', 'Veteran-Pass-1')).toMatchObject({ ok: false, error: { code: 'NotAuthorizedException' } });
      expect(lines.some((line) => line.includes('veteran') && line.includes('USER_PASSWORD_AUTH'))).toBe(true);
      const byPassword = await legacy.pool.initiateAuth({ ClientId: legacy.pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'Veteran', PASSWORD: 'Veteran-Pass-1' } });
      expect(byPassword.AuthenticationResult?.IdToken).toEqual(expect.any(String));
      const upgraded = (JSON.parse(readFileSync(stateFile, 'utf8')) as { users: { username: string; password?: object; passwordHash?: string }[] }).users.find((u) => u.username === 'veteran')!;
      expect(upgraded.passwordHash).toBeUndefined();
      expect(upgraded.password).toEqual({ salt: expect.any(String), verifier: expect.any(String) });
      expect(await srpSignIn(legacy, 'Veteran', 'Veteran-Pass-1')).toMatchObject({ ok: true });
      expect(await srpSignIn(legacy, 'Veteran', 'Veteran-Pass-2')).toMatchObject({ ok: false, error: { code: 'NotAuthorizedException' } });
    } finally {
      await legacy?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
