/**
 * startStack(): mark-api on this machine — DynamoDB Local (or an endpoint already running), the
 * tables of infra/tables.ts, and the local AppSync of packages/appsync-local serving mark-api's
 * schema, wiring, auth modes, seeded users, limits and console operations; with `pipeline`, the
 * downstream delivery (kinesalite, s3rver and the pollers that play the Lambda event source
 * mappings). Every started part is a Service with stop(); the stack stops them in reverse order,
 * so parts added later slot in with addService().
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  dynamoDbClient,
  startAppSyncLocal,
  startDynamoDbLocal,
  type AppSyncLocal,
  type AppSyncLocalOptions,
  type ApiServer,
  type AuthorizationModes,
  type CapacityMeter,
  type ExecutionLimits,
  type IamCredentials,
  type RealtimeServer,
  type Reloaded,
  type ResolverRuntime,
  type RuntimeFactory,
  type UserPoolServer,
} from 'appsync-local';
import { contextOf, readSettings } from '../infra/settings';
import { MARK_API_AUTHORIZATION } from '../infra/auth';
import { apiTables, tables } from '../infra/tables';
import { MARK_API_WIRING, REPO_ROOT, type MarkApiWiring } from '../infra/wiring';
import { CONSOLE_TABS } from './console/tabs';
import type { Pipeline, PipelineOptions } from './pollers/pipeline';
import { ensureTables } from './services/tables';
import { MARK_API_USER_POOL } from './users';

export type { Reloaded, RuntimeFactory } from 'appsync-local';

/** A stable development key in AppSync's format ("da2-" + 26 characters), overridable. */
export const DEFAULT_API_KEY = 'da2-localmarkapidevelopment0';
/** npm start's port when it is free, so the console, the seed and bookmarks have a stable URL. */
export const DEFAULT_PORT = 4000;
export const DEFAULT_GRAPHQL_URL = `http://127.0.0.1:${DEFAULT_PORT}/graphql`;
/** npm start's user pool port when free (Cognito's endpoint stand-in). */
export const DEFAULT_USER_POOL_PORT = 4001;

/**
 * The back-office principal the local endpoint trusts for IAM (staff): printed by npm start, a
 * development convenience like the seeded users; AWS has real principals and policies instead.
 */
export const LOCAL_IAM_CREDENTIALS: IamCredentials = {
  accessKeyId: 'AKIALOCALMARKAPISTAFF1',
  secretAccessKey: 'local-mark-api-back-office-secret-do-not-use',
  accountId: '000000000000',
  username: 'AIDALOCALMARKAPISTAFF1',
  userArn: 'arn:aws:iam::000000000000:user/mark-api-back-office',
};

export interface Service {
  name: string;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** port of the AppSync endpoint; a free one when omitted */
  port?: number;
  host?: string;
  apiKey?: string;
  /** use this DynamoDB endpoint instead of starting DynamoDB Local (tests share one) */
  dynamodbEndpoint?: string;
  /** DynamoDB Local keeps everything in memory (otherwise it persists under dataDir) */
  inMemory?: boolean;
  /** default .data/ at the repository root */
  dataDir?: string;
  /** prefix of every physical table name ("" by default) */
  tablePrefix?: string;
  /** build the resolver bundles before starting (default true) */
  build?: boolean;
  /** where bundles are built (default build/ at the repository root) */
  buildRoot?: string;
  /** how to make the runtime; by default the package's APPSYNC_JS runtime over mark-api's bundles */
  runtime?: RuntimeFactory;
  certificate?: AppSyncLocalOptions['certificate'];
  onMutationResult?: AppSyncLocalOptions['onMutationResult'];
  /**
   * AppSync's limits; by default queryDepthLimit, resolverCountLimit and introspection come from
   * infra/settings.ts over cdk.json's context, the values the CDK app deploys
   */
  limits?: Partial<ExecutionLimits>;
  /** the API's authorization modes (infra/auth.ts); mark-api's by default */
  authorization?: AuthorizationModes;
  /** port of the local user pool; a free one when omitted */
  userPoolPort?: number;
  /** lines the user pool prints (sign-up confirmation codes) */
  onUserPoolLog?: (line: string) => void;
  /**
   * Origins (scheme://host:port) of web clients whose pages may call the user pool from a browser,
   * e.g. a web client's dev server; the console's own are allowed already, every other origin is
   * refused. A loopback origin counts under each loopback name (127.0.0.1, localhost, [::1]).
   */
  allowedOrigins?: readonly string[];
  /** the IAM principal the endpoint trusts */
  iam?: IamCredentials;
  /** real-time endpoint tuning, e.g. a short keepAliveIntervalMs in tests */
  realtime?: AppSyncLocalOptions['realtime'];
  /** console.log / console.error of resolver code (silent by default) */
  onResolverLog?: (level: string, text: string, module: string) => void;
  /** progress lines ("DynamoDB Local on ..."); silent by default */
  log?: (line: string) => void;
  /**
   * Downstream delivery (local/pollers): kinesalite, s3rver and the relay/eraser/archive
   * mappings. Off unless asked (npm start asks): true, or tuning such as { pollIntervalMs }.
   */
  pipeline?: boolean | Pick<PipelineOptions, 'batchSize' | 'pollIntervalMs' | 'logger' | 'onArchived' | 'onBatch'>;
}

