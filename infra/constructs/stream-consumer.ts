/**
 * The failure handling every stream consumer of the stack shares: the event source mapping
 * settings (batches, bisect on error, bounded retries, partial batch responses), an SQS
 * on-failure destination that keeps what could not be processed, and the two alarms that say
 * something is wrong (the consumer is falling behind; records were given up on).
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Retries after the first attempt; bisection splits a failing batch within this budget. */
export const STREAM_RETRY_ATTEMPTS = 10;

export interface StreamConsumerGuardProps {
  fn: lambda.IFunction;
  /** what the consumer is, for alarm descriptions */
  label: string;
  iteratorAgeAlarmMs: number;
  alarmTopic: sns.ITopic;
}

export class StreamConsumerGuard extends Construct {
  /** the on-failure destination: metadata of every batch given up on (shard, sequence numbers) */
  readonly failures: sqs.Queue;
  readonly iteratorAgeAlarm: cloudwatch.Alarm;
  readonly failuresAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: StreamConsumerGuardProps) {
    super(scope, id);
    this.failures = new sqs.Queue(this, 'Failures', {
      // the longest SQS allows: time for someone to look before the pointers are gone
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(this.failures).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-SQS3',
        reason: 'This queue IS a dead-letter queue: the on-failure destination of the event source mapping (eventSourceProps onFailure), which cdk-nag does not recognise as one.',
      },
      {
        id: 'Serverless::Serverless-SQSRedrivePolicy',
        reason: 'The end of the line for failed stream batches: nothing consumes it automatically, so there is no receive failure to redrive; FailuresAlarm pages on its first message.',
      },
    );
    const action = new actions.SnsAction(props.alarmTopic);

    this.iteratorAgeAlarm = new cloudwatch.Alarm(this, 'IteratorAgeAlarm', {
      alarmDescription: `${props.label} is falling behind its stream (iterator age above ${props.iteratorAgeAlarmMs} ms)`,
      metric: props.fn.metric('IteratorAge', { statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(1) }),
      threshold: props.iteratorAgeAlarmMs,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      // no invocations means nothing to fall behind on
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.iteratorAgeAlarm.addAlarmAction(action);

    this.failuresAlarm = new cloudwatch.Alarm(this, 'FailuresAlarm', {
      alarmDescription: `${props.label} gave up on records: see the on-failure queue`,
      metric: this.failures.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(1) }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.failuresAlarm.addAlarmAction(action);
  }

  /** The event source mapping settings shared by every stream consumer of the stack. */
  eventSourceProps(batchSize: number): sources.StreamEventSourceProps {
    return {
      // from the oldest record still in the stream: a new or re-created mapping misses nothing
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize,
      maxBatchingWindow: Duration.seconds(1),
      bisectBatchOnError: true,
      retryAttempts: STREAM_RETRY_ATTEMPTS,
      reportBatchItemFailures: true,
      onFailure: new sources.SqsDlq(this.failures),
    };
  }
}
