/**
 * The local user pool over HTTP, speaking the Cognito Identity Provider API as the AWS SDK and
 * aws-amplify call it: POST / with `X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>`
 * and an `application/x-amz-json-1.1` body; errors as HTTP 400 with `{ __type, message }`
 * (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/CommonErrors.html).
 * The pool's keys are published where Cognito publishes them:
 * GET /<poolId>/.well-known/jwks.json (and the OpenID configuration beside it).
 *
 * Safe to leave running on a developer's machine:
 * - the administrators' operations (Admin*) want a SigV4 signature by the IAM principal the pool is
 *   given, as Cognito wants IAM credentials for them; unsigned or wrongly signed, they answer as
 *   Cognito does (MissingAuthenticationTokenException, UnrecognizedClientException,
 *   InvalidSignatureException...), so neither another program on the machine nor a web page can
 *   make itself staff;
 * - CORS answers only the origins the pool is told of (the local console, a local web client): a
 *   request from any other origin is refused with 403 before it is read, preflight or not, and gets
 *   no Access-Control-Allow-Origin, so a browser shows the page nothing. Requests without an Origin
 *   (the AWS SDK in Node, curl) are not browsers' and are unaffected;
 * - one client's flood does not hold everyone else's sign-in (fairness.ts): requests under way,
 *   Cognito's request rate quotas and the turn of the costly work are by client address.
 */
import { guardRequests } from '../server/guard';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySigV4, type IamCredentials } from '../server/auth';
import { ClientFairness, clientOf, JOB_ABANDONED, TOO_MANY_REQUESTS, type Category, type FairnessOptions } from './fairness';
import { CognitoError, LocalUserPool, type LocalUserPoolOptions } from './pool';

export { CognitoError, LocalUserPool, DEFAULT_CLIENT_ID, DEFAULT_POOL_ID, type SeededUser } from './pool';

export interface UserPoolServer {
  pool: LocalUserPool;
  /** http://host:port: give it as the SDK's `endpoint` and Amplify's `userPoolEndpoint` */
  endpoint: string;
  server: Server;
  /** lets browsers on this origin (scheme://host:port) call the pool, e.g. a console started after it */
  allowOrigin(origin: string): void;
  stop(): Promise<void>;
}

export interface UserPoolServerOptions extends LocalUserPoolOptions {
  port?: number;
  host?: string;
  /** origins (scheme://host:port) whose pages may call the pool from a browser; none by default */
  allowedOrigins?: readonly string[];
  /** the IAM principal whose SigV4 signature the Admin* operations want; without one they are refused */
  adminCredentials?: Pick<IamCredentials, 'accessKeyId' | 'secretAccessKey'>;
  /** the per-client guards (fairness.ts); Cognito's quotas by default */
  fairness?: FairnessOptions;
}

const TARGET_PREFIX = 'AWSCognitoIdentityProviderService.';
/** What an allowed origin is told, beside Access-Control-Allow-Origin (its own origin, echoed). */
const CORS = {
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': 'content-type, x-amz-target, x-amz-user-agent, cache-control, amz-sdk-invocation-id, amz-sdk-request',
  'access-control-expose-headers': 'x-amzn-requestid, x-amzn-errortype, x-amzn-errormessage',
  'access-control-max-age': '600',
};

type Operation = (pool: LocalUserPool, input: Record<string, unknown>) => unknown;

/**
 * The operations, each with its Cognito quota category (fairness.ts) and whether its work is
 * costly (password or SRP arithmetic, token signing): that work waits for the client's turn.
 */
