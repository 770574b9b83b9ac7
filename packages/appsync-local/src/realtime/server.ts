/**
 * AppSync's real-time endpoint, locally: GraphQL subscriptions over WebSocket at
 * /graphql/realtime with subprotocol `graphql-ws`, following AWS's page "Building a real-time
 * WebSocket client in AWS AppSync"
 * (https://docs.aws.amazon.com/appsync/latest/devguide/real-time-websocket-client.html):
 *
 *   client                         server
 *   (upgrade: ?header=<b64>&payload=e30=  or  subprotocol header-<b64url>)
 *   connection_init          →
 *                            ←     connection_ack { connectionTimeoutMs }   | connection_error
 *                            ←     ka (now, then periodically)
 *   start {id, payload}      →
 *                            ←     start_ack {id}                           | error {id}
 *                            ←     data {id, payload: {data}}  (each matching mutation)
 *   stop {id}                →
 *                            ←     complete {id}
 *
 * The API key is checked on connect (the upgrade's header) and again on every start (the start
 * message's payload.extensions.authorization), as AppSync does. A start runs the subscription
 * field's resolver through the same APPSYNC_JS runtime as queries and mutations, so its errors
 * and its extensions.setSubscriptionFilter(...) behave as in AWS.
 *
 * Publishing is driven by the GraphQL endpoint: after a mutation field resolved without error
 * (its transaction committed), the server calls publish() with the field's name, arguments and
 * value as returned to the client; every subscription whose field lists that mutation in
 * @aws_subscribe and whose arguments and enhanced filter match receives it.
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  getArgumentValues,
  getVariableValues,
  GraphQLError,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import type { ResolverRuntime, SubscriptionInvalidation } from '../runtime/types';
import { compileSubscriptionFilter, matchesArguments, matchesFilter, SubscriptionFilterError, type CompiledFilter } from './filters';
import {
  CONNECTION_UNAUTHORIZED,
  REALTIME_PATH,
  START_UNAUTHORIZED,
  SUBPROTOCOL,
  unsupportedOperation,
  type RealtimeError,
  type ServerMessage,
} from './protocol';
import { project } from './selection';
// The HTTP endpoint's AppSync-worded validation, error shapes and ctx.info helpers, so that a
// subscription is refused with the same words a query would be.
import { locationsOf, queryDepthExceeded, requestError, resolverErrorOf, type AppSyncError } from '../server/errors';
import { checkVariableNesting, checkVariables, createDocumentPreparer, MAX_VARIABLE_DEPTH, operationNotFound, pickOperation, variableTooDeepMessage, type PreparedDocument } from '../server/execute';
import { nestingPastAt } from '../server/json-depth';
import { guardMessages, requestTarget } from '../server/guard';
import { selectionDepth, selectionSetGraphQL, selectionSetList } from '../server/selection';
// Auth (local/server/auth.ts, directives.ts): the same modes and directive rules as over HTTP.
import type { AuthOutcome, AuthRequest, Caller } from '../server/auth';
import { unauthorizedMessage, UNAUTHORIZED_ERROR_TYPE, type FieldAccess } from '../server/directives';

/** What the GraphQL endpoint reports after a mutation field resolved without error. */
export interface MutationResult {
  /** the Mutation field, e.g. "createPost" */
  fieldName: string;
  /** the field's arguments as the resolver saw them */
  arguments?: Record<string, unknown>;
  /**
   * the field's value as returned to the client: only the fields the mutation selected, under
   * its response keys (aliases), which is what AppSync matches and shapes subscriptions against
   */
  data: unknown;
  /** extensions.invalidateSubscriptions calls of the mutation's resolver */
  invalidations?: SubscriptionInvalidation[];
}

export interface RealtimeServerOptions {
  schema: GraphQLSchema;
  runtime: ResolverRuntime;
  /** The API key clients must present, or a predicate over the presented key (used when no `authenticate` is given). */
  apiKey: string | ((key: string | undefined) => boolean);
  /** Authenticates the connection's header and each start's authorization, as over HTTP. */
  authenticate?: (request: AuthRequest) => Promise<AuthOutcome>;
  /** The schema's auth directives, checked on the subscription field and its selection at start. */
  access?: FieldAccess;
  /** URL path of the endpoint (default /graphql/realtime). */
  path?: string;
  /** How often `ka` is sent (default 60 s, within aws-amplify's 65 s alert window). */
  keepAliveIntervalMs?: number;
  /** Announced in connection_ack: how long a client waits for a `ka` before giving up (default 5 min, AppSync's). */
  connectionTimeoutMs?: number;
  /** Unauthenticated or silent connections are closed after this long without connection_init (default 30 s). */
  connectionInitTimeoutMs?: number;
  /** AppSync's queryDepthLimit (0: none) and introspection, as the HTTP endpoint enforces them */
  queryDepthLimit?: number;
  introspection?: boolean;
  /** REALTIME_SAFEGUARDS, for a server of other needs (tests) */
  startBurst?: number;
  startsPerSecond?: number;
  connectionsPerSource?: number;
  /** the HTTP endpoint's document cache (ApiServer.prepareDocument); one of the server's own otherwise */
  prepare?: (query: string) => PreparedDocument;
  /**
   * How many bytes of unsent messages a connection may hold before it is closed (a client that
   * does not read); default 1 MiB. See the package README, "Real-time quotas and slow readers".
   */
  maxBufferedBytes?: number;
}

