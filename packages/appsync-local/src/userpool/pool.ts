/**
 * A local Amazon Cognito user pool: users, groups, passwords and the tokens Cognito issues
 * (RS256 JWTs with Cognito's claims, signed by a key published as the pool's JWKS). The HTTP face
 * (server.ts) answers the Cognito Identity Provider API with it; the local AppSync endpoint
 * verifies its tokens as AppSync verifies Cognito's.
 *
 * Sign-in as Cognito's clients do it: USER_SRP_AUTH (aws-amplify's default; the PASSWORD_VERIFIER
 * challenge of srp.ts), USER_PASSWORD_AUTH and refresh. A password is kept only as SRP's salt and
 * verifier. Usernames behave as in a pool created with `signInCaseSensitive: false` and an app
 * client with `preventUserExistenceErrors` (both the default here, as AWS recommends): one
 * namespace whatever the case, and sign-in that does not tell which users exist.
 *
 * Sign-in is guarded as Cognito guards it (issue 25): the temporary lockout after five failures
 * (AttemptLimiter), revocation by GlobalSignOut, AdminUserGlobalSignOut and RevokeToken (the pool's
 * own operations refuse a revoked access token; refresh tokens stop refreshing), existence-neutral
 * answers, a TIMESTAMP window, a limit on confirmation codes and the API reference's input lengths,
 * checked before any work. What keeps one client from holding the others is in fairness.ts.
 *
 * Built on `jose` rather than cognito-local: cognito-local pulls in the AWS SDK v2 (end of
 * support) and a persistence layer of its own; this needs only the sign-in operations the API's
 * clients use, and one maintained JWT library to sign and publish keys.
 */
import { createHash, createHmac, randomBytes, randomInt, randomUUID, scryptSync, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import {
  createVerifier,
  parseClientPublic,
  parseTimestamp,
  passwordClaimSignature,
  passwordMatchesVerifier,
  poolNameOf,
  serverEphemeral,
  sessionKey,
  simulatedVerifier as simulatedVerifierOf,
  type PasswordVerifier,
  type ServerEphemeral,
} from './srp';

/** The error a Cognito operation answers with: its `__type` and message, HTTP 400. */
export class CognitoError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export interface LocalUser {
  /** as the pool gives it back (GetUser, tokens, USER_ID_FOR_SRP): its usernameKey in a case-insensitive pool */
  username: string;
  /**
   * The name `password` was made over, when not `username`: a state file's user whose name an
   * earlier pool kept in another form (only lower-cased); their next USER_PASSWORD_AUTH sign-in
   * remakes the verifier over `username` and drops this.
   */
  verifierName?: string;
  sub: string;
  email: string;
  /** all the pool keeps of the password: SRP's salt and verifier (srp.ts) */
  password?: PasswordVerifier;
  /**
   * The same password's salt and verifier for SRP by the email alias: a sign-in by email is
   * answered with the email itself as USER_ID_FOR_SRP (never the username it belongs to), so the
   * client hashes the password with the email, and this verifier is made over it.
   */
  aliasPassword?: PasswordVerifier;
  /**
   * A scrypt hash from a state file of an earlier version of the pool, which kept no verifier: the
   * user's next USER_PASSWORD_AUTH sign-in (the console's) replaces it with one; SRP needs that first.
   */
  passwordHash?: string;
  confirmed: boolean;
  /** created by an administrator (AdminCreateUser) or given a temporary password: Cognito's FORCE_CHANGE_PASSWORD, until AdminSetUserPassword Permanent */
  forceChangePassword?: boolean;
  groups: Set<string>;
  /** the code ConfirmSignUp wants (printed locally instead of mailed), valid CONFIRMATION_CODE_VALIDITY_MS from createdAt */
  confirmationCode?: string;
  createdAt: Date;
}

export interface AuthenticationResult {
  AccessToken: string;
  IdToken: string;
  RefreshToken?: string;
  ExpiresIn: number;
  TokenType: 'Bearer';
}

/** What InitiateAuth and RespondToAuthChallenge answer: tokens, or the challenge to answer next. */
export interface AuthResponse {
  ChallengeName?: 'PASSWORD_VERIFIER';
  ChallengeParameters: Record<string, string>;
  AuthenticationResult?: AuthenticationResult;
}

/**
 * A user the pool creates at every start, with a known password and groups: a development
 * convenience of a local pool (a deployed pool seeds nobody). `role` is a label of the API's own
 * (tests and printouts name users by it).
 */
export interface SeededUser<Role extends string = string> {
  role: Role;
  username: string;
  email: string;
  password: string;
  groups: readonly string[];
}

export interface LocalUserPoolOptions {
  /** Cognito's form <region>_<id> */
  poolId?: string;
  clientId?: string;
  region?: string;
  /** the issuer's base: iss = <endpoint>/<poolId> (set once the server knows its URL) */
  endpoint?: string;
  /** the pool's groups (Cognito groups; tokens carry a user's as cognito:groups) */
  groups?: readonly string[];
  /** users created (or reset to these passwords and groups) at every start */
  seed?: readonly SeededUser[];
  /**
   * Cognito's UsernameConfiguration.CaseSensitive (CDK `signInCaseSensitive`). false by default, as
   * AWS recommends: `Staff`, `STAFF` and `ｓtaff` are `staff` (names compare after Unicode NFKC and
   * case folding), and the pool gives usernames back in lower case
   * (https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-case-sensitivity.html).
   */
  signInCaseSensitive?: boolean;
  /**
   * The app client's PreventUserExistenceErrors (true: ENABLED, the default here): an unknown user
   * signs in as a wrong password fails, NotAuthorizedException "Incorrect username or password.",
   * and SRP answers an unknown name with a simulated challenge
   * (https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-managing-errors.html).
   */
  preventUserExistenceErrors?: boolean;
  /** seconds; Cognito's default is one hour */
  tokenValiditySeconds?: number;
  /** called with lines worth printing (confirmation codes) */
  log?: (line: string) => void;
  /** clock, for tests that need an expired token */
  now?: () => number;
  /**
   * where the pool keeps its signing key and users between runs (npm start's data folder), so a
   * signed-up user keeps their sub, and what they own, across restarts; in memory when omitted
   */
  stateFile?: string;
}

type StoredUser = Omit<LocalUser, 'groups' | 'createdAt'> & { groups: string[]; createdAt: string };

interface PoolState {
  privateJwk: JWK;
  kid: string;
  users: StoredUser[];
  /**
   * Users of a state file written when names were case-sensitive whose name now is another user's
   * (`STAFF` beside `staff`): kept in the file, so nothing is lost, but no longer reachable.
   */
  shadowed?: StoredUser[];
}

/** A PASSWORD_VERIFIER challenge handed out and not yet answered, by its SECRET_BLOCK. */
interface PendingChallenge {
  /** the user's key, or undefined for the simulated challenge of an unknown name */
  key?: string;
  /** the name signed in with, as the lockout counts it */
  lockKey: string;
  userId: string;
  A: bigint;
  ephemeral: ServerEphemeral;
  verifier: string;
  expiresAt: number;
}

export const DEFAULT_POOL_ID = 'us-east-1_AppSyncLocal';
/** 26 lower-case characters, as Cognito's app client ids */
export const DEFAULT_CLIENT_ID = 'appsynclocalwebandmobile01';
export const ACCESS_SCOPE = 'aws.cognito.signin.user.admin';

const PASSWORD_RULES: [RegExp, string][] = [
  [/.{8,}/, 'Password not long enough'],
  [/[a-z]/, 'Password must have lowercase characters'],
  [/[A-Z]/, 'Password must have uppercase characters'],
  [/[0-9]/, 'Password must have numeric characters'],
  [/[^A-Za-z0-9]/, 'Password must have symbol characters'],
];

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const INCORRECT = () => new CognitoError('NotAuthorizedException', 'Incorrect username or password.');
/** Cognito's AuthSessionValidity default: a challenge is answerable for 3 minutes. */
const CHALLENGE_VALIDITY_MS = 3 * 60_000;
/** challenges held at once; the oldest go first past this (each holds a few hundred bytes) */
const MAX_PENDING_CHALLENGES = 10_000;

/**
 * Input lengths of the Cognito API reference, checked before anything else is done with the
 * input (no normalisation, lookup or arithmetic for what Cognito would refuse):
 * Username 1-128 (SignUp, ConfirmSignUp; a longer USERNAME names no user), Password up to 256
 * (SignUp), ConfirmationCode 1-2048 `[\S]+` (ConfirmSignUp), ClientId 1-128
 * (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_SignUp.html,
 * .../API_ConfirmSignUp.html, .../API_InitiateAuth.html). Tokens, SRP values and the claim's
 * parts have no documented bound; the local pool bounds them well above what Cognito issues.
 */
export const INPUT_LIMITS = { username: 128, password: 256, confirmationCode: 2048, token: 16_384, challengePart: 2_048 } as const;

/**
 * TIMESTAMP of a PASSWORD_VERIFIER answer: Cognito documents no window; the local pool takes 5
 * minutes either way, the clock skew AWS allows a signed request (SigV4), so an answer signed
 * long ago or far ahead is refused even with a valid signature.
 */
export const TIMESTAMP_SKEW_MS = 5 * 60_000;

/** How long a refresh token is valid: Cognito's default for an app client, 30 days. */
export const REFRESH_TOKEN_VALIDITY_MS = 30 * 24 * 3600_000;

/** Sign-in sessions one user may have live at once; a new one past this signs the oldest out. */
export const MAX_SESSIONS_PER_USER = 100;

/** How long a sign-up's confirmation code is valid: 24 hours, as Cognito's. */
export const CONFIRMATION_CODE_VALIDITY_MS = 24 * 3600_000;

function tooLong(field: string, max: number): CognitoError {
  return new CognitoError('InvalidParameterException', `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${max}`);
}

/** A string input within its documented length, or InvalidParameterException before any work. */
function bounded(value: unknown, field: string, max: number): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (value.length > max) throw tooLong(field, max);
  return value;
}

