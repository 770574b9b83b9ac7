/**
 * The local AppSync endpoint: POST /graphql with AppSync's HTTP semantics, the console at /, and
 * room for the real-time WebSocket endpoint (attachUpgrade). One port takes plain HTTP and TLS:
 * aws-amplify v6 opens wss://<host:port>/graphql/realtime even for an http:// endpoint, so each
 * connection's first byte decides (0x16 opens a TLS handshake).
 */
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { GraphQLSchema } from 'graphql';
import { generate as generateCertificate } from 'selfsigned';
import type { ResolverRuntime } from '../runtime/types';
import { consoleAssets, consoleHtml, type ConsoleOptions } from '../console/bundle';
import {
  APPSYNC_DEFAULT_LIMITS,
  createExecutor,
  MalformedRequestError,
  MAX_VARIABLE_DEPTH,
  variableTooDeepMessage,
  type ExecutionLimits,
  type Executor,
  type GraphQLRequest,
  type GraphQLResponseBody,
  type MutationResultListener,
  type PreparedDocument,
} from './execute';
import { loadAppSyncSchema } from './schema';
import { nestingPastAt } from './json-depth';
import { requestError } from './errors';
import { createAuthenticator, type AuthConfig, type Authenticator } from './auth';
import { fieldAccess, type FieldAccess } from './directives';
import { Trace, type TraceSink } from '../trace';
import { guardRequests, guardUpgrades, type GuardOptions } from './guard';

export type { ExecutionLimits, MutationResultEvent, MutationResultListener, PreparedDocument } from './execute';
export { APPSYNC_DEFAULT_LIMITS } from './execute';
export { AWS_SCHEMA_FILE, buildAppSyncSchema, loadAppSyncSchema } from './schema';
export type { AuthConfig, Caller } from './auth';
export type { RequestTrace, TraceSink } from '../trace';

export interface TlsCertificate {
  key: string;
  cert: string;
}

export interface ApiServerOptions {
  runtime: ResolverRuntime;
  /** the API's schema.graphql (AWS scalars and directives are supplied); or pass `schema` */
  schemaFile?: string;
  schema?: GraphQLSchema;
  apiKey: string;
  /**
   * the API's authorization modes and what they trust (server/auth.ts); by default the API
   * key alone, as an API configured with API_KEY only
   */
  auth?: Omit<AuthConfig, 'apiKey'>;
  /** the console's title, ready operations (tabs) and the user pool it signs users in to (its auth mode bar) */
  console?: ConsoleOptions;
  /** 0 or omitted: a free port */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  /** for TLS connections on the same port; a self-signed one is generated when omitted */
  certificate?: TlsCertificate;
  /** called after each mutation field resolved without error */
  onMutationResult?: MutationResultListener;
  /** AppSync's per-API limits (an API passes those it deploys); AppSync's defaults otherwise */
  limits?: Partial<ExecutionLimits>;
}

export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface ApiServer {
  /** http://host:port (the console) */
  url: string;
  graphqlUrl: string;
  /** ws://host:port/graphql/realtime (wss:// works on the same port) */
  realtimeUrl: string;
  host: string;
  port: number;
  apiKey: string;
  schema: GraphQLSchema;
  runtime: ResolverRuntime;
  /** the limits this endpoint enforces (the real-time endpoint applies the same) */
  limits: ExecutionLimits;
  /** the endpoint's parsed and checked documents, by query text (the real-time endpoint's starts use them too) */
  prepareDocument(query: string): PreparedDocument;
  /** authenticates a request's headers (the real-time endpoint uses it too) */
  authenticator: Authenticator;
  /** the schema's auth directives */
  access: FieldAccess;
  certificate: TlsCertificate;
  /** the servers behind the port, for whoever needs them (e.g. a WebSocket server in noServer mode) */
  httpServer: HttpServer;
  httpsServer: HttpsServer;
  /** route WebSocket upgrades (any path) to handler; returns a function that detaches it */
  attachUpgrade(handler: UpgradeHandler): () => void;
  addMutationListener(listener: MutationResultListener): () => void;
  /**
   * Hands `sink` the stages of each POST /graphql request from now on (../trace.ts), or stops
   * when given undefined; off by default, and free while off.
   */
  traceRequests(sink: TraceSink | undefined): void;
  stop(): Promise<void>;
  /**
   * Runs one GraphQL request in process, as the endpoint does after authenticating it, with the given
   * ctx.identity: the seam where verified identities enter (tests use it with synthetic identities)
   */
  execute(request: GraphQLRequest): Promise<GraphQLResponseBody>;
}