/**
 * AppSync's real-time quotas ("AWS AppSync endpoints and quotas",
 * https://docs.aws.amazon.com/general/latest/gr/appsync.html): 100 subscriptions per connection,
 * and a subscription payload (and an inbound WebSocket message) of at most 240 kB.
 */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 100;
export const MAX_MESSAGE_BYTES = 240 * 1024;
/** AppSync's error for the 101st start on a connection; clients branch on the errorType. */
export const maxSubscriptionsReached = (): RealtimeError => ({
  errorType: 'MaxSubscriptionsReachedError',
  message: `Max number of ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions reached`,
});
/**
 * The real-time endpoint's own safeguards (issue 24, part 3), not AppSync quotas: AppSync's page
 * gives its message rates per API and Region, not per connection, and serves each connection on a
 * fleet, where here every connection shares one event loop. A connection's starts run one at a
 * time, the next one a turn of the event loop after the last, so that a flood of starts on one
 * connection waits behind itself and not in front of everyone else; past a burst, starts are
 * refused at a steady rate; and one source address may hold a bounded number of connections.
 */
export const REALTIME_SAFEGUARDS = {
  /** starts of one connection whose work runs at once */
  startsAtOncePerConnection: 1,
  /**
   * starts one connection may send at once: twice its quota of subscriptions, so that a client
   * re-subscribing all of them after a reconnect can still stop and start as many again
   */
  startBurst: 2 * MAX_SUBSCRIPTIONS_PER_CONNECTION,
  /** then this many a second */
  startsPerSecond: 10,
  /** open connections from one source address */
  connectionsPerSource: 200,
};
/** The error of a start past its connection's rate (the package's words: AppSync documents none per connection). */
export const startRateExceeded = (): RealtimeError => ({
  errorType: 'LimitExceededError',
  message: `Rate of start messages exceeded: at most ${REALTIME_SAFEGUARDS.startBurst} at once, then ${REALTIME_SAFEGUARDS.startsPerSecond} a second, per connection`,
});
/** WebSocket close code 1008 (policy violation): the connection held more unsent data than allowed. */
export const SLOW_READER_CLOSE_CODE = 1008;

export interface RealtimeServer {
  readonly path: string;
  /** Handles an HTTP upgrade if it is for this endpoint's path; returns false otherwise. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Listens for upgrades on a Node server (call once per server: HTTP and HTTPS); returns a detach function. */
  attach(server: Pick<HttpServer, 'on' | 'off' | 'listenerCount'>): () => void;
  /** Delivers a committed mutation's result; returns how many subscriptions received it. */
  publish(result: MutationResult): number;
  /** Open WebSocket connections and active subscriptions, for tests and the console. */
  stats(): { connections: number; subscriptions: number; slowReadersClosed: number; oversizedPayloads: number; startsRefused: number; connectionsRefused: number };
  /** Closes every connection and stops the timers. */
  close(): Promise<void>;
}

interface Subscription {
  id: string;
  connection: Connection;
  fieldName: string;
  responseKey: string;
  arguments: Record<string, unknown>;
  filter: CompiledFilter | null;
  /** extensions.setSubscriptionInvalidationFilter of its resolver: matched against invalidation payloads */
  invalidationFilter: CompiledFilter | null;
  field: GraphQLField<unknown, unknown>;
  selectionSet: SelectionSetNode | undefined;
  fragments: Record<string, FragmentDefinitionNode>;
  /** the start's query and operation: subscribers that share it share one serialised payload */
  shapeKey: string;
  /** who started it (its ctx.identity is caller.identity) */
  caller: Caller;
}

interface Connection {
  socket: WebSocket;
  /** settles once the connection's header is authenticated: the caller, or null when refused */
  authorized: Promise<Caller | null>;
  acknowledged: boolean;
  subscriptions: Map<string, Subscription>;
  sourceIp: string;
  /** starts whose resolver is still running, so that a stop in between is honoured */
  pending: Set<string>;
  /** starts waiting for their turn (REALTIME_SAFEGUARDS), and how many run */
  startQueue: Array<Record<string, unknown>>;
  startsRunning: number;
  /** ids of the starts that run now, and those of them a stop came for: they register nothing */
  runningIds: Set<string>;
  stoppedWhileRunning: Set<string>;
  /** the start rate's bucket: starts it may send now, as of tokensAt (ms) */
  startTokens: number;
  tokensAt: number;
  keepAlive?: NodeJS.Timeout;
  initTimer?: NodeJS.Timeout;
}