/**
 * A case-insensitive pool's fold of a name: NFKC, then case-folded until it no longer changes.
 * Lower-casing alone keeps apart what upper-casing joins ("ß" and "SS", "ς" and "σ"), and one pass
 * of lower/upper/lower is not stable either ("ẞ" lower-cases to "ß", which only the next pass
 * makes "ss"), so the fold runs to its fixed point: folding twice gives what folding once gave.
 */
export function foldName(name: string): string {
  let current = name;
  for (let i = 0; i < 4; i++) {
    const next = current.normalize('NFKC').toLowerCase().toUpperCase().toLowerCase().normalize('NFKC');
    if (next === current) return next;
    current = next;
  }
  return current;
}

/**
 * Failed attempts by name, with Cognito's temporary lockout ("Lockout behavior for failed
 * sign-in attempts", https://docs.aws.amazon.com/cognito/latest/developerguide/authentication.html#authentication-flow-lockout-behavior):
 * after five failures a name is locked for one second, then 2^(n-5) seconds after the n-th
 * (at most about 15 minutes); attempts during a lockout are refused without being checked and do
 * not count; a success after the lockout, or 15 minutes without any attempt, starts over. Names
 * are counted as typed (normalised), known or not, so that a lockout says nothing of who exists;
 * at most `capacity` names are remembered: when full, a name idle for `resetMs` is forgotten first,
 * then the least recently tried of those with fewer than `free` failures; a name locked out, or
 * one failure from it, is never forgotten early (else a flood of made-up names would wipe a
 * victim's lockout and give five guesses more). Past `capacity` the records can then only grow as
 * fast as names can be locked (five failures each within `resetMs`), which the server's per-client
 * quotas bound.
 */
export class AttemptLimiter {
  private readonly records = new Map<string, { failures: number; lockedUntil: number; lastAttempt: number }>();

  constructor(
    private readonly now: () => number,
    private readonly options: { free: number; maxLockMs: number; resetMs: number; capacity: number } = { free: 5, maxLockMs: 15 * 60_000, resetMs: 15 * 60_000, capacity: 10_000 },
  ) {}

  /** Called at each attempt: true while the name is locked out (the attempt is then refused unchecked). */
  locked(key: string): boolean {
    const record = this.records.get(key);
    if (!record) return false;
    const now = this.now();
    if (now - record.lastAttempt >= this.options.resetMs) {
      this.records.delete(key);
      return false;
    }
    record.lastAttempt = now;
    // most recently tried last, so that the idle are found first
    this.records.delete(key);
    this.records.set(key, record);
    return now < record.lockedUntil;
  }

  /** Makes room for one record: an idle one goes, else the least recently tried with failures to spare; none if every record is (nearly) locked. */
  private evict(now: number): void {
    let scanned = 0;
    for (const [key, record] of this.records) {
      if (now - record.lastAttempt >= this.options.resetMs || record.failures < this.options.free - 1) {
        this.records.delete(key);
        return;
      }
      // bounded work per failure: past this many guarded records, the map grows instead (see above)
      if (++scanned >= 1024) return;
    }
  }

  failed(key: string): void {
    const now = this.now();
    const record = this.records.get(key) ?? { failures: 0, lockedUntil: 0, lastAttempt: now };
    this.records.delete(key);
    if (this.records.size >= this.options.capacity) this.evict(now);
    record.failures++;
    record.lastAttempt = now;
    if (record.failures >= this.options.free) record.lockedUntil = now + Math.min(2 ** (record.failures - this.options.free) * 1000, this.options.maxLockMs);
    this.records.set(key, record);
  }

  succeeded(key: string): void {
    this.records.delete(key);
  }
}

const PASSWORD_ATTEMPTS_EXCEEDED = () => new CognitoError('NotAuthorizedException', 'Password attempts exceeded');
const REVOKED_ACCESS_TOKEN = () => new CognitoError('NotAuthorizedException', 'Access Token has been revoked');

