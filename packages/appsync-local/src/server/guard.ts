/**
 * One guard for every listener a local stack opens (issue 24, part 2): the endpoint's requests,
 * real-time upgrades and messages, the user pool, the console, and servers other libraries create
 * (guardServer). An exception in a handler answers that one request — 400 when what the client sent
 * cannot be read (a request-target or percent-encoding that does not parse), 500 otherwise — is
 * logged, and the process goes on serving everyone else. Without it one `GET /%E0%A4%A` (an
 * uncaught URIError) or one upgrade to `//[` (an uncaught TypeError from `new URL`) stopped every
 * port of the stack. Nothing here catches process-wide: each handler is wrapped where it is
 * registered, so an error is answered on the request that caused it.
 */
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** A request-target that is not one a server can read (RFC 9112, 3.2): answered 400. */
export class MalformedTargetError extends Error {}

/** 400 when what the client sent cannot be read (target, percent-encoding, URL), 500 otherwise. */
export function failureStatus(error: unknown): 400 | 500 {
  if (error instanceof URIError || error instanceof MalformedTargetError) return 400;
  return (error as { code?: unknown } | null)?.code === 'ERR_INVALID_URL' ? 400 : 500;
}

/**
 * A request's target as a URL, or null when it is none a server should read. Origin-form (`/a?b`)
 * is read as a path even when it starts with `//` (`new URL('//[', base)` reads `[` as a host and
 * throws); absolute-form (`http://host/a`) as itself; asterisk-form (`*`, OPTIONS only) and anything
 * else is null.
 */