const FALLBACK_ERROR = 'Internal server error';

/** Decodes an AppSync auth header object from base64 or base64url JSON; null if it is not one. */
export function decodeAuthHeader(encoded: string): Record<string, string> | null {
  try {
    // Node's base64 decoder reads both the standard and the URL-safe alphabet, padded or not.
    const json = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as unknown;
    if (!json || typeof json !== 'object' || Array.isArray(json)) return null;
    return lowerCaseKeys(json as Record<string, unknown>);
  } catch {
    return null;
  }
}

function lowerCaseKeys(object: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(object)) if (typeof value === 'string') out[key.toLowerCase()] = value;
  return out;
}

/** The auth header of an upgrade: the `header` query parameter, or a `header-<base64url>` subprotocol. */
export function connectionAuthHeader(request: IncomingMessage): Record<string, string> | null {
  const fromQuery = requestTarget(request.url)?.searchParams.get('header');
  if (fromQuery) {
    const decoded = decodeAuthHeader(fromQuery);
    if (decoded) return decoded;
  }
  for (const protocol of subprotocols(request)) {
    if (protocol.startsWith('header-')) {
      const decoded = decodeAuthHeader(protocol.slice('header-'.length));
      if (decoded) return decoded;
    }
  }
  return null;
}

function subprotocols(request: IncomingMessage): string[] {
  const header = request.headers['sec-websocket-protocol'];
  if (!header) return [];
  return (Array.isArray(header) ? header.join(',') : header).split(',').map((p) => p.trim()).filter(Boolean);
}

/** mutation field name → subscription fields whose @aws_subscribe lists it */
export function subscribedMutations(schema: GraphQLSchema): Map<string, string[]> {
  const map = new Map<string, string[]>();
  const subscriptionType = schema.getSubscriptionType();
  if (!subscriptionType) return map;
  for (const field of Object.values(subscriptionType.getFields())) {
    const directive = field.astNode?.directives?.find((d) => d.name.value === 'aws_subscribe');
    const mutations = directive?.arguments?.find((a) => a.name.value === 'mutations')?.value;
    if (!mutations || mutations.kind !== Kind.LIST) continue;
    for (const item of mutations.values) {
      if (item.kind !== Kind.STRING) continue;
      const list = map.get(item.value) ?? [];
      list.push(field.name);
      map.set(item.value, list);
    }
  }
  return map;
}

function graphQLErrorToRealtime(error: GraphQLError): RealtimeError {
  return fromAppSync(requestError(error.message, error.locations));
}

function fromAppSync(error: AppSyncError): RealtimeError {
  const out: RealtimeError = { message: error.message, path: error.path ? [...error.path] : null };
  if (error.locations) out.locations = error.locations;
  if (error.errorType !== undefined) out.errorType = error.errorType ?? undefined;
  if ('data' in error) out.data = error.data;
  if ('errorInfo' in error) out.errorInfo = error.errorInfo;
  return out;
}