const JSON_TYPE = 'application/json; charset=UTF-8';
const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': 'content-type, x-api-key, authorization, x-amz-date, x-amz-security-token, x-amz-user-agent',
  'access-control-max-age': '86400',
};
const MAX_BODY_BYTES = 5 * 1024 * 1024;

/** https://github.com/graphql/graphql-over-http/issues/81: AppSync's answers before GraphQL runs. */
const malformed = (message: string) => JSON.stringify({ errors: [{ message, errorType: 'MalformedHttpRequestException' }] });

/** An exception in a request or upgrade handler answers that request in AppSync's error shape (./guard.ts). */
const ENDPOINT_GUARD: GuardOptions = {
  name: 'local AppSync endpoint',
  answer: (status) => ({
    type: JSON_TYPE,
    body:
      status === 400
        ? malformed('The request could not be read.')
        : JSON.stringify({ errors: [{ errorType: 'InternalFailure', message: 'An internal failure occurred.' }] }),
    headers: { 'x-amzn-requestid': randomUUID(), 'x-amzn-errortype': status === 400 ? 'MalformedHttpRequestException' : 'InternalFailure', ...CORS_HEADERS },
  }),
};

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const schema = options.schema ?? (options.schemaFile ? loadAppSyncSchema(options.schemaFile) : undefined);
  if (!schema) throw new Error('startApiServer: give schemaFile or schema');
  const limits: ExecutionLimits = { ...APPSYNC_DEFAULT_LIMITS, ...options.limits };
  const authenticator = createAuthenticator({ modes: { defaultMode: 'API_KEY', additionalModes: [] }, ...options.auth, apiKey: options.apiKey });
  const access = fieldAccess(schema, authenticator.modes);
  const executor = createExecutor(schema, options.runtime, limits, access);
  if (options.onMutationResult) executor.addMutationListener(options.onMutationResult);
  const host = options.host ?? '127.0.0.1';
  const certificate = options.certificate ?? (await selfSignedCertificate(host));

  const tracing: Tracing = { sink: undefined };
  const handler = guardRequests((req: IncomingMessage, res: ServerResponse) => handle(req, res, executor, authenticator, options.apiKey, options.console ?? {}, tracing), ENDPOINT_GUARD);
  const httpServer = createHttpServer({ keepAliveTimeout: 65_000 }, handler);
  const httpsServer = createHttpsServer({ ...certificate, keepAliveTimeout: 65_000 }, handler);
  const sockets = new Set<Socket>();
  const tcpServer: TcpServer = createTcpServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.setNoDelay(true);
    // A client that resets before its first byte would emit 'error' with no listener yet (the
    // HTTP server adds its own once it has the socket), which throws in the process.
    socket.on('error', () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      (first[0] === 0x16 ? httpsServer : httpServer).emit('connection', socket);
      process.nextTick(() => socket.resume());
    });
  });

  const upgradeHandlers = new Set<UpgradeHandler>();
  const onUpgrade = guardUpgrades((req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!upgradeHandlers.size) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    for (const h of upgradeHandlers) h(req, socket, head);
  }, ENDPOINT_GUARD);
  httpServer.on('upgrade', onUpgrade);
  httpsServer.on('upgrade', onUpgrade);

  await new Promise<void>((resolve, reject) => {
    tcpServer.once('error', reject);
    tcpServer.listen(options.port ?? 0, host, () => {
      tcpServer.off('error', reject);
      resolve();
    });
  });
  const address = tcpServer.address();
  const port = typeof address === 'object' && address ? address.port : Number(options.port);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let stopped: Promise<void> | undefined;

  return {
    url: `http://${urlHost}:${port}`,
    graphqlUrl: `http://${urlHost}:${port}/graphql`,
    realtimeUrl: `ws://${urlHost}:${port}/graphql/realtime`,
    host,
    port,
    apiKey: options.apiKey,
    schema,
    runtime: options.runtime,
    limits,
    authenticator,
    prepareDocument: (query) => executor.prepare(query),
    access,
    certificate,
    httpServer,
    httpsServer,
    attachUpgrade(h) {
      upgradeHandlers.add(h);
      return () => upgradeHandlers.delete(h);
    },
    addMutationListener: (listener) => executor.addMutationListener(listener),
    traceRequests(sink) {
      tracing.sink = sink;
    },
    execute: (request) => executor.run(request),
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        tcpServer.close(() => resolve());
        httpServer.closeAllConnections();
        httpsServer.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return stopped;
    },
  };
}

