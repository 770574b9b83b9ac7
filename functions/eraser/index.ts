/**
 * Lambda entry point of the eraser. Environment: MARK_EVENTS_TABLE, MARK_SNAPSHOTS_TABLE,
 * MARK_ARCHIVE_KEYS_TABLE;
 * AWS_ENDPOINT_URL_DYNAMODB to point at DynamoDB Local; POWERTOOLS_* for logging and metrics.
 * The event source mapping must carry eraserFilterPattern (./filter).
 */
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { dynamoDbClientFromEnv } from '../lib/clients';
import { requiredEnv } from '../lib/env';
import { createLogger } from '../lib/log';
import { createEraserHandler } from './eraser';

const logger = createLogger('eraser');
const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'MarkApi', serviceName: 'eraser' });
const eraser = createEraserHandler({
  dynamodb: dynamoDbClientFromEnv(),
  eventsTable: requiredEnv('MARK_EVENTS_TABLE'),
  snapshotsTable: requiredEnv('MARK_SNAPSHOTS_TABLE'),
  archiveKeysTable: requiredEnv('MARK_ARCHIVE_KEYS_TABLE'),
  logger,
  metrics,
});

export const handler = async (event: DynamoDBStreamEvent) => {
  try {
    return await eraser(event);
  } finally {
    // Nothing recorded (a batch of skipped records): no empty EMF blob, no Powertools warning.
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
};
