/**
 * mark-api's wiring description (resolvers/wiring.json): the package's format
 * (packages/appsync-local, `loadWiring`) plus what only a deployment needs, the `actions` each
 * data source's IAM role is granted. infra/ and local/ both read it through loadMarkApiWiring, so
 * they cannot disagree. Plain data and node:fs only: no aws-cdk-lib import here.
 */
import { dirname, join, resolve } from 'node:path';
import { loadWiring, type DataSourceDefinition, type LoadedWiring } from 'appsync-local';

/**
 * A data source of mark-api: `table` (and `grants`) are logicalNames of infra/tables.ts, and
 * `actions` is what the deployed role may do, and nothing else: key "Table" or "Table/index/name"
 * (logicalName of this table or one of its grants), value the DynamoDB actions its resolvers'
 * requests need (GetItem, Query, PutItem for a TransactWriteItems put, ...).
 */
export type MarkApiDataSource = DataSourceDefinition & { actions?: DataSourceAccess };

export type DataSourceAccess = Record<string, DynamoDbAction[]>;

/** The DynamoDB actions an AppSync resolver request can need (one per request operation or transaction item). */
export const DYNAMODB_ACTIONS = ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan', 'BatchGetItem', 'BatchWriteItem', 'ConditionCheckItem'] as const;
export type DynamoDbAction = (typeof DYNAMODB_ACTIONS)[number];

export type MarkApiWiring = LoadedWiring<MarkApiDataSource>;

export const REPO_ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');
export const MARK_API_WIRING = join(REPO_ROOT, 'resolvers', 'wiring.json');

/** Loads mark-api's wiring (or another file of the same format) and checks its `actions`. */
export function loadMarkApiWiring(file: string = MARK_API_WIRING): MarkApiWiring {
  const wiring = loadWiring<MarkApiDataSource>(file);
  for (const [name, ds] of Object.entries(wiring.dataSources)) {
    if (ds.type !== 'AMAZON_DYNAMODB' || !ds.actions) continue;
    const mayUse = new Set([ds.table, ...(ds.grants ?? [])]);
    for (const [target, actions] of Object.entries(ds.actions)) {
      if (!/^[A-Za-z0-9_.-]+(\/index\/[A-Za-z0-9_.-]+)?$/.test(target)) throw new Error(`wiring: data source ${name} actions: "${target}" is not Table or Table/index/name`);
      if (!mayUse.has(target.split('/')[0])) throw new Error(`wiring: data source ${name} actions name ${target}, outside its table and grants`);
      for (const a of actions) if (!(DYNAMODB_ACTIONS as readonly string[]).includes(a)) throw new Error(`wiring: data source ${name} actions: unknown DynamoDB action ${a}`);
    }
  }
  return wiring;
}
