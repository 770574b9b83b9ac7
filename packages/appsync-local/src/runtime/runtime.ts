/**
 * The local AppSync resolver runtime: runs the BUILT bundles of a wiring description (unit and
 * pipeline resolvers) in isolated sandboxes, against real data sources, and answers the
 * ResolverRuntime seam (types.ts) that the HTTP server calls for every wired field.
 *
 * Unit resolver: request → data source → response.
 * Pipeline resolver: request (before) → for each function: request → data source → response,
 * with ctx.prev.result carrying each step's result → response (after). The stash is shared by
 * every step of one resolution.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LoadedWiring } from '../wiring';
import {
  assertSupportedDataSources,
  dynamoDbDataSource,
  httpDataSource,
  lambdaDataSource,
  noneDataSource,
  type DataSource,
  type SigningCredentials,
  type DataSourceAnswer,
  type LambdaHandler,
} from './datasources';
import type { CapacityMeter } from './capacity';
import { createSandbox, type InvokeOutput, type JsonInvokeOutput, type LogSink, type Sandbox } from './sandbox';
import type { ResolveInput, ResolveOutcome, ResolverError, ResolverRuntime, SubscriptionInvalidation } from './types';
import type { Trace } from '../trace';

export interface ResolverRuntimeOptions {
  wiring: LoadedWiring;
  /** folder of the built bundles (build.ts buildApi: <outRoot>/<wiring.name>) */
  bundleDir: string;
  dynamodb: DynamoDBClient;
  /** the physical name of each table the wiring's data sources name (`table`, `grants`) */
  tables: Record<string, string>;
  /** ctx.env: the API's environment variables, as an AppSync API's environment has them */
  env: Record<string, string>;
  /** AWS_LAMBDA handlers by data source name; by default the wiring's "file.ts#export" is imported */
  lambdaHandlers?: Record<string, LambdaHandler>;
  /** where console.log of resolver code goes (default: nowhere) */
  onLog?: LogSink;
  /** counts DynamoDB calls and consumed capacity per resolved field (capacity.ts) */
  meter?: CapacityMeter;
  /** what HTTP data sources with AWS_IAM authorization sign with (none: such calls answer ctx.error) */
  httpSigningCredentials?: SigningCredentials;
  /** how long one HTTP data source call may take (default AppSync's 30 s request limit) */
  httpTimeoutMs?: number;
}

interface Step {
  /** the function's name */
  name: string;
  sandbox: Sandbox;
  dataSource?: DataSource;
  dataSourceName?: string;
}

interface Resolver {
  /** Type.field */
  name: string;
  code: Sandbox;
  /** unit resolver: its data source */
  dataSource?: DataSource;
  /** pipeline resolver: its functions in order */
  pipeline?: Step[];
}

/** AppSync's errorType for an error thrown by the JavaScript itself (e.g. "code.js:3:7: ReferenceError: ..."). */
export const CODE_ERROR_TYPE = 'Code';

function authTypeOf(identity: unknown): string {
  if (identity === null || identity === undefined) return 'API Key Authorization';
  const id = identity as Record<string, unknown>;
  if ('resolverContext' in id) return 'Lambda Authorization';
  if ('accountId' in id || 'userArn' in id) return 'IAM Authorization';
  if ('defaultAuthStrategy' in id || 'groups' in id) return 'User Pool Authorization';
  return 'Open ID Connect Authorization';
}

async function importLambdaHandler(wiring: LoadedWiring, spec: string): Promise<LambdaHandler> {
  const [file, exportName = 'handler'] = spec.split('#');
  const absolute = resolvePath(dirname(wiring.file), file!);
  const mod = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  const handler = mod[exportName];
  if (typeof handler !== 'function') throw new Error(`wiring: ${spec} does not export a function ${exportName}`);
  return handler as LambdaHandler;
}

