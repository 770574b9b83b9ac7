/**
 * startAppSyncLocal(): one AppSync API on this machine — its resolver bundles built and run by the
 * APPSYNC_JS runtime, the HTTP endpoint with its auth modes and directives, the real-time endpoint,
 * the console and, when the API uses Cognito user pools, a local user pool. Everything that is the
 * API's own comes in as a parameter: the wiring and schema, the tables behind its data sources,
 * ctx.env, the auth modes with the pool's groups and seeded users, the limits, the console's ready
 * operations. Starting DynamoDB Local (services/dynamodb-local.ts) and creating tables is the
 * caller's: an API knows its tables, this package does not.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApi } from './build';
import type { ConsoleOptions } from './console/bundle';
import { attachRealtime, type AttachRealtimeOptions, type RealtimeServer } from './realtime';
import { CapacityMeter } from './runtime/capacity';
import { assertSupportedDataSources, environmentCredentials, type LambdaHandler, type SigningCredentials } from './runtime/datasources';
import { createResolverRuntime } from './runtime/runtime';
import type { ResolverRuntime } from './runtime/types';
import { loadAppSyncSchema, startApiServer, type ApiServer, type ExecutionLimits, type MutationResultListener, type TlsCertificate } from './server';
import type { AuthorizationModes, IamCredentials } from './server/auth';
import { loopbackOrigins, startUserPoolServer, type UserPoolServer } from './userpool/server';
import type { SeededUser } from './userpool/pool';
import { loadWiring, type LoadedWiring } from './wiring';

/** A development API key in AppSync's format ("da2-" and 26 characters), used when none is given. */
export const DEFAULT_API_KEY = 'da2-appsynclocaldevelopment000';

/** What a runtime factory gets to build the runtime of an API. */
export interface RuntimeContext {
  wiring: LoadedWiring;
  dynamodb?: DynamoDBClient;
  /** the physical name of each table the wiring names */
  tables: Record<string, string>;
  /** ctx.env */
  env: Record<string, string>;
  /** the folder of this API's bundles (<buildRoot>/<wiring.name>) */
  bundleDir: string;
  onResolverLog?: (level: string, text: string, module: string) => void;
  /** DynamoDB calls and consumed capacity per resolved field, for the runtime to record into */
  capacity: CapacityMeter;
}

export type RuntimeFactory = (context: RuntimeContext) => ResolverRuntime | Promise<ResolverRuntime>;

/** The local Cognito user pool the API's user pool mode trusts. */
export interface UserPoolOptions {
  /** Cognito's form <region>_<id> */
  poolId?: string;
  /** the one app client whose tokens the API accepts (AppSync's appIdClientRegex) */
  clientId?: string;
  /** the pool's groups */
  groups?: readonly string[];
  /** users created at every start with these passwords and groups (a development convenience) */
  users?: readonly SeededUser[];
  /** a free port when omitted */
  port?: number;
  /** where signed-up users and the signing key are kept between runs; in memory when omitted */
  stateFile?: string;
  /** lines the pool prints (sign-up confirmation codes) */
  log?: (line: string) => void;
  /** Cognito's UsernameConfiguration.CaseSensitive; false (one namespace whatever the case) by default */
  signInCaseSensitive?: boolean;
  /** the app client's PreventUserExistenceErrors; true by default */
  preventUserExistenceErrors?: boolean;
  /**
   * Origins of the API's web clients (scheme://host:port) whose pages may call the pool from a
   * browser; the console's own are allowed without asking, every other origin is refused. A
   * loopback origin counts under each loopback name (127.0.0.1, localhost, [::1]).
   */
  allowedOrigins?: readonly string[];
}

export interface AppSyncLocalOptions {
  /** the API's wiring description (wiring.json: resolvers, functions, data sources); see wiring.ts */
  wiringFile: string;
  /** the schema; by default the wiring's (its "schema" member, or schema.graphql beside it) */
  schemaFile?: string;
  /** where bundles are built: <buildRoot>/<api name>/ */
  buildRoot: string;
  /** build the bundles before starting (default true); false: they are already in buildRoot */
  build?: boolean;
  /** the client of the DynamoDB the API's AMAZON_DYNAMODB data sources use */
  dynamodb?: DynamoDBClient;
  /** the physical name of each table the wiring's data sources name */
  tables?: Record<string, string>;
  /** ctx.env, the API's environment variables */
  env?: Record<string, string>;
  /** AWS_LAMBDA handlers by data source name; by default the wiring's "file.ts#export" is imported */
  lambdaHandlers?: Record<string, LambdaHandler>;
  /**
   * what HTTP data sources with AWS_IAM authorization sign their requests with (AppSync uses the
   * data source's service role); the environment's AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
   * AWS_SESSION_TOKEN by default
   */
  httpSigningCredentials?: SigningCredentials;
  /** how to make the runtime; the APPSYNC_JS runtime over the built bundles by default */
  runtime?: RuntimeFactory;
  auth?: {
    /** the API's modes; the API key alone when omitted */
    modes?: AuthorizationModes;
    /** the API key (API_KEY mode); DEFAULT_API_KEY when omitted */
    apiKey?: string;
    /** the local user pool (AMAZON_COGNITO_USER_POOLS mode) */
    userPool?: UserPoolOptions;
    /**
     * the IAM principal the endpoint trusts (AWS_IAM mode); the user pool's Admin* operations want
     * its SigV4 signature too (without one, they are refused)
     */
    iam?: IamCredentials;
  };
  /** AppSync's per-API limits (queryDepthLimit, resolverCountLimit, introspection); AppSync's defaults otherwise */
  limits?: Partial<ExecutionLimits>;
  /** port of the endpoint (HTTP, TLS and real-time); a free one when omitted */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  /** for TLS on the same port; a self-signed one when omitted */
  certificate?: TlsCertificate;
  /** real-time endpoint tuning, e.g. a short keepAliveIntervalMs in tests */
  realtime?: AttachRealtimeOptions;
  /** the console's title and ready operations */
  console?: Omit<ConsoleOptions, 'userPool'>;
  /** called after each mutation field resolved without error */
  onMutationResult?: MutationResultListener;
  /** console.log / console.error of resolver code (silent by default) */
  onResolverLog?: (level: string, text: string, module: string) => void;
}

