/**
 * Lambda entry point of the archive. Environment: ARCHIVE_BUCKET; AWS_ENDPOINT_URL_S3 to point
 * at an emulator (path-style addressing follows; store.ts); POWERTOOLS_* for logging and metrics.
 */
import type { KinesisStreamEvent } from 'aws-lambda';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { requiredEnv } from '../lib/env';
import { createLogger } from '../lib/log';
import { createArchiveHandler } from './archive';
import { archiveStoreFromEnv } from './store';

const logger = createLogger('archive');
const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'MarkApi', serviceName: 'archive' });
const archive = createArchiveHandler({ store: archiveStoreFromEnv(requiredEnv('ARCHIVE_BUCKET')), logger, metrics });

export const handler = async (event: KinesisStreamEvent) => {
  try {
    return await archive(event);
  } finally {
    // Nothing recorded (a batch of skipped records): no empty EMF blob, no Powertools warning.
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
};
