/**
 * startStack(): the whole local system started together — DynamoDB Local (or an endpoint already
 * running), the tables, the resolver bundles, the APPSYNC_JS runtime and the AppSync endpoint.
 * Every started part is a Service with stop(); the stack stops them in reverse order, so parts
 * added later (pipeline pollers, kinesalite, s3rver, real-time) slot in with addService().
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contextOf, readSettings } from '../infra/settings';
import { MARK_API_WIRING, REPO_ROOT, loadWiring, type LoadedWiring } from '../infra/wiring';
import { CapacityMeter } from './appsync/capacity';
import type { ResolverRuntime } from './appsync/types';
import { loadAppSyncSchema, startApiServer, type ApiServer, type ExecutionLimits, type MutationResultListener, type TlsCertificate } from './server';
import { dynamoDbClient, startDynamoDbLocal } from './services/dynamodb-local';
import { ensureTables } from './services/tables';
import type { Pipeline, PipelineOptions } from './pollers/pipeline';
import { attachRealtime, type AttachRealtimeOptions, type RealtimeServer } from './realtime';
import { MARK_API_AUTHORIZATION, type AuthorizationModes } from '../infra/auth';
import type { IamCredentials } from './server/auth';
import { startUserPoolServer, type UserPoolServer } from './userpool/server';

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

/** What a runtime factory gets to build the APPSYNC_JS runtime of an API. */
export interface RuntimeContext {
  wiring: LoadedWiring;
  dynamodb: DynamoDBClient;
  /** ctx.env: the physical table names */
  env: Record<string, string>;
  tablePrefix: string;
  /** where the bundles of this API were built (<buildRoot>/<wiring.name>/) */
  buildRoot: string;
  onResolverLog?: (level: string, text: string, module: string) => void;
  /** DynamoDB calls and consumed capacity per resolved field, for the runtime to record into */
  capacity: CapacityMeter;
}

