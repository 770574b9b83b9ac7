/**
 * Delivery downstream of the MarkEvents table: the relay forwards every appended event
 * (stream INSERT) to the Kinesis stream, partitioned by mark; the eraser acts on MARK_FORGOTTEN
 * events by deleting the mark's older events and snapshots.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { eraserFilterPattern } from '../../functions/eraser/filter';
import type { TableDefinition } from '../tables';
import { MarkFunction } from './node-function';
import { StreamConsumerGuard } from './stream-consumer';

export interface MarkPipelineProps {
  markEvents: { table: dynamodb.Table; definition: TableDefinition };
  markSnapshots: { table: dynamodb.Table; definition: TableDefinition };
  /** the archive's data keys: the eraser removes a forgotten life's */
  archiveKeys: { table: dynamodb.Table; definition: TableDefinition };
  /** undefined: on-demand capacity */
  kinesisShards?: number;
  relayEntry: string;
  eraserEntry: string;
  metricsNamespace: string;
  logLevel: string;
  logRetention: logs.RetentionDays;
  iteratorAgeAlarmMs: number;
  alarmTopic: sns.ITopic;
}

export class MarkPipeline extends Construct {
  readonly stream: kinesis.Stream;
  readonly relay: lambda.IFunction;
  readonly eraser: lambda.IFunction;
  readonly relayGuard: StreamConsumerGuard;
  readonly eraserGuard: StreamConsumerGuard;

  constructor(scope: Construct, id: string, props: MarkPipelineProps) {
    super(scope, id);
    const { markEvents, markSnapshots, archiveKeys } = props;

    this.stream = new kinesis.Stream(this, 'Stream', {
      encryption: kinesis.StreamEncryption.MANAGED,
      ...(props.kinesisShards
        ? { streamMode: kinesis.StreamMode.PROVISIONED, shardCount: props.kinesisShards }
        : { streamMode: kinesis.StreamMode.ON_DEMAND }),
      retentionPeriod: Duration.hours(24),
    });

    const common = { metricsNamespace: props.metricsNamespace, logLevel: props.logLevel, logRetention: props.logRetention };

    // relay: DynamoDB stream → Kinesis (PutRecords, partition key = mark)
    this.relay = new MarkFunction(this, 'Relay', {
      ...common,
      entry: props.relayEntry,
      serviceName: 'relay',
      description: 'Forwards every event appended to MarkEvents to the Kinesis stream, partitioned by mark',
      environment: { KINESIS_STREAM_NAME: this.stream.streamName },
    }).fn;
    // Only what PutRecords needs: no ListShards, no reads (the Kinesis-side grantWrite adds ListShards).
    this.stream.grant(this.relay, 'kinesis:PutRecord', 'kinesis:PutRecords');
    this.relayGuard = new StreamConsumerGuard(this, 'RelayDelivery', {
      fn: this.relay,
      label: 'relay (MarkEvents stream → Kinesis)',
      iteratorAgeAlarmMs: props.iteratorAgeAlarmMs,
      alarmTopic: props.alarmTopic,
    });
    this.relay.addEventSource(
      new sources.DynamoEventSource(markEvents.table, {
        // Up to 500 records an invocation: one PutRecords call's worth (the original forwarded
        // one record per invocation).
        ...this.relayGuard.eventSourceProps(500),
        // Appended events only: the eraser's deletes (REMOVE) are not events to deliver.
        filters: [lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.isEqual('INSERT') })],
      }),
    ); // binding grants the stream read (DescribeStream, GetRecords, GetShardIterator, ListStreams)

    // eraser: MARK_FORGOTTEN → delete the mark's older events and snapshots
    this.eraser = new MarkFunction(this, 'Eraser', {
      ...common,
      entry: props.eraserEntry,
      serviceName: 'eraser',
      description: 'On MARK_FORGOTTEN, removes the mark\'s archive data key and deletes every older event and snapshot of the mark',
      timeout: Duration.minutes(2),
      environment: {
        [markEvents.definition.envVar]: markEvents.table.tableName,
        [markSnapshots.definition.envVar]: markSnapshots.table.tableName,
        [archiveKeys.definition.envVar]: archiveKeys.table.tableName,
      },
    }).fn;
    // The tables themselves, not their indexes (Table.grant adds <table>/index/*): the eraser
    // queries and deletes by key. It is the one principal that may delete events.
    iam.Grant.addToPrincipal({
      grantee: this.eraser,
      actions: ['dynamodb:Query', 'dynamodb:BatchWriteItem'],
      resourceArns: [markEvents.table.tableArn, markSnapshots.table.tableArn],
    });
    // one conditional UpdateItem per forget: erasedBelow up, the data key gone (functions/archive/keyring.ts forgetKey)
    iam.Grant.addToPrincipal({ grantee: this.eraser, actions: ['dynamodb:UpdateItem'], resourceArns: [archiveKeys.table.tableArn] });
    this.eraserGuard = new StreamConsumerGuard(this, 'EraserDelivery', {
      fn: this.eraser,
      label: 'eraser (MarkEvents stream, MARK_FORGOTTEN)',
      iteratorAgeAlarmMs: props.iteratorAgeAlarmMs,
      alarmTopic: props.alarmTopic,
    });
    this.eraser.addEventSource(
      new sources.DynamoEventSource(markEvents.table, {
        ...this.eraserGuard.eventSourceProps(10),
        // Lambda drops every other record before invoking: the eraser runs only on erasure.
        // The pattern is the eraser's own (functions/eraser/filter.ts), the one the local poller applies too.
        filters: [lambda.FilterCriteria.filter(structuredClone(eraserFilterPattern) as Record<string, unknown>)],
      }),
    );
    for (const fn of [this.relay, this.eraser]) acknowledgeListStreams(fn);
  }
}

/** DynamoEventSource grants dynamodb:ListStreams on "*": the action has no resource-level permissions. */
function acknowledgeListStreams(fn: lambda.IFunction): void {
  Validations.of(fn.role!.node.findChild('DefaultPolicy')).acknowledge({
    id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
    reason:
      'Only dynamodb:ListStreams is on "*" (the other stream actions name the table\'s stream ARN): ListStreams supports no resource-level ' +
      'permissions (Service Authorization Reference, Amazon DynamoDB), and it returns stream ARNs, no data.',
  });
}
