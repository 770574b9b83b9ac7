/**
 * Deployment settings read from CDK context (cdk.json "context", or `cdk deploy -c key=value`).
 * Context given on the command line arrives as strings ("false", "4"), context in cdk.json or
 * passed to `new App({ context })` keeps its JSON type, so every reader accepts both.
 */
/** Anything that answers CDK context look-ups: a construct's `node`, or {@link contextOf} for the local stack. */
export interface ContextSource {
  tryGetContext(key: string): unknown;
}

export type FieldLogLevelSetting = 'NONE' | 'ERROR' | 'INFO' | 'DEBUG' | 'ALL';

/** What a stage is for (context `stage`): its defaults differ where a cheaper development choice exists. */
export type Stage = 'development' | 'production';
/** Cognito's feature plans (UserPool FeaturePlan): threat protection needs PLUS. */
export type CognitoFeaturePlan = 'LITE' | 'ESSENTIALS' | 'PLUS';

export interface MarkApiSettings {
  /**
   * context `stage`, default development. production turns on by default what costs money idle or
   * per user but protects a live service (Cognito PLUS with threat protection, the WAF,
   * on-demand Kinesis) and turns introspection off; development defaults to the cheaper choice.
   */
  stage: Stage;
  /** context `cognitoFeaturePlan` (LITE, ESSENTIALS, PLUS): default PLUS in production (threat protection enforced), ESSENTIALS in development */
  cognitoFeaturePlan: CognitoFeaturePlan;
  /** a WAF web ACL in front of the API (context `waf`): default on in production, off in development */
  waf: boolean;
  /**
   * The pool's email sender through SES (context `sesFromEmail`, a verified SES identity, and
   * `sesRegion`, where it is verified): without it Cognito sends at most 50 emails a day
   * for the pool (sign-up codes, password resets), which a production stage outgrows.
   */
  sesFromEmail?: string;
  sesRegion?: string;
  /** an email address subscribed to the alarm topic (context `alarmEmail`; it confirms by email) */
  alarmEmail?: string;
  /** upload the web client's source map too (context `webSourceMap`, default false) */
  webSourceMap: boolean;
  /** keep the tables when the stack is deleted (context `retainTables`, default true) */
  retainTables: boolean;
  /** keep the archive bucket and its objects when the stack is deleted (context `retainArchive`, default true) */
  retainArchive: boolean;
  /**
   * a provisioned shard count (context `kinesisShards`); undefined means on-demand capacity.
   * Default: 1 provisioned shard in development (a quarter of on-demand's idle price), on demand in
   * production; `-c kinesisShards=on-demand` asks for on demand in any stage.
   */
  kinesisShards?: number;
  /**
   * The archive reads the stream through its own enhanced fan-out consumer (context
   * `archiveFanOut`): default on in production (dedicated 2 MB/s per shard and about 70 ms
   * delivery, for a stream other readers may join), off in development, where the archive is the
   * stream's only reader and a polling event source mapping costs nothing idle (a consumer is
   * billed per consumer-shard hour).
   */
  archiveFanOut: boolean;
  /** AppSync field log level (context `apiLogLevel`, default ERROR) */
  apiLogLevel: FieldLogLevelSetting;
  /**
   * The day the API key expires (context `apiKeyExpires`, an ISO date such as "2027-11-30", kept
   * in cdk.json). A fixed date, not a count from synth time: a deploy must not push the expiry
   * out on its own, and every synth of one commit must agree. Rotation: README "Rotating the API key".
   * Optional here (the local stack has no key); the CDK stack refuses to synthesize without it.
   */
  apiKeyExpires?: Date;
  /**
   * Which API key the stack holds (context `apiKeyGeneration`, default 1). Raising it replaces the
   * key, so its value changes: CloudFormation creates the new key, then deletes the old one.
   */
  apiKeyGeneration: number;
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
  /**
   * AppSync `queryDepthLimit` (context `queryDepthLimit`, default 10; AppSync allows 1 to 75, 0 is
   * AppSync's "no limit"): the deepest nesting of fields a query may select. The local endpoint
   * enforces the same value.
   */
  queryDepthLimit: number;
  /**
   * AppSync `resolverCountLimit` (context `resolverCountLimit`, default 100; AppSync allows 1 to
   * 10,000, 0 is AppSync's default of 10,000): the most resolver invocations one request may make.
   * The local endpoint enforces the same value.
   */
  resolverCountLimit: number;
  /** GraphQL introspection enabled (context `introspection`; default true, false in a production stage) */
  introspection: boolean;
  /**
   * The WAF's rate-based rule: the most requests one client IP may make in any 5 minutes before
   * it is blocked (context `wafRateLimitPer5Minutes`, default 2000; WAF allows 10 to 2,000,000,000).
   */
  wafRateLimitPer5Minutes: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * AppSync accepts an API key expiry between 1 and 365 days ahead of the create or update call
 * (CreateApiKey/UpdateApiKey `expires`), so a deploy outside that window would fail half-way:
 * the CDK app refuses to synthesize it. Not part of readSettings, so the local stack, which
 * has no key to expire, never stops working on a calendar date.
 */
export function checkApiKeyExpiry(expires: Date | undefined, now: number): asserts expires is Date {
  if (!expires) throw new Error('context apiKeyExpires is required to deploy: a date YYYY-MM-DD in cdk.json (README "Rotating the API key")');
  const ahead = expires.getTime() - now;
  const day = expires.toISOString().slice(0, 10);
  if (ahead < DAY_MS) throw new Error(`context apiKeyExpires ${day} is less than a day away: rotate the key (README "Rotating the API key") and set a new date`);
  if (ahead > 365 * DAY_MS) throw new Error(`context apiKeyExpires ${day} is more than 365 days ahead (an AppSync rule)`);
}

/** A context source over a plain object (the local stack reads cdk.json's "context" through it). */
export function contextOf(context: Record<string, unknown>): ContextSource {
  return { tryGetContext: (key) => context[key] };
}

const LOG_LEVELS: readonly FieldLogLevelSetting[] = ['NONE', 'ERROR', 'INFO', 'DEBUG', 'ALL'];

function bool(node: ContextSource, key: string, fallback: boolean): boolean {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`context ${key} must be true or false, got ${JSON.stringify(value)}`);
}

