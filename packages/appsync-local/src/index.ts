/**
 * appsync-local: a local AWS AppSync for any API written with APPSYNC_JS resolvers. The one public
 * entry of the package; see its README for what it emulates, how to start it and what it does not do.
 */

// The whole API on one port: runtime, HTTP and real-time endpoints, console, user pool.
export { startAppSyncLocal, DEFAULT_API_KEY } from './app';
export type { AppSyncLocal, AppSyncLocalOptions, Reloaded, RuntimeContext, RuntimeFactory, UserPoolOptions } from './app';

// The wiring description and the build of resolver bundles (what a deployment deploys).
export { loadWiring, resolverSourceFile, functionSourceFile } from './wiring';
export type { DataSourceDefinition, FunctionDefinition, HttpAuthorizationConfig, LoadedWiring, ResolverDefinition, Wiring } from './wiring';
export { buildApi, bundleFile, APPSYNC_CODE_LIMIT } from './build';
export type { BuiltCode } from './build';

// The APPSYNC_JS runtime, its save-time check and its capacity meter.
export { createResolverRuntime, CODE_ERROR_TYPE } from './runtime/runtime';
export type { ResolverRuntimeOptions } from './runtime/runtime';
export { createSandbox, evaluateExpression } from './runtime/sandbox';
export type { Sandbox, LogSink } from './runtime/sandbox';
export { checkCode, AppSyncCodeError, CODE_ERROR_MESSAGE } from './runtime/static-check';
export type { CodeProblem } from './runtime/static-check';
export { CapacityMeter } from './runtime/capacity';
export type { CapacityCounts } from './runtime/capacity';
export { unsupportedDataSources, assertSupportedDataSources, SUPPORTED_DATA_SOURCE_TYPES, httpDataSource, environmentCredentials } from './runtime/datasources';
export type { LambdaHandler, SigningCredentials, UnsupportedDataSource, HttpDataSourceOptions } from './runtime/datasources';
export type { ResolveInfo, ResolveInput, ResolveOutcome, ResolverError, ResolverRuntime, SubscriptionInvalidation } from './runtime/types';

// The HTTP endpoint and its auth modes.
export { startApiServer, loadAppSyncSchema, buildAppSyncSchema, AWS_SCHEMA_FILE, APPSYNC_DEFAULT_LIMITS } from './server';
export type { ApiServer, ApiServerOptions, ExecutionLimits, MutationResultEvent, MutationResultListener, TlsCertificate, Caller, RequestTrace, TraceSink } from './server';
export { signedIamHeaders, verifySigV4 } from './server/auth';
// One guard for any listener: an exception in a handler answers that one request (400 / 500), never the process.
export { decodedPath, failureStatus, guardMessages, guardRequests, guardServer, guardUpgrades, MalformedTargetError, requestTarget } from './server/guard';
export type { ErrorAnswer, GuardOptions } from './server/guard';
export { graphqlHttpClient, type GraphQLHttpClient, type GraphQLHttpResponse } from './server/client';
export type { AuthMode, AuthorizationModes, CognitoIdentity, IamCredentials, IamIdentity, SigV4Outcome } from './server/auth';

// The real-time endpoint and a client of its protocol.
export { attachRealtime, connectRealtime, authHeader, REALTIME_PATH, SUBPROTOCOL } from './realtime';
export type { AttachRealtimeOptions, RealtimeServer, RealtimeClient, RealtimeClientOptions, AnyServerMessage, ServerMessage } from './realtime';
export { MAX_SUBSCRIPTIONS_PER_CONNECTION, MAX_MESSAGE_BYTES, REALTIME_SAFEGUARDS, SLOW_READER_CLOSE_CODE } from './realtime/server';
// A document's cost limits, applied by the HTTP endpoint and at real-time starts alike.
export { DOCUMENT_LIMITS } from './server/document-limits';
export type { DocumentLimits } from './server/document-limits';
// An API's subscription filters, as the real-time endpoint compiles and applies them (for its own tests).
export { compileSubscriptionFilter, matchesFilter } from './realtime/filters';

// The console's ready operations.
export type { ConsoleTab, ConsoleOptions } from './console/bundle';

// The local Cognito user pool.
export { startUserPoolServer, loopbackOrigins, LocalUserPool, CognitoError, DEFAULT_POOL_ID, DEFAULT_CLIENT_ID } from './userpool/server';
export type { UserPoolServer, UserPoolServerOptions, SeededUser } from './userpool/server';
export type { AuthenticationResult, AuthResponse } from './userpool/pool';

// DynamoDB Local, the store an API's DynamoDB data sources use on this machine.
export { startDynamoDbLocal, dynamoDbClient, localAwsConfig } from './services/dynamodb-local';
export type { DynamoDbLocal, DynamoDbLocalOptions } from './services/dynamodb-local';
export { freePort, portIsFree } from './services/ports';

// An API from its CloudFormation template or CDK cloud assembly: read, written as a wiring folder, started.
export { readApi, startFromTemplate, writeWiring, createTables, LOCAL_IAM } from './template/start';
export type { TemplateApp, TemplateAppOptions, TemplateSource } from './template/start';
export { readTemplate, readTemplateFile, localPoolId, localClientId } from './template/read';
export type { ReadTemplateOptions, ResourceReport, TemplateApi, TemplateDataSource, TemplateFiles } from './template/read';
export { readCdkOut } from './template/cdk-out';
export type { CdkStack } from './template/cdk-out';