export async function createResolverRuntime(options: ResolverRuntimeOptions): Promise<ResolverRuntime> {
  const { wiring, dynamodb, env, onLog, bundleDir } = options;
  const fileOf = (kind: 'resolver' | 'function', name: string) =>
    kind === 'resolver' ? join(bundleDir, `${name}.js`) : join(bundleDir, 'functions', `${name}.js`);

  const expected = [
    ...Object.keys(wiring.resolvers).map((n) => fileOf('resolver', n)),
    ...Object.keys(wiring.functions).map((n) => fileOf('function', n)),
  ];
  const missing = expected.find((f) => !existsSync(f));
  if (missing) throw new Error(`bundles of ${wiring.name} are missing under ${bundleDir} (${missing}): build them first (buildApi)`);

  // a data source type the runtime does not run (AMAZON_RDS, ...) is refused here, by name
  assertSupportedDataSources(wiring);
  // data sources, with the physical table names the API gave
  const physicalName = (table: string) => {
    const physical = options.tables[table];
    if (!physical) throw new Error(`wiring: table ${table} has no physical name (options.tables)`);
    return physical;
  };
  const dataSources = new Map<string, DataSource>();
  for (const [name, def] of Object.entries(wiring.dataSources)) {
    if (def.type === 'NONE') dataSources.set(name, noneDataSource);
    else if (def.type === 'AMAZON_DYNAMODB') {
      const table = physicalName(def.table);
      dataSources.set(name, dynamoDbDataSource({ name, client: dynamodb, table, allowedTables: [table, ...(def.grants ?? []).map(physicalName)], meter: options.meter }));
    } else if (def.type === 'AWS_LAMBDA') {
      const handler = options.lambdaHandlers?.[name] ?? (await importLambdaHandler(wiring, def.handler));
      dataSources.set(name, lambdaDataSource(name, handler));
    } else if (def.type === 'HTTP') {
      dataSources.set(
        name,
        httpDataSource({ name, endpoint: def.endpoint, authorizationConfig: def.authorizationConfig, credentials: options.httpSigningCredentials, timeoutMs: options.httpTimeoutMs }),
      );
    } else {
      throw new Error(`wiring: data source ${name} has an unsupported type ${(def as { type: string }).type}`);
    }
  }

  // one sandbox per module, created once
  const load = (kind: 'resolver' | 'function', name: string) =>
    createSandbox(readFileSync(fileOf(kind, name), 'utf8'), { name: `${wiring.name}/${kind === 'function' ? 'functions/' : ''}${name}`, onLog });
  const functions = new Map<string, Step>();
  for (const [name, def] of Object.entries(wiring.functions)) {
    functions.set(name, { name, sandbox: load('function', name), dataSource: dataSources.get(def.dataSource)!, dataSourceName: def.dataSource });
  }
  const resolvers = new Map<string, Resolver>();
  for (const [field, def] of Object.entries(wiring.resolvers)) {
    resolvers.set(
      field,
      def.pipeline
        ? { name: field, code: load('resolver', field), pipeline: def.pipeline.map((fn) => functions.get(fn)!) }
        : { name: field, code: load('resolver', field), dataSource: dataSources.get(def.dataSource)! },
    );
  }

  return {
    has: (typeName, fieldName) => resolvers.has(`${typeName}.${fieldName}`),
    resolve: async (typeName, fieldName, input) => {
      const resolver = resolvers.get(`${typeName}.${fieldName}`);
      if (!resolver) throw new Error(`no resolver for ${typeName}.${fieldName}`);
      options.meter?.resolved(typeName, fieldName);
      return execute(resolver, typeName, fieldName, input, env);
    },
  };
}

/**
 * One resolution: the state threaded through every handler call. The parts of ctx that every step
 * shares are serialised once; the stash and each step's result stay JSON text between steps and
 * are parsed only inside the sandbox (and on the host only where the host needs the value: a data
 * source request, the resolver's final result).
 */
class Run {
  errors: ResolverError[] = [];
  stashJson = '{}';
  subscriptionFilter?: unknown;
  subscriptionInvalidationFilter?: unknown;
  invalidations: SubscriptionInvalidation[] = [];
  private baseJson?: string;
  /** traced requests: when the resolution started, and the time its sandbox and data source stages took */
  private readonly started: number;
  private staged = 0;

