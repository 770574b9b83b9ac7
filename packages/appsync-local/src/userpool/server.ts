/**
 * The local user pool over HTTP, speaking the Cognito Identity Provider API as the AWS SDK and
 * aws-amplify call it: POST / with `X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>`
 * and an `application/x-amz-json-1.1` body; errors as HTTP 400 with `{ __type, message }`
 * (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/CommonErrors.html).
 * The pool's keys are published where Cognito publishes them:
 * GET /<poolId>/.well-known/jwks.json (and the OpenID configuration beside it).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CognitoError, LocalUserPool, type LocalUserPoolOptions } from './pool';

export { CognitoError, LocalUserPool, DEFAULT_CLIENT_ID, DEFAULT_POOL_ID, type SeededUser } from './pool';

export interface UserPoolServer {
  pool: LocalUserPool;
  /** http://host:port: give it as the SDK's `endpoint` and Amplify's `userPoolEndpoint` */
  endpoint: string;
  server: Server;
  stop(): Promise<void>;
}

export interface UserPoolServerOptions extends LocalUserPoolOptions {
  port?: number;
  host?: string;
}

const TARGET_PREFIX = 'AWSCognitoIdentityProviderService.';
const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': 'content-type, x-amz-target, x-amz-user-agent, cache-control, amz-sdk-invocation-id, amz-sdk-request',
  'access-control-expose-headers': 'x-amzn-requestid, x-amzn-errortype, x-amzn-errormessage',
};

type Operation = (pool: LocalUserPool, input: Record<string, unknown>) => unknown;

const OPERATIONS: Record<string, Operation> = {
  InitiateAuth: (pool, input) => pool.initiateAuth(input),
  SignUp: (pool, input) => pool.signUp(input),
  ConfirmSignUp: (pool, input) => pool.confirmSignUp(input),
  GetUser: async (pool, input) => pool.getUser(await pool.userOfAccessToken(input.AccessToken)),
  // A local convenience: sign-out revokes nothing here (tokens live until they expire).
  GlobalSignOut: async (pool, input) => (await pool.userOfAccessToken(input.AccessToken), {}),
  RevokeToken: (pool, input) => (input.ClientId === pool.clientId ? {} : Promise.reject(new CognitoError('ResourceNotFoundException', 'User pool client does not exist.'))),
  // The admin operations need IAM credentials in AWS; the local pool trusts whoever calls.
  AdminAddUserToGroup: (pool, input) => pool.adminAddUserToGroup(input),
  AdminRemoveUserFromGroup: (pool, input) => pool.adminRemoveUserFromGroup(input),
  AdminListGroupsForUser: (pool, input) => pool.adminListGroupsForUser(input),
};

function send(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': crypto.randomUUID(), ...CORS, ...extra });
  res.end(text);
}

function sendError(res: ServerResponse, error: CognitoError): void {
  send(res, 400, { __type: error.type, message: error.message }, { 'x-amzn-errortype': `${error.type}:`, 'x-amzn-errormessage': error.message });
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 256 * 1024) throw new CognitoError('SerializationException', 'Request body too large.');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    const parsed = JSON.parse(text || '{}') as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch {
    throw new CognitoError('SerializationException', 'Start of structure or map found where not expected.');
  }
}

async function handle(pool: LocalUserPool, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'OPTIONS') {
    res.writeHead(204, CORS);
    res.end();
    return;
  }
  if (req.method === 'GET') {
    if (path === `/${pool.poolId}/.well-known/jwks.json`) return send(res, 200, pool.jwks(), { 'content-type': 'application/json' });
    if (path === `/${pool.poolId}/.well-known/openid-configuration`) {
      return send(res, 200, { issuer: pool.issuer, jwks_uri: pool.jwksUrl, id_token_signing_alg_values_supported: ['RS256'], subject_types_supported: ['public'] }, { 'content-type': 'application/json' });
    }
    return send(res, 404, { message: 'Not Found' });
  }
  if (req.method !== 'POST') return send(res, 405, { message: 'Method Not Allowed' });
  const target = String(req.headers['x-amz-target'] ?? '');
  const operation = target.startsWith(TARGET_PREFIX) ? OPERATIONS[target.slice(TARGET_PREFIX.length)] : undefined;
  if (!operation) {
    req.resume();
    return sendError(res, new CognitoError('UnknownOperationException', target ? `The local user pool does not implement ${target}.` : 'Missing X-Amz-Target.'));
  }
  const input = await readJson(req);
  send(res, 200, await operation(pool, input));
}

export async function startUserPoolServer(options: UserPoolServerOptions = {}): Promise<UserPoolServer> {
  const pool = await LocalUserPool.create(options);
  const server = createServer((req, res) => {
    handle(pool, req, res).catch((err: unknown) => {
      if (err instanceof CognitoError) return sendError(res, err);
      console.error('local user pool: unexpected failure', err);
      if (!res.headersSent) send(res, 500, { __type: 'InternalErrorException', message: 'An internal failure occurred.' });
    });
  });
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
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
