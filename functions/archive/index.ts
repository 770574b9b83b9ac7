/**
 * Lambda entry point of the archive. Environment: ARCHIVE_BUCKET; AWS_ENDPOINT_URL_S3 to point
 * at an emulator (path-style addressing follows); POWERTOOLS_* for logging and metrics.
 */
import type { KinesisStreamEvent } from 'aws-lambda';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { s3ClientFromEnv } from '../lib/clients';
import { requiredEnv } from '../lib/env';
import { createLogger } from '../lib/log';
import { createArchiveHandler } from './archive';

const logger = createLogger('archive');
const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'MarkApi', serviceName: 'archive' });
const archive = createArchiveHandler({ s3: s3ClientFromEnv(), bucket: requiredEnv('ARCHIVE_BUCKET'), logger, metrics });

export const handler = async (event: KinesisStreamEvent) => {
  try {
    return await archive(event);
  } finally {
    // Nothing recorded (a batch of skipped records): no empty EMF blob, no Powertools warning.
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
};