export interface Stack {
  /** the console */
  url: string;
  graphqlUrl: string;
  realtimeUrl: string;
  apiKey: string;
  tablePrefix: string;
  env: Record<string, string>;
  dynamodbEndpoint: string;
  /** one client for the whole stack (keep-alive); the stack destroys it on stop */
  dynamodb: DynamoDBClient;
  wiring: MarkApiWiring;
  server: ApiServer;
  /** the local Cognito user pool: endpoint, pool id, client id, seeded users */
  userPool: UserPoolServer;
  /** the IAM credentials the endpoint accepts (staff) */
  iam: IamCredentials;
  /** the real-time (WebSocket) endpoint on the server's port: stats(), publish() */
  realtime: RealtimeServer;
  runtime: ResolverRuntime;
  /** DynamoDB calls and consumed capacity per resolved field since the last reset() (the package's CapacityMeter) */
  capacity: CapacityMeter;
  /** the downstream pipeline, when started (options.pipeline): drain(), archiveLocation */
  pipeline?: Pipeline;
  services: readonly Service[];
  /** adds a part started after the stack; stop() stops it first */
  addService(service: Service): void;
  /**
   * Rebuilds the API's bundles from its sources (the build of `npm run build`), loads them into a
   * new runtime and swaps that in (`npm start -- --watch`); DynamoDB Local, the tables, the data
   * and the pipeline are untouched. Any failure — wiring, build, load, schema — rejects before
   * anything is swapped, so the running bundles keep serving.
   */
  reload(changed?: { schema?: boolean }): Promise<Reloaded>;
  stop(): Promise<void>;
}