export function createRealtimeServer(options: RealtimeServerOptions): RealtimeServer {
  const path = options.path ?? REALTIME_PATH;
  const keepAliveIntervalMs = options.keepAliveIntervalMs ?? 60_000;
  const connectionTimeoutMs = options.connectionTimeoutMs ?? 300_000;
  const connectionInitTimeoutMs = options.connectionInitTimeoutMs ?? 30_000;
  const maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
  const { schema, runtime } = options;
  const prepare = options.prepare ?? createDocumentPreparer(schema, { introspection: options.introspection });
  const startBurst = options.startBurst ?? REALTIME_SAFEGUARDS.startBurst;
  const startsPerSecond = options.startsPerSecond ?? REALTIME_SAFEGUARDS.startsPerSecond;
  const connectionsPerSource = options.connectionsPerSource ?? REALTIME_SAFEGUARDS.connectionsPerSource;
  const keyAccepted =
    typeof options.apiKey === 'function' ? options.apiKey : (key: string | undefined) => key !== undefined && key === options.apiKey;
  const authenticate =
    options.authenticate ??
    (async (request: AuthRequest): Promise<AuthOutcome> =>
      keyAccepted(request.headers['x-api-key']) ? { ok: true, caller: { mode: 'API_KEY', identity: null } } : { ok: false, status: 401, errorType: 'UnauthorizedException', message: '' });
  /**
   * The first field of the selection the caller may not reach, AppSync's way (directives.ts).
   * Each named fragment is checked once per type it applies to: the rules depend on the type and
   * field, not the path, and a fragment chain spreading each level twice must not walk 2^n paths.
   */
  const refusedField = (
    caller: Caller,
    typeName: string,
    fieldName: string,
    selectionSet: SelectionSetNode | undefined,
    fragments: Record<string, FragmentDefinitionNode>,
    seen: Set<string> = new Set(),
  ): RealtimeError | null => {
    if (!options.access) return null;
    if (!options.access.allows(typeName, fieldName, caller)) return { errorType: UNAUTHORIZED_ERROR_TYPE, message: unauthorizedMessage(fieldName, typeName) };
    const parent = schema.getType(typeName);
    const field = parent && 'getFields' in parent ? parent.getFields()[fieldName] : undefined;
    if (!field || !selectionSet) return null;
    let type = field.type as unknown as { ofType?: unknown; name?: string };
    while (type.ofType) type = type.ofType as typeof type;
    const walk = (set: SelectionSetNode): RealtimeError | null => {
      for (const node of set.selections) {
        if (node.kind === Kind.FIELD) {
          const found = refusedField(caller, type.name!, node.name.value, node.selectionSet, fragments, seen);
          if (found) return found;
        } else if (node.kind === Kind.INLINE_FRAGMENT) {
          const found = walk(node.selectionSet);
          if (found) return found;
        } else {
          const key = `${type.name}\u0000${node.name.value}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const inner = fragments[node.name.value]?.selectionSet;
          const found = inner && walk(inner);
          if (found) return found;
        }
      }
      return null;
    };
    return walk(selectionSet);
  };
  const mutationsToFields = subscribedMutations(schema);
  const connections = new Set<Connection>();
  /** subscription field name → its live subscriptions, so a publish touches only its own */
  const byField = new Map<string, Set<Subscription>>();
  let slowReadersClosed = 0;
  let oversizedPayloads = 0;
  let startsRefused = 0;
  let connectionsRefused = 0;
  /** open connections per source address */
  const perSource = new Map<string, number>();

  const wss = new WebSocketServer({
    noServer: true,
    // AppSync's inbound message quota; ws closes a connection that sends more with 1009.
    maxPayload: MAX_MESSAGE_BYTES,
    // AppSync speaks only graphql-ws; the `header-…` entries carry credentials, not a protocol.
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });

  function send(connection: Connection, message: ServerMessage | string): void {
    if (connection.socket.readyState !== WebSocket.OPEN) return;
    // A client that does not read makes every message wait in this process: past the bound, the
    // connection is closed (and its memory freed) rather than events dropped silently, so that
    // the client knows to reconnect and catch up (the package README, "Real-time quotas and slow readers").
    if (connection.socket.bufferedAmount > maxBufferedBytes) {
      closeSlowReader(connection);
      return;
    }
    connection.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  function closeSlowReader(connection: Connection): void {
    slowReadersClosed++;
    // close() would wait for a closing handshake the client is not reading; terminate frees now.
    connection.socket.terminate();
    dropConnection(connection);
  }

  function sendError(connection: Connection, id: string | undefined, errors: RealtimeError[]): void {
    send(connection, id === undefined ? { type: 'error', payload: { errors } } : { type: 'error', id, payload: { errors } });
  }

  function removeSubscription(subscription: Subscription): void {
    subscription.connection.subscriptions.delete(subscription.id);
    const set = byField.get(subscription.fieldName);
    set?.delete(subscription);
    if (set && set.size === 0) byField.delete(subscription.fieldName);
  }

  function dropConnection(connection: Connection): void {
    if (!connections.delete(connection)) return;
    connection.startQueue.length = 0;
    const fromSource = (perSource.get(connection.sourceIp) ?? 1) - 1;
    if (fromSource > 0) perSource.set(connection.sourceIp, fromSource);
    else perSource.delete(connection.sourceIp);
    clearInterval(connection.keepAlive);
    clearTimeout(connection.initTimer);
    for (const subscription of [...connection.subscriptions.values()]) removeSubscription(subscription);
    connection.pending.clear();
  }

  function refuseConnection(connection: Connection): void {
    send(connection, { type: 'connection_error', payload: { errors: [CONNECTION_UNAUTHORIZED] } });
    connection.socket.close(1000, 'Unauthorized');
    dropConnection(connection);
  }

  function onConnectionInit(connection: Connection): void {
    clearTimeout(connection.initTimer);
    if (connection.acknowledged) return;
    connection.acknowledged = true;
    send(connection, { type: 'connection_ack', payload: { connectionTimeoutMs } });
    // A first `ka` at once: clients measure their keep-alive window from it.
    send(connection, { type: 'ka' });
    connection.keepAlive = setInterval(() => send(connection, { type: 'ka' }), keepAliveIntervalMs);
    connection.keepAlive.unref();
  }

  async function onStart(connection: Connection, message: Record<string, unknown>): Promise<void> {
    const id = message.id;
    if (typeof id !== 'string' || id === '') {
      sendError(connection, undefined, [{ errorType: 'BadRequestException', message: 'A start message needs a non-empty string id.' }]);
      return;
    }
    const payload = (message.payload ?? {}) as Record<string, unknown>;
    const authorization = lowerCaseKeys(((payload.extensions as Record<string, unknown> | undefined)?.authorization ?? {}) as Record<string, unknown>);
    // Every start carries its own credentials, checked like an HTTP request's; for IAM the
    // signature covers a POST of the start's data to the GraphQL endpoint.
    const auth = await authenticate({
      headers: authorization,
      sourceIp: connection.sourceIp,
      method: 'POST',
      path: '/graphql',
      body: typeof payload.data === 'string' ? payload.data : '',
    });
    if (!auth.ok) {
      sendError(connection, id, [START_UNAUTHORIZED]);
      return;
    }
    const caller = auth.caller;
    if (connection.subscriptions.has(id) || connection.pending.has(id)) {
      sendError(connection, id, [{ errorType: 'DuplicatedOperationError', message: `Subscription with id ${id} already exists.` }]);
      return;
    }
    if (connection.subscriptions.size + connection.pending.size >= MAX_SUBSCRIPTIONS_PER_CONNECTION) {
      sendError(connection, id, [maxSubscriptionsReached()]);
      return;
    }

    // payload.data is the JSON text {query, variables, operationName}; some clients put the
    // fields directly in the payload, which AppSync also reads.
    let request: { query?: unknown; variables?: unknown; operationName?: unknown };
    // Variables nested past their bound are refused before JSON.parse spends the event loop on them.
    const tooDeep = typeof payload.data === 'string' ? nestingPastAt(payload.data, MAX_VARIABLE_DEPTH + 2) : null;
    if (tooDeep) {
      const message = tooDeep[0] === 'variables' && tooDeep[1] !== undefined ? variableTooDeepMessage(tooDeep[1]) : 'The start payload data nests too deep.';
      sendError(connection, id, [{ errorType: 'BadRequestException', message }]);
      return;
    }
    try {
      request = typeof payload.data === 'string' ? (JSON.parse(payload.data) as typeof request) : (payload as typeof request);
    } catch {
      sendError(connection, id, [{ errorType: 'BadRequestException', message: 'The start payload data is not valid JSON.' }]);
      return;
    }
    if (!request || typeof request.query !== 'string' || request.query.trim() === '') {
      sendError(connection, id, [{ errorType: 'BadRequestException', message: 'The start payload has no query.' }]);
      return;
    }

    // The HTTP endpoint's document cache, limits and validation (one home, server/execute.ts): a
    // text started again costs a lookup, a costly new one is refused before validation (issue 24).
    const prepared = prepare(request.query);
    if (prepared.syntax) {
      sendError(connection, id, [graphQLErrorToRealtime(prepared.syntax)]);
      return;
    }
    if (prepared.errors.length > 0) {
      sendError(connection, id, prepared.errors.map(fromAppSync));
      return;
    }
    const { document, fragments } = prepared;
    const operationName = typeof request.operationName === 'string' ? request.operationName : undefined;
    const operation = pickOperation(document, operationName);
    if (!operation) {
      sendError(connection, id, [fromAppSync(operationNotFound(operationName))]);
      return;
    }
    if (operation.operation !== 'subscription') {
      sendError(connection, id, [unsupportedOperation(operation.operation)]);
      return;
    }
    // A subscription has no field resolvers to fail one by one: past the depth limit, the start is refused.
    if (options.queryDepthLimit && selectionDepth(operation.selectionSet, fragments, options.queryDepthLimit) > options.queryDepthLimit) {
      const error = queryDepthExceeded(options.queryDepthLimit);
      sendError(connection, id, [{ errorType: error.errorType, message: error.message }]);
      return;
    }

    // Variables are a JSON object (or absent): `variables: [1]` once read as "no variables" and
    // subscribed to everything.
    if (request.variables !== undefined && request.variables !== null && (typeof request.variables !== 'object' || Array.isArray(request.variables))) {
      sendError(connection, id, [{ errorType: 'BadRequestException', message: 'The start payload variables must be a JSON object.' }]);
      return;
    }
    // graphql-java's wording, as AppSync answers over HTTP and WebSocket alike
    const variables = (request.variables ?? {}) as Record<string, unknown>;
    const variableErrors = [...checkVariableNesting(variables)];
    if (!variableErrors.length) variableErrors.push(...checkVariables(schema, operation, variables));
    if (variableErrors.length) {
      sendError(connection, id, variableErrors.map(fromAppSync));
      return;
    }
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
    if (coerced.errors) {
      sendError(connection, id, coerced.errors.map(graphQLErrorToRealtime));
      return;
    }
    // Validation (single root field rule) guarantees exactly one field, possibly via a fragment.
    const fieldNode = rootField(operation.selectionSet, fragments);
    const subscriptionType = schema.getSubscriptionType();
    const field = fieldNode && subscriptionType?.getFields()[fieldNode.name.value];
    if (!fieldNode || !field) {
      sendError(connection, id, [{ message: 'The subscription selects no subscription field.' }]);
      return;
    }
    let args: Record<string, unknown>;
    try {
      args = getArgumentValues(field, fieldNode, coerced.coerced);
    } catch (error) {
      sendError(connection, id, [graphQLErrorToRealtime(error as GraphQLError)]);
      return;
    }

    const refused = refusedField(caller, subscriptionType!.name, field.name, fieldNode.selectionSet, fragments);
    if (refused) {
      sendError(connection, id, [{ ...refused, path: [fieldNode.alias?.value ?? field.name], ...(locationsOf([fieldNode]) ? { locations: locationsOf([fieldNode])!.map((l) => ({ ...l, sourceName: null })) } : {}) }]);
      return;
    }

    connection.pending.add(id);
    let filter: CompiledFilter | null = null;
    let invalidationFilter: CompiledFilter | null = null;
    try {
      if (runtime.has('Subscription', field.name)) {
        const outcome = await runtime.resolve('Subscription', field.name, {
          arguments: args,
          source: null,
          identity: caller.identity,
          requestHeaders: authorization,
          info: {
            fieldName: field.name,
            parentTypeName: 'Subscription',
            variables: coerced.coerced,
            selectionSetList: selectionSetList(fieldNode.selectionSet, fragments),
            selectionSetGraphQL: selectionSetGraphQL(fieldNode.selectionSet),
          },
        });
        if (outcome.errors.length > 0) {
          sendError(connection, id, outcome.errors.map((e) => fromAppSync(resolverErrorOf(e, [fieldNode.alias?.value ?? field.name], locationsOf([fieldNode])))));
          return;
        }
        filter = compileSubscriptionFilter(outcome.subscriptionFilter);
        invalidationFilter = compileSubscriptionFilter(outcome.subscriptionInvalidationFilter);
      }
    } catch (error) {
      const message = error instanceof SubscriptionFilterError ? `Invalid subscription filter: ${error.message}` : FALLBACK_ERROR;
      if (!(error instanceof SubscriptionFilterError)) console.error('[realtime] subscription resolver failed', error);
      sendError(connection, id, [{ errorType: error instanceof SubscriptionFilterError ? 'ValidationError' : 'InternalFailure', message }]);
      return;
    } finally {
      connection.pending.delete(id);
    }
    // The client stopped (or left) while the resolver ran: nothing to register.
    if (!connections.has(connection) || connection.socket.readyState !== WebSocket.OPEN || connection.stoppedWhileRunning.has(id)) return;

    const subscription: Subscription = {
      id,
      connection,
      fieldName: field.name,
      responseKey: fieldNode.alias?.value ?? field.name,
      arguments: args,
      filter,
      invalidationFilter,
      field,
      selectionSet: fieldNode.selectionSet,
      fragments,
      shapeKey: `${operationName ?? ''}\u0000${request.query}`,
      caller,
    };
    connection.subscriptions.set(id, subscription);
    let set = byField.get(field.name);
    if (!set) byField.set(field.name, (set = new Set()));
    set.add(subscription);
    send(connection, { type: 'start_ack', id });
  }

  /** A start waits for its connection's turn, or is refused past the connection's rate (REALTIME_SAFEGUARDS). */
  function enqueueStart(connection: Connection, message: Record<string, unknown>): void {
    // A connection at its quota gets AppSync's answer for it, whatever its rate, and spends nothing.
    if (connection.subscriptions.size + connection.pending.size >= MAX_SUBSCRIPTIONS_PER_CONNECTION) {
      sendError(connection, typeof message.id === 'string' ? message.id : undefined, [maxSubscriptionsReached()]);
      return;
    }
    const now = performance.now();
    connection.startTokens = Math.min(startBurst, connection.startTokens + ((now - connection.tokensAt) / 1000) * startsPerSecond);
    connection.tokensAt = now;
    if (connection.startTokens < 1) {
      startsRefused++;
      sendError(connection, typeof message.id === 'string' ? message.id : undefined, [startRateExceeded()]);
      return;
    }
    connection.startTokens -= 1;
    connection.startQueue.push(message);
    pumpStarts(connection);
  }

  function pumpStarts(connection: Connection): void {
    while (connection.startsRunning < REALTIME_SAFEGUARDS.startsAtOncePerConnection && connection.startQueue.length) {
      const message = connection.startQueue.shift()!;
      const id = typeof message.id === 'string' ? message.id : undefined;
      connection.startsRunning++;
      if (id !== undefined) connection.runningIds.add(id);
      onStart(connection, message)
        .catch((error) => {
          console.error('[realtime] start failed', error);
          sendError(connection, typeof message.id === 'string' ? message.id : undefined, [{ errorType: 'InternalFailure', message: FALLBACK_ERROR }]);
        })
        .finally(() => {
          connection.startsRunning--;
          if (id !== undefined) {
            connection.runningIds.delete(id);
            connection.stoppedWhileRunning.delete(id);
          }
          // the connection's next start after a turn of the event loop: other clients' I/O goes first
          setImmediate(() => pumpStarts(connection));
        });
    }
  }

  function onStop(connection: Connection, message: Record<string, unknown>): void {
    const id = typeof message.id === 'string' ? message.id : undefined;
    if (id === undefined) {
      sendError(connection, undefined, [{ errorType: 'BadRequestException', message: 'A stop message needs an id.' }]);
      return;
    }
    // a start still waiting for its turn never runs; one running registers nothing (`complete` answers both)
    const waiting = connection.startQueue.findIndex((start) => start.id === id);
    if (waiting >= 0) connection.startQueue.splice(waiting, 1);
    if (connection.runningIds.has(id)) connection.stoppedWhileRunning.add(id);
    const subscription = connection.subscriptions.get(id);
    if (subscription) removeSubscription(subscription);
    connection.pending.delete(id);
    send(connection, { type: 'complete', id });
  }

  // Messages wait for the connection's authentication, in the order they came. A handler's
  // exception answers that message with an error on its connection and nothing more.
  const onMessage = guardMessages(
    (connection: Connection, raw: RawData, isBinary: boolean) =>
      connection.authorized.then((caller) => {
        if (!connections.has(connection)) return;
        if (!caller) refuseConnection(connection);
        else handleMessage(connection, raw, isBinary);
      }),
    { name: 'real-time endpoint', answer: (_error, connection: Connection) => sendError(connection, undefined, [{ errorType: 'InternalFailure', message: FALLBACK_ERROR }]) },
  );

  function handleMessage(connection: Connection, raw: RawData, isBinary: boolean): void {
    let message: Record<string, unknown> | null = null;
    const text = isBinary ? '' : raw.toString();
    // payload.variables may sit directly in the message: {payload: {variables: {name: value}}}
    if (nestingPastAt(text, MAX_VARIABLE_DEPTH + 3)) {
      sendError(connection, undefined, [{ errorType: 'BadRequestException', message: 'The message nests too deep.' }]);
      return;
    }
    if (!isBinary) {
      try {
        const parsed = JSON.parse(text) as unknown;
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) message = parsed as Record<string, unknown>;
      } catch {
        message = null;
      }
    }
    switch (message && typeof message.type === 'string' ? message.type : 'unknown') {
      case 'connection_init':
        onConnectionInit(connection);
        return;
      case 'start':
        // connection_init is optional in AppSync's protocol: a start also proves the client alive.
        clearTimeout(connection.initTimer);
        enqueueStart(connection, message!);
        return;
      case 'stop':
        onStop(connection, message!);
        return;
      default:
        // AppSync names any message type it does not know "unknown" (seen answering a
        // graphql-transport-ws `subscribe`), and so do we.
        sendError(connection, message && typeof message.id === 'string' ? message.id : undefined, [unsupportedOperation('unknown')]);
    }
  }

  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    const header = connectionAuthHeader(request);
    const sourceIp = request.socket.remoteAddress ?? '127.0.0.1';
    // The connection's own credentials: IAM signs a POST of "{}" to <graphql endpoint>/connect.
    const authorized = header
      ? authenticate({ headers: header, sourceIp, method: 'POST', path: '/graphql/connect', body: '{}' }).then((outcome) => (outcome.ok ? outcome.caller : null), () => null)
      : Promise.resolve(null);
    const connection: Connection = {
      socket,
      authorized,
      sourceIp,
      acknowledged: false,
      subscriptions: new Map(),
      pending: new Set(),
      startQueue: [],
      startsRunning: 0,
      runningIds: new Set(),
      stoppedWhileRunning: new Set(),
      startTokens: startBurst,
      tokensAt: performance.now(),
    };
    connections.add(connection);
    perSource.set(sourceIp, (perSource.get(sourceIp) ?? 0) + 1);
    // AppSync answers a refused connection on its first message (connection_init); one that
    // never speaks is closed after a while either way.
    connection.initTimer = setTimeout(async () => {
      if (!(await connection.authorized)) refuseConnection(connection);
      else if (!connection.acknowledged && connection.subscriptions.size === 0) {
        socket.close(1000, 'connection_init not received');
        dropConnection(connection);
      }
    }, connectionInitTimeoutMs);
    connection.initTimer.unref();
    socket.on('message', (raw, isBinary) => onMessage(connection, raw, isBinary));
    socket.on('close', () => dropConnection(connection));
    socket.on('error', () => dropConnection(connection));
  });

  function handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    // `//[` as a target once threw from new URL here and stopped the whole process (issue 24)
    if (requestTarget(request.url)?.pathname !== path) return false;
    if ((perSource.get(request.socket.remoteAddress ?? '127.0.0.1') ?? 0) >= connectionsPerSource) {
      connectionsRefused++;
      socket.end(`HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\nAt most ${connectionsPerSource} real-time connections per source address.\n`);
      return true;
    }
    if (!subprotocols(request).includes(SUBPROTOCOL)) {
      socket.end(`HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\nThe real-time endpoint speaks the ${SUBPROTOCOL} subprotocol only.\n`);
      return true;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
    return true;
  }

  /**
   * extensions.invalidateSubscriptions (aws-appsync-real-time-invalidation): every subscription on
   * the field whose invalidation filter matches the payload is unsubscribed: the client gets
   * `complete` for it and no further data. A subscription without an invalidation filter is kept.
   */
  function invalidate(invalidation: SubscriptionInvalidation): number {
    let removed = 0;
    for (const subscription of [...(byField.get(invalidation.subscriptionField) ?? [])]) {
      if (!subscription.invalidationFilter || !matchesFilter(subscription.invalidationFilter, invalidation.payload)) continue;
      removeSubscription(subscription);
      send(subscription.connection, { type: 'complete', id: subscription.id });
      removed++;
    }
    return removed;
  }

  function publish(result: MutationResult): number {
    for (const invalidation of result.invalidations ?? []) invalidate(invalidation);
    const fields = mutationsToFields.get(result.fieldName);
    if (!fields || result.data === null || result.data === undefined) return 0;
    const payload = result.data;
    let delivered = 0;
    for (const fieldName of fields) {
      const subscriptions = byField.get(fieldName);
      if (!subscriptions) continue;
      // Subscribers sharing one query share one serialised payload (the common case: one app).
      const shaped = new Map<string, string>();
      for (const subscription of subscriptions) {
        // A filter set by the subscription resolver replaces argument filtering (the resolver
        // restates whichever arguments it wants, possibly normalised); without one, AppSync's
        // basic rule applies: every non-null argument equals the same-named result field.
        if (subscription.filter ? !matchesFilter(subscription.filter, payload) : !matchesArguments(subscription.arguments, payload)) continue;
        let body = shaped.get(subscription.shapeKey);
        if (body === undefined) {
          const value = project(schema, payload, subscription.field.type, subscription.selectionSet, subscription.fragments);
          body = JSON.stringify({ data: { [subscription.responseKey]: value } });
          shaped.set(subscription.shapeKey, body);
        }
        // Over AppSync's payload quota the event is not delivered (and counted in stats()).
        if (body.length * 3 > MAX_MESSAGE_BYTES && Buffer.byteLength(body) > MAX_MESSAGE_BYTES) {
          oversizedPayloads++;
          continue;
        }
        send(subscription.connection, `{"id":${JSON.stringify(subscription.id)},"type":"data","payload":${body}}`);
        delivered++;
      }
    }
    return delivered;
  }

  return {
    path,
    handleUpgrade,
    attach(server) {
      const listener = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
        // Another upgrade listener may own other paths; alone, refuse what is not ours.
        if (!handleUpgrade(request, socket, head) && server.listenerCount('upgrade') === 1) socket.destroy();
      };
      server.on('upgrade', listener);
      return () => server.off('upgrade', listener);
    },
    publish,
    stats() {
      let subscriptions = 0;
      for (const connection of connections) subscriptions += connection.subscriptions.size;
      return { connections: connections.size, subscriptions, slowReadersClosed, oversizedPayloads, startsRefused, connectionsRefused };
    },
    async close() {
      for (const connection of [...connections]) {
        connection.socket.terminate();
        dropConnection(connection);
      }
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

function rootField(selectionSet: SelectionSetNode, fragments: Record<string, FragmentDefinitionNode>): FieldNode | undefined {
  for (const node of selectionSet.selections) {
    if (node.kind === Kind.FIELD) {
      if (node.name.value !== '__typename') return node;
    } else {
      const set = node.kind === Kind.INLINE_FRAGMENT ? node.selectionSet : fragments[node.name.value]?.selectionSet;
      const found = set && rootField(set, fragments);
      if (found) return found;
    }
  }
  return undefined;
}
