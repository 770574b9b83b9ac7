/**
 * The endpoint verifies a user pool token once and remembers what it found until the token expires
 * (issue 20, part 1): the signature cannot change, so verifying it again would only cost time.
 * What the cache may not change: an expired token is refused as before, a refused token is checked
 * again every time, and the memory it takes is bounded whatever clients send.
 */
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTVerifyGetKey } from 'jose';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuthenticator, VERIFIED_TOKENS_KEPT, type Authenticator } from '../src/server/auth';

const ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_CacheTest';
const CLIENT_ID = 'cachetestappclient00000000';

let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let publicJwk: JWK;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' };
});

afterEach(() => {
  vi.useRealTimers();
});

/** An authenticator trusting the test key, and how many times it looked the key up (once per signature checked). */
async function authenticator(): Promise<{ auth: Authenticator; lookups: () => number }> {
  const { importJWK } = await import('jose');
  const key = await importJWK(publicJwk, 'RS256');
  let lookups = 0;
  const jwks: JWTVerifyGetKey = async () => {
    lookups += 1;
    return key;
  };
  const auth = createAuthenticator({ modes: { defaultMode: 'AMAZON_COGNITO_USER_POOLS', additionalModes: [] }, userPool: { issuer: ISSUER, clientId: CLIENT_ID, jwks } });
  return { auth, lookups: () => lookups };
}

async function token(claims: Record<string, unknown>, expiresInSeconds: number): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ token_use: 'access', client_id: CLIENT_ID, 'cognito:groups': ['staff'], username: 'staff', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(ISSUER)
    .setSubject(String(claims.sub ?? 'user-1'))
    .setIssuedAt(now)
    .setExpirationTime(now + expiresInSeconds)
    .sign(privateKey);
}

const request = (authorization: string, sourceIp = '127.0.0.1') => ({ headers: { authorization }, sourceIp });

describe('verified token cache', () => {
  it('verifies a token once, then answers the same identity with each request’s own source address', async () => {
    const { auth, lookups } = await authenticator();
    const staff = await token({ sub: 'user-1' }, 3600);
    const first = await auth.authenticate(request(staff, '10.0.0.1'));
    const second = await auth.authenticate(request(staff, '10.0.0.2'));
    expect(lookups()).toBe(1);
    expect(first.ok && second.ok).toBe(true);
    if (!first.ok || !second.ok) return;
    expect(first.caller.identity).toMatchObject({ sub: 'user-1', username: 'staff', groups: ['staff'], sourceIp: ['10.0.0.1'] });
    expect(second.caller.identity).toEqual({ ...first.caller.identity, sourceIp: ['10.0.0.2'] });
    // ctx.identity's members in AppSync's order
    expect(Object.keys(second.caller.identity!)).toEqual(['sub', 'issuer', 'username', 'claims', 'sourceIp', 'defaultAuthStrategy', 'groups']);
  });

  it('refuses a remembered token from the second it expires, as an unremembered one', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-04T10:00:00.000Z'));
    const { auth, lookups } = await authenticator();
    const shortLived = await token({ sub: 'user-2' }, 60);
    expect((await auth.authenticate(request(shortLived))).ok).toBe(true);
    vi.setSystemTime(new Date('2026-12-04T10:00:59.999Z'));
    expect((await auth.authenticate(request(shortLived))).ok).toBe(true);
    expect(lookups()).toBe(1);
    vi.setSystemTime(new Date('2026-12-04T10:01:00.000Z'));
    expect(await auth.authenticate(request(shortLived))).toEqual({ ok: false, status: 401, errorType: 'UnauthorizedException', message: 'Token has expired.' });
    expect(await auth.authenticate(request(shortLived))).toEqual({ ok: false, status: 401, errorType: 'UnauthorizedException', message: 'Token has expired.' });
  });

  it('checks a refused token again every time', async () => {
    const { auth, lookups } = await authenticator();
    const good = await token({ sub: 'user-3' }, 3600);
    const forged = `${good.slice(0, -6)}AAAAAA`;
    for (let i = 0; i < 3; i++) expect(await auth.authenticate(request(forged))).toMatchObject({ ok: false, message: 'You are not authorized to make this call.' });
    expect(lookups()).toBe(3);
    const otherClient = await token({ sub: 'user-3', client_id: 'someotherclient' }, 3600);
    for (let i = 0; i < 2; i++) expect(await auth.authenticate(request(otherClient))).toMatchObject({ ok: false, message: 'You are not authorized to make this call.' });
    expect(lookups()).toBe(5);
  });

  it(`keeps at most ${VERIFIED_TOKENS_KEPT} tokens, dropping the oldest`, async () => {
    const { auth, lookups } = await authenticator();
    const tokens = await Promise.all(Array.from({ length: VERIFIED_TOKENS_KEPT + 1 }, (_, i) => token({ sub: `user-${i}` }, 3600)));
    for (const t of tokens) expect((await auth.authenticate(request(t))).ok).toBe(true);
    expect(lookups()).toBe(VERIFIED_TOKENS_KEPT + 1);
    // the newest are still remembered; the first was dropped and is verified again
    await auth.authenticate(request(tokens[VERIFIED_TOKENS_KEPT]!));
    await auth.authenticate(request(tokens[1]!));
    expect(lookups()).toBe(VERIFIED_TOKENS_KEPT + 1);
    await auth.authenticate(request(tokens[0]!));
    expect(lookups()).toBe(VERIFIED_TOKENS_KEPT + 2);
  });
});