const OPERATIONS: Record<string, { run: Operation; category: Category; costly?: boolean }> = {
  InitiateAuth: { run: (pool, input) => pool.initiateAuth(input), category: 'UserAuthentication', costly: true },
  RespondToAuthChallenge: { run: (pool, input) => pool.respondToAuthChallenge(input), category: 'UserAuthentication', costly: true },
  SignUp: { run: (pool, input) => pool.signUp(input), category: 'UserCreation', costly: true },
  ConfirmSignUp: { run: (pool, input) => pool.confirmSignUp(input), category: 'UserCreation' },
  GetUser: { run: async (pool, input) => pool.getUser(await pool.userOfAccessToken(input.AccessToken)), category: 'UserRead' },
  GlobalSignOut: { run: (pool, input) => pool.globalSignOut(input), category: 'UserAuthentication' },
  RevokeToken: { run: (pool, input) => pool.revokeToken(input), category: 'UserAuthentication' },
  // Admin*: only for a request signed by the pool's IAM principal (see handle)
  AdminAddUserToGroup: { run: (pool, input) => pool.adminAddUserToGroup(input), category: 'UserUpdate' },
  AdminRemoveUserFromGroup: { run: (pool, input) => pool.adminRemoveUserFromGroup(input), category: 'UserUpdate' },
  AdminListGroupsForUser: { run: (pool, input) => pool.adminListGroupsForUser(input), category: 'UserRead' },
  AdminUserGlobalSignOut: { run: (pool, input) => pool.adminUserGlobalSignOut(input), category: 'UserAuthentication' },
  AdminCreateUser: { run: (pool, input) => pool.adminCreateUser(input), category: 'UserCreation', costly: true },
  AdminSetUserPassword: { run: (pool, input) => pool.adminSetUserPassword(input), category: 'UserUpdate', costly: true },
  AdminGetUser: { run: (pool, input) => pool.adminGetUser(input), category: 'UserRead' },
  AdminDeleteUser: { run: (pool, input) => pool.adminDeleteUser(input), category: 'UserUpdate' },
};

/** The Cognito error a SigV4 failure is (AWS's JSON protocol answers these with HTTP 400). */
const SIGV4_ERRORS = {
  missing: 'MissingAuthenticationTokenException',
  incomplete: 'IncompleteSignatureException',
  unknownKey: 'UnrecognizedClientException',
  expired: 'InvalidSignatureException',
  wrongScope: 'InvalidSignatureException',
  mismatch: 'InvalidSignatureException',
} as const;

interface Exchange {
  res: ServerResponse;
  /** CORS headers for this request's origin (none without one) */
  cors: Record<string, string>;
}

function send({ res, cors }: Exchange, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': crypto.randomUUID(), ...cors, ...extra });
  res.end(text);
}

function sendError(exchange: Exchange, error: CognitoError): void {
  send(exchange, 400, { __type: error.type, message: error.message }, { 'x-amzn-errortype': `${error.type}:`, 'x-amzn-errormessage': error.message });
}

/** How long a request's body may take to arrive: a client that sends it slowly does not hold a slot longer. */
export const BODY_READ_TIMEOUT_MS = 5_000;

async function readBody(req: IncomingMessage): Promise<string> {
  const timer = setTimeout(() => req.destroy(new CognitoError('SerializationException', 'Request body not received in time.')), BODY_READ_TIMEOUT_MS);
  timer.unref();
  try {
    return await readChunks(req);
  } finally {
    clearTimeout(timer);
  }
}

async function readChunks(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 256 * 1024) throw new CognitoError('SerializationException', 'Request body too large.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(text || '{}') as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch {
    throw new CognitoError('SerializationException', 'Start of structure or map found where not expected.');
  }
}

interface ServerContext {
  pool: LocalUserPool;
  allowedOrigins: Set<string>;
  adminCredentials?: Pick<IamCredentials, 'accessKeyId' | 'secretAccessKey'>;
  fairness: ClientFairness;
}

async function handle(context: ServerContext, req: IncomingMessage, exchange: Exchange): Promise<void> {
  const client = clientOf(req.socket.remoteAddress ?? '');
  // reading the JWKS or a preflight is cheap and bounded: it never waits behind a client's in-flight cap
  // (the GraphQL endpoint's token check fetches the JWKS from here)
  if (req.method === 'GET' || req.method === 'OPTIONS') return handleAdmitted(context, client, req, exchange);
  const release = context.fairness.admit(client);
  if (!release) {
    // too many of this client's requests under way: refused unread
    req.resume();
    return sendError(exchange, TOO_MANY_REQUESTS());
  }
  // The slot is held until the work ends, not until the client hangs up: a request aborted while its
  // job waits in fairness.run would otherwise free its slot for another, and a client could queue
  // without bound by sending and aborting (the job of a gone client is skipped, not run).
  try {
    await handleAdmitted(context, client, req, exchange);
  } finally {
    release();
  }
}

