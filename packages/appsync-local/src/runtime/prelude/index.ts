/**
 * Runs INSIDE the resolver sandbox: the runtime AppSync provides to APPSYNC_JS code (the npm
 * package @aws-appsync/utils only carries types). runtime/sandbox.ts bundles this file once
 * per process and evaluates it in every resolver's vm context.
 *
 * Everything crosses the sandbox boundary as JSON text or primitives, never as objects: host
 * objects handed to resolver code would leak the host's Function constructor (and so `process`).
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- values here are arbitrary JSON handed in by resolver code */
import * as ddb from './dynamodb-module';
import * as rds from './rds-module';
import { toSubscriptionFilter } from './expressions';
import { javaMatches } from './java-regex';
import { toQueryDsl, transformFilter } from './transform-filter';
import { createTimeUtil, installUtcDate } from './time';
import { dynamodbUtil } from './values';

/** Primitives-only services of the host; captured here, never exposed to resolver code. */
export interface HostPrimitives {
  randomHex(bytes: number): string;
  log(level: string, text: string): void;
  /** epoch milliseconds now: the sandbox's only clock (Date, util.time, the time part of ULIDs and KSUIDs) */
  now(): number;
}

/** A call of a handler with its whole ctx (the host turns it into invokeParts' JSON texts). */
export interface InvokeInput {
  handler: 'request' | 'response';
  ctx: Record<string, any>;
  /** for util.unauthorized's message */
  typeName: string;
  fieldName: string;
  authType: string;
}

export type InvokeOutput = {
  errors: { message: string; errorType?: string; data?: unknown; errorInfo?: unknown }[];
  stash: unknown;
  subscriptionFilter?: unknown;
  subscriptionInvalidationFilter?: unknown;
  /** extensions.invalidateSubscriptions calls, in order */
  invalidations?: { subscriptionField: string; payload: Record<string, unknown> }[];
} & (
  | { status: 'return'; value: unknown }
  | { status: 'earlyReturn'; value: unknown; skipTo?: string }
  | { status: 'error' }
  | { status: 'runtimeError'; message: string }
);

const NOT_SUPPORTED = ' is not supported by the local AppSync runtime';

/** Headers util.http.copyHeaders leaves out (http-helpers-in-utils-http-js). */
export const RESTRICTED_HEADERS = ['transfer-encoding', 'connection', 'host', 'expect', 'keep-alive', 'upgrade', 'proxy-authenticate', 'proxy-authorization', 'te', 'content-length'];

/**
 * A documented member the local runtime does not implement (the package README): present, as in
 * AppSync, and failing with an error that names it when called.
 */
function notSupported(path: string, instead = ''): (...args: unknown[]) => never {
  return () => {
    throw new Error(`${path}${NOT_SUPPORTED}${instead ? `: ${instead}` : ''}`);
  };
}

/**
 * One of AppSync's runtime objects, with exactly its documented members (test/appsync-surface.test.ts
 * compares them with the documentation): an undocumented name is undefined, as in AppSync, and
 * the object cannot be changed by resolver code (strict mode makes a write a TypeError).
 */
function documented<T extends object>(object: T): T {
  return Object.freeze(object);
}

class UtilError {
  constructor(public readonly error: InvokeOutput['errors'][number]) {}
}
class EarlyReturn {
  constructor(public readonly value: unknown, public readonly skipTo?: string) {}
}