async function selfSignedCertificate(host: string): Promise<TlsCertificate> {
  const pems = await generateCertificate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          ...(host !== 'localhost' && host !== '127.0.0.1' && host !== '0.0.0.0' ? [{ type: /^[\d.]+$|:/.test(host) ? (7 as const) : (2 as const), ...(/^[\d.]+$|:/.test(host) ? { ip: host } : { value: host }) }] : []),
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

function send(res: ServerResponse, status: number, body: string, type = JSON_TYPE, extra: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'x-amzn-requestid': randomUUID(), ...CORS_HEADERS, ...extra });
  res.end(body);
}

/** Errors serialised between two turns of the event loop when an answer carries many (answerText). */
const ERRORS_PER_TURN = 500;

/**
 * JSON.stringify(answer), the same text, but an answer with thousands of errors (5,000 aliases
 * past the resolver count: 4,900 ResolverCountLimitExceeded, 800 KB) is written out
 * ERRORS_PER_TURN errors at a time with a turn of the event loop between them, so that one
 * request's large answer does not hold every other request's I/O for the whole of its
 * serialisation (issue 20, part 5). Answers of ordinary size take one JSON.stringify, as before.
 */
async function answerText(answer: GraphQLResponseBody): Promise<string> {
  const errors = answer.errors;
  if (!errors || errors.length <= ERRORS_PER_TURN) return JSON.stringify(answer);
  const parts = [`{"data":${JSON.stringify(answer.data)},"errors":[`];
  for (let start = 0; start < errors.length; start += ERRORS_PER_TURN) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const slice = JSON.stringify(errors.slice(start, start + ERRORS_PER_TURN));
    parts.push(start ? ',' : '', slice.slice(1, -1));
  }
  parts.push(']}');
  return parts.join('');
}

function lowerCaseHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  // Node already lower-cases names; repeated headers are joined as AppSync presents them.
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) out[name] = Array.isArray(value) ? value.join(',') : value;
  return out;
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is read and dropped, so that the client, still sending, gets the
      // 413 answer (destroying the socket here left it with ECONNRESET and no answer at all);
      // only a body four times over the limit is cut off.
      if (size > 4 * MAX_BODY_BYTES) {
        req.destroy();
        resolve(null);
        return;
      }
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

interface Tracing {
  sink: TraceSink | undefined;
}