function intInRange(node: ContextSource, key: string, fallback: number, min: number, max: number): number {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return fallback;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`context ${key} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

function positiveInt(node: ContextSource, key: string, fallback: number): number;
function positiveInt(node: ContextSource, key: string, fallback: undefined): number | undefined;
function positiveInt(node: ContextSource, key: string, fallback: number | undefined): number | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return fallback;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`context ${key} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

function isoDate(node: ContextSource, key: string): Date | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new Error(`context ${key} must be a date YYYY-MM-DD (set it in cdk.json), got ${JSON.stringify(value)}`);
  }
  return new Date(`${value}T00:00:00Z`);
}

function optionalString(node: ContextSource, key: string, pattern: RegExp, what: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !pattern.test(value)) throw new Error(`context ${key} must be ${what}, got ${JSON.stringify(value)}`);
  return value;
}

function oneOf<T extends string>(node: ContextSource, key: string, allowed: readonly T[], fallback: T): T {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return fallback;
  const upper = String(value);
  const found = allowed.find((a) => a.toLowerCase() === upper.toLowerCase());
  if (!found) throw new Error(`context ${key} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  return found;
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export function readSettings(node: ContextSource): MarkApiSettings {
  // the old setting counted from synth time; silently ignoring it would deploy another expiry than asked
  if (node.tryGetContext('apiKeyDays') !== undefined) throw new Error('context apiKeyDays is replaced by apiKeyExpires, a fixed date YYYY-MM-DD (README "Rotating the API key")');
  const apiLogLevel = String(node.tryGetContext('apiLogLevel') ?? 'ERROR').toUpperCase() as FieldLogLevelSetting;
  if (!LOG_LEVELS.includes(apiLogLevel)) throw new Error(`context apiLogLevel must be one of ${LOG_LEVELS.join(', ')}`);
  const stage = oneOf<Stage>(node, 'stage', ['development', 'production'], 'development');
  const production = stage === 'production';
  const shards = node.tryGetContext('kinesisShards');
  const onDemand = shards === 'on-demand' || (production && (shards === undefined || shards === null || shards === ''));
  const settings: MarkApiSettings = {
    stage,
    cognitoFeaturePlan: oneOf<CognitoFeaturePlan>(node, 'cognitoFeaturePlan', ['LITE', 'ESSENTIALS', 'PLUS'], production ? 'PLUS' : 'ESSENTIALS'),
    waf: bool(node, 'waf', production),
    sesFromEmail: optionalString(node, 'sesFromEmail', EMAIL, 'an email address (an SES verified identity)'),
    sesRegion: optionalString(node, 'sesRegion', /^[a-z]{2}(-[a-z]+)+-\d$/, 'a region such as eu-west-1'),
    alarmEmail: optionalString(node, 'alarmEmail', EMAIL, 'an email address'),
    webSourceMap: bool(node, 'webSourceMap', false),
    retainTables: bool(node, 'retainTables', true),
    retainArchive: bool(node, 'retainArchive', true),
    kinesisShards: onDemand ? undefined : positiveInt(node, 'kinesisShards', 1),
    archiveFanOut: bool(node, 'archiveFanOut', production),
    apiLogLevel,
    apiKeyExpires: isoDate(node, 'apiKeyExpires'),
    apiKeyGeneration: positiveInt(node, 'apiKeyGeneration', 1),
    lambdaLogLevel: String(node.tryGetContext('lambdaLogLevel') ?? 'INFO').toUpperCase(),
    logRetentionDays: positiveInt(node, 'logRetentionDays', 30),
    archiveInfrequentAccessDays: positiveInt(node, 'archiveInfrequentAccessDays', 30),
    archiveGlacierDays: positiveInt(node, 'archiveGlacierDays', 90),
    iteratorAgeAlarmMs: positiveInt(node, 'iteratorAgeAlarmMs', 5 * 60 * 1000),
    // AppSync's ranges for the two GraphqlApi props (CreateGraphqlApi: queryDepthLimit 0-75, resolverCountLimit 0-10000).
    queryDepthLimit: intInRange(node, 'queryDepthLimit', 10, 0, 75),
    resolverCountLimit: intInRange(node, 'resolverCountLimit', 100, 0, 10_000),
    introspection: bool(node, 'introspection', !production),
    wafRateLimitPer5Minutes: intInRange(node, 'wafRateLimitPer5Minutes', 2000, 10, 2_000_000_000),
  };
  // the stack is environment-agnostic, so CDK cannot default SES's region to the pool's
  if ((settings.sesRegion === undefined) !== (settings.sesFromEmail === undefined)) throw new Error('context sesFromEmail and sesRegion go together: the SES identity the pool sends from, and the region it is verified in');
  // S3 refuses a Standard-IA transition before 30 days, and Glacier must come after IA.
  if (settings.archiveInfrequentAccessDays < 30) throw new Error('context archiveInfrequentAccessDays must be at least 30 (an S3 rule)');
  if (settings.archiveGlacierDays < settings.archiveInfrequentAccessDays + 30) {
    throw new Error('context archiveGlacierDays must be at least 30 days after archiveInfrequentAccessDays (an S3 rule)');
  }
  return settings;
}
