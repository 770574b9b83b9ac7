/**
 * Starts an API from its CloudFormation template or CDK cloud assembly: the template read
 * (read.ts), a wiring folder written from it (wiring.json, schema.graphql, inline code; code files
 * stay where they are and are named by `code`), DynamoDB Local started (unless one is given) with
 * the template's tables, and startAppSyncLocal over it all. The wiring.json format stays the other
 * way in: what this writes is an ordinary wiring folder.
 */
import { CreateTableCommand, ResourceInUseException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { startAppSyncLocal, type AppSyncLocal, type AppSyncLocalOptions } from '../app';
import type { IamCredentials } from '../server/auth';
import { dynamoDbClient, startDynamoDbLocal, type DynamoDbLocal } from '../services/dynamodb-local';
import { readCdkOut } from './cdk-out';
import { readTemplateFile, type ReadTemplateOptions, type TemplateApi } from './read';

/** The IAM principal the local endpoint trusts when the API has the AWS_IAM mode and none is given. */
export const LOCAL_IAM: IamCredentials = {
  accessKeyId: 'AKIAAPPSYNCLOCAL0001',
  secretAccessKey: 'appsync-local-development-secret',
  accountId: '000000000000',
  username: 'AIDAAPPSYNCLOCAL0001',
  userArn: 'arn:aws:iam::000000000000:user/appsync-local',
};

export type TemplateSource = { template: string; cdkOut?: undefined } | { cdkOut: string; stack?: string; template?: undefined };

/** Reads the API of a template file or of a CDK cloud assembly's stack. */
export function readApi(source: TemplateSource, options: ReadTemplateOptions = {}): TemplateApi {
  if (source.template !== undefined) return readTemplateFile(source.template, options);
  const stack = readCdkOut(source.cdkOut, source.stack);
  return readTemplateFile(stack.templateFile, { stackName: stack.name, ...options }, stack.files);
}

/** Writes the API as a wiring folder; returns the wiring file. */
export function writeWiring(api: TemplateApi, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const wiringFile = join(dir, 'wiring.json');
  const codePath = (code: string) => (code.startsWith('/') ? relative(dir, code) : code);
  for (const [file, text] of Object.entries(api.inline)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  writeFileSync(join(dir, 'schema.graphql'), api.schema);
  const wiring = {
    name: api.name.replace(/[^A-Za-z0-9_-]/g, '_'),
    schema: 'schema.graphql',
    dataSources: api.dataSources,
    functions: Object.fromEntries(Object.entries(api.functions).map(([name, f]) => [name, { dataSource: f.dataSource, code: codePath(f.code) }])),
    resolvers: Object.fromEntries(Object.entries(api.resolvers).map(([field, r]) => [field, { ...r, code: codePath(r.code) }])),
  };
  writeFileSync(wiringFile, `${JSON.stringify(wiring, null, 2)}\n`);
  return wiringFile;
}

/** Creates the tables (a table that exists already is left as it is, with its items). */
export async function createTables(client: DynamoDBClient, api: Pick<TemplateApi, 'tables'>): Promise<void> {
  for (const table of api.tables) {
    try {
      await client.send(new CreateTableCommand(table));
    } catch (err) {
      if (!(err instanceof ResourceInUseException)) throw new Error(`table ${table.TableName}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

export interface TemplateAppOptions extends ReadTemplateOptions {
  /** the DynamoDB Local to use; one is started (in memory, or in dataDir) when omitted */
  dynamodbEndpoint?: string;
  /** where a started DynamoDB Local keeps its data between runs; in memory when omitted */
  dataDir?: string;
  port?: number;
  host?: string;
  /** the IAM principal the endpoint trusts (AWS_IAM mode); LOCAL_IAM when omitted */
  iam?: IamCredentials;
  /** resolver console.log / console.error */
  onResolverLog?: AppSyncLocalOptions['onResolverLog'];
  /** lines the user pool prints (sign-up confirmation codes) */
  log?: (line: string) => void;
}

export interface TemplateApp {
  api: AppSyncLocal;
  /** what was read from the template, its report included */
  template: TemplateApi;
  dynamodbEndpoint: string;
  /** the generated wiring file (removed at stop) */
  wiringFile: string;
  stop(): Promise<void>;
}

/** Starts the API of a template or CDK assembly, with its tables in DynamoDB Local. */
export async function startFromTemplate(source: TemplateSource, options: TemplateAppOptions = {}): Promise<TemplateApp> {
  const template = readApi(source, options);
  const work = mkdtempSync(join(tmpdir(), 'appsync-local-template-'));
  let dynamodb: DynamoDbLocal | undefined;
  try {
    const wiringFile = writeWiring(template, join(work, 'api'));
    if (!options.dynamodbEndpoint && template.tables.length > 0) dynamodb = await startDynamoDbLocal(options.dataDir ? { dataDir: options.dataDir } : { inMemory: true });
    const endpoint = options.dynamodbEndpoint ?? dynamodb?.endpoint;
    const client = endpoint ? dynamoDbClient(endpoint) : undefined;
    if (client) await createTables(client, template);
    const pool = template.auth.userPool;
    const api = await startAppSyncLocal({
      wiringFile,
      buildRoot: join(work, 'build'),
      dynamodb: client,
      // the wiring names tables by their physical names already
      tables: Object.fromEntries(template.tables.map((t) => [t.TableName!, t.TableName!])),
      env: template.env,
      auth: {
        modes: template.auth.modes,
        iam: options.iam ?? LOCAL_IAM,
        ...(pool
          ? { userPool: { poolId: pool.poolId, clientId: pool.clientId, groups: pool.groups, signInCaseSensitive: pool.signInCaseSensitive, preventUserExistenceErrors: pool.preventUserExistenceErrors, log: options.log } }
          : {}),
      },
      port: options.port,
      host: options.host,
      onResolverLog: options.onResolverLog,
      console: { title: template.name },
    });
    return {
      api,
      template,
      dynamodbEndpoint: endpoint ?? '',
      wiringFile,
      stop: async () => {
        try {
          await api.stop();
        } finally {
          await dynamodb?.stop();
          rmSync(work, { recursive: true, force: true });
        }
      },
    };
  } catch (err) {
    await dynamodb?.stop().catch(() => {});
    rmSync(work, { recursive: true, force: true });
    throw err;
  }
}
