/**
 * Review of issue 25 (#1, #2, #3, #7, #10): names fold to one identity, answers never depend on
 * whether a name is someone's, each user has one lockout budget, and no flood of other names
 * wipes it. In-process (LocalUserPool with a settable clock): these are the pool's rules, not its
 * HTTP surface, which userpool.test.ts and userpool-attacks.test.ts cover.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AttemptLimiter, CONFIRMATION_CODE_VALIDITY_MS, CognitoError, foldName, LocalUserPool, MAX_SESSIONS_PER_USER, REFRESH_TOKEN_VALIDITY_MS } from '../src/userpool/pool';

const PASSWORD = 'Another-Pass-1';
/** any valid SRP A (not 0 mod N): the challenge's answer is not under test, only what it says */
const SRP_A = 'abcdef0123456789'.repeat(8);

async function poolAt(clock: { t: number }) {
  return LocalUserPool.create({ now: () => clock.t, groups: [], seed: [] });
}

function signUp(pool: LocalUserPool, username: string, email: string) {
  return pool.signUp({ ClientId: pool.clientId, Username: username, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }] });
}

function confirm(pool: LocalUserPool, username: string, code = pool.confirmationCode(username)) {
  return pool.confirmSignUp({ ClientId: pool.clientId, Username: username, ConfirmationCode: code });
}

async function errorOf(work: () => unknown): Promise<string> {
  try {
    await work();
  } catch (err) {
    if (err instanceof CognitoError) return err.type;
    throw err;
  }
  return 'no error';
}

const passwordSignIn = (pool: LocalUserPool, name: string, password = PASSWORD) =>
  pool.initiateAuth({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: name, PASSWORD: password } });

describe('the fold of a name (review #10)', () => {
  it('is stable: folding twice gives what folding once gave, for every BMP code point and the known traps', () => {
    const unstable: string[] = [];
    for (let cp = 0; cp <= 0xffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const once = foldName(String.fromCodePoint(cp));
      if (foldName(once) !== once) unstable.push(cp.toString(16));
    }
    expect(unstable).toEqual([]);
    for (const name of ['STRAẞE', 'straße', 'ΣΊΣΥΦΟΣ', 'ǅemal', 'ﬀoo', 'ＫＥＬＶＩＮ', 'Å']) expect(foldName(foldName(name))).toBe(foldName(name));
  });

  it('makes STRAẞE, Straße and strasse one user', async () => {
    const pool = await poolAt({ t: Date.now() });
    signUp(pool, 'STRAẞE', 'strasse@example.com');
    for (const other of ['Straße', 'strasse', 'STRASSE']) expect(await errorOf(() => signUp(pool, other, `${other}@example.org`))).toBe('UsernameExistsException');
  });
});

describe('the SRP challenge names a name alike whether it is someone’s (review #1)', () => {
  it('answers USER_ID_FOR_SRP with the typed name’s fold, known or not (ß/ss, ς/σ, fullwidth, email)', async () => {
    const pool = await poolAt({ t: Date.now() });
    signUp(pool, 'Roß', 'ross@example.com');
    confirm(pool, 'ross');
    signUp(pool, 'Σοφός', 'sofos@example.com');
    confirm(pool, foldName('Σοφός'));
    // each typed name once against a pool where it is someone's, once where it is no one's
    const empty = await poolAt({ t: Date.now() });
    for (const typed of ['roß', 'ROSS', 'ｒｏｓｓ', 'Ross', 'σοφός', 'ΣΟΦΟΣ', 'σοφοσ', 'ROSS@EXAMPLE.COM', 'Roß@example.com']) {
      const known = (await pool.initiateAuth({ ClientId: pool.clientId, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: typed, SRP_A } })).ChallengeParameters!;
      const unknown = (await empty.initiateAuth({ ClientId: empty.clientId, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: typed, SRP_A } })).ChallengeParameters!;
      expect(known.USER_ID_FOR_SRP, typed).toBe(unknown.USER_ID_FOR_SRP);
      expect(known.USER_ID_FOR_SRP, typed).toBe(foldName(typed));
    }
    expect(pool.user('roß')!.username).toBe('ross');
  });
});

