/**
 * The wiring description's type and loader. The description itself is JSON beside the resolver
 * code it wires (resolvers/wiring.json for mark-api, test/fixtures/<api>/wiring.json for test
 * APIs); infra/ and local/ both read it through loadWiring, so they cannot disagree.
 * Plain data and node:fs only: no aws-cdk-lib import here.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export type DataSourceDefinition =
  | {
      type: 'AMAZON_DYNAMODB';
      /** logicalName of a table in infra/tables.ts */
      table: string;
      /** other tables (logicalName) this data source's role may use, e.g. in a transaction */
      grants?: string[];
      /**
       * What the deployed role may do, and nothing else: key "Table" or "Table/index/name"
       * (logicalName of this table or one of its grants), value the DynamoDB actions its
       * resolvers' requests need (GetItem, Query, PutItem for a TransactWriteItems put, ...).
       * Needed to deploy; local-only test APIs may leave it out.
       */
      actions?: DataSourceAccess;
    }
  | { type: 'NONE' }
  /** local test APIs only: "relative/path.ts#exportName", relative to the wiring file */
  | { type: 'AWS_LAMBDA'; handler: string };

export type DataSourceAccess = Record<string, DynamoDbAction[]>;

/** The DynamoDB actions an AppSync resolver request can need (one per request operation or transaction item). */
export const DYNAMODB_ACTIONS = ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan', 'BatchGetItem', 'BatchWriteItem', 'ConditionCheckItem'] as const;
export type DynamoDbAction = (typeof DYNAMODB_ACTIONS)[number];

export interface FunctionDefinition {
  dataSource: string;
}

export type ResolverDefinition = { dataSource: string; pipeline?: undefined } | { pipeline: string[]; dataSource?: undefined };

export interface Wiring {
  dataSources: Record<string, DataSourceDefinition>;
  functions: Record<string, FunctionDefinition>;
  /** key: "Type.field" */
  resolvers: Record<string, ResolverDefinition>;
}

export interface LoadedWiring extends Wiring {
  /** absolute path of the wiring file */
  file: string;
  /** the folder holding the resolver code: <dir>/Type.field.ts, <dir>/functions/<name>.ts */
  codeDir: string;
  /** absolute path of the schema beside the code (schema.graphql at the repository root for mark-api) */
  schemaFile: string;
  /** short name of the API, used for build output folders: build/<name>/ */
  name: string;
}

export const REPO_ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');
export const MARK_API_WIRING = join(REPO_ROOT, 'resolvers', 'wiring.json');

export function loadWiring(file: string = MARK_API_WIRING): LoadedWiring {
  const absolute = resolve(file);
  const wiring = JSON.parse(readFileSync(absolute, 'utf8')) as Wiring & { schema?: string; name?: string };
  const codeDir = dirname(absolute);
  const isMarkApi = absolute === MARK_API_WIRING;
  const schemaFile = isMarkApi ? join(REPO_ROOT, 'schema.graphql') : join(codeDir, wiring.schema ?? 'schema.graphql');
  const name = wiring.name ?? (isMarkApi ? 'mark-api' : codeDir.split('/').pop()!);
  for (const [field, r] of Object.entries(wiring.resolvers)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/.test(field)) throw new Error(`wiring: "${field}" is not Type.field`);
    if (r.pipeline) {
      for (const fn of r.pipeline) if (!wiring.functions[fn]) throw new Error(`wiring: ${field} names unknown function ${fn}`);
    } else if (!wiring.dataSources[r.dataSource]) {
      throw new Error(`wiring: ${field} names unknown data source ${r.dataSource}`);
    }
  }
  for (const [name, ds] of Object.entries(wiring.dataSources)) {
    if (ds.type !== 'AMAZON_DYNAMODB' || !ds.actions) continue;
    const mayUse = new Set([ds.table, ...(ds.grants ?? [])]);
    for (const [target, actions] of Object.entries(ds.actions)) {
      if (!/^[A-Za-z0-9_.-]+(\/index\/[A-Za-z0-9_.-]+)?$/.test(target)) throw new Error(`wiring: data source ${name} actions: "${target}" is not Table or Table/index/name`);
      if (!mayUse.has(target.split('/')[0])) throw new Error(`wiring: data source ${name} actions name ${target}, outside its table and grants`);
      for (const a of actions) if (!(DYNAMODB_ACTIONS as readonly string[]).includes(a)) throw new Error(`wiring: data source ${name} actions: unknown DynamoDB action ${a}`);
    }
  }
  for (const [name, f] of Object.entries(wiring.functions)) {
    if (!wiring.dataSources[f.dataSource]) throw new Error(`wiring: function ${name} names unknown data source ${f.dataSource}`);
  }
  return { ...wiring, file: absolute, codeDir, schemaFile, name };
}

export function resolverSourceFile(wiring: LoadedWiring, field: string): string {
  return join(wiring.codeDir, `${field}.ts`);
}

export function functionSourceFile(wiring: LoadedWiring, name: string): string {
  return join(wiring.codeDir, 'functions', `${name}.ts`);
}
