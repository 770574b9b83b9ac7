/**
 * Lambda entry point of the archive. Environment: ARCHIVE_BUCKET, MARK_ARCHIVE_KEYS_TABLE;
 * AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL_DYNAMODB to point at emulators (path-style addressing
 * follows: functions/lib/clients.ts); POWERTOOLS_* for logging and metrics.
 */
import type { KinesisStreamEvent } from 'aws-lambda';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { dynamoDbClientFromEnv, s3ClientFromEnv } from '../lib/clients';
import { requiredEnv } from '../lib/env';
import { createLogger } from '../lib/log';
import { createArchiveHandler } from './archive';
import { createKeyring } from './keyring';

const logger = createLogger('archive');
const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'MarkApi', serviceName: 'archive' });
const archive = createArchiveHandler({
  s3: s3ClientFromEnv(),
  bucket: requiredEnv('ARCHIVE_BUCKET'),
  keyring: createKeyring({ dynamodb: dynamoDbClientFromEnv(), table: requiredEnv('MARK_ARCHIVE_KEYS_TABLE') }),
  logger,
  metrics,
});

export const handler = async (event: KinesisStreamEvent) => {
  try {
    return await archive(event);
  } finally {
    // Nothing recorded (a batch of skipped records): no empty EMF blob, no Powertools warning.
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
};
