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
  /** as the pool gives it back (GetUser, tokens, USER_ID_FOR_SRP): lower case in a case-insensitive pool */
  username: string;
  sub: string;
  email: string;
  /** all the pool keeps of the password: SRP's salt and verifier (srp.ts) */
  password?: PasswordVerifier;
  /**
   * A scrypt hash from a state file of an earlier version of the pool, which kept no verifier: the
   * user's next USER_PASSWORD_AUTH sign-in (the console's) replaces it with one; SRP needs that first.
   */
  passwordHash?: string;
  confirmed: boolean;
  groups: Set<string>;
  /** the code ConfirmSignUp wants (printed locally instead of mailed) */
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
  private shadowed: StoredUser[] = [];
  private readonly refreshTokens = new Map<string, string>();
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
  }

  /** The name's identity in this pool: itself, or (case-insensitive) its NFKC form case-folded. */
  usernameKey(name: string): string {
    // toUpperCase first folds what lower-casing alone keeps apart ("ß" and "SS", "ς" and "σ")
    return this.signInCaseSensitive ? name : name.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
  }

  /** The name as the pool stores and gives it back. */
  private displayName(name: string): string {
    return this.signInCaseSensitive ? name : name.toLowerCase();
  }

  private emailKey(email: string): string {
    return this.signInCaseSensitive ? email : email.toLowerCase();
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
          username: seeded.username,
          sub,
          email: seeded.email,
          password: createVerifier(pool.poolName, pool.displayName(seeded.username), seeded.password),
          confirmed: true,
          groups: new Set(seeded.groups),
          createdAt: new Date(pool.now()),
        },
        'seeded users',
        true,
      );
    }
    // names as this pool gives them back (a state file's "Alice" is "alice" in a case-insensitive pool)
    for (const user of pool.users.values()) user.username = pool.displayName(user.username);
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
    const email = this.emailKey(name);
    return this.users.get(this.usernameKey(name)) ?? [...this.users.values()].find((u) => this.emailKey(u.email) === email);
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
    const username = input.Username;
    if (typeof username !== 'string' || !/^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u.test(username)) {
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
    if (typeof email !== 'string' || !EMAIL.test(email)) {
      throw new CognitoError('InvalidParameterException', 'Attributes did not conform to the schema: email: The attribute is required');
    }
    const key = this.usernameKey(username);
    if (this.users.has(key) || this.user(email)) {
      throw new CognitoError('UsernameExistsException', 'User already exists');
    }
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const stored = this.displayName(username);
    const user: LocalUser = {
      username: stored,
      sub: randomUUID(),
      email,
      password: createVerifier(this.poolName, stored, password),
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

  confirmSignUp(input: { ClientId?: unknown; Username?: unknown; ConfirmationCode?: unknown }) {
    this.requireClient(input.ClientId);
    const user = typeof input.Username === 'string' ? this.user(input.Username) : undefined;
    const mismatch = new CognitoError('CodeMismatchException', 'Invalid verification code provided, please try again.');
    // with existence errors prevented, an unknown name is a code that does not match
    if (!user) throw this.preventUserExistenceErrors ? mismatch : new CognitoError('UserNotFoundException', 'User does not exist.');
    if (user.confirmed) throw new CognitoError('NotAuthorizedException', 'User cannot be confirmed. Current status is CONFIRMED');
    if (input.ConfirmationCode !== user.confirmationCode) throw mismatch;
    user.confirmed = true;
    delete user.confirmationCode;
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
    if (user?.password) return passwordMatchesVerifier(this.poolName, user.username, password, user.password);
    if (user?.passwordHash && legacyPasswordMatches(password, user.passwordHash)) {
      user.password = createVerifier(this.poolName, user.username, password);
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
    const salt = createHmac('sha256', secret).update(`salt/${this.usernameKey(name)}`).digest().subarray(0, 16).toString('hex');
    return createVerifier(this.poolName, this.displayName(name), randomBytes(16).toString('hex'), salt);
  }

  private async signedIn(user: LocalUser): Promise<AuthResponse> {
    if (!user.confirmed) throw new CognitoError('UserNotConfirmedException', 'User is not confirmed.');
    const refreshToken = randomBytes(48).toString('base64url');
    this.refreshTokens.set(refreshToken, this.usernameKey(user.username));
    return { ChallengeParameters: {}, AuthenticationResult: { ...(await this.tokensFor(user)), RefreshToken: refreshToken } };
  }

  async initiateAuth(input: { ClientId?: unknown; AuthFlow?: unknown; AuthParameters?: unknown }): Promise<AuthResponse> {
    this.requireClient(input.ClientId);
    const parameters = (input.AuthParameters && typeof input.AuthParameters === 'object' ? input.AuthParameters : {}) as Record<string, unknown>;
    const required = (name: string): string => {
      const value = parameters[name];
      if (typeof value !== 'string') throw new CognitoError('InvalidParameterException', `Missing required parameter ${name}`);
      return value;
    };
    switch (input.AuthFlow) {
      case 'USER_PASSWORD_AUTH': {
        const username = required('USERNAME');
        const password = required('PASSWORD');
        const user = this.user(username);
        if (!this.passwordMatches(user, password)) throw user ? INCORRECT() : this.unknownUser();
        return this.signedIn(user!);
      }
      case 'USER_SRP_AUTH':
        return this.passwordVerifierChallenge(required('USERNAME'), required('SRP_A'));
      case 'REFRESH_TOKEN_AUTH':
      case 'REFRESH_TOKEN': {
        const key = typeof parameters.REFRESH_TOKEN === 'string' ? this.refreshTokens.get(parameters.REFRESH_TOKEN) : undefined;
        const user = key ? this.users.get(key) : undefined;
        if (!user) throw new CognitoError('NotAuthorizedException', 'Invalid Refresh Token');
        // New tokens carry the user's groups as they are now, so a removal from a group takes
        // effect at the next refresh, as in Cognito.
        return { ChallengeParameters: {}, AuthenticationResult: await this.tokensFor(user) };
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
    const user = this.user(name);
    if (!user && !this.preventUserExistenceErrors) throw this.unknownUser();
    if (user?.passwordHash && !user.password) {
      this.log(`user pool: ${user.username} was saved by an earlier version of the pool, which kept no SRP verifier: sign in once with USER_PASSWORD_AUTH (the console does) and SRP works from then on`);
    }
    const userId = user ? user.username : this.displayName(name);
    const stored = user?.password ?? this.simulatedVerifier(name);
    const ephemeral = serverEphemeral(stored.verifier);
    const secretBlock = randomBytes(64).toString('base64');
    const now = this.now();
    for (const [block, pending] of this.challenges) if (pending.expiresAt <= now || this.challenges.size >= MAX_PENDING_CHALLENGES) this.challenges.delete(block);
    this.challenges.set(secretBlock, { key: user && this.usernameKey(user.username), userId, A, ephemeral, verifier: stored.verifier, expiresAt: now + CHALLENGE_VALIDITY_MS });
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
      if (typeof responses[name] !== 'string') throw new CognitoError('InvalidParameterException', `Missing required parameter ${name}`);
    }
    const timestamp = responses.TIMESTAMP as string;
    if (!parseTimestamp(timestamp)) throw new CognitoError('InvalidParameterException', 'TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.');
    const secretBlock = responses.PASSWORD_CLAIM_SECRET_BLOCK as string;
    const pending = this.challenges.get(secretBlock);
    // single use: a second answer to the same challenge finds nothing
    this.challenges.delete(secretBlock);
    if (!pending || pending.expiresAt <= this.now()) throw new CognitoError('NotAuthorizedException', 'Invalid session for the user, session is expired.');
    if (this.usernameKey(responses.USERNAME as string) !== this.usernameKey(pending.userId)) throw INCORRECT();
    const key = sessionKey(pending.A, pending.ephemeral, pending.verifier);
    const expected = key && passwordClaimSignature(key, this.poolName, pending.userId, Buffer.from(secretBlock, 'base64'), timestamp);
    const given = Buffer.from(responses.PASSWORD_CLAIM_SIGNATURE as string, 'base64');
    const user = pending.key === undefined ? undefined : this.users.get(pending.key);
    if (!expected || !user || given.length !== expected.length || !timingSafeEqual(given, expected)) throw INCORRECT();
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

  /** Tokens for a user without a password round trip: the in-process shortcut tests and the seed use. */
  async tokensFor(user: LocalUser | string, overrides: { expiresIn?: number; issuer?: string; clientId?: string } = {}): Promise<AuthenticationResult> {
    const u = typeof user === 'string' ? this.requireUser(user) : user;
    const iat = Math.floor(this.now() / 1000);
    const exp = iat + (overrides.expiresIn ?? this.validity);
    const issuer = overrides.issuer ?? this.issuer;
    const clientId = overrides.clientId ?? this.clientId;
    const originJti = randomUUID();
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

  /** The user an access token names, for GetUser; the token must be this pool's and live. */
  async userOfAccessToken(token: unknown): Promise<LocalUser> {
    const { jwtVerify, createLocalJWKSet } = await import('jose');
    try {
      const { payload } = await jwtVerify(String(token), createLocalJWKSet(this.jwks()), { issuer: this.issuer, currentDate: new Date(this.now()) });
      if (payload.token_use !== 'access') throw new Error('not an access token');
      return this.requireUser(payload.username);
    } catch (err) {
      if (err instanceof CognitoError) throw err;
      throw new CognitoError('NotAuthorizedException', 'Invalid Access Token');
    }
  }
}