  constructor(
    private readonly typeName: string,
    private readonly fieldName: string,
    private readonly base: Record<string, unknown>,
    private readonly authType: string,
    private readonly trace: Trace | undefined,
  ) {
    this.started = trace ? performance.now() : 0;
  }

  call(sandbox: Sandbox, module: string, handler: 'request' | 'response', extra: { prevJson?: string; answer?: DataSourceAnswer } = {}): JsonInvokeOutput {
    this.baseJson ??= JSON.stringify(this.base);
    const input = {
      handler,
      typeName: this.typeName,
      fieldName: this.fieldName,
      authType: this.authType,
      baseJson: this.baseJson,
      stashJson: this.stashJson,
      prevJson: extra.prevJson,
      // JSON.stringify of undefined is undefined: ctx.result then stays undefined, as before
      resultJson: extra.answer ? JSON.stringify(extra.answer.result) : undefined,
      errorJson: extra.answer?.error ? JSON.stringify(extra.answer.error) : undefined,
    };
    const calling = this.trace ? performance.now() : 0;
    const out = sandbox.invokeJson(input);
    if (this.trace) this.staged += this.trace.add(`sandbox ${module}.${handler}`, calling) - calling;
    this.stashJson = out.stashJson;
    const selection = (this.base.info as { selectionSetList?: string[] } | undefined)?.selectionSetList ?? [];
    this.errors.push(...out.errors.map((e) => toResolverError(e, selection)));
    if (out.status === 'runtimeError') this.errors.push({ message: out.message!, errorType: CODE_ERROR_TYPE });
    if (out.subscriptionFilter !== undefined) this.subscriptionFilter = out.subscriptionFilter;
    if (out.subscriptionInvalidationFilter !== undefined) this.subscriptionInvalidationFilter = out.subscriptionInvalidationFilter;
    if (out.invalidations) this.invalidations.push(...out.invalidations);
    return out;
  }

  /** One data source call with the request a handler returned. */
  async fetch(dataSource: DataSource, module: string, request: unknown): Promise<DataSourceAnswer> {
    if (!this.trace) return dataSource.execute(request, { typeName: this.typeName, fieldName: this.fieldName });
    const calling = performance.now();
    const answer = await dataSource.execute(request, { typeName: this.typeName, fieldName: this.fieldName });
    // a DynamoDB or Lambda request names its operation, an HTTP request its method
    const operation = (request as { operation?: unknown; method?: unknown } | null)?.operation ?? (request as { method?: unknown } | null)?.method;
    this.staged += this.trace.add(`data source ${module} ${typeof operation === 'string' ? operation : '?'}`, calling) - calling;
    return answer;
  }

  outcome(valueJson: string | null): ResolveOutcome {
    if (this.trace) this.trace.addMs('resolver runtime', performance.now() - this.started - this.staged);
    const data = valueJson ? (JSON.parse(valueJson) as unknown) : null;
    const outcome: ResolveOutcome = { data: data === undefined ? null : data, errors: this.errors };
    if (this.subscriptionFilter !== undefined) outcome.subscriptionFilter = this.subscriptionFilter;
    if (this.subscriptionInvalidationFilter !== undefined) outcome.subscriptionInvalidationFilter = this.subscriptionInvalidationFilter;
    // a resolver that ended in an error (outcome(null)) invalidates nothing, as it publishes nothing
    if (this.invalidations.length > 0 && valueJson !== null) outcome.invalidations = this.invalidations;
    return outcome;
  }
}

/** A handler's returned value (JSON text, '' for undefined) as the host sees it. */
const valueOf = (out: JsonInvokeOutput): unknown => (out.valueJson ? JSON.parse(out.valueJson) : undefined);

/**
 * util.error's data as AppSync returns it: "data will be filtered based on the query selection
 * set" (built-in-util-js); errorInfo is not. A field without a selection set (a scalar) keeps it.
 */
