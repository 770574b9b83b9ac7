/**
 * The whole of mark-api in one environment-agnostic stack (no account or region lookups, so
 * `cdk synth` needs no credentials): tables, the GraphQL API, the delivery pipeline (relay,
 * eraser, Kinesis) and the archive, with alarms and outputs. Each part is its own construct
 * in infra/constructs/; this file only connects them.
 */
import { join } from 'node:path';
import { Annotations, CfnOutput, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { CLIENT_OUTPUTS, clientConfig } from './client-config';
import { MarkWebHosting } from './constructs/web-hosting';
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
  /** the built web client (default: build/web/, which infra/app.ts builds) */
  webDir?: string;
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
  readonly web: MarkWebHosting;

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

    // the web client's origin first: the pool's app client allows it (callback and sign-out URLs)
    this.web = new MarkWebHosting(this, 'Web', { webDir: props.webDir ?? join(REPO_ROOT, 'build', 'web'), sourceMap: settings.webSourceMap });

    this.users = new MarkUserPool(this, 'Users', {
      retain: settings.retainTables,
      featurePlan: settings.cognitoFeaturePlan,
      webOrigins: [this.web.origin],
      sesFromEmail: settings.sesFromEmail,
      sesRegion: settings.sesRegion,
    });
    if (settings.stage === 'production' && !settings.sesFromEmail) {
      Annotations.of(this.users).addWarningV2(
        'mark-api:CognitoEmailLimit',
        'A production stage without -c sesFromEmail: Cognito\'s own email sender sends at most 50 emails a day for the pool (sign-up codes, password resets). Verify an SES identity and give it.',
      );
    }

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
      waf: settings.waf,
      wafRateLimitPer5Minutes: settings.wafRateLimitPer5Minutes,
    });

    // every alarm notifies here; subscribe an address or a pager to it after deploying
    this.alarmTopic = new sns.Topic(this, 'Alarms', { displayName: `${id} alarms`, enforceSSL: true });
    if (settings.alarmEmail) {
      const subscriber = this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(settings.alarmEmail));
      Validations.of(subscriber).acknowledge({
        id: 'Serverless::Serverless-SNSRedrivePolicy',
        reason: 'An email subscriber (context alarmEmail): a notification the mail server refuses has nothing to redrive to; the alarm itself stays in ALARM in CloudWatch, where the console shows it.',
      });
    }
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
      fanOut: settings.archiveFanOut,
      entry: join(functionsDir, 'archive', 'index.ts'),
      keys: tableWithDefinition(markArchiveKeysTable),
      retain: settings.retainArchive,
      infrequentAccessDays: settings.archiveInfrequentAccessDays,
      glacierDays: settings.archiveGlacierDays,
      accessLogDays: settings.logRetentionDays,
    });

    // The web client's amplify-config.json, written at deploy time from the stack's own values. The
    // API key goes in: it is public by design (it reaches only the storefront's public reads), and
    // the page needs it before anyone signs in.
    this.web.deploy(
      clientConfig({
        graphqlUrl: this.api.api.graphqlUrl,
        region: this.region,
        userPoolId: this.users.userPool.userPoolId,
        userPoolClientId: this.users.client.userPoolClientId,
        apiKey: this.api.apiKey.attrApiKey,
      }),
    );
    new CfnOutput(this, CLIENT_OUTPUTS.webUrl, { value: `${this.web.origin}/`, description: 'the web client (CloudFront)' });

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