export function create(host: HostPrimitives) {
  const now = () => Number(host.now());
  installUtcDate(globalThis as unknown as { Date: DateConstructor }, now);
  // per-invocation state, reset by invoke()
  let errors: InvokeOutput['errors'] = [];
  let subscriptionFilter: unknown;
  let subscriptionInvalidationFilter: unknown;
  let invalidations: { subscriptionField: string; payload: Record<string, unknown> }[] = [];
  let current: InvokeInput | null = null;

  const hex = (bytes: number) => host.randomHex(bytes);
  const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

  const utf8 = (text: string): number[] => {
    const bytes: number[] = [];
    const encoded = encodeURIComponent(text);
    for (let i = 0; i < encoded.length; i++) {
      if (encoded[i] === '%') { bytes.push(parseInt(encoded.slice(i + 1, i + 3), 16)); i += 2; } else bytes.push(encoded.charCodeAt(i));
    }
    return bytes;
  };
  const fromUtf8 = (bytes: number[]) => decodeURIComponent(bytes.map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''));

  const util = documented({
    autoId() {
      const h = hex(16).split('');
      h[12] = '4';
      h[16] = '89ab'[parseInt(h[16]!, 16) & 3]!;
      const s = h.join('');
      return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
    },
    autoUlid() {
      let time = now();
      let out = '';
      for (let i = 0; i < 10; i++) { out = CROCKFORD[time % 32] + out; time = Math.floor(time / 32); }
      const random = hex(10);
      let bits = '';
      for (const c of random) bits += parseInt(c, 16).toString(2).padStart(4, '0');
      for (let i = 0; i < 16; i++) out += CROCKFORD[parseInt(bits.slice(i * 5, i * 5 + 5), 2)];
      return out;
    },
    autoKsuid() {
      // 4 bytes of seconds since the KSUID epoch (1400000000) + 16 random bytes, base62, 27 characters
      const seconds = Math.floor(now() / 1000) - 1_400_000_000;
      let n = (BigInt(seconds) << 128n) | BigInt(`0x${hex(16)}`);
      let out = '';
      while (n > 0n) { out = BASE62[Number(n % 62n)] + out; n /= 62n; }
      return out.padStart(27, '0');
    },
    error(message: string, errorType?: string, data?: unknown, errorInfo?: unknown): never {
      throw new UtilError(errorEntry(message, errorType, data, errorInfo));
    },
    appendError(message: string, errorType?: string, data?: unknown, errorInfo?: unknown) {
      errors.push(errorEntry(message, errorType, data, errorInfo));
    },
    unauthorized(): never {
      throw new UtilError({ message: `Not Authorized to access ${current?.fieldName} on type ${current?.typeName}`, errorType: 'Unauthorized' });
    },
    matches: (pattern: string, value: string) => javaMatches(pattern, value),
    authType: () => current?.authType ?? 'API Key Authorization',
    base64Encode(text: string) {
      const bytes = utf8(String(text));
      let out = '';
      for (let i = 0; i < bytes.length; i += 3) {
        const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
        out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]!;
        out += i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=';
        out += i + 2 < bytes.length ? B64[n & 63] : '=';
      }
      return out;
    },
    base64Decode(text: string) {
      const clean = String(text).replace(/[^A-Za-z0-9+/]/g, '');
      const bytes: number[] = [];
      for (let i = 0; i < clean.length; i += 4) {
        const chunk = [0, 1, 2, 3].map((j) => (i + j < clean.length ? B64.indexOf(clean[i + j]!) : -1));
        const n = (chunk[0]! << 18) | (chunk[1]! << 12) | (Math.max(chunk[2]!, 0) << 6) | Math.max(chunk[3]!, 0);
        bytes.push((n >> 16) & 255);
        if (chunk[2]! >= 0) bytes.push((n >> 8) & 255);
        if (chunk[3]! >= 0) bytes.push(n & 255);
      }
      return fromUtf8(bytes);
    },
    // application/x-www-form-urlencoded as Java's URLEncoder writes it
    urlEncode: (text: string) =>
      encodeURIComponent(String(text))
        .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
        .replace(/%20/g, '+'),
    urlDecode: (text: string) => decodeURIComponent(String(text).replace(/\+/g, ' ')),
    escapeJavaScript: (text: string) =>
      String(text).replace(/["'\\/\b\f\n\r\t]|[^\x20-\x7e]/g, (c) => {
        const named: Record<string, string> = { '"': '\\"', "'": "\\'", '\\': '\\\\', '/': '\\/', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
        return named[c] ?? `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
      }),
    time: documented(createTimeUtil(now)),
    dynamodb: documented({ ...dynamodbUtil }),
    transform: documented({
      // both entry points render alike (transform-filter.ts)
      toDynamoDBFilterExpression: (filter: unknown) => transformFilter(filter),
      toDynamoDBConditionExpression: (condition: unknown) => transformFilter(condition),
      toElasticsearchQueryDSL: (filter: unknown) => toQueryDsl(filter),
      toSubscriptionFilter,
    }),
    // the same reading of an ExecuteStatement result as the rds module's (resolver-reference-rds-js)
    rds: documented({ toJsonObject: (data: unknown) => rds.toJsonObject(data) }),
    http: documented({
      // http-helpers-in-utils-http-js: a copy without the restricted headers
      copyHeaders(headers: unknown) {
        const out: Record<string, unknown> = {};
        if (headers === null || typeof headers !== 'object') return out;
        for (const [name, value] of Object.entries(headers)) {
          if (!RESTRICTED_HEADERS.includes(name.toLowerCase())) out[name] = value;
        }
        return out;
      },
      addResponseHeader: notSupported('util.http.addResponseHeader', 'the local endpoint does not set response headers from resolver code'),
      addResponseHeaders: notSupported('util.http.addResponseHeaders', 'the local endpoint does not set response headers from resolver code'),
    }),
    xml: documented({
      toMap: notSupported('util.xml.toMap', 'the local runtime has no XML parser'),
      toJsonString: notSupported('util.xml.toJsonString', 'the local runtime has no XML parser'),
    }),
    str: documented({
      normalize: (value: string, form: string) => String(value).normalize(String(form).toUpperCase()),
    }),
    math: documented({
      roundNum: (n: number) => Math.round(n),
      minVal: (a: number, b: number) => Math.min(a, b),
      maxVal: (a: number, b: number) => Math.max(a, b),
      randomDouble: () => Math.random(),
      randomWithinRange: (start: number, end: number) => Math.floor(start + Math.random() * (end - start)),
    }),
  });

  function errorEntry(message: unknown, errorType?: unknown, data?: unknown, errorInfo?: unknown): InvokeOutput['errors'][number] {
    const entry: InvokeOutput['errors'][number] = { message: String(message) };
    if (errorType !== undefined && errorType !== null) entry.errorType = String(errorType);
    if (data !== undefined) entry.data = data;
    if (errorInfo !== undefined) entry.errorInfo = errorInfo;
    return entry;
  }

  const extensions = documented({
    // the local stack has no resolver cache, so there is never anything to evict (the package README)
    evictFromApiCache(_typeName: string, _fieldName: string, _keyValuePair: Record<string, unknown>) {},
    // extensions-js: "You can use this extension method only in the response handler of a
    // subscription resolver" (and the invalidation filter likewise, aws-appsync-real-time-invalidation)
    setSubscriptionFilter(filter: unknown) {
      onlyIn('extensions.setSubscriptionFilter', 'Subscription');
      subscriptionFilter = filter;
    },
    setSubscriptionInvalidationFilter(filter: unknown) {
      onlyIn('extensions.setSubscriptionInvalidationFilter', 'Subscription');
      subscriptionInvalidationFilter = filter;
    },
    // aws-appsync-real-time-invalidation: "Defined in the GraphQL resolver's response handler for a mutation"
    invalidateSubscriptions(invalidation: { subscriptionField?: unknown; payload?: unknown }) {
      onlyIn('extensions.invalidateSubscriptions', 'Mutation');
      if (!invalidation || typeof invalidation.subscriptionField !== 'string' || !invalidation.subscriptionField) {
        throw new TypeError('extensions.invalidateSubscriptions needs { subscriptionField: string, payload: object }');
      }
      const payload = invalidation.payload ?? {};
      if (typeof payload !== 'object' || Array.isArray(payload)) throw new TypeError('extensions.invalidateSubscriptions: payload must be an object');
      invalidations.push({ subscriptionField: invalidation.subscriptionField, payload: JSON.parse(JSON.stringify(payload)) });
    },
  });

  function onlyIn(name: string, typeName: 'Subscription' | 'Mutation') {
    if (current?.typeName !== typeName || current.handler !== 'response') {
      throw new Error(`${name} can be used only in the response handler of a ${typeName.toLowerCase()} resolver (here: the ${current?.handler} handler of ${current?.typeName}.${current?.fieldName})`);
    }
  }

  const runtime = documented({
    earlyReturn(value?: unknown, options?: { skipTo?: string }): never {
      throw new EarlyReturn(value, options?.skipTo);
    },
  });

  const modules: Record<string, object> = {
    '@aws-appsync/utils': documented({ util, extensions, runtime }),
    '@aws-appsync/utils/dynamodb': documented({ ...ddb, sync: notSupported('@aws-appsync/utils/dynamodb.sync', 'the local tables have no Delta Sync') }),
    '@aws-appsync/utils/rds': documented({ ...rds }),
  };

  // util, extensions and runtime are globals of APPSYNC_JS code as well as imports (@aws-appsync/utils'
  // lib/index.d.ts declares them in `declare global`, and AWS's samples use util unimported);
  // read-only, as the objects themselves are
  for (const [name, value] of Object.entries({ util, extensions, runtime })) {
    Object.defineProperty(globalThis, name, { value, writable: false, enumerable: false, configurable: false });
  }

  function require(name: string): object {
    const mod = modules[name];
    if (!mod) throw new Error(`Cannot find module '${name}': APPSYNC_JS code may import only @aws-appsync/utils, @aws-appsync/utils/dynamodb and @aws-appsync/utils/rds`);
    return mod;
  }

  const line = (args: unknown[]) => args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
  const console = {
    log: (...args: unknown[]) => host.log('log', line(args)),
    info: (...args: unknown[]) => host.log('info', line(args)),
    warn: (...args: unknown[]) => host.log('warn', line(args)),
    error: (...args: unknown[]) => host.log('error', line(args)),
    debug: (...args: unknown[]) => host.log('debug', line(args)),
  };

  let exportsOfModule: Record<string, unknown> = {};

  return {
    console,
    /** Runs the CommonJS-shaped module function of a bundle and keeps its exports. */
    load(moduleFunction: (exports: object, require: (name: string) => object, module: { exports: object }) => void) {
      const module = { exports: {} as Record<string, unknown> };
      moduleFunction(module.exports, require, module);
      exportsOfModule = module.exports;
    },
    /** Calls one handler of the loaded module: JSON in, JSON out. */
    /**
     * The one call into the sandbox, with ctx handed in as separate JSON texts, so that the host serialises the
     * parts that do not change within a resolution once (base: arguments, identity, source, env,
     * info, request) and carries the stash and prev.result as text from one step to the next.
     * `prevJson`: undefined for no ctx.prev.result (a resolver's request), '' for an undefined
     * one. Answers `header \n value \n stash` (JSON texts; JSON.stringify never writes a raw
     * newline; value is '' when undefined).
     */
    invokeParts(
      handler: InvokeInput['handler'],
      typeName: string,
      fieldName: string,
      authType: string,
      baseJson: string,
      stashJson: string,
      prevJson: string | undefined,
      resultJson: string | undefined,
      errorJson: string | undefined,
    ): string {
      const raw = JSON.parse(baseJson) as Record<string, any>;
      raw.stash = JSON.parse(stashJson);
      if (prevJson !== undefined) raw.prev = prevJson === '' ? {} : { result: JSON.parse(prevJson) };
      if (resultJson !== undefined) raw.result = JSON.parse(resultJson);
      if (errorJson !== undefined) raw.error = JSON.parse(errorJson);
      const output = run(handler, raw, typeName, fieldName, authType);
      const { value, stash, ...header } = output as InvokeOutput & { value?: unknown };
      try {
        return `${JSON.stringify(header)}\n${JSON.stringify(value) ?? ''}\n${JSON.stringify(stash) ?? ''}`;
      } catch (err) {
        return `${JSON.stringify({ status: 'runtimeError', message: `the handler's result is not JSON: ${describe(err)}`, errors: output.errors })}\n\n{}`;
      }
    },
  };

  function run(handlerName: InvokeInput['handler'], raw: Record<string, any>, typeName: string, fieldName: string, authType: string): InvokeOutput {
    current = { handler: handlerName, ctx: raw, typeName, fieldName, authType };
    errors = [];
    subscriptionFilter = undefined;
    subscriptionInvalidationFilter = undefined;
    invalidations = [];
    const stash = raw.stash ?? {};
    const ctx: Record<string, unknown> = {
      arguments: raw.arguments ?? {},
      identity: raw.identity ?? null,
      source: raw.source ?? null,
      stash,
      prev: raw.prev ?? { result: undefined },
      result: raw.result,
      error: raw.error ?? undefined,
      env: Object.freeze(raw.env ?? {}),
      info: raw.info ?? {},
      request: raw.request ?? { headers: {}, domainName: null },
    };
    ctx.args = ctx.arguments;
    let output: InvokeOutput;
    try {
      const handler = exportsOfModule[handlerName];
      if (typeof handler !== 'function') throw new Error(`the code does not export a ${handlerName} function`);
      const value = (handler as (c: unknown) => unknown)(ctx);
      if (value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function') {
        throw new Error(`${handlerName} returned a Promise: APPSYNC_JS handlers are synchronous`);
      }
      output = { status: 'return', value, errors, stash };
    } catch (thrown) {
      if (thrown instanceof UtilError) {
        errors.push(thrown.error);
        output = { status: 'error', errors, stash };
      } else if (thrown instanceof EarlyReturn) {
        output = { status: 'earlyReturn', value: thrown.value, skipTo: thrown.skipTo, errors, stash };
      } else {
        output = { status: 'runtimeError', message: describe(thrown), errors, stash };
      }
    }
    if (subscriptionFilter !== undefined) output.subscriptionFilter = subscriptionFilter;
    if (subscriptionInvalidationFilter !== undefined) output.subscriptionInvalidationFilter = subscriptionInvalidationFilter;
    if (invalidations.length > 0) output.invalidations = invalidations;
    current = null;
    return output;
  }
}

/** "code.js:12:5: ReferenceError: process is not defined", AppSync's form of a runtime error. */
function describe(thrown: unknown): string {
  if (thrown instanceof Error) {
    const where = /code\.js:(\d+):(\d+)/.exec(thrown.stack ?? '');
    const prefix = where ? `code.js:${where[1]}:${where[2]}: ` : '';
    return `${prefix}${thrown.name}: ${thrown.message}`;
  }
  return `Error: ${String(thrown)}`;
}
