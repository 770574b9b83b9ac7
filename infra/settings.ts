/**
 * Deployment settings read from CDK context (cdk.json "context", or `cdk deploy -c key=value`).
 * Context given on the command line arrives as strings ("false", "4"), context in cdk.json or
 * passed to `new App({ context })` keeps its JSON type, so every reader accepts both.
 */
import type { Node } from 'constructs';

export type FieldLogLevelSetting = 'NONE' | 'ERROR' | 'INFO' | 'DEBUG' | 'ALL';

export interface MarkApiSettings {
  /** keep the tables when the stack is deleted (context `retainTables`, default true) */
  retainTables: boolean;
  /** keep the archive bucket and its objects when the stack is deleted (context `retainArchive`, default true) */
  retainArchive: boolean;
  /** a provisioned shard count (context `kinesisShards`); undefined means on-demand capacity */
  kinesisShards?: number;
  /** AppSync field log level (context `apiLogLevel`, default ERROR) */
  apiLogLevel: FieldLogLevelSetting;
  /** days until the API key expires, counted from synth time (context `apiKeyDays`, default 365) */
  apiKeyDays: number;
  /** POWERTOOLS_LOG_LEVEL of the Lambda functions (context `lambdaLogLevel`, default INFO) */
  lambdaLogLevel: string;
  /** CloudWatch Logs retention of every log group, in days (context `logRetentionDays`, default 30) */
  logRetentionDays: number;
  /** archive objects move to S3 Standard-IA after this many days (context `archiveInfrequentAccessDays`, default 30) */
  archiveInfrequentAccessDays: number;
  /** and to Glacier Instant Retrieval after this many (context `archiveGlacierDays`, default 90) */
  archiveGlacierDays: number;
  /** alarm when a stream consumer falls this far behind, in milliseconds (context `iteratorAgeAlarmMs`, default 5 minutes) */
  iteratorAgeAlarmMs: number;
}

const LOG_LEVELS: readonly FieldLogLevelSetting[] = ['NONE', 'ERROR', 'INFO', 'DEBUG', 'ALL'];

function bool(node: Node, key: string, fallback: boolean): boolean {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`context ${key} must be true or false, got ${JSON.stringify(value)}`);
}

function positiveInt(node: Node, key: string, fallback: number): number;
function positiveInt(node: Node, key: string, fallback: undefined): number | undefined;
function positiveInt(node: Node, key: string, fallback: number | undefined): number | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return fallback;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`context ${key} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

export function readSettings(node: Node): MarkApiSettings {
  const apiLogLevel = String(node.tryGetContext('apiLogLevel') ?? 'ERROR').toUpperCase() as FieldLogLevelSetting;
  if (!LOG_LEVELS.includes(apiLogLevel)) throw new Error(`context apiLogLevel must be one of ${LOG_LEVELS.join(', ')}`);
  const settings: MarkApiSettings = {
    retainTables: bool(node, 'retainTables', true),
    retainArchive: bool(node, 'retainArchive', true),
    kinesisShards: positiveInt(node, 'kinesisShards', undefined),
    apiLogLevel,
    apiKeyDays: positiveInt(node, 'apiKeyDays', 365),
    lambdaLogLevel: String(node.tryGetContext('lambdaLogLevel') ?? 'INFO').toUpperCase(),
    logRetentionDays: positiveInt(node, 'logRetentionDays', 30),
    archiveInfrequentAccessDays: positiveInt(node, 'archiveInfrequentAccessDays', 30),
    archiveGlacierDays: positiveInt(node, 'archiveGlacierDays', 90),
    iteratorAgeAlarmMs: positiveInt(node, 'iteratorAgeAlarmMs', 5 * 60 * 1000),
  };
  // AppSync accepts an API key expiry between 1 and 365 days ahead.
  if (settings.apiKeyDays > 365) throw new Error('context apiKeyDays must be at most 365 (an AppSync rule)');
  // S3 refuses a Standard-IA transition before 30 days, and Glacier must come after IA.
  if (settings.archiveInfrequentAccessDays < 30) throw new Error('context archiveInfrequentAccessDays must be at least 30 (an S3 rule)');
  if (settings.archiveGlacierDays < settings.archiveInfrequentAccessDays + 30) {
    throw new Error('context archiveGlacierDays must be at least 30 days after archiveInfrequentAccessDays (an S3 rule)');
  }
  return settings;
}