export interface AppSyncLocal {
  /** the console */
  url: string;
  graphqlUrl: string;
  realtimeUrl: string;
  apiKey: string;
  readonly wiring: LoadedWiring;
  readonly server: ApiServer;
  /** the real-time endpoint on the server's port: stats(), publish() */
  readonly realtime: RealtimeServer;
  /** the local user pool, when the API has the user pool mode */
  userPool?: UserPoolServer;
  /** the IAM principal the endpoint accepts, when the API has the IAM mode */
  iam?: IamCredentials;
  /** the runtime behind the endpoint (it follows reload()) */
  runtime: ResolverRuntime;
  /** DynamoDB calls and consumed capacity per resolved field since the last reset() */
  capacity: CapacityMeter;
  /**
   * Rebuilds the API's bundles from its sources, loads them into a new runtime and swaps that in;
   * nothing else restarts. Any failure — wiring, build, load, schema — rejects before anything is
   * swapped, so the running bundles keep serving.
   */
  reload(changed?: { schema?: boolean }): Promise<Reloaded>;
  stop(): Promise<void>;
}

export interface Reloaded {
  /** resolver and function bundles built and swapped in */
  bundles: number;
  /**
   * true when the schema changed: the endpoint (HTTP and real-time) was started again on the same
   * port with the new schema, which closes open WebSocket connections (clients reconnect); a
   * change of resolver code or wiring keeps them.
   */
  endpointRestarted: boolean;
}

/** The APPSYNC_JS runtime over the built bundles. */
const appSyncJsRuntime = (lambdaHandlers?: Record<string, LambdaHandler>, httpSigningCredentials?: SigningCredentials): RuntimeFactory => ({ wiring, dynamodb, tables, env, bundleDir, onResolverLog, capacity }) => {
  const needsDynamoDb = Object.values(wiring.dataSources).some((ds) => ds.type === 'AMAZON_DYNAMODB');
  if (needsDynamoDb && !dynamodb) throw new Error(`${wiring.name}: its wiring has AMAZON_DYNAMODB data sources, so give a DynamoDB client (options.dynamodb)`);
  return createResolverRuntime({ wiring, dynamodb: dynamodb!, tables, env, bundleDir, lambdaHandlers, onLog: onResolverLog, meter: capacity, httpSigningCredentials });
};