/** The physical name of each table of infra/tables.ts (by logicalName, as the wiring names them) under this environment. */
export function tableNames(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(tables.map((t) => [t.logicalName, env[t.envVar]!]));
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const log = options.log ?? (() => {});
  const services: Service[] = [];
  const stopAll = async () => {
    const errors: unknown[] = [];
    while (services.length) {
      const service = services.pop()!;
      try {
        await service.stop();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length) throw new AggregateError(errors, `stopping the local stack failed: ${errors.map(String).join('; ')}`);
  };

  try {
    const dataDir = options.dataDir ?? join(REPO_ROOT, '.data');
    let dynamodbEndpoint = options.dynamodbEndpoint;
    if (!dynamodbEndpoint) {
      const local = await startDynamoDbLocal({ inMemory: options.inMemory, dataDir: join(dataDir, 'dynamodb') });
      services.push({ name: 'DynamoDB Local', stop: () => local.stop() });
      dynamodbEndpoint = local.endpoint;
      log(`DynamoDB Local on ${local.endpoint} (${options.inMemory ? 'in memory' : 'persistent'}, pid ${local.pid})`);
    }
    const dynamodb = dynamoDbClient(dynamodbEndpoint);
    services.push({ name: 'DynamoDB client', stop: async () => dynamodb.destroy() });

    const tablePrefix = options.tablePrefix ?? '';
    const env = await ensureTables(dynamodb, tablePrefix);
    log(`tables ready: ${Object.values(env).join(', ')}`);

    // Persistent beside DynamoDB Local's data, so signed-up users (and their subs, which own marks) survive a restart.
    const persistentPool = !options.inMemory && !options.dynamodbEndpoint;
    const api: AppSyncLocal = await startAppSyncLocal({
      wiringFile: MARK_API_WIRING,
      buildRoot: options.buildRoot ?? join(REPO_ROOT, 'build'),
      // Bundles are rebuilt at each start unless the caller just built them
      build: options.build,
      runtime: options.runtime,
      dynamodb,
      tables: tableNames(env),
      // as AppSync's environment variables (infra/constructs/api.ts): the API's tables only
      env: Object.fromEntries(apiTables.map((t) => [t.envVar, env[t.envVar]!])),
      auth: {
        modes: options.authorization ?? MARK_API_AUTHORIZATION,
        apiKey: options.apiKey ?? DEFAULT_API_KEY,
        userPool: {
          ...MARK_API_USER_POOL,
          port: options.userPoolPort,
          log: options.onUserPoolLog,
          allowedOrigins: options.allowedOrigins,
          stateFile: persistentPool ? join(dataDir, 'userpool', 'pool.json') : undefined,
        },
        iam: options.iam ?? LOCAL_IAM_CREDENTIALS,
      },
      limits: { ...deployedLimits(), ...options.limits },
      port: options.port,
      host: options.host,
      certificate: options.certificate,
      realtime: options.realtime,
      console: { title: 'mark-api local console', tabs: CONSOLE_TABS },
      onMutationResult: options.onMutationResult,
      onResolverLog: options.onResolverLog,
    });
    services.push({ name: 'local AppSync', stop: () => api.stop() });
    const userPool = api.userPool!;
    log(`user pool ${userPool.pool.poolId} on ${userPool.endpoint} (app client ${userPool.pool.clientId})`);
    log(`AppSync endpoint on ${api.graphqlUrl}, real-time on ${api.realtimeUrl}`);

    // Downstream delivery (local/pollers/pipeline.ts): relay → kinesalite → archive → s3rver, and
    // the eraser. Persistent under <dataDir> like DynamoDB Local; in a temporary folder when in memory
    // or on a shared DynamoDB endpoint (tests).
    let pipeline: Pipeline | undefined;
    if (options.pipeline) {
      const { startPipeline } = await import('./pollers/pipeline');
      const persistent = !options.inMemory && !options.dynamodbEndpoint;
      pipeline = await startPipeline({
        dynamodbEndpoint,
        env,
        dataDir: persistent ? dataDir : undefined,
        ...(options.pipeline === true ? {} : options.pipeline),
      });
      const started = pipeline;
      services.push({ name: 'downstream pipeline', stop: () => started.stop() });
      log(`Kinesis (kinesalite) on ${pipeline.kinesis.endpoint}, stream ${pipeline.kinesis.streamName}`);
      log(`archive: ${pipeline.archiveLocation}`);
    }

    return {
      url: api.url,
      graphqlUrl: api.graphqlUrl,
      realtimeUrl: api.realtimeUrl,
      apiKey: api.apiKey,
      tablePrefix,
      env,
      dynamodbEndpoint,
      dynamodb,
      get wiring() {
        return api.wiring as MarkApiWiring;
      },
      get server() {
        return api.server;
      },
      get realtime() {
        return api.realtime;
      },
      userPool,
      iam: api.iam!,
      runtime: api.runtime,
      capacity: api.capacity,
      pipeline,
      get services() {
        return [...services];
      },
      addService: (service) => services.push(service),
      reload: (changed) => api.reload(changed),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll().catch(() => {});
    throw err;
  }
}

/** The limits the CDK app gives the GraphqlApi: the same settings, read from the same cdk.json context. */
export function deployedLimits(): Pick<ExecutionLimits, 'queryDepthLimit' | 'resolverCountLimit' | 'introspection'> {
  const cdk = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  const settings = readSettings(contextOf(cdk.context ?? {}));
  return { queryDepthLimit: settings.queryDepthLimit, resolverCountLimit: settings.resolverCountLimit, introspection: settings.introspection };
}