async function handleAdmitted({ pool, allowedOrigins, adminCredentials, fairness }: ServerContext, client: string, req: IncomingMessage, exchange: Exchange): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  const origin = req.headers.origin;
  if (origin !== undefined) {
    if (!allowedOrigins.has(origin)) {
      // no CORS headers: the browser shows the page nothing, and a preflight fails, so the request is never sent
      req.resume();
      return send(exchange, 403, { __type: 'AccessDeniedException', message: `Origin ${origin} is not allowed to call the local user pool.` });
    }
    exchange.cors = { 'access-control-allow-origin': origin, vary: 'Origin', ...CORS };
  }
  if (req.method === 'OPTIONS') {
    exchange.res.writeHead(204, exchange.cors);
    exchange.res.end();
    return;
  }
  if (req.method === 'GET') {
    if (path === `/${pool.poolId}/.well-known/jwks.json`) return send(exchange, 200, pool.jwks(), { 'content-type': 'application/json' });
    if (path === `/${pool.poolId}/.well-known/openid-configuration`) {
      return send(exchange, 200, { issuer: pool.issuer, jwks_uri: pool.jwksUrl, id_token_signing_alg_values_supported: ['RS256'], subject_types_supported: ['public'] }, { 'content-type': 'application/json' });
    }
    return send(exchange, 404, { message: 'Not Found' });
  }
  if (req.method !== 'POST') return send(exchange, 405, { message: 'Method Not Allowed' });
  const target = String(req.headers['x-amz-target'] ?? '');
  const name = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
  const operation = Object.hasOwn(OPERATIONS, name) ? OPERATIONS[name] : undefined;
  if (!operation) {
    req.resume();
    return sendError(exchange, new CognitoError('UnknownOperationException', target ? `The local user pool does not implement ${target}.` : 'Missing X-Amz-Target.'));
  }
  if (!fairness.take(client, operation.category)) {
    req.resume();
    return sendError(exchange, TOO_MANY_REQUESTS());
  }
  const body = await readBody(req);
  if (name.startsWith('Admin')) {
    // as Cognito: the administrators' API is IAM's, signed for cognito-idp in the pool's region
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v ?? '')]));
    const verified = adminCredentials
      ? await verifySigV4({ headers, sourceIp: req.socket.remoteAddress ?? '', method: req.method, path: req.url ?? '/', body }, adminCredentials, { service: 'cognito-idp', region: pool.region, requiredHeaders: ['x-amz-target'] })
      : ({ ok: false, failure: 'unknownKey', message: 'The security token included in the request is invalid.' } as const);
    if (!verified.ok) return sendError(exchange, new CognitoError(SIGV4_ERRORS[verified.failure], verified.message));
  }
  const input = parseJson(body);
  let answer: unknown;
  try {
    answer = await (operation.costly ? fairness.run(client, () => operation.run(pool, input), () => exchange.res.destroyed) : operation.run(pool, input));
  } catch (err) {
    // the client went away before its turn: no one to answer
    if (err === JOB_ABANDONED) return;
    throw err;
  }
  send(exchange, 200, answer);
}

const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * The origins a browser may show for a page at this URL: its own, and when its host is loopback the
 * same scheme and port under each loopback name (a developer may open 127.0.0.1 or localhost).
 */
export function loopbackOrigins(url: string): string[] {
  const { protocol, hostname, port, origin } = new URL(url);
  if (!LOOPBACK.includes(hostname)) return [origin];
  return LOOPBACK.map((host) => `${protocol}//${host}${port ? `:${port}` : ''}`);
}

export async function startUserPoolServer(options: UserPoolServerOptions = {}): Promise<UserPoolServer> {
  const pool = await LocalUserPool.create(options);
  const context: ServerContext = { pool, allowedOrigins: new Set(options.allowedOrigins ?? []), adminCredentials: options.adminCredentials, fairness: new ClientFairness(options.fairness) };
  const server = createServer(guardRequests((req, res) => {
    const exchange: Exchange = { res, cors: {} };
    handle(context, req, exchange).catch((err: unknown) => {
      if (err instanceof CognitoError) return sendError(exchange, err);
      console.error('local user pool: unexpected failure', err);
      if (!res.headersSent) send(exchange, 500, { __type: 'InternalErrorException', message: 'An internal failure occurred.' });
    });
  }, { name: 'local user pool' }));
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  pool.setEndpoint(endpoint);
  let stopped: Promise<void> | undefined;
  return {
    pool,
    endpoint,
    server,
    allowOrigin: (origin) => void context.allowedOrigins.add(origin),
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