export async function startAppSyncLocal(options: AppSyncLocalOptions): Promise<AppSyncLocal> {
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    const errors: unknown[] = [];
    while (stops.length) {
      try {
        await stops.pop()!();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length) throw new AggregateError(errors, `stopping the local AppSync failed: ${errors.map(String).join('; ')}`);
  };
  try {
    let wiring = loadWiring(options.wiringFile);
    // before anything is built: an AMAZON_RDS (or other) data source is refused by name
    if (!options.runtime) assertSupportedDataSources(wiring);
    const { buildRoot } = options;
    if (options.build !== false && !options.runtime) await buildApi(wiring, buildRoot);
    const signingCredentials = options.httpSigningCredentials ?? environmentCredentials();
    if (!options.runtime && !options.httpSigningCredentials && signingCredentials) {
      // AppSync signs with the data source's scoped service role; locally it is the developer's own key: said once, at start
      const signed = Object.entries(wiring.dataSources).filter(([, d]) => d.type === 'HTTP' && d.authorizationConfig).map(([name]) => name);
      if (signed.length) console.warn(`appsync-local: HTTP data source${signed.length > 1 ? 's' : ''} ${signed.join(', ')} sign${signed.length > 1 ? '' : 's'} with the environment's AWS credentials (access key ${signingCredentials.accessKeyId}), not a service role as in AppSync; give httpSigningCredentials to choose others`);
    }
    const factory = options.runtime ?? appSyncJsRuntime(options.lambdaHandlers, signingCredentials);
    const capacity = new CapacityMeter();
    const context = (w: LoadedWiring, root: string): RuntimeContext => ({
      wiring: w,
      dynamodb: options.dynamodb,
      tables: options.tables ?? {},
      env: options.env ?? {},
      bundleDir: join(root, w.name),
      onResolverLog: options.onResolverLog,
      capacity,
    });
    let current = await factory(context(wiring, buildRoot));
    // The endpoint holds this one runtime for good; reload() swaps the one behind it, so the next
    // resolution (HTTP or real-time) runs the new bundles and nothing else is restarted.
    const runtime: ResolverRuntime = {
      has: (typeName, fieldName) => current.has(typeName, fieldName),
      resolve: (typeName, fieldName, input) => current.resolve(typeName, fieldName, input),
    };

    const modes = options.auth?.modes ?? { defaultMode: 'API_KEY', additionalModes: [] };
    const uses = (mode: string) => modes.defaultMode === mode || modes.additionalModes.includes(mode as never);
    const apiKey = options.auth?.apiKey ?? DEFAULT_API_KEY;
    // The user pool first: the endpoint trusts its issuer, app client and JWKS.
    let userPool: UserPoolServer | undefined;
    if (uses('AMAZON_COGNITO_USER_POOLS')) {
      const pool = options.auth?.userPool ?? {};
      userPool = await startUserPoolServer({
        poolId: pool.poolId,
        clientId: pool.clientId,
        groups: pool.groups,
        seed: pool.users,
        port: pool.port,
        host: options.host,
        log: pool.log,
        stateFile: pool.stateFile,
        signInCaseSensitive: pool.signInCaseSensitive,
        preventUserExistenceErrors: pool.preventUserExistenceErrors,
        allowedOrigins: (pool.allowedOrigins ?? []).flatMap(loopbackOrigins),
        adminCredentials: options.auth?.iam,
      });
      const started = userPool;
      stops.push(() => started.stop());
    }
    const iam = uses('AWS_IAM') ? options.auth?.iam : undefined;
    if (uses('AWS_IAM') && !iam) throw new Error('the API has the AWS_IAM mode: give the IAM principal the endpoint trusts (options.auth.iam)');

    const schemaFile = () => options.schemaFile ?? wiring.schemaFile;
    const serve = (port: number | undefined, schema = loadAppSyncSchema(schemaFile())) =>
      startApiServer({
        auth: {
          modes,
          ...(userPool ? { userPool: { issuer: userPool.pool.issuer, clientId: userPool.pool.clientId, jwks: new URL(userPool.pool.jwksUrl) }, region: userPool.pool.region } : {}),
          ...(iam ? { iam } : {}),
        },
        console: { ...options.console, ...(userPool ? { userPool: { endpoint: userPool.endpoint, clientId: userPool.pool.clientId } } : {}) },
        runtime,
        schema,
        apiKey,
        port,
        host: options.host,
        certificate: options.certificate,
        onMutationResult: options.onMutationResult,
        limits: options.limits,
      });
    let server = await serve(options.port);
    stops.push(() => server.stop());
    // The console signs in to the pool from its page: its origin, over HTTP or TLS (one port serves both).
    for (const origin of [server.url, server.url.replace(/^http:/, 'https:')].flatMap(loopbackOrigins)) userPool?.allowOrigin(origin);
    // Real-time: subscriptions on the same port (ws:// and wss://), same schema, runtime and
    // credentials; every committed mutation result is published to its subscribers.
    let realtime = attachRealtime(server, options.realtime);
    stops.push(() => realtime.close());

    const reload = async (changed: { schema?: boolean } = {}): Promise<Reloaded> => {
      const nextWiring = loadWiring(options.wiringFile);
      // built apart and loaded whole before the swap: a failed build leaves nothing half-written
      const staging = mkdtempSync(join(tmpdir(), 'appsync-local-reload-'));
      try {
        const built = await buildApi(nextWiring, staging);
        const next = await factory(context(nextWiring, staging));
        const schema = changed.schema ? loadAppSyncSchema(options.schemaFile ?? nextWiring.schemaFile) : undefined;
        current = next;
        wiring = nextWiring;
        // buildRoot stays what a build would give now
        cpSync(join(staging, nextWiring.name), join(buildRoot, nextWiring.name), { recursive: true });
        if (schema) {
          const port = server.port;
          await realtime.close();
          await server.stop();
          server = await serve(port, schema);
          realtime = attachRealtime(server, options.realtime);
        }
        return { bundles: built.length, endpointRestarted: !!schema };
      } finally {
        rmSync(staging, { recursive: true, force: true });
      }
    };

    return {
      url: server.url,
      graphqlUrl: server.graphqlUrl,
      realtimeUrl: server.realtimeUrl,
      apiKey,
      get wiring() {
        return wiring;
      },
      get server() {
        return server;
      },
      get realtime() {
        return realtime;
      },
      userPool,
      iam,
      runtime,
      capacity,
      reload,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll().catch(() => {});
    throw err;
  }
}
