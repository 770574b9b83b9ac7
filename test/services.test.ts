import { describe, expect, inject, it } from 'vitest';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { dynamoDbClient } from 'appsync-local';
import { ensureTables } from '../local/services/tables';
import { uniquePrefix } from './support/prefix';

describe('local services', () => {
  it('creates every table of infra/tables.ts on DynamoDB Local, idempotently', async () => {
    const client = dynamoDbClient(inject('dynamodbEndpoint'));
    const prefix = uniquePrefix('services');
    const env = await ensureTables(client, prefix);
    expect(await ensureTables(client, prefix)).toEqual(env);
    const events = await client.send(new DescribeTableCommand({ TableName: env.MARK_EVENTS_TABLE }));
    expect(events.Table?.StreamSpecification).toMatchObject({ StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
    expect(events.Table?.LocalSecondaryIndexes?.[0]?.IndexName).toBe('byRecordedAt');
    const marks = await client.send(new DescribeTableCommand({ TableName: env.MARKS_TABLE }));
    expect(marks.Table?.GlobalSecondaryIndexes?.[0]?.IndexName).toBe('byStatus');
  });
});