export function filterBySelection(data: unknown, selectionSetList: string[], prefix = ''): unknown {
  if (selectionSetList.length === 0 || data === null || typeof data !== 'object') return data;
  if (Array.isArray(data)) return data.map((item) => filterBySelection(item, selectionSetList, prefix));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    const path = prefix + key;
    if (!selectionSetList.includes(path)) continue;
    const nested = selectionSetList.some((p) => p.startsWith(`${path}/`));
    out[key] = nested ? filterBySelection(value, selectionSetList, `${path}/`) : value;
  }
  return out;
}

function toResolverError(e: InvokeOutput['errors'][number], selectionSetList: string[]): ResolverError {
  const out: ResolverError = { message: e.message };
  if (e.errorType !== undefined) out.errorType = e.errorType;
  if (e.data !== undefined) out.data = filterBySelection(e.data, selectionSetList);
  if (e.errorInfo !== undefined) out.errorInfo = e.errorInfo;
  return out;
}

const ended = (out: JsonInvokeOutput) => out.status === 'error' || out.status === 'runtimeError';

async function execute(resolver: Resolver, typeName: string, fieldName: string, input: ResolveInput, env: Record<string, string>): Promise<ResolveOutcome> {
  const base = {
    arguments: input.arguments ?? {},
    identity: input.identity ?? null,
    source: input.source ?? null,
    env,
    info: {
      fieldName: input.info?.fieldName ?? fieldName,
      parentTypeName: input.info?.parentTypeName ?? typeName,
      variables: input.info?.variables ?? {},
      selectionSetList: input.info?.selectionSetList ?? [],
      selectionSetGraphQL: input.info?.selectionSetGraphQL ?? '',
    },
    request: { headers: input.requestHeaders ?? {}, domainName: null },
  };
  const run = new Run(typeName, fieldName, base, authTypeOf(input.identity), input.trace);

  if (!resolver.pipeline) {
    // Unit resolver. runtime.earlyReturn in its request skips the data source and the response
    // handler (runtime-utils-js: "halt the execution of the current handler ... resolver").
    const req = run.call(resolver.code, resolver.name, 'request');
    if (ended(req)) return run.outcome(null);
    if (req.status === 'earlyReturn') return run.outcome(req.valueJson);
    const answer = await run.fetch(resolver.dataSource!, resolver.name, valueOf(req));
    const res = run.call(resolver.code, resolver.name, 'response', { answer });
    if (ended(res)) return run.outcome(null);
    return run.outcome(res.valueJson);
  }

  // Pipeline resolver: before step. prevJson: ctx.prev.result as JSON text ('' for undefined)
  const before = run.call(resolver.code, resolver.name, 'request');
  if (ended(before)) return run.outcome(null);
  let prevJson = before.valueJson;
  // runtime.earlyReturn in the pipeline resolver's request: "the pipeline execution is skipped, and
  // the pipeline resolver response handler is called immediately", unless skipTo is "NEXT": then
  // "the next pipeline handler is called" (runtime-utils-js), the first function, with the value as
  // ctx.prev.result
  if (before.status !== 'earlyReturn' || before.skipTo === 'NEXT') {
    for (const step of resolver.pipeline) {
      const req = run.call(step.sandbox, step.name, 'request', { prevJson });
      if (ended(req)) return run.outcome(null);
      if (req.status === 'earlyReturn') {
        // in a function's request: its data source and response are skipped; skipTo END also
        // skips the remaining functions (runtime-utils-js)
        prevJson = req.valueJson;
        if (req.skipTo === 'END') break;
        continue;
      }
      const answer = await run.fetch(step.dataSource!, step.name, valueOf(req));
      const res = run.call(step.sandbox, step.name, 'response', { prevJson, answer });
      if (ended(res)) return run.outcome(null);
      prevJson = res.valueJson;
      if (res.status === 'earlyReturn' && res.skipTo === 'END') break;
    }
  }
  const after = run.call(resolver.code, resolver.name, 'response', { prevJson });
  if (ended(after)) return run.outcome(null);
  return run.outcome(after.valueJson);
}