export function requestTarget(target: string | undefined): URL | null {
  const text = target ?? '/';
  try {
    if (text.startsWith('/')) return new URL(`http://localhost${text}`);
    if (/^https?:\/\//i.test(text)) return new URL(text);
  } catch {
    return null;
  }
  return null;
}

/** The path of a request's target, percent-decoded; throws MalformedTargetError when it cannot be read. */
export function decodedPath(target: string | undefined): string {
  const url = requestTarget(target);
  if (!url) throw new MalformedTargetError(`unreadable request-target ${JSON.stringify(String(target).slice(0, 100))}`);
  try {
    return decodeURIComponent(url.pathname);
  } catch {
    throw new MalformedTargetError(`request-target with a malformed percent-encoding ${JSON.stringify(url.pathname.slice(0, 100))}`);
  }
}

export interface ErrorAnswer {
  type: string;
  body: string;
  headers?: Record<string, string>;
}

export interface GuardOptions {
  /** who is guarded, in the log line ("local AppSync endpoint", "web client") */
  name: string;
  /** the error answer's body, in the listener's own error shape (AppSync's, Cognito's); plain text by default */
  answer?: (status: 400 | 500) => ErrorAnswer;
  /** where a failure is logged; console.error by default */
  log?: (message: string, error: unknown) => void;
}

const plainAnswer = (status: 400 | 500): ErrorAnswer => ({ type: 'text/plain; charset=utf-8', body: `${STATUS_CODES[status]}\n` });
const defaultLog = (message: string, error: unknown) => console.error(message, error);

function settle(result: unknown, fail: (error: unknown) => void): void {
  if (result && typeof (result as Promise<unknown>).then === 'function') (result as Promise<unknown>).then(undefined, fail);
}

function logged(options: GuardOptions, what: string, error: unknown): 400 | 500 {
  const status = failureStatus(error);
  // A client's unreadable request is its mistake, not the server's: one line, no stack.
  if (status === 400) (options.log ?? defaultLog)(`${options.name}: ${what} refused (400): ${(error as Error)?.message ?? error}`, undefined);
  else (options.log ?? defaultLog)(`${options.name}: ${what} failed (500)`, error);
  return status;
}

/** The request's events whose listeners, hung by a handler, run inside the guard too. */
const REQUEST_EVENTS: ReadonlySet<string | symbol> = new Set(['data', 'end', 'error', 'close', 'aborted', 'readable']);

type Listener = (...args: unknown[]) => unknown;
type Registration = 'on' | 'addListener' | 'prependListener' | 'once' | 'prependOnceListener';

/** Requests whose listener registration is already guarded (by the first guard that saw them). */
const guardedRequests = new WeakSet<IncomingMessage>();
/** Responses a guard has already answered a failure on: only the first failure answers. */
const answeredResponses = new WeakSet<ServerResponse>();

/**
 * A listener that runs `listener` inside the guard. It carries `listener` as its `.listener`, the
 * property Node's own `once` wrappers carry, so EventEmitter treats it as `listener` everywhere a
 * handler looks: `removeListener`/`off(event, listener)` remove it (a stream's pipe cleanup,
 * raw-body's), `listeners(event)` and `listenerCount(event, listener)` name `listener`. With `once`
 * it removes itself before it runs, as Node's do.
 */
function guardedListener(req: IncomingMessage, event: string | symbol, listener: Listener, once: boolean, fail: (error: unknown) => void): Listener {
  let fired = false;
  const guarded = function (this: unknown, ...args: unknown[]): unknown {
    if (once) {
      if (fired) return undefined;
      fired = true;
      req.removeListener(event, guarded);
    }
    try {
      settle(listener.apply(this, args), fail);
    } catch (error) {
      fail(error);
    }
    return undefined;
  };
  return Object.assign(guarded, { listener });
}

/**
 * Makes every listener later hung on `req` for one of REQUEST_EVENTS run inside the guard, by
 * shadowing the request's own registration methods (on, addListener, prependListener, once,
 * prependOnceListener) with ones that register a guarded listener through the original method, so
 * a Readable's side effects (`on('data')` starts the flow) and `once` stay what they were. Other
 * events and removal are untouched: removal finds a guarded listener by its original (see
 * guardedListener). Earlier listeners (the server's own) are left as they are.
 */
function guardRegistration(req: IncomingMessage, fail: (error: unknown) => void): void {
  if (guardedRequests.has(req)) return;
  guardedRequests.add(req);
  const methods: Array<[Registration, boolean]> = [
    ['on', false],
    ['addListener', false],
    ['prependListener', false],
    ['once', true],
    ['prependOnceListener', true],
  ];
  type Register = (event: string | symbol, listener: Listener) => IncomingMessage;
  // the request's own methods, taken before any is shadowed
  const originals = new Map(methods.map(([name]) => [name, req[name] as Register]));
  for (const [name, once] of methods) {
    const original = originals.get(name)!;
    // `once` variants register through the matching persistent method: the guarded listener removes itself
    const register = once ? originals.get(name === 'once' ? 'on' : 'prependListener')! : original;
    Object.defineProperty(req, name, {
      configurable: true,
      writable: true,
      enumerable: false,
      value(this: IncomingMessage, event: string | symbol, listener: Listener) {
        if (!REQUEST_EVENTS.has(event) || typeof listener !== 'function') return original.call(this, event, listener);
        return register.call(this, event, guardedListener(req, event, listener, once, fail));
      },
    });
  }
}

/**
 * An HTTP request handler whose exceptions (thrown or rejected) answer that request with 400 or 500.
 * Listeners the handler hangs on its request (data, end, error, close, aborted, readable), while it
 * runs or later, run inside the guard too: kinesalite's `req.on('error', (err) => { throw err })`
 * turned a client that reset in the middle of its body into an uncaught exception that stopped
 * every port of the stack. The listeners stay the handler's: `removeListener(event, listener)`
 * removes them and `once` ones fire once. Only the first failure on a request answers it; later
 * ones (a second throwing listener, an error after the answer) are logged.
 */
export function guardRequests<R extends IncomingMessage, S extends ServerResponse>(handler: (req: R, res: S) => unknown, options: GuardOptions): (req: R, res: S) => void {
  return (req, res) => {
    const what = `${String(req.method).slice(0, 16)} request`;
    const fail = (error: unknown) => {
      if (answeredResponses.has(res)) {
        (options.log ?? defaultLog)(`${options.name}: ${what} failed again after its failure was answered`, error);
        return;
      }
      answeredResponses.add(res);
      const status = logged(options, what, error);
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      const answer = (options.answer ?? plainAnswer)(status);
      res.writeHead(status, { 'content-type': answer.type, 'content-length': Buffer.byteLength(answer.body), connection: 'close', ...answer.headers });
      res.end(answer.body);
    };
    guardRegistration(req, fail);
    try {
      settle(handler(req, res), fail);
    } catch (error) {
      fail(error);
    }
  };
}

/**
 * An upgrade handler whose exceptions answer that upgrade with 400 or 500 (or close the socket
 * when the handshake was already answered) instead of reaching the process.
 */
export function guardUpgrades<R extends IncomingMessage>(handler: (req: R, socket: Duplex, head: Buffer) => unknown, options: GuardOptions): (req: R, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    const fail = (error: unknown) => {
      const status = logged(options, 'upgrade', error);
      const written = (socket as Duplex & { bytesWritten?: number }).bytesWritten ?? 0;
      if (socket.destroyed || !socket.writable || written > 0) {
        socket.destroy();
        return;
      }
      const answer = (options.answer ?? plainAnswer)(status);
      socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: ${answer.type}\r\nContent-Length: ${Buffer.byteLength(answer.body)}\r\n\r\n${answer.body}`);
    };
    try {
      settle(handler(req, socket, head), fail);
    } catch (error) {
      fail(error);
    }
  };
}

/**
 * A message handler (a WebSocket's, a socket's) whose exceptions, thrown or rejected, are logged and
 * handed to `answer` (an error message on that connection), never to the process.
 */
export function guardMessages<A extends unknown[]>(handler: (...args: A) => unknown, options: { name: string; answer: (error: unknown, ...args: A) => void; log?: GuardOptions['log'] }): (...args: A) => void {
  return (...args) => {
    const fail = (error: unknown) => {
      (options.log ?? defaultLog)(`${options.name}: message handler failed`, error);
      try {
        options.answer(error, ...args);
      } catch (answering) {
        (options.log ?? defaultLog)(`${options.name}: answering a failed message failed too`, answering);
      }
    };
    try {
      settle(handler(...args), fail);
    } catch (error) {
      fail(error);
    }
  };
}

/**
 * Wraps the 'request' and 'upgrade' listeners a server already has (one another library created:
 * kinesalite, s3rver) with guardRequests / guardUpgrades, in place.
 */
export function guardServer(server: Server, options: GuardOptions): void {
  for (const event of ['request', 'upgrade'] as const) {
    const listeners = server.listeners(event) as Array<(...args: never[]) => unknown>;
    server.removeAllListeners(event);
    for (const listener of listeners) {
      if (event === 'request') server.on('request', guardRequests(listener as (req: IncomingMessage, res: ServerResponse) => unknown, options));
      else server.on('upgrade', guardUpgrades(listener as (req: IncomingMessage, socket: Duplex, head: Buffer) => unknown, options));
    }
  }
}
