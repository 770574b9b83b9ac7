/**
 * Lambda entry point of the relay. Environment: KINESIS_STREAM_NAME or KINESIS_STREAM_ARN;
 * AWS_ENDPOINT_URL_KINESIS to point at an emulator; POWERTOOLS_* for logging and metrics.
 */
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { kinesisClientFromEnv } from '../lib/clients';
import { createLogger } from '../lib/log';
import { createRelayHandler } from './relay';

const logger = createLogger('relay');
const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'MarkApi', serviceName: 'relay' });
const relay = createRelayHandler({
  kinesis: kinesisClientFromEnv(),
  streamName: process.env.KINESIS_STREAM_NAME,
  streamArn: process.env.KINESIS_STREAM_ARN,
  logger,
  metrics,
});

export const handler = async (event: DynamoDBStreamEvent) => {
  try {
    return await relay(event);
  } finally {
    // Nothing recorded (a batch of skipped records): no empty EMF blob, no Powertools warning.
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
};