/** Written by versions before SRP; still read, so a developer's signed-up users can sign in once and upgrade. */
function legacyPasswordMatches(password: string, stored: string): boolean {
  const [salt, hash] = stored.split(':');
  const expected = Buffer.from(hash ?? '', 'base64');
  const actual = scryptSync(password, Buffer.from(salt ?? '', 'base64'), 32);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Seeded users keep their sub across restarts, so data they own stays theirs. */
function stableSub(poolId: string, username: string): string {
  const h = createHash('sha256').update(`${poolId}/${username}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export class LocalUserPool {
  readonly poolId: string;
  readonly clientId: string;
  readonly region: string;
  readonly groups: ReadonlySet<string>;
  readonly signInCaseSensitive: boolean;
  readonly preventUserExistenceErrors: boolean;
  private endpointUrl: string;
  /** by username key (usernameKey) */
  private readonly users = new Map<string, LocalUser>();
  /** confirmed users by email key (an alias is only active once verified, as in Cognito) */
  private readonly byEmail = new Map<string, LocalUser>();
  private shadowed: StoredUser[] = [];
  /** refresh tokens: the user's key, the sign-in session (origin_jti) they belong to, their expiry; revoked ones stay, marked, until they expire */
  private readonly refreshTokens = new Map<string, { key: string; originJti: string; expiresAt: number; revoked?: boolean }>();
  /** each user's refresh tokens, so that a sign-out reaches them without a scan of everyone's */
  private readonly refreshByUser = new Map<string, Set<string>>();
  /** remember() calls since the last sweep of expired revoked sessions */
  private sinceSweep = 0;
  /** live sessions (origin_jti) by user key, each until its last access token expires (epoch ms) */
  private readonly sessions = new Map<string, Map<string, number>>();
  /**
   * revoked sessions (origin_jti): their access tokens are refused by the pool's own operations until
   * they expire. Kept in memory only, as are refresh tokens: after a restart with a state file the
   * signing key survives, so a revoked access token is accepted again by GetUser until it expires
   * (at most the token validity, an hour by default), and no refresh token survives at all.
   */
  private readonly revokedSessions = new Map<string, number>();
  /** wrong passwords and SRP answers, by name (Cognito's temporary lockout) */
  readonly signInAttempts: AttemptLimiter;
  /** wrong confirmation codes, by name */
  readonly confirmationAttempts: AttemptLimiter;
  private readonly challenges = new Map<string, PendingChallenge>();
  private readonly validity: number;
  private readonly log: (line: string) => void;
  private readonly now: () => number;
  private key!: { privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey']; jwk: JWK; privateJwk: JWK };
  private readonly stateFile?: string;

  private constructor(options: LocalUserPoolOptions) {
    this.poolId = options.poolId ?? DEFAULT_POOL_ID;
    this.clientId = options.clientId ?? DEFAULT_CLIENT_ID;
    this.region = options.region ?? this.poolId.split('_')[0];
    this.endpointUrl = options.endpoint ?? `http://127.0.0.1/${this.region}`;
    this.groups = new Set(options.groups ?? []);
    this.signInCaseSensitive = options.signInCaseSensitive ?? false;
    this.preventUserExistenceErrors = options.preventUserExistenceErrors ?? true;
    this.validity = options.tokenValiditySeconds ?? 3600;
    this.log = options.log ?? (() => {});
    this.now = options.now ?? Date.now;
    this.stateFile = options.stateFile;
    this.signInAttempts = new AttemptLimiter(this.now);
    this.confirmationAttempts = new AttemptLimiter(this.now);
  }

  /**
   * The name a challenge gives back for a name that is not a user's username (an email alias, or
   * no one's): the name itself, normalised as names compare, whoever it belongs to.
   */
  private echoedName(name: string): string {
    // the same fold as the lookup, so that a known and an unknown name come back alike ("roß" is "ross" either way)
    return this.usernameKey(name);
  }

  /** The name's identity in this pool: itself, or (case-insensitive) its NFKC form case-folded. */
  usernameKey(name: string): string {
    return this.signInCaseSensitive ? name : foldName(name);
  }

  /**
   * The name as the pool stores and gives it back: its key, so that what comes back for a name
   * never depends on whether it is someone's.
   */
  private displayName(name: string): string {
    return this.usernameKey(name);
  }

  /** An email's identity as a sign-in alias: folded as usernames are, so one mailbox is one alias. */
  private emailKey(email: string): string {
    return this.usernameKey(email);
  }

  private get poolName(): string {
    return poolNameOf(this.poolId);
  }

  private loadState(): PoolState | undefined {
    if (!this.stateFile) return undefined;
    try {
      return JSON.parse(readFileSync(this.stateFile, 'utf8')) as PoolState;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error(`local user pool: cannot read ${this.stateFile}: ${(err as Error).message}`);
    }
  }

  /** Written whole, then renamed, so a crash never leaves half a file. */
  private saveState(): void {
    if (!this.stateFile) return;
    const state: PoolState = {
      privateJwk: this.key.privateJwk,
      kid: this.key.jwk.kid!,
      users: [...this.users.values()].map((u) => ({ ...u, groups: [...u.groups], createdAt: u.createdAt.toISOString() })),
      ...(this.shadowed.length ? { shadowed: this.shadowed } : {}),
    };
    mkdirSync(dirname(this.stateFile), { recursive: true });
    writeFileSync(`${this.stateFile}.tmp`, JSON.stringify(state, null, 2), { mode: 0o600 });
    renameSync(`${this.stateFile}.tmp`, this.stateFile);
  }

  /**
   * Puts a user in. A name that is already another user's (a state file from when names were
   * case-sensitive) keeps one of the two, the newcomer when it `replaces` (a seeded user), and sets
   * the other aside in the state file's "shadowed", saying so: nothing is lost without a word.
   */
  private admit(user: LocalUser, source: string, replaces: boolean): void {
    const key = this.usernameKey(user.username);
    const holder = this.users.get(key);
    const [kept, setAside] = !holder ? [user, undefined] : replaces ? [user, holder] : [holder, user];
    if (setAside) {
      this.shadowed.push({ ...setAside, groups: [...setAside.groups], createdAt: setAside.createdAt.toISOString() });
      this.log(`user pool: ${source}: "${setAside.username}" (sub ${setAside.sub}) has the same username as "${kept.username}" now that usernames are one namespace whatever their case; it is kept in the state file under "shadowed" but can no longer sign in`);
    }
    this.users.set(key, kept);
  }

  /** The email index, rebuilt: each confirmed user's email names them; of two with one email, the first keeps it. */
  private indexEmails(): void {
    this.byEmail.clear();
    for (const user of this.users.values()) {
      const key = this.emailKey(user.email);
      if (!user.confirmed) continue;
      if (this.byEmail.has(key)) {
        this.log(`user pool: "${user.username}" has the email of "${this.byEmail.get(key)!.username}": it signs in by username only`);
        continue;
      }
      this.byEmail.set(key, user);
    }
  }

  static async create(options: LocalUserPoolOptions = {}): Promise<LocalUserPool> {
    const pool = new LocalUserPool(options);
    const saved = pool.loadState();
    if (saved) {
      const privateKey = (await importJWK(saved.privateJwk, 'RS256', { extractable: true })) as typeof pool.key.privateKey;
      const { n, e } = saved.privateJwk;
      pool.key = { privateKey, privateJwk: saved.privateJwk, jwk: { kty: 'RSA', n, e, kid: saved.kid, alg: 'RS256', use: 'sig' } };
      pool.shadowed = saved.shadowed ?? [];
      for (const u of saved.users) pool.admit({ ...u, groups: new Set(u.groups), createdAt: new Date(u.createdAt) }, pool.stateFile!, false);
    } else {
      // Without a state file, a new key at each start: earlier tokens stop verifying, as after a rotation.
      const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
      const jwk = await exportJWK(publicKey);
      pool.key = { privateKey, privateJwk: await exportJWK(privateKey), jwk: { ...jwk, kid: randomUUID(), alg: 'RS256', use: 'sig' } };
    }
    const seededKeys = new Set<string>();
    for (const seeded of options.seed ?? []) {
      const key = pool.usernameKey(seeded.username);
      if (seededKeys.has(key)) throw new Error(`local user pool: two seeded users are both "${seeded.username}"`);
      seededKeys.add(key);
      const sub = stableSub(pool.poolId, seeded.username);
      // seeded users are reset to their printed passwords and groups at every start
      if (pool.users.get(key)?.sub === sub) pool.users.delete(key);
      pool.admit(
        {
          username: pool.displayName(seeded.username),
          sub,
          email: seeded.email,
          password: createVerifier(pool.poolName, pool.displayName(seeded.username), seeded.password),
          aliasPassword: createVerifier(pool.poolName, pool.echoedName(seeded.email), seeded.password),
          confirmed: true,
          groups: new Set(seeded.groups),
          createdAt: new Date(pool.now()),
        },
        'seeded users',
        true,
      );
    }
    // names as this pool gives them back (a state file's "Alice" is "alice", its "Roß" "ross", in a case-insensitive pool)
    for (const user of pool.users.values()) {
      const shown = pool.displayName(user.username);
      if (shown === user.username) continue;
      // the verifiers were made over the old forms: kept, and remade at the next password sign-in
      if (user.password) user.verifierName ??= user.username;
      user.username = shown;
      delete user.aliasPassword;
    }
    pool.indexEmails();
    pool.saveState();
    return pool;
  }

  /** The base URL the pool answers on; the issuer is <endpoint>/<poolId>. */
  get endpoint(): string {
    return this.endpointUrl;
  }

  setEndpoint(endpoint: string): void {
    this.endpointUrl = endpoint.replace(/\/$/, '');
  }

  get issuer(): string {
    return `${this.endpointUrl}/${this.poolId}`;
  }

  get jwksUrl(): string {
    return `${this.issuer}/.well-known/jwks.json`;
  }

  jwks(): { keys: JWK[] } {
    return { keys: [this.key.jwk] };
  }

  /** The user a sign-in name names: by username, or by email (the pool's alias). */
  user(name: string): LocalUser | undefined {
    return this.lookup(name).user;
  }

  /** The user a name names, and whether it named them by their email alias rather than their username. */
  private lookup(name: string): { user?: LocalUser; byAlias: boolean } {
    const byName = this.users.get(this.usernameKey(name));
    if (byName) return { user: byName, byAlias: false };
    return { user: this.byEmail.get(this.emailKey(name)), byAlias: true };
  }

  /**
   * Whose failures an attempt counts against: the user's own key when the name (username or email)
   * is someone's, so each user has one lockout whichever way they are named; the name's key otherwise.
   */
  private lockKeyOf(name: string, user: LocalUser | undefined): string {
    return this.usernameKey(user ? user.username : name);
  }

  private requireClient(clientId: unknown): void {
    if (clientId !== this.clientId) throw new CognitoError('ResourceNotFoundException', `User pool client ${String(clientId)} does not exist.`);
  }

  private requirePool(poolId: unknown): void {
    if (poolId !== this.poolId) throw new CognitoError('ResourceNotFoundException', `User pool ${String(poolId)} does not exist.`);
  }

  private requireUser(username: unknown): LocalUser {
    const user = typeof username === 'string' ? this.user(username) : undefined;
    if (!user) throw new CognitoError('UserNotFoundException', 'User does not exist.');
    return user;
  }

  /** What an operation of the app client answers for a name no user has. */
  private unknownUser(): CognitoError {
    return this.preventUserExistenceErrors ? INCORRECT() : new CognitoError('UserNotFoundException', 'User does not exist.');
  }

  signUp(input: { ClientId?: unknown; Username?: unknown; Password?: unknown; UserAttributes?: unknown }) {
    this.requireClient(input.ClientId);
    const username = bounded(input.Username, 'username', INPUT_LIMITS.username);
    bounded(input.Password, 'password', INPUT_LIMITS.password);
    if (typeof username !== 'string' || !/^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$/u.test(username)) {
      throw new CognitoError('InvalidParameterException', "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+");
    }
    // email is a sign-in alias here, so a username may not look like one (it could name two users)
    if (EMAIL.test(username)) throw new CognitoError('InvalidParameterException', 'Username cannot be of email format, since user pool is configured for email alias.');
    const password = typeof input.Password === 'string' ? input.Password : '';
    for (const [rule, message] of PASSWORD_RULES) {
      if (!rule.test(password)) throw new CognitoError('InvalidPasswordException', `Password did not conform with policy: ${message}`);
    }
    const attributes = Array.isArray(input.UserAttributes) ? (input.UserAttributes as { Name?: unknown; Value?: unknown }[]) : [];
    const email = attributes.find((a) => a.Name === 'email')?.Value;
    // an attribute's value is at most 2048 characters (AttributeType, Cognito API reference)
    if (typeof email !== 'string' || email.length > 2048 || !EMAIL.test(email)) {
      throw new CognitoError('InvalidParameterException', 'Attributes did not conform to the schema: email: The attribute is required');
    }
    const key = this.usernameKey(username);
    // an email that is someone's is not refused here (that would tell whose it is): it is refused at
    // ConfirmSignUp with AliasExistsException, when the alias would become active, as in Cognito
    if (this.users.has(key)) throw new CognitoError('UsernameExistsException', 'User already exists');
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const stored = this.displayName(username);
    const user: LocalUser = {
      username: stored,
      sub: randomUUID(),
      email,
      password: createVerifier(this.poolName, stored, password),
      aliasPassword: createVerifier(this.poolName, this.echoedName(email), password),
      confirmed: false,
      groups: new Set(),
      confirmationCode: code,
      createdAt: new Date(this.now()),
    };
    this.users.set(key, user);
    this.saveState();
    // Cognito mails the code; the local pool prints it instead.
    this.log(`user pool: confirmation code for ${stored} <${email}>: ${code}`);
    return {
      UserConfirmed: false,
      UserSub: user.sub,
      CodeDeliveryDetails: { AttributeName: 'email', DeliveryMedium: 'EMAIL', Destination: email.replace(/^(.).*@(.).*$/, '$1***@$2***') },
    };
  }

  /**
   * ConfirmSignUp. With existence errors prevented, every failure is the same one,
   * CodeMismatchException, whether the name is unknown, already confirmed or given a wrong code
   * (Cognito documents "a response indicating a code was sent to a simulated destination" for
   * unknown users, and nothing that would tell a confirmed user apart: the local pool says nothing
   * that would). Wrong codes are counted by name as wrong passwords are, and after five a name is
   * refused with LimitExceededException "Attempt limit exceeded, please try after some time." (what
   * Cognito answers a run of wrong codes) for a lockout that doubles as sign-in's: 10^6 codes are
   * then out of reach.
   */
  confirmSignUp(input: { ClientId?: unknown; Username?: unknown; ConfirmationCode?: unknown }) {
    this.requireClient(input.ClientId);
    const name = bounded(input.Username, 'username', INPUT_LIMITS.username);
    const code = bounded(input.ConfirmationCode, 'confirmationCode', INPUT_LIMITS.confirmationCode);
    if (name === undefined || name === '') throw new CognitoError('InvalidParameterException', 'Missing required parameter Username');
    if (code === undefined || !/^\S+$/.test(code)) throw new CognitoError('InvalidParameterException', "1 validation error detected: Value at 'confirmationCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\S]+");
    // by username only: an unconfirmed user's email is no alias yet
    const user = this.users.get(this.usernameKey(name));
    const lockKey = this.lockKeyOf(name, user);
    if (this.confirmationAttempts.locked(lockKey)) throw new CognitoError('LimitExceededException', 'Attempt limit exceeded, please try after some time.');
    const mismatch = new CognitoError('CodeMismatchException', 'Invalid verification code provided, please try again.');
    if (!this.preventUserExistenceErrors) {
      if (!user) throw new CognitoError('UserNotFoundException', 'User does not exist.');
      if (user.confirmed) throw new CognitoError('NotAuthorizedException', 'User cannot be confirmed. Current status is CONFIRMED');
    }
    const expected = Buffer.from(user?.confirmationCode ?? '');
    const given = Buffer.from(code);
    const matches = !!user && !user.confirmed && expected.length === given.length && timingSafeEqual(expected, given);
    if (!matches) {
      this.confirmationAttempts.failed(lockKey);
      throw mismatch;
    }
    // a code lives 24 hours ("The confirmation code ... is valid for 24 hours", Cognito's signing-up-users-in-your-app)
    if (this.now() - user.createdAt.getTime() > CONFIRMATION_CODE_VALIDITY_MS) throw new CognitoError('ExpiredCodeException', 'Invalid code provided, please request a code again.');
    const holder = this.byEmail.get(this.emailKey(user.email));
    if (holder && holder !== user) throw new CognitoError('AliasExistsException', 'An account with the given email already exists.');
    this.confirmationAttempts.succeeded(lockKey);
    user.confirmed = true;
    delete user.confirmationCode;
    this.byEmail.set(this.emailKey(user.email), user);
    this.saveState();
    return {};
  }

  /** The pending code of an unconfirmed user (what the console prints), for tests. */
  confirmationCode(username: string): string | undefined {
    return this.user(username)?.confirmationCode;
  }

  /**
   * The password against what the pool keeps. An unknown user costs the same verifier computation
   * as a known one, so the time taken does not tell them apart either.
   */
  private passwordMatches(user: LocalUser | undefined, password: string): boolean {
    if (user?.password) {
      const matches = passwordMatchesVerifier(this.poolName, user.verifierName ?? user.username, password, user.password);
      if (matches && user.verifierName !== undefined) {
        // made over the name's old form: remade over the name as the pool now gives it
        user.password = createVerifier(this.poolName, user.username, password);
        delete user.verifierName;
        this.saveState();
      }
      if (matches && !user.aliasPassword) {
        // a user of a state file from before sign-in by email answered with the email: SRP by email works from now on
        user.aliasPassword = createVerifier(this.poolName, this.echoedName(user.email), password);
        this.saveState();
      }
      return matches;
    }
    if (user?.passwordHash && legacyPasswordMatches(password, user.passwordHash)) {
      user.password = createVerifier(this.poolName, user.username, password);
      user.aliasPassword = createVerifier(this.poolName, this.echoedName(user.email), password);
      delete user.passwordHash;
      this.saveState();
      this.log(`user pool: ${user.username}'s password is now kept as an SRP verifier (USER_SRP_AUTH works for them from now on)`);
      return true;
    }
    if (!user) createVerifier(this.poolName, '', password);
    return false;
  }

  /**
   * For a name no user has: the same salt every time for the same name (RFC 5054 section 2.5.1.3,
   * as Cognito does with existence errors prevented), from a secret of this pool that its state file keeps.
   */
  private simulatedVerifier(name: string): PasswordVerifier {
    const secret = createHash('sha256').update(`simulated users/${this.key.privateJwk.d ?? ''}`).digest();
    const key = this.usernameKey(name);
    const salt = createHmac('sha256', secret).update(`salt/${key}`).digest().subarray(0, 16).toString('hex');
    // derived, not exponentiated: the same work as a user's challenge (srp.ts simulatedVerifier)
    return { salt, verifier: simulatedVerifierOf(secret, key) };
  }

  private async signedIn(user: LocalUser): Promise<AuthResponse> {
    if (!user.confirmed) throw new CognitoError('UserNotConfirmedException', 'User is not confirmed.');
    const refreshToken = randomBytes(48).toString('base64url');
    const originJti = randomUUID();
    const key = this.usernameKey(user.username);
    const now = this.now();
    const tokens = this.refreshByUser.get(key) ?? new Set<string>();
    for (const token of tokens) {
      if ((this.refreshTokens.get(token)?.expiresAt ?? 0) <= now) {
        tokens.delete(token);
        this.refreshTokens.delete(token);
      }
    }
    tokens.add(refreshToken);
    this.refreshByUser.set(key, tokens);
    this.refreshTokens.set(refreshToken, { key, originJti, expiresAt: now + REFRESH_TOKEN_VALIDITY_MS });
    return { ChallengeParameters: {}, AuthenticationResult: { ...(await this.tokensFor(user, { originJti })), RefreshToken: refreshToken } };
  }

  async initiateAuth(input: { ClientId?: unknown; AuthFlow?: unknown; AuthParameters?: unknown }): Promise<AuthResponse> {
    this.requireClient(input.ClientId);
    const parameters = (input.AuthParameters && typeof input.AuthParameters === 'object' ? input.AuthParameters : {}) as Record<string, unknown>;
    const required = (name: string, max: number): string => {
      const value = bounded(parameters[name], name, max);
      if (value === undefined) throw new CognitoError('InvalidParameterException', `Missing required parameter ${name}`);
      return value;
    };
    switch (input.AuthFlow) {
      case 'USER_PASSWORD_AUTH': {
        const username = required('USERNAME', INPUT_LIMITS.username);
        const password = required('PASSWORD', INPUT_LIMITS.password);
        const user = this.user(username);
        const lockKey = this.lockKeyOf(username, user);
        // refused unchecked during a lockout: no password work for a locked name
        if (this.signInAttempts.locked(lockKey)) throw PASSWORD_ATTEMPTS_EXCEEDED();
        if (!this.passwordMatches(user, password)) {
          if (user || this.preventUserExistenceErrors) this.signInAttempts.failed(lockKey);
          throw user ? INCORRECT() : this.unknownUser();
        }
        this.signInAttempts.succeeded(lockKey);
        return this.signedIn(user!);
      }
      case 'USER_SRP_AUTH':
        return this.passwordVerifierChallenge(required('USERNAME', INPUT_LIMITS.username), required('SRP_A', INPUT_LIMITS.challengePart));
      case 'REFRESH_TOKEN_AUTH':
      case 'REFRESH_TOKEN': {
        const token = required('REFRESH_TOKEN', INPUT_LIMITS.token);
        const session = this.refreshTokens.get(token);
        // "Amazon Cognito no longer accepts a signed-out user's refresh tokens in refresh requests" (GlobalSignOut, RevokeToken)
        if (session?.revoked) throw new CognitoError('NotAuthorizedException', 'Refresh Token has been revoked');
        if (session && session.expiresAt <= this.now()) throw new CognitoError('NotAuthorizedException', 'Refresh Token has expired');
        const user = session ? this.users.get(session.key) : undefined;
        if (!user || !session) throw new CognitoError('NotAuthorizedException', 'Invalid Refresh Token');
        // New tokens carry the user's groups as they are now, so a removal from a group takes
        // effect at the next refresh, as in Cognito; they belong to the refresh token's session.
        return { ChallengeParameters: {}, AuthenticationResult: await this.tokensFor(user, { originJti: session.originJti }) };
      }
      case 'CUSTOM_AUTH':
      case 'USER_AUTH':
        throw new CognitoError('InvalidParameterException', `The local user pool supports USER_SRP_AUTH, USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH, not ${input.AuthFlow}.`);
      default:
        throw new CognitoError('InvalidParameterException', `1 validation error detected: Value '${String(input.AuthFlow)}' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set`);
    }
  }

  /**
   * USER_SRP_AUTH's first step: the PASSWORD_VERIFIER challenge (SALT, SRP_B, SECRET_BLOCK and
   * USER_ID_FOR_SRP, the user's actual username whatever name or alias signed in), as in "User pool
   * authentication flow",
   * https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-authentication-flow.html.
   * The secret block is an opaque single-use handle on the server's half of the exchange.
   */
  private passwordVerifierChallenge(name: string, srpA: string): AuthResponse {
    const A = parseClientPublic(srpA);
    if (A === undefined) throw new CognitoError('InvalidParameterException', 'SRP_A is not a valid SRP public value.');
    const { user, byAlias } = this.lookup(name);
    const lockKey = this.lockKeyOf(name, user);
    // a locked name gets no challenge (and costs no exponentiation), known or not
    if (this.signInAttempts.locked(lockKey)) throw PASSWORD_ATTEMPTS_EXCEEDED();
    if (!user && !this.preventUserExistenceErrors) throw this.unknownUser();
    if (user?.passwordHash && !user.password) {
      this.log(`user pool: ${user.username} was saved by an earlier version of the pool, which kept no SRP verifier: sign in once with USER_PASSWORD_AUTH (the console does) and SRP works from then on`);
    }
    if (user && byAlias && !user.aliasPassword && user.password) {
      this.log(`user pool: a user saved by an earlier version of the pool has no SRP verifier for signing in by email: sign in once by username or with USER_PASSWORD_AUTH (the console does) and SRP by email works from then on`);
    }
    // By username: the username as the pool keeps it. By email, or for no one: the name as typed,
    // normalised, so that the answer never says whose an email is, nor whether anyone's.
    const userId = user && !byAlias ? user.username : this.echoedName(name);
    const stored = (user && (byAlias ? user.aliasPassword : user.password)) ?? this.simulatedVerifier(name);
    const known = !!user && !!(byAlias ? user.aliasPassword : user.password);
    const ephemeral = serverEphemeral(stored.verifier);
    const secretBlock = randomBytes(64).toString('base64');
    const now = this.now();
    for (const [block, pending] of this.challenges) if (pending.expiresAt <= now || this.challenges.size >= MAX_PENDING_CHALLENGES) this.challenges.delete(block);
    this.challenges.set(secretBlock, { key: user && known ? this.usernameKey(user.username) : undefined, lockKey, userId, A, ephemeral, verifier: stored.verifier, expiresAt: now + CHALLENGE_VALIDITY_MS });
    return {
      ChallengeName: 'PASSWORD_VERIFIER',
      ChallengeParameters: { SALT: stored.salt, SECRET_BLOCK: secretBlock, SRP_B: ephemeral.B.toString(16), USERNAME: userId, USER_ID_FOR_SRP: userId },
    };
  }

  /**
   * RespondToAuthChallenge with PASSWORD_VERIFIER: the claim signature is checked with the key only
   * the password's holder can derive; a wrong one is NotAuthorizedException, as in Cognito.
   */
  async respondToAuthChallenge(input: { ClientId?: unknown; ChallengeName?: unknown; ChallengeResponses?: unknown }): Promise<AuthResponse> {
    this.requireClient(input.ClientId);
    if (input.ChallengeName !== 'PASSWORD_VERIFIER') {
      throw new CognitoError('InvalidParameterException', `The local user pool answers the PASSWORD_VERIFIER challenge only, not ${String(input.ChallengeName)}.`);
    }
    const responses = (input.ChallengeResponses && typeof input.ChallengeResponses === 'object' ? input.ChallengeResponses : {}) as Record<string, unknown>;
    for (const name of ['USERNAME', 'PASSWORD_CLAIM_SECRET_BLOCK', 'PASSWORD_CLAIM_SIGNATURE', 'TIMESTAMP']) {
      if (bounded(responses[name], name, name === 'USERNAME' ? INPUT_LIMITS.username : INPUT_LIMITS.challengePart) === undefined) {
        throw new CognitoError('InvalidParameterException', `Missing required parameter ${name}`);
      }
    }
    const timestamp = responses.TIMESTAMP as string;
    const signedAt = parseTimestamp(timestamp);
    if (!signedAt) throw new CognitoError('InvalidParameterException', 'TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.');
    const secretBlock = responses.PASSWORD_CLAIM_SECRET_BLOCK as string;
    const pending = this.challenges.get(secretBlock);
    // single use: a second answer to the same challenge finds nothing
    this.challenges.delete(secretBlock);
    if (!pending || pending.expiresAt <= this.now()) throw new CognitoError('NotAuthorizedException', 'Invalid session for the user, session is expired.');
    if (this.usernameKey(responses.USERNAME as string) !== this.usernameKey(pending.userId)) throw INCORRECT();
    // a lockout that began while this challenge was out holds for its answer too
    if (this.signInAttempts.locked(pending.lockKey)) throw PASSWORD_ATTEMPTS_EXCEEDED();
    const key = sessionKey(pending.A, pending.ephemeral, pending.verifier);
    const expected = key && passwordClaimSignature(key, this.poolName, pending.userId, Buffer.from(secretBlock, 'base64'), timestamp);
    const given = Buffer.from(responses.PASSWORD_CLAIM_SIGNATURE as string, 'base64');
    const user = pending.key === undefined ? undefined : this.users.get(pending.key);
    if (!expected || !user || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      this.signInAttempts.failed(pending.lockKey);
      throw INCORRECT();
    }
    // signed by the password's holder, but dated outside the window: refused, not counted as a wrong password
    if (Math.abs(this.now() - signedAt.getTime()) > TIMESTAMP_SKEW_MS) throw INCORRECT();
    this.signInAttempts.succeeded(pending.lockKey);
    return this.signedIn(user);
  }

  getUser(accessTokenOwner: LocalUser) {
    return {
      Username: accessTokenOwner.username,
      UserAttributes: [
        { Name: 'sub', Value: accessTokenOwner.sub },
        { Name: 'email', Value: accessTokenOwner.email },
        { Name: 'email_verified', Value: String(accessTokenOwner.confirmed) },
      ],
    };
  }

  private requireGroup(name: unknown): string {
    if (typeof name !== 'string' || !this.groups.has(name)) throw new CognitoError('ResourceNotFoundException', 'Group not found.');
    return name;
  }

  adminAddUserToGroup(input: { UserPoolId?: unknown; Username?: unknown; GroupName?: unknown }) {
    this.requirePool(input.UserPoolId);
    this.requireUser(input.Username).groups.add(this.requireGroup(input.GroupName));
    this.saveState();
    return {};
  }

  adminRemoveUserFromGroup(input: { UserPoolId?: unknown; Username?: unknown; GroupName?: unknown }) {
    this.requirePool(input.UserPoolId);
    this.requireUser(input.Username).groups.delete(this.requireGroup(input.GroupName));
    this.saveState();
    return {};
  }

  adminListGroupsForUser(input: { UserPoolId?: unknown; Username?: unknown }) {
    this.requirePool(input.UserPoolId);
    const user = this.requireUser(input.Username);
    return { Groups: [...user.groups].map((GroupName) => ({ GroupName, UserPoolId: this.poolId })) };
  }

  /** The user as AdminGetUser and AdminCreateUser describe it (Cognito's UserType). */
  private describeUser(user: LocalUser) {
    return {
      Username: user.username,
      Attributes: [
        { Name: 'sub', Value: user.sub },
        { Name: 'email', Value: user.email },
        { Name: 'email_verified', Value: String(user.confirmed || !!user.forceChangePassword) },
      ],
      // the JSON protocol's timestamps: epoch seconds
      UserCreateDate: user.createdAt.getTime() / 1000,
      UserLastModifiedDate: user.createdAt.getTime() / 1000,
      Enabled: true,
      UserStatus: user.confirmed ? 'CONFIRMED' : user.forceChangePassword ? 'FORCE_CHANGE_PASSWORD' : 'UNCONFIRMED',
    };
  }

  private requirePassword(password: unknown): string {
    bounded(password, 'password', INPUT_LIMITS.password);
    const text = typeof password === 'string' ? password : '';
    for (const [rule, message] of PASSWORD_RULES) {
      if (!rule.test(text)) throw new CognitoError('InvalidPasswordException', `Password does not conform to policy: ${message}`);
    }
    return text;
  }

  private setPassword(user: LocalUser, password: string): void {
    user.password = createVerifier(this.poolName, user.username, password);
    user.aliasPassword = createVerifier(this.poolName, this.echoedName(user.email), password);
    delete user.passwordHash;
  }

  /**
   * AdminCreateUser (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminCreateUser.html):
   * a user in FORCE_CHANGE_PASSWORD with the TemporaryPassword given or one generated; the
   * invitation Cognito would mail (unless MessageAction SUPPRESS) is printed. An existing name is
   * UsernameExistsException "User account already exists"; MessageAction RESEND re-sends an
   * existing user's invitation (UserNotFoundException for an unknown one). The pool's required
   * email (here a sign-in alias) must be given, and be no other user's.
   */
  adminCreateUser(input: { UserPoolId?: unknown; Username?: unknown; TemporaryPassword?: unknown; UserAttributes?: unknown; MessageAction?: unknown; DesiredDeliveryMediums?: unknown }) {
    this.requirePool(input.UserPoolId);
    const username = bounded(input.Username, 'username', INPUT_LIMITS.username);
    if (typeof username !== 'string' || !/^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u.test(username)) {
      throw new CognitoError('InvalidParameterException', "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+");
    }
    if (input.MessageAction !== undefined && input.MessageAction !== 'SUPPRESS' && input.MessageAction !== 'RESEND') {
      throw new CognitoError('InvalidParameterException', "1 validation error detected: Value at 'messageAction' failed to satisfy constraint: Member must satisfy enum value set: [RESEND, SUPPRESS]");
    }
    if (input.MessageAction === 'RESEND') {
      const user = this.requireUser(username);
      if (!user.forceChangePassword) throw new CognitoError('UnsupportedUserStateException', 'Resend not possible. User status is not FORCE_CHANGE_PASSWORD.');
      this.log(`user pool: invitation re-sent to ${user.username} <${user.email}>`);
      return { User: this.describeUser(user) };
    }
    if (EMAIL.test(username)) throw new CognitoError('InvalidParameterException', 'Username cannot be of email format, since user pool is configured for email alias.');
    const attributes = Array.isArray(input.UserAttributes) ? (input.UserAttributes as { Name?: unknown; Value?: unknown }[]) : [];
    const email = attributes.find((a) => a.Name === 'email')?.Value;
    if (typeof email !== 'string' || email.length > 2048 || !EMAIL.test(email)) {
      throw new CognitoError('InvalidParameterException', 'Attributes did not conform to the schema: email: The attribute is required');
    }
    const temporary = input.TemporaryPassword === undefined ? undefined : this.requirePassword(input.TemporaryPassword);
    if (this.users.has(this.usernameKey(username))) throw new CognitoError('UsernameExistsException', 'User account already exists');
    if (this.user(email)) throw new CognitoError('AliasExistsException', 'An account with the given email already exists.');
    const user: LocalUser = { username: this.displayName(username), sub: randomUUID(), email, confirmed: false, forceChangePassword: true, groups: new Set(), createdAt: new Date(this.now()) };
    this.setPassword(user, temporary ?? `${randomBytes(12).toString('base64url')}aA1!`);
    this.users.set(this.usernameKey(username), user);
    this.saveState();
    // Cognito mails the invitation (with the temporary password); the local pool says it would have
    if (input.MessageAction !== 'SUPPRESS') this.log(`user pool: invitation for ${user.username} <${email}> (temporary password not printed)`);
    return { User: this.describeUser(user) };
  }

  /**
   * AdminSetUserPassword (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminSetUserPassword.html):
   * Permanent true confirms the user (CONFIRMED, they can sign in), false leaves them in
   * FORCE_CHANGE_PASSWORD. The password must meet the pool's policy (InvalidPasswordException).
   */
  adminSetUserPassword(input: { UserPoolId?: unknown; Username?: unknown; Password?: unknown; Permanent?: unknown }) {
    this.requirePool(input.UserPoolId);
    const password = this.requirePassword(input.Password);
    const user = this.requireUser(input.Username);
    this.setPassword(user, password);
    if (input.Permanent === true) {
      user.confirmed = true;
      delete user.forceChangePassword;
      delete user.confirmationCode;
    } else {
      user.confirmed = false;
      user.forceChangePassword = true;
    }
    this.saveState();
    return {};
  }

  /** AdminGetUser (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminGetUser.html). */
  adminGetUser(input: { UserPoolId?: unknown; Username?: unknown }) {
    this.requirePool(input.UserPoolId);
    const { Attributes, ...rest } = this.describeUser(this.requireUser(input.Username));
    return { ...rest, UserAttributes: Attributes };
  }

  /** AdminDeleteUser (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminDeleteUser.html): the user and their sessions go. */
  adminDeleteUser(input: { UserPoolId?: unknown; Username?: unknown }) {
    this.requirePool(input.UserPoolId);
    const user = this.requireUser(input.Username);
    const key = this.usernameKey(user.username);
    this.revoke(key);
    this.users.delete(key);
    this.saveState();
    return {};
  }

  /** Tokens for a user without a password round trip: the in-process shortcut tests and the seed use. */
  async tokensFor(user: LocalUser | string, overrides: { expiresIn?: number; issuer?: string; clientId?: string; originJti?: string } = {}): Promise<AuthenticationResult> {
    const u = typeof user === 'string' ? this.requireUser(user) : user;
    const iat = Math.floor(this.now() / 1000);
    const exp = iat + (overrides.expiresIn ?? this.validity);
    const issuer = overrides.issuer ?? this.issuer;
    const clientId = overrides.clientId ?? this.clientId;
    // the sign-in session the tokens belong to (origin_jti, as Cognito's): what a sign-out revokes
    const originJti = overrides.originJti ?? randomUUID();
    this.remember(this.usernameKey(u.username), originJti, exp * 1000);
    const eventId = randomUUID();
    const groups = u.groups.size ? { 'cognito:groups': [...u.groups] } : {};
    const header = { alg: 'RS256', kid: this.key.jwk.kid! };
    const idToken = await new SignJWT({
      sub: u.sub,
      ...groups,
      email_verified: u.confirmed,
      'cognito:username': u.username,
      origin_jti: originJti,
      aud: clientId,
      event_id: eventId,
      token_use: 'id',
      auth_time: iat,
      email: u.email,
    })
      .setProtectedHeader(header)
      .setIssuer(issuer)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(this.key.privateKey);
    const accessToken = await new SignJWT({
      sub: u.sub,
      ...groups,
      client_id: clientId,
      origin_jti: originJti,
      event_id: eventId,
      token_use: 'access',
      scope: ACCESS_SCOPE,
      auth_time: iat,
      username: u.username,
    })
      .setProtectedHeader(header)
      .setIssuer(issuer)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(this.key.privateKey);
    return { AccessToken: accessToken, IdToken: idToken, ExpiresIn: exp - iat, TokenType: 'Bearer' };
  }

  /** A session's tokens, kept until the last of them expires, so that a sign-out can reach them. */
  private remember(userKey: string, originJti: string, expiresAt: number): void {
    const now = this.now();
    // swept now and then, not at every token: the sweep's cost is spread over the tokens issued
    if (++this.sinceSweep >= 256) {
      this.sinceSweep = 0;
      for (const [jti, until] of this.revokedSessions) if (until <= now) this.revokedSessions.delete(jti);
    }
    const sessions = this.sessions.get(userKey) ?? new Map<string, number>();
    for (const [jti, until] of sessions) if (until <= now) sessions.delete(jti);
    sessions.set(originJti, Math.max(expiresAt, sessions.get(originJti) ?? 0));
    this.sessions.set(userKey, sessions);
    // a user's sessions are bounded: past the cap the oldest is signed out (revoked), never merely forgotten
    while (sessions.size > MAX_SESSIONS_PER_USER) this.revoke(userKey, sessions.keys().next().value!);
  }

  /** Revokes sessions: their refresh tokens stop refreshing, their access tokens stop working with the pool's operations. */
  private revoke(userKey: string, only?: string): void {
    const sessions = this.sessions.get(userKey);
    for (const [jti, until] of sessions ?? []) {
      if (only !== undefined && jti !== only) continue;
      this.revokedSessions.set(jti, until);
      sessions!.delete(jti);
    }
    if (!sessions?.size) this.sessions.delete(userKey);
    for (const token of this.refreshByUser.get(userKey) ?? []) {
      const session = this.refreshTokens.get(token);
      if (session && (only === undefined || session.originJti === only)) session.revoked = true;
    }
  }

  /**
   * GlobalSignOut: "Invalidates the identity, access, and refresh tokens that Amazon Cognito issued
   * to a user" — the refresh tokens no longer refresh and the access tokens are refused by the
   * pool's own operations ("Access Token has been revoked"); an endpoint that only checks a token's
   * signature and expiry (AppSync) still takes them until they expire
   * (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GlobalSignOut.html,
   * https://docs.aws.amazon.com/cognito/latest/developerguide/token-revocation.html).
   */
  async globalSignOut(input: { AccessToken?: unknown }) {
    const user = await this.userOfAccessToken(input.AccessToken);
    this.revoke(this.usernameKey(user.username));
    return {};
  }

  /** AdminUserGlobalSignOut (IAM-signed): what GlobalSignOut does, for the user an administrator names. */
  adminUserGlobalSignOut(input: { UserPoolId?: unknown; Username?: unknown }) {
    this.requirePool(input.UserPoolId);
    const user = this.requireUser(bounded(input.Username, 'username', INPUT_LIMITS.username));
    this.revoke(this.usernameKey(user.username));
    return {};
  }

  /**
   * RevokeToken: a refresh token of this app client, and the access tokens issued with it
   * (https://docs.aws.amazon.com/cognito/latest/developerguide/token-revocation.html). A token the
   * pool never issued as a refresh token (an access or ID token, or a made-up string) is
   * UnsupportedTokenTypeException; one already revoked is revoked again without error, as OAuth's
   * revocation answers (RFC 7009 section 2.2).
   */
  revokeToken(input: { ClientId?: unknown; Token?: unknown }) {
    this.requireClient(input.ClientId);
    const token = bounded(input.Token, 'token', INPUT_LIMITS.token);
    if (token === undefined) throw new CognitoError('InvalidParameterException', 'Missing required parameter Token');
    const session = this.refreshTokens.get(token);
    if (!session) throw new CognitoError('UnsupportedTokenTypeException', 'The token is not a refresh token issued to this app client.');
    this.revoke(session.key, session.originJti);
    return {};
  }

  /**
   * The user an access token names, for GetUser and GlobalSignOut; the token must be this pool's,
   * live and not revoked ("Amazon Cognito returns an Access Token has been revoked error when your
   * app attempts to authorize a user pools API request with a revoked access token").
   */
  async userOfAccessToken(token: unknown): Promise<LocalUser> {
    const { jwtVerify, createLocalJWKSet } = await import('jose');
    if (typeof token !== 'string' || token.length > INPUT_LIMITS.token) throw new CognitoError('NotAuthorizedException', 'Invalid Access Token');
    try {
      const { payload } = await jwtVerify(token, createLocalJWKSet(this.jwks()), { issuer: this.issuer, currentDate: new Date(this.now()) });
      if (payload.token_use !== 'access') throw new Error('not an access token');
      if (typeof payload.origin_jti === 'string' && (this.revokedSessions.get(payload.origin_jti) ?? 0) > this.now()) throw REVOKED_ACCESS_TOKEN();
      return this.requireUser(payload.username);
    } catch (err) {
      if (err instanceof CognitoError) throw err;
      throw new CognitoError('NotAuthorizedException', 'Invalid Access Token');
    }
  }
}