describe('a state file whose names an earlier pool kept in another form', () => {
  it('gives the user back as the fold, signs them in with their password, and remakes the verifier over the fold', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'userpool-fold-'));
    try {
      const stateFile = join(dir, 'pool.json');
      const earlier = await LocalUserPool.create({ stateFile, signInCaseSensitive: true, groups: [], seed: [] });
      signUp(earlier, 'Roß', 'ross@example.com');
      confirm(earlier, 'Roß');
      const pool = await LocalUserPool.create({ stateFile, groups: [], seed: [] });
      expect(pool.user('ROSS')!.username).toBe('ross');
      expect((await passwordSignIn(pool, 'roß')).AuthenticationResult!.AccessToken).toBeTruthy();
      expect(pool.user('ross')!.verifierName).toBeUndefined();
      expect(await errorOf(() => passwordSignIn(pool, 'ross', 'Wrong-Pass-1'))).toBe('NotAuthorizedException');
      expect((await passwordSignIn(pool, 'Ross')).AuthenticationResult!.AccessToken).toBeTruthy();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('one lockout per user, that no flood of other names wipes (review #2, #3)', () => {
  it('keeps a locked name locked after 10,001 wrong codes for other names', async () => {
    const clock = { t: Date.now() };
    const pool = await poolAt(clock);
    signUp(pool, 'victim', 'victim@example.com');
    for (let i = 0; i < 5; i++) expect(await errorOf(() => confirm(pool, 'victim', '000000x'))).toBe('CodeMismatchException');
    expect(await errorOf(() => confirm(pool, 'victim', '000000x'))).toBe('LimitExceededException');
    for (let i = 0; i <= 10_000; i++) await errorOf(() => confirm(pool, `made-up-${i}`, '000000'));
    expect(await errorOf(() => confirm(pool, 'victim'))).toBe('LimitExceededException');
  });

  it('never forgets a record with failures to its limit when full; forgets an idle one first', () => {
    const clock = { t: 0 };
    const limiter = new AttemptLimiter(() => clock.t, { free: 5, maxLockMs: 15 * 60_000, resetMs: 15 * 60_000, capacity: 3 });
    for (let i = 0; i < 4; i++) limiter.failed('near'); // one failure from a lockout
    for (let i = 0; i < 5; i++) limiter.failed('locked');
    limiter.failed('idle');
    clock.t += 15 * 60_000 - 1;
    limiter.failed('fresh'); // full: nothing idle yet, so the one with failures to spare ("idle") goes
    expect(limiter.locked('idle')).toBe(false);
    for (let i = 0; i < 50; i++) limiter.failed(`flood-${i}`);
    // both records were kept: one more failure locks each (a forgotten one would be at its first failure)
    limiter.failed('locked');
    expect(limiter.locked('locked')).toBe(true);
    limiter.failed('near');
    expect(limiter.locked('near')).toBe(true);
  });

  it('counts a username’s and an email’s failures (in any case or fold) against one budget', async () => {
    const pool = await poolAt({ t: Date.now() });
    signUp(pool, 'Grete', 'Grete.Strasse@example.com');
    confirm(pool, 'grete');
    const names = ['grete', 'grete.strasse@example.com', 'GRETE.STRAẞE@EXAMPLE.COM', 'Grete.Straße@example.com', 'GRETE'];
    for (const name of names) expect(await errorOf(() => passwordSignIn(pool, name, 'Wrong-Pass-1')), name).toBe('NotAuthorizedException');
    // five failures in all: every name of hers is locked, the right password included
    for (const name of names) expect(await errorOf(() => passwordSignIn(pool, name)), name).toBe('NotAuthorizedException');
    expect(pool.signInAttempts.locked(pool.usernameKey('grete'))).toBe(true);
  });
});

describe('emails and confirmation codes as Cognito has them (review #2, #3, #7)', () => {
  it('does not resolve an unconfirmed user by email; the email becomes an alias only when confirmed', async () => {
    const pool = await poolAt({ t: Date.now() });
    signUp(pool, 'pending', 'pending@example.com');
    expect(pool.user('pending@example.com')).toBeUndefined();
    expect(await errorOf(() => confirm(pool, 'pending@example.com', pool.confirmationCode('pending')))).toBe('CodeMismatchException');
    confirm(pool, 'pending');
    expect(pool.user('PENDING@example.com')!.username).toBe('pending');
  });

  it('lets anyone sign up with a taken email (saying nothing of it) and refuses the confirmation with AliasExistsException', async () => {
    const pool = await poolAt({ t: Date.now() });
    signUp(pool, 'first', 'shared@example.com');
    confirm(pool, 'first');
    const squat = signUp(pool, 'second', 'SHARED@example.com');
    expect(squat.UserConfirmed).toBe(false);
    expect(await errorOf(() => confirm(pool, 'second'))).toBe('AliasExistsException');
    expect(pool.user('shared@example.com')!.username).toBe('first');
  });

  it('expires a confirmation code after 24 hours (ExpiredCodeException)', async () => {
    const clock = { t: Date.now() };
    const pool = await poolAt(clock);
    signUp(pool, 'late', 'late@example.com');
    clock.t += CONFIRMATION_CODE_VALIDITY_MS + 1;
    expect(await errorOf(() => confirm(pool, 'late'))).toBe('ExpiredCodeException');
    expect(pool.user('late')!.confirmed).toBe(false);
  });
});

describe('tokens the pool keeps are bounded (review #6)', () => {
  const refresh = (pool: LocalUserPool, token: string) => pool.initiateAuth({ ClientId: pool.clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: token } });

  it('expires a refresh token after 30 days, Cognito’s default', async () => {
    const clock = { t: Date.now() };
    const pool = await poolAt(clock);
    signUp(pool, 'keeper', 'keeper@example.com');
    confirm(pool, 'keeper');
    const token = (await passwordSignIn(pool, 'keeper')).AuthenticationResult!.RefreshToken!;
    clock.t += REFRESH_TOKEN_VALIDITY_MS - 60_000;
    expect((await refresh(pool, token)).AuthenticationResult!.AccessToken).toBeTruthy();
    clock.t += 60_000;
    expect(await errorOf(() => refresh(pool, token))).toBe('NotAuthorizedException');
  });

  it(`keeps at most ${MAX_SESSIONS_PER_USER} sessions of a user: one more signs the oldest out, the others still refresh`, async () => {
    const pool = await poolAt({ t: Date.now() });
    signUp(pool, 'many', 'many@example.com');
    confirm(pool, 'many');
    const user = pool.user('many')!;
    // signedIn is what every sign-in ends with: the password check is not under test here
    const signedIn = (pool as unknown as { signedIn(u: typeof user): Promise<{ AuthenticationResult: { RefreshToken: string } }> }).signedIn.bind(pool);
    const tokens: string[] = [];
    for (let i = 0; i <= MAX_SESSIONS_PER_USER; i++) tokens.push((await signedIn(user)).AuthenticationResult.RefreshToken);
    let message = '';
    try {
      await refresh(pool, tokens[0]!);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe('Refresh Token has been revoked');
    expect((await refresh(pool, tokens[1]!)).AuthenticationResult!.AccessToken).toBeTruthy();
    expect((await refresh(pool, tokens.at(-1)!)).AuthenticationResult!.AccessToken).toBeTruthy();
  });
});
