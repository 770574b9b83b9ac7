/**
 * The tests' sign-in (test/support/sign-in.ts) against mark-api's local user pool over its Cognito
 * API: one InitiateAuth per user however many requests want a token, and a renewal with the refresh
 * token once the tokens near their expiry — so every integration request carries a real token
 * without paying for a sign-in each time.
 */
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUserPoolServer, type UserPoolServer } from 'appsync-local';
import { MARK_API_USER_POOL, SEEDED_USERS } from '../local/users';
import { SignIns } from './support/sign-in';

let server: UserPoolServer;
let clock = Date.now();
let signIns: SignIns;
const staff = SEEDED_USERS.find((u) => u.role === 'staff')!;

beforeAll(async () => {
  server = await startUserPoolServer({ ...MARK_API_USER_POOL, seed: MARK_API_USER_POOL.users });
  signIns = new SignIns({ endpoint: server.endpoint, clientId: server.pool.clientId, region: server.pool.region, now: () => clock });
});

afterAll(async () => {
  signIns?.destroy();
  await server?.stop();
});

describe('SignIns', () => {
  it('signs a user in once for any number of concurrent and later requests', async () => {
    const first = await Promise.all(Array.from({ length: 20 }, () => signIns.tokens(staff)));
    const later = await signIns.tokens(staff);
    expect(new Set([...first, later].map((t) => t.accessToken)).size).toBe(1);
    expect(signIns.calls).toEqual({ signIn: 1, renew: 0 });
    // a real token of the pool: it verifies against the published keys and names the user
    const { payload } = await jwtVerify(later.accessToken, createRemoteJWKSet(new URL(server.pool.jwksUrl)), { issuer: server.pool.issuer });
    expect(payload).toMatchObject({ token_use: 'access', username: staff.username, client_id: server.pool.clientId, 'cognito:groups': staff.groups });
  });

  it('renews with the refresh token once the tokens are within five minutes of expiry, once for concurrent callers', async () => {
    const before = await signIns.tokens(staff);
    clock = before.expiresAt - 5 * 60_000 - 1_000;
    expect((await signIns.tokens(staff)).accessToken).toBe(before.accessToken);
    clock = before.expiresAt - 5 * 60_000 + 1_000;
    const renewed = await Promise.all(Array.from({ length: 5 }, () => signIns.tokens(staff)));
    expect(new Set(renewed.map((t) => t.accessToken)).size).toBe(1);
    expect(renewed[0].accessToken).not.toBe(before.accessToken);
    expect(renewed[0].refreshToken).toBe(before.refreshToken);
    expect(decodeJwt(renewed[0].idToken).sub).toBe(decodeJwt(before.idToken).sub);
    expect(signIns.calls).toEqual({ signIn: 1, renew: 1 });
  });

  it('does not keep a failed sign-in', async () => {
    const wrong = { username: 'purchaser-a', password: 'not-the-password-1A!' };
    await expect(signIns.tokens(wrong)).rejects.toMatchObject({ name: 'NotAuthorizedException' });
    const right = SEEDED_USERS.find((u) => u.username === 'purchaser-a')!;
    expect(decodeJwt((await signIns.tokens(right)).accessToken)).toMatchObject({ username: 'purchaser-a' });
  });
});
