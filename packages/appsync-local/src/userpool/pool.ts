/**
 * A local Amazon Cognito user pool: users, groups, passwords and the tokens Cognito issues
 * (RS256 JWTs with Cognito's claims, signed by a key published as the pool's JWKS). The HTTP face
 * (server.ts) answers the Cognito Identity Provider API with it; the local AppSync endpoint
 * verifies its tokens as AppSync verifies Cognito's.
 *
 * Built on `jose` rather than cognito-local: cognito-local pulls in the AWS SDK v2 (end of
 * support) and a persistence layer of its own; this needs only the sign-in operations the API's
 * clients use, and one maintained JWT library to sign and publish keys.
 */
import { createHash, randomBytes, randomInt, randomUUID, scryptSync, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';

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
  username: string;
  sub: string;
  email: string;
  passwordHash: string;
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

interface PoolState {
  privateJwk: JWK;
  kid: string;
  users: Array<Omit<LocalUser, 'groups' | 'createdAt'> & { groups: string[]; createdAt: string }>;
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

function hashPassword(password: string): string {
  const salt = randomBytes(16);
  return `${salt.toString('base64')}:${scryptSync(password, salt, 32).toString('base64')}`;
}

function passwordMatches(password: string, stored: string): boolean {
  const [salt, hash] = stored.split(':');
  const expected = Buffer.from(hash, 'base64');
  const actual = scryptSync(password, Buffer.from(salt, 'base64'), 32);
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
  private endpointUrl: string;
  private readonly users = new Map<string, LocalUser>();
  private readonly refreshTokens = new Map<string, string>();
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
    this.validity = options.tokenValiditySeconds ?? 3600;
    this.log = options.log ?? (() => {});
    this.now = options.now ?? Date.now;
    this.stateFile = options.stateFile;
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
    };
    mkdirSync(dirname(this.stateFile), { recursive: true });
    writeFileSync(`${this.stateFile}.tmp`, JSON.stringify(state, null, 2), { mode: 0o600 });
    renameSync(`${this.stateFile}.tmp`, this.stateFile);
  }

  static async create(options: LocalUserPoolOptions = {}): Promise<LocalUserPool> {
    const pool = new LocalUserPool(options);
    const saved = pool.loadState();
    if (saved) {
      const privateKey = (await importJWK(saved.privateJwk, 'RS256', { extractable: true })) as typeof pool.key.privateKey;
      const { n, e } = saved.privateJwk;
      pool.key = { privateKey, privateJwk: saved.privateJwk, jwk: { kty: 'RSA', n, e, kid: saved.kid, alg: 'RS256', use: 'sig' } };
      for (const u of saved.users) pool.users.set(u.username, { ...u, groups: new Set(u.groups), createdAt: new Date(u.createdAt) });
    } else {
      // Without a state file, a new key at each start: earlier tokens stop verifying, as after a rotation.
      const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
      const jwk = await exportJWK(publicKey);
      pool.key = { privateKey, privateJwk: await exportJWK(privateKey), jwk: { ...jwk, kid: randomUUID(), alg: 'RS256', use: 'sig' } };
    }
    for (const seeded of options.seed ?? []) {
      // seeded users are reset to their printed passwords and groups at every start
      if (pool.users.has(seeded.username)) pool.users.delete(seeded.username);
      pool.users.set(seeded.username, {
        username: seeded.username,
        sub: stableSub(pool.poolId, seeded.username),
        email: seeded.email,
        passwordHash: hashPassword(seeded.password),
        confirmed: true,
        groups: new Set(seeded.groups),
        createdAt: new Date(pool.now()),
      });
    }
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

  user(username: string): LocalUser | undefined {
    return this.users.get(username) ?? [...this.users.values()].find((u) => u.email === username);
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

  signUp(input: { ClientId?: unknown; Username?: unknown; Password?: unknown; UserAttributes?: unknown }) {
    this.requireClient(input.ClientId);
    const username = input.Username;
    if (typeof username !== 'string' || !/^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u.test(username)) {
      throw new CognitoError('InvalidParameterException', "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+");
    }
    const password = typeof input.Password === 'string' ? input.Password : '';
    for (const [rule, message] of PASSWORD_RULES) {
      if (!rule.test(password)) throw new CognitoError('InvalidPasswordException', `Password did not conform with policy: ${message}`);
    }
    const attributes = Array.isArray(input.UserAttributes) ? (input.UserAttributes as { Name?: unknown; Value?: unknown }[]) : [];
    const email = attributes.find((a) => a.Name === 'email')?.Value;
    if (typeof email !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
      throw new CognitoError('InvalidParameterException', 'Attributes did not conform to the schema: email: The attribute is required');
    }
    if (this.user(username) || [...this.users.values()].some((u) => u.email === email)) {
      throw new CognitoError('UsernameExistsException', 'User already exists');
    }
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const user: LocalUser = { username, sub: randomUUID(), email, passwordHash: hashPassword(password), confirmed: false, groups: new Set(), confirmationCode: code, createdAt: new Date(this.now()) };
    this.users.set(username, user);
    this.saveState();
    // Cognito mails the code; the local pool prints it instead.
    this.log(`user pool: confirmation code for ${username} <${email}>: ${code}`);
    return {
      UserConfirmed: false,
      UserSub: user.sub,
      CodeDeliveryDetails: { AttributeName: 'email', DeliveryMedium: 'EMAIL', Destination: email.replace(/^(.).*@(.).*$/, '$1***@$2***') },
    };
  }

  confirmSignUp(input: { ClientId?: unknown; Username?: unknown; ConfirmationCode?: unknown }) {
    this.requireClient(input.ClientId);
    const user = this.requireUser(input.Username);
    if (user.confirmed) throw new CognitoError('NotAuthorizedException', 'User cannot be confirmed. Current status is CONFIRMED');
    if (input.ConfirmationCode !== user.confirmationCode) throw new CognitoError('CodeMismatchException', 'Invalid verification code provided, please try again.');
    user.confirmed = true;
    delete user.confirmationCode;
    this.saveState();
    return {};
  }

  /** The pending code of an unconfirmed user (what the console prints), for tests. */
  confirmationCode(username: string): string | undefined {
    return this.user(username)?.confirmationCode;
  }

  async initiateAuth(input: { ClientId?: unknown; AuthFlow?: unknown; AuthParameters?: unknown }) {
    this.requireClient(input.ClientId);
    const parameters = (input.AuthParameters && typeof input.AuthParameters === 'object' ? input.AuthParameters : {}) as Record<string, unknown>;
    switch (input.AuthFlow) {
      case 'USER_PASSWORD_AUTH': {
        if (typeof parameters.USERNAME !== 'string') throw new CognitoError('InvalidParameterException', 'Missing required parameter USERNAME');
        if (typeof parameters.PASSWORD !== 'string') throw new CognitoError('InvalidParameterException', 'Missing required parameter PASSWORD');
        const user = this.requireUser(parameters.USERNAME);
        if (!passwordMatches(parameters.PASSWORD, user.passwordHash)) throw new CognitoError('NotAuthorizedException', 'Incorrect username or password.');
        if (!user.confirmed) throw new CognitoError('UserNotConfirmedException', 'User is not confirmed.');
        const refreshToken = randomBytes(48).toString('base64url');
        this.refreshTokens.set(refreshToken, user.username);
        return { ChallengeParameters: {}, AuthenticationResult: { ...(await this.tokensFor(user)), RefreshToken: refreshToken } };
      }
      case 'REFRESH_TOKEN_AUTH':
      case 'REFRESH_TOKEN': {
        const username = typeof parameters.REFRESH_TOKEN === 'string' ? this.refreshTokens.get(parameters.REFRESH_TOKEN) : undefined;
        const user = username ? this.users.get(username) : undefined;
        if (!user) throw new CognitoError('NotAuthorizedException', 'Invalid Refresh Token');
        // New tokens carry the user's groups as they are now, so a removal from a group takes
        // effect at the next refresh, as in Cognito.
        return { ChallengeParameters: {}, AuthenticationResult: await this.tokensFor(user) };
      }
      case 'USER_SRP_AUTH':
      case 'CUSTOM_AUTH':
      case 'USER_AUTH':
        throw new CognitoError('InvalidParameterException', `The local user pool supports USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH, not ${input.AuthFlow}.`);
      default:
        throw new CognitoError('InvalidParameterException', `1 validation error detected: Value '${String(input.AuthFlow)}' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set`);
    }
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