export type RuntimeFactory = (context: RuntimeContext) => ResolverRuntime | Promise<ResolverRuntime>;

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
  /** the API to serve: resolvers/wiring.json by default */
  wiringFile?: string;
  /** the schema; by default the one beside the wiring (schema.graphql at the root for mark-api) */
  schemaFile?: string;
  /** build the resolver bundles before starting (default true) */
  build?: boolean;
  /** where bundles are built (default build/ at the repository root) */
  buildRoot?: string;
  /** how to make the runtime; by default the APPSYNC_JS runtime of local/appsync */
  runtime?: RuntimeFactory;
  certificate?: TlsCertificate;
  onMutationResult?: MutationResultListener;
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
  /** the IAM principal the endpoint trusts */
  iam?: IamCredentials;
  /** real-time endpoint tuning (local/realtime), e.g. a short keepAliveIntervalMs in tests */
  realtime?: AttachRealtimeOptions;
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
  wiring: LoadedWiring;
  server: ApiServer;
  /** the local Cognito user pool: endpoint, pool id, client id, seeded users */
  userPool: UserPoolServer;
  /** the IAM credentials the endpoint accepts (staff) */
  iam: IamCredentials;
  /** the real-time (WebSocket) endpoint on the server's port: stats(), publish() */
  realtime: RealtimeServer;
  runtime: ResolverRuntime;
  /** DynamoDB calls and consumed capacity per resolved field since the last reset() (local/appsync/capacity.ts) */
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
    let dynamodbEndpoint = options.dynamodbEndpoint;
    if (!dynamodbEndpoint) {
      const local = await startDynamoDbLocal({ inMemory: options.inMemory, dataDir: join(options.dataDir ?? join(REPO_ROOT, '.data'), 'dynamodb') });
      services.push({ name: 'DynamoDB Local', stop: () => local.stop() });
      dynamodbEndpoint = local.endpoint;
      log(`DynamoDB Local on ${local.endpoint} (${options.inMemory ? 'in memory' : 'persistent'}, pid ${local.pid})`);
    }
    const dynamodb = dynamoDbClient(dynamodbEndpoint);
    services.push({ name: 'DynamoDB client', stop: async () => dynamodb.destroy() });

    const tablePrefix = options.tablePrefix ?? '';
    const env = await ensureTables(dynamodb, tablePrefix);
    log(`tables ready: ${Object.values(env).join(', ')}`);

    const wiringFile = options.wiringFile ?? MARK_API_WIRING;
    let wiring = loadWiring(wiringFile);
    const buildRoot = options.buildRoot ?? join(REPO_ROOT, 'build');
    // Bundles are rebuilt at each start unless the caller just built them (npm start does).
    if (options.build !== false && !options.runtime) {
      const { buildApi } = await import('./build/build-resolvers');
      const built = await buildApi(wiring, buildRoot);
      log(`built ${built.length} resolver and function bundles of ${wiring.name}`);
    }
    const factory = options.runtime ?? appSyncJsRuntime;
    const capacity = new CapacityMeter();
    let current = await factory({ wiring, dynamodb, env, tablePrefix, buildRoot, onResolverLog: options.onResolverLog, capacity });
    // The endpoint holds this one runtime for good; reload() swaps the one behind it, so the
    // next resolution (HTTP or real-time) runs the new bundles and nothing else is restarted.
    const runtime: ResolverRuntime = {
      has: (typeName, fieldName) => current.has(typeName, fieldName),
      resolve: (typeName, fieldName, input) => current.resolve(typeName, fieldName, input),
    };

    const apiKey = options.apiKey ?? DEFAULT_API_KEY;
    // The user pool first: the endpoint trusts its issuer, app client and JWKS.
    // Persistent beside DynamoDB Local's data, so signed-up users (and their subs, which own marks) survive a restart.
    const persistentPool = !options.inMemory && !options.dynamodbEndpoint;
    const userPool = await startUserPoolServer({
      port: options.userPoolPort,
      host: options.host,
      log: options.onUserPoolLog,
      stateFile: persistentPool ? join(options.dataDir ?? join(REPO_ROOT, '.data'), 'userpool', 'pool.json') : undefined,
    });
    services.push({ name: 'user pool', stop: () => userPool.stop() });
    log(`user pool ${userPool.pool.poolId} on ${userPool.endpoint} (app client ${userPool.pool.clientId})`);
    const iam = options.iam ?? LOCAL_IAM_CREDENTIALS;
    const schemaFile = () => options.schemaFile ?? wiring.schemaFile;
    const serve = (port: number | undefined, schema = loadAppSyncSchema(schemaFile())) =>
      startApiServer({
        auth: {
          modes: options.authorization ?? MARK_API_AUTHORIZATION,
          userPool: { issuer: userPool.pool.issuer, clientId: userPool.pool.clientId, jwks: new URL(userPool.pool.jwksUrl) },
          iam,
          region: userPool.pool.region,
        },
        consoleSignIn: { endpoint: userPool.endpoint, clientId: userPool.pool.clientId },
        runtime,
        schema,
        apiKey,
        port,
        host: options.host,
        certificate: options.certificate,
        onMutationResult: options.onMutationResult,
        limits: { ...deployedLimits(), ...options.limits },
      });
    let server = await serve(options.port);
    services.push({ name: 'AppSync endpoint', stop: () => server.stop() });
    log(`AppSync endpoint on ${server.graphqlUrl}`);

    // Real-time (local/realtime): subscriptions on the same port (ws:// and wss://), same schema,
    // runtime and API key; every committed mutation result is published to its subscribers.
    let realtime = attachRealtime(server, options.realtime);
    services.push({ name: 'real-time endpoint', stop: () => realtime.close() });
    log(`real-time endpoint on ${server.realtimeUrl}`);

    const reload = async (changed: { schema?: boolean } = {}): Promise<Reloaded> => {
      const nextWiring = loadWiring(wiringFile);
      // built apart and loaded whole before the swap: a failed build leaves nothing half-written
      const staging = mkdtempSync(join(tmpdir(), 'mark-api-reload-'));
      try {
        const { buildApi } = await import('./build/build-resolvers');
        const built = await buildApi(nextWiring, staging);
        const next = await factory({ wiring: nextWiring, dynamodb, env, tablePrefix, buildRoot: staging, onResolverLog: options.onResolverLog, capacity });
        const schema = changed.schema ? loadAppSyncSchema(options.schemaFile ?? nextWiring.schemaFile) : undefined;
        current = next;
        wiring = nextWiring;
        // build/ stays what `npm run build` would give now
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
        dataDir: persistent ? (options.dataDir ?? join(REPO_ROOT, '.data')) : undefined,
        ...(options.pipeline === true ? {} : options.pipeline),
      });
      const started = pipeline;
      services.push({ name: 'downstream pipeline', stop: () => started.stop() });
      log(`Kinesis (kinesalite) on ${pipeline.kinesis.endpoint}, stream ${pipeline.kinesis.streamName}`);
      log(`archive: ${pipeline.archiveLocation}`);
    }

    return {
      url: server.url,
      graphqlUrl: server.graphqlUrl,
      realtimeUrl: server.realtimeUrl,
      apiKey,
      tablePrefix,
      env,
      dynamodbEndpoint,
      dynamodb,
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
      pipeline,
      get services() {
        return [...services];
      },
      addService: (service) => services.push(service),
      reload,
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

/** The APPSYNC_JS runtime of local/appsync over the bundles in buildRoot. */
const appSyncJsRuntime: RuntimeFactory = async ({ wiring, dynamodb, env, buildRoot, onResolverLog, capacity }) => {
  const { createResolverRuntime } = await import('./appsync');
  return createResolverRuntime({ wiring, dynamodb, env, bundleDir: join(buildRoot, wiring.name), onLog: onResolverLog, meter: capacity });
};
