/**
 * A minimal client of AppSync's real-time protocol over `ws`, speaking it message by message:
 * the protocol tests, the catch-up test and the subscription benchmark drive the endpoint with
 * it (the Amplify test uses aws-amplify itself). Works against AppSync too: give it the
 * real-time URL and the API's host.
 */
import WebSocket from 'ws';
import { SUBPROTOCOL } from './protocol';

export interface RealtimeClientOptions {
  /** ws:// or wss:// URL of the real-time endpoint */
  url: string;
  /** the API key for the connection and, by default, every start */
  apiKey: string;
  /**
   * other credentials instead of the API key, e.g. { Authorization: <user pool token> }: sent in
   * the connection's header and every start's authorization, beside the host
   */
  authorization?: Record<string, string>;
  /** the API's host as AppSync expects it in the auth header (default: the URL's host) */
  host?: string;
  /** where the credentials travel: the `header` query parameter (default) or a `header-…` subprotocol */
  via?: 'query' | 'subprotocol';
  /** subprotocols to offer instead of graphql-ws (to test refusals) */
  protocols?: string[];
  /** accept a self-signed certificate (the local endpoint's) */
  insecure?: boolean;
}

export type AnyServerMessage = Record<string, unknown> & { type: string; id?: string; payload?: unknown };

export interface RealtimeClient {
  socket: WebSocket;
  /** every message received so far, in order */
  messages: AnyServerMessage[];
  /** the next message (after those already consumed by next()) that satisfies predicate */
  next(predicate?: (message: AnyServerMessage) => boolean, timeoutMs?: number): Promise<AnyServerMessage>;
  /** connection_init, resolved with connection_ack (rejected with connection_error) */
  init(timeoutMs?: number): Promise<AnyServerMessage>;
  /** sends a start; resolves with its start_ack or error message */
  start(id: string, query: string, variables?: Record<string, unknown>, apiKey?: string): Promise<AnyServerMessage>;
  /** sends a stop; resolves with its complete */
  stop(id: string): Promise<AnyServerMessage>;
  /** data messages of a subscription, received so far */
  data(id: string): unknown[];
  /** calls listener on each data message of any subscription as it arrives */
  onData(listener: (id: string, payload: unknown) => void): void;
  send(raw: string | object): void;
  close(): Promise<void>;
}

export function authHeader(apiKey: string, host: string): Record<string, string> {
  return { host, 'x-api-key': apiKey };
}

export async function connectRealtime(options: RealtimeClientOptions): Promise<RealtimeClient> {
  const url = new URL(options.url);
  const host = options.host ?? url.host;
  const credentials = (apiKey: string) => (options.authorization && apiKey === options.apiKey ? { host, ...options.authorization } : authHeader(apiKey, host));
  const header = JSON.stringify(credentials(options.apiKey));
  const protocols = [...(options.protocols ?? [SUBPROTOCOL])];
  if ((options.via ?? 'query') === 'query') {
    url.searchParams.set('header', Buffer.from(header).toString('base64'));
    url.searchParams.set('payload', Buffer.from('{}').toString('base64'));
  } else {
    protocols.push(`header-${Buffer.from(header).toString('base64url')}`);
  }
  const socket = new WebSocket(url, protocols, options.insecure ? { rejectUnauthorized: false } : {});
  const messages: AnyServerMessage[] = [];
  let consumed = new Set<number>();
  const waiters = new Set<() => void>();
  const dataListeners: Array<(id: string, payload: unknown) => void> = [];
  socket.on('message', (raw) => {
    const message = JSON.parse(raw.toString()) as AnyServerMessage;
    messages.push(message);
    if (message.type === 'data') for (const listener of dataListeners) listener(String(message.id), (message as { payload: unknown }).payload);
    for (const wake of [...waiters]) wake();
  });
  socket.on('close', () => {
    for (const wake of [...waiters]) wake();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
  });

  const next: RealtimeClient['next'] = (predicate = () => true, timeoutMs = 5_000) =>
    new Promise((resolve, reject) => {
      const look = () => {
        for (let i = 0; i < messages.length; i++) {
          if (consumed.has(i) || !predicate(messages[i])) continue;
          consumed.add(i);
          cleanup();
          resolve(messages[i]);
          return true;
        }
        if (socket.readyState === WebSocket.CLOSED) {
          cleanup();
          reject(new Error(`socket closed while waiting; received ${JSON.stringify(messages)}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no matching message within ${timeoutMs} ms; received ${JSON.stringify(messages)}`));
      }, timeoutMs);
      const wake = () => void look();
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(wake);
      };
      if (!look()) waiters.add(wake);
    });

  const send = (raw: string | object) => socket.send(typeof raw === 'string' ? raw : JSON.stringify(raw));

  return {
    socket,
    messages,
    next,
    async init(timeoutMs) {
      send({ type: 'connection_init' });
      const reply = await next((m) => m.type === 'connection_ack' || m.type === 'connection_error', timeoutMs);
      if (reply.type === 'connection_error') throw Object.assign(new Error(`connection_error: ${JSON.stringify(reply)}`), { reply });
      return reply;
    },
    start(id, query, variables = {}, apiKey = options.apiKey) {
      send({
        id,
        type: 'start',
        payload: { data: JSON.stringify({ query, variables }), extensions: { authorization: credentials(apiKey) } },
      });
      return next((m) => m.id === id && (m.type === 'start_ack' || m.type === 'error'));
    },
    stop(id) {
      send({ id, type: 'stop' });
      return next((m) => m.id === id && m.type === 'complete');
    },
    data(id) {
      return messages.filter((m) => m.type === 'data' && m.id === id).map((m) => (m as { payload: unknown }).payload);
    },
    onData(listener) {
      dataListeners.push(listener);
    },
    send,
    close() {
      consumed = new Set();
      if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
      return new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.close();
      });
    },
  };
}
