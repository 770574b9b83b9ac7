/**
 * The whole of mark-api in one environment-agnostic stack (no account or region lookups, so
 * `cdk synth` needs no credentials): tables, the GraphQL API, the delivery pipeline (relay,
 * eraser, Kinesis) and the archive, with alarms and outputs. Each part is its own construct
 * in infra/constructs/; this file only connects them.
 */
import { join } from 'node:path';
import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { CLIENT_OUTPUTS } from './client-config';
import { MarkGraphqlApi, type CodeBundle } from './constructs/api';
import { MarkUserPool } from './constructs/user-pool';
import { MarkArchive } from './constructs/archive';
import { MarkPipeline } from './constructs/pipeline';
import { MarkTables } from './constructs/tables';
import { checkApiKeyExpiry, readSettings, type MarkApiSettings } from './settings';
import { markArchiveKeysTable, markEventsTable, markSnapshotsTable, tables, type TableDefinition } from './tables';
import { REPO_ROOT, type MarkApiWiring } from './wiring';

export interface MarkApiStackProps extends StackProps {
  wiring: MarkApiWiring;
  /** what buildApi(wiring) returned: the resolver and function bundles to deploy */
  bundles: readonly CodeBundle[];
  /** folder of the Lambda handlers <dir>/<relay|eraser|archive>/index.ts (default: functions/) */
  functionsDir?: string;
  /** table definitions (default: infra/tables.ts) */
  tables?: readonly TableDefinition[];
}

/** CloudWatch namespace of the functions' Powertools metrics. */
export const METRICS_NAMESPACE = 'MarkApi';

export class MarkApiStack extends Stack {
  readonly settings: MarkApiSettings;
  readonly tables: MarkTables;
  readonly api: MarkGraphqlApi;
  readonly users: MarkUserPool;
  readonly pipeline: MarkPipeline;
  readonly archive: MarkArchive;
  readonly alarmTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: MarkApiStackProps) {
    super(scope, id, props);
    const settings = (this.settings = readSettings(this.node));
    const apiKeyExpires = settings.apiKeyExpires;
    checkApiKeyExpiry(apiKeyExpires, Date.now());
    const functionsDir = props.functionsDir ?? join(REPO_ROOT, 'functions');
    const logRetention = retentionDays(settings.logRetentionDays);
    const definitions = props.tables ?? tables;

    this.tables = new MarkTables(this, 'Tables', {
      definitions,
      removalPolicy: settings.retainTables ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    this.users = new MarkUserPool(this, 'Users', { retain: settings.retainTables });

    this.api = new MarkGraphqlApi(this, 'GraphQL', {
      userPool: this.users.userPool,
      userPoolClient: this.users.client,
      name: id,
      wiring: props.wiring,
      bundles: props.bundles,
      tables: this.tables.tables,
      tableDefinitions: this.tables.definitions,
      fieldLogLevel: settings.apiLogLevel,
      apiKeyExpires,
      apiKeyGeneration: settings.apiKeyGeneration,
      logRetention,
      queryDepthLimit: settings.queryDepthLimit,
      resolverCountLimit: settings.resolverCountLimit,
      introspection: settings.introspection,
      wafRateLimitPer5Minutes: settings.wafRateLimitPer5Minutes,
    });

    // every alarm notifies here; subscribe an address or a pager to it after deploying
    this.alarmTopic = new sns.Topic(this, 'Alarms', { displayName: `${id} alarms`, enforceSSL: true });
    const monitoring = {
      metricsNamespace: METRICS_NAMESPACE,
      logLevel: settings.lambdaLogLevel,
      logRetention,
      iteratorAgeAlarmMs: settings.iteratorAgeAlarmMs,
      alarmTopic: this.alarmTopic,
    };

    const tableWithDefinition = (def: TableDefinition) => ({ table: this.tables.table(def.logicalName), definition: def });
    this.pipeline = new MarkPipeline(this, 'Pipeline', {
      ...monitoring,
      markEvents: tableWithDefinition(markEventsTable),
      markSnapshots: tableWithDefinition(markSnapshotsTable),
      archiveKeys: tableWithDefinition(markArchiveKeysTable),
      kinesisShards: settings.kinesisShards,
      relayEntry: join(functionsDir, 'relay', 'index.ts'),
      eraserEntry: join(functionsDir, 'eraser', 'index.ts'),
    });

    this.archive = new MarkArchive(this, 'Archive', {
      ...monitoring,
      stream: this.pipeline.stream,
      entry: join(functionsDir, 'archive', 'index.ts'),
      keys: tableWithDefinition(markArchiveKeysTable),
      retain: settings.retainArchive,
      infrequentAccessDays: settings.archiveInfrequentAccessDays,
      glacierDays: settings.archiveGlacierDays,
      accessLogDays: settings.logRetentionDays,
    });

    // GraphQLUrl, Region, UserPoolId and UserPoolClientId make a client's configuration (infra/client-config.ts)
    new CfnOutput(this, CLIENT_OUTPUTS.graphqlUrl, { value: this.api.api.graphqlUrl, description: 'GraphQL endpoint (HTTPS)' });
    new CfnOutput(this, CLIENT_OUTPUTS.region, { value: this.region, description: 'the region the stack is deployed in' });
    new CfnOutput(this, 'GraphQLApiId', { value: this.api.api.apiId });
    new CfnOutput(this, 'ApiKeyId', {
      value: this.api.apiKey.attrApiKeyId,
      // the key itself stays out of the stack outputs (anyone who can describe the stack would see it)
      description: 'API key id; the key: aws appsync list-api-keys --api-id <GraphQLApiId>',
    });
    // what the web and mobile apps configure (Amplify's Auth.Cognito)
    new CfnOutput(this, CLIENT_OUTPUTS.userPoolId, { value: this.users.userPool.userPoolId });
    new CfnOutput(this, CLIENT_OUTPUTS.userPoolClientId, { value: this.users.client.userPoolClientId });
    new CfnOutput(this, 'KinesisStreamArn', { value: this.pipeline.stream.streamArn });
    new CfnOutput(this, 'KinesisStreamName', { value: this.pipeline.stream.streamName });
    new CfnOutput(this, 'ArchiveBucketName', { value: this.archive.bucket.bucketName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn });
    for (const def of definitions) {
      new CfnOutput(this, `${def.logicalName}TableName`, { value: this.tables.table(def.logicalName).tableName, description: def.envVar });
    }
  }
}

function retentionDays(days: number): logs.RetentionDays {
  const allowed = Object.values(logs.RetentionDays).filter((v): v is number => typeof v === 'number');
  if (!allowed.includes(days)) throw new Error(`context logRetentionDays must be one of ${allowed.join(', ')}`);
  return days as logs.RetentionDays;
}
