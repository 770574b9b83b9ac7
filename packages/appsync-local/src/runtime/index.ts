/** The local APPSYNC_JS runtime: see runtime.ts (resolver execution), sandbox.ts (isolation), datasources.ts. */
export { createResolverRuntime, CODE_ERROR_TYPE, type ResolverRuntimeOptions } from './runtime';
export { createSandbox, evaluateExpression, type Sandbox, type LogSink } from './sandbox';
export {
  dynamoDbDataSource,
  lambdaDataSource,
  noneDataSource,
  encodeNextToken,
  decodeNextToken,
  type DataSource,
  type DataSourceAnswer,
  type LambdaHandler,
} from './datasources';
export type * from './types';
