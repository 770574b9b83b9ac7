/**
 * The archive: an S3 bucket holding one object per batch, JSON Lines with each event's personal
 * data sealed under its mark's data key (key derived from the batch's first record, so a
 * redelivery overwrites itself: functions/archive/keys.ts; the keys in MarkArchiveKeys), fed by
 * the archive function through its own enhanced
 * fan-out consumer on the Kinesis stream (dedicated read throughput, so it never competes with
 * other readers of the stream), or, with `fanOut` off (a development stage's default), through a
 * polling event source mapping on the stream's shared throughput, which costs nothing idle.
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { eventsPrefix } from '../../functions/archive/keys';
import type { TableDefinition } from '../tables';
import { MarkFunction } from './node-function';
import { StreamConsumerGuard } from './stream-consumer';

export interface MarkArchiveProps {
  stream: kinesis.IStream;
  /** read through an enhanced fan-out consumer (settings archiveFanOut), or by polling the stream */
  fanOut: boolean;
  entry: string;
  /** MarkArchiveKeys: the data keys the archive reads and makes */
  keys: { table: dynamodb.Table; definition: TableDefinition };
  /** keep the bucket and its objects when the stack is deleted */
  retain: boolean;
  infrequentAccessDays: number;
  glacierDays: number;
  /** the archive's server access logs are deleted after this many days (the stack's log retention) */
  accessLogDays: number;
  metricsNamespace: string;
  logLevel: string;
  logRetention: logs.RetentionDays;
  iteratorAgeAlarmMs: number;
  alarmTopic: sns.ITopic;
}

export class MarkArchive extends Construct {
  readonly bucket: s3.Bucket;
  /** the archive bucket's server access logs, and nothing else */
  readonly accessLogs: s3.Bucket;
  /** the enhanced fan-out consumer, when the archive reads through one */
  readonly consumer?: kinesis.StreamConsumer;
  readonly fn: lambda.IFunction;
  readonly guard: StreamConsumerGuard;

  constructor(scope: Construct, id: string, props: MarkArchiveProps) {
    super(scope, id);
    const removal = { removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY, autoDeleteObjects: !props.retain };
    // Who read or deleted which archived event: the archive holds personal data, so its access is
    // recorded (S3 server access logs). The records name object keys (mark and version) and
    // requesters, so they age out with the stack's log retention (docs/PRIVACY.md).
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED, // the only encryption S3 log delivery writes to
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // log delivery is granted by a bucket policy (the serverAccessLogsUseBucketPolicy flag), not ACLs
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: false,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(props.accessLogDays), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      ...removal,
    });
    Validations.of(this.accessLogs).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason:
        'This bucket holds only the archive bucket\'s server access logs. Logging it to itself would log every log delivery (a loop), and to a third ' +
        'bucket only moves the question; its sole writer is the S3 log delivery service, and people reaching it do so through IAM, recorded by CloudTrail.',
    });

    // No bucketName: CloudFormation makes a unique one (the original had to be edited by hand
    // before every deploy); the name reaches the function through ARCHIVE_BUCKET and an output.
    this.bucket = new s3.Bucket(this, 'Bucket', {
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'archive/',
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // No versioning on purpose: erasure must be final, and a versioned bucket would keep every
      // deleted event as a noncurrent version.
      versioned: false,
      lifecycleRules: [
        {
          id: 'age-out-to-cheaper-storage',
          // Glacier Instant Retrieval keeps GET/HEAD/LIST/DELETE immediate, so erasure and
          // reads work on old objects exactly as on new ones.
          transitions: [
            { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(props.infrequentAccessDays) },
            { storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(props.glacierDays) },
          ],
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      // a throwaway stack (retain false) must be able to delete a non-empty bucket: autoDeleteObjects
      ...removal,
    });

    if (props.fanOut) this.consumer = new kinesis.StreamConsumer(this, 'Consumer', { streamConsumerName: 'archive', stream: props.stream });

    this.fn = new MarkFunction(this, 'Archive', {
      metricsNamespace: props.metricsNamespace,
      logLevel: props.logLevel,
      logRetention: props.logRetention,
      entry: props.entry,
      serviceName: 'archive',
      description: 'Writes one S3 object per batch, personal data sealed with each mark\'s data key; on MARK_FORGOTTEN removes the key',
      timeout: Duration.minutes(1),
      environment: { ARCHIVE_BUCKET: this.bucket.bucketName, [props.keys.definition.envVar]: props.keys.table.tableName },
    }).fn;
    // PutObject of batch objects under events/ and nothing else on the bucket: no read, list or
    // delete (a forget removes a key, not objects). Plain actions, not grantPut: that adds
    // s3:Abort*, s3:PutObjectRetention and more that a single-part PutObject never needs.
    const events = `${eventsPrefix}*`;
    iam.Grant.addToPrincipal({ grantee: this.fn, actions: ['s3:PutObject'], resourceArns: [this.bucket.arnForObjects(events)] });
    // The keys: one BatchGetItem per batch, a conditional PutItem for a new life's key or a forget,
    // a GetItem after losing a race (functions/archive/keyring.ts). No UpdateItem, Scan or delete.
    iam.Grant.addToPrincipal({ grantee: this.fn, actions: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem'], resourceArns: [props.keys.table.tableArn] });
    const bucketArn = `<${Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>`;
    const policy = this.fn.role!.node.findChild('DefaultPolicy');
    Validations.of(policy).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::${bucketArn}/${events}]`,
      reason: 'One object per batch under events/dt=<day>/<shard>/ (functions/archive/keys.ts): the keys are not known in advance, the prefix is the narrowest scope.',
    });

    this.guard = new StreamConsumerGuard(this, 'Delivery', {
      fn: this.fn,
      label: props.fanOut ? 'archive (Kinesis enhanced fan-out → S3)' : 'archive (Kinesis → S3)',
      iteratorAgeAlarmMs: props.iteratorAgeAlarmMs,
      alarmTopic: props.alarmTopic,
    });
    // binding grants the read it needs: the consumer's (SubscribeToShard, DescribeStreamConsumer) and
    // the stream's describe/list, or the stream's GetRecords/GetShardIterator when it polls
    const mapping = this.guard.eventSourceProps(100);
    this.fn.addEventSource(this.consumer ? new sources.KinesisConsumerEventSource(this.consumer, mapping) : new sources.KinesisEventSource(props.stream, mapping));
  }
}