async function handle(req: IncomingMessage, res: ServerResponse, executor: Executor, authenticator: Authenticator, apiKey: string, consoleOptions: ConsoleOptions, tracing: Tracing): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'OPTIONS') {
    res.writeHead(204, CORS_HEADERS);
    res.end();
    return;
  }
  if (path === '/graphql') {
    if (req.method !== 'POST') return send(res, 405, malformed('Only POST is supported locally.'), JSON_TYPE, { allow: 'POST, OPTIONS' });
    const sink = tracing.sink;
    const trace = sink ? new Trace() : undefined;
    let mark = trace ? performance.now() : 0;
    const headers = lowerCaseHeaders(req);
    // A SigV4 signature covers the body, so IAM needs it read first; other modes refuse unread.
    const signed = headers.authorization?.startsWith('AWS4-HMAC-SHA256 ');
    const signedBody = signed ? await readBody(req) : undefined;
    if (trace) mark = trace.add('HTTP and JSON', mark);
    const auth = await authenticator.authenticate({ headers, sourceIp: req.socket.remoteAddress ?? '127.0.0.1', method: req.method, path: req.url ?? '/graphql', body: signedBody ?? undefined });
    if (trace) mark = trace.add('token verification', mark);
    if (!auth.ok) {
      req.resume();
      const body = JSON.stringify({ errors: [{ errorType: auth.errorType, message: auth.message }] });
      return send(res, auth.status, body, JSON_TYPE, { 'x-amzn-errortype': auth.errorType });
    }
    const text = signed ? signedBody! : await readBody(req);
    if (text === null) return send(res, 413, malformed('Request body is too large.'));
    if (!text.trim()) return send(res, 400, malformed('Request body is empty.'));
    // {"variables": {"name": <value>}}: a value nested past the variables' bound is refused before
    // JSON.parse spends the event loop on it, with the words checkVariableNesting uses.
    const tooDeep = nestingPastAt(text, MAX_VARIABLE_DEPTH + 2);
    if (tooDeep) {
      if (tooDeep[0] === 'variables' && tooDeep[1] !== undefined) {
        return send(res, 200, JSON.stringify({ data: null, errors: [requestError(variableTooDeepMessage(tooDeep[1]))] }));
      }
      return send(res, 400, malformed('Unable to parse GraphQL query.'));
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return send(res, 400, malformed('Unable to parse GraphQL query.'));
    }
    const request = parsed as { query?: unknown; variables?: unknown; operationName?: unknown };
    if (
      !parsed || typeof parsed !== 'object' || Array.isArray(parsed) || typeof request.query !== 'string' ||
      (request.variables != null && (typeof request.variables !== 'object' || Array.isArray(request.variables))) ||
      (request.operationName != null && typeof request.operationName !== 'string')
    ) {
      return send(res, 400, malformed('Unable to parse GraphQL query.'));
    }
    if (trace) trace.add('HTTP and JSON', mark);
    try {
      const result = await executor.run({
        query: request.query,
        variables: (request.variables as Record<string, unknown> | null) ?? null,
        operationName: (request.operationName as string | null) ?? null,
        headers,
        identity: auth.caller.identity,
        caller: auth.caller,
        trace,
      });
      if (!trace) return send(res, 200, await answerText(result));
      mark = performance.now();
      send(res, 200, await answerText(result));
      trace.add('serialisation', mark);
      sink!(trace.finish());
      return;
    } catch (err) {
      if (err instanceof MalformedRequestError) return send(res, 400, malformed(err.message));
      throw err;
    }
  }
  if (req.method === 'GET' && (path === '/' || path === '/console' || path === '/index.html')) {
    return send(res, 200, consoleHtml({ graphqlPath: '/graphql', apiKey, ...consoleOptions }), 'text/html; charset=UTF-8');
  }
  if (req.method === 'GET' && (path === '/console/app.js' || path === '/console/app.css')) {
    const assets = await consoleAssets();
    return path.endsWith('.js')
      ? send(res, 200, assets.js, 'text/javascript; charset=UTF-8', { 'cache-control': 'no-cache' })
      : send(res, 200, assets.css, 'text/css; charset=UTF-8', { 'cache-control': 'no-cache' });
  }
  if (req.method === 'GET' && path === '/health') return send(res, 200, JSON.stringify({ ok: true }));
  return send(res, 404, JSON.stringify({ errors: [{ errorType: 'NotFound', message: `No route for ${req.method} ${path}.` }] }));
}
