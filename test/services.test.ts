import { describe, expect, inject, it } from 'vitest';
import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { dynamoDbClient } from 'appsync-local';
import { markEventsTable } from '../infra/tables';
import { createTableInput, ensureTables } from '../local/services/tables';
import { uniquePrefix } from './support/prefix';

describe('local services', () => {
  it('creates every table of infra/tables.ts on DynamoDB Local, idempotently', async () => {
    const client = dynamoDbClient(inject('dynamodbEndpoint'));
    const prefix = uniquePrefix('services');
    const env = await ensureTables(client, prefix);
    expect(await ensureTables(client, prefix)).toEqual(env);
    const events = await client.send(new DescribeTableCommand({ TableName: env.MARK_EVENTS_TABLE }));
    expect(events.Table?.StreamSpecification).toMatchObject({ StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
    expect(events.Table?.LocalSecondaryIndexes).toBeUndefined();
    const marks = await client.send(new DescribeTableCommand({ TableName: env.MARKS_TABLE }));
    // DescribeTable lists a table's indexes in no order the API promises
    const index = (name: string) => marks.Table?.GlobalSecondaryIndexes?.find((i) => i.IndexName === name);
    expect(marks.Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual(['byOwner', 'byStatus']);
    expect(index('byStatus')).toMatchObject({ Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['price'] } });
    // sparse (only marks with an owner) and keys only, so a command that changes neither owner nor mark writes nothing to it
    expect(index('byOwner')).toMatchObject({ Projection: { ProjectionType: 'KEYS_ONLY' } });
    const snapshots = await client.send(new DescribeTableCommand({ TableName: env.MARK_SNAPSHOTS_TABLE }));
    expect(snapshots.Table?.LocalSecondaryIndexes?.[0]).toMatchObject({ IndexName: 'byUpdatedAt', Projection: { ProjectionType: 'KEYS_ONLY' } });
  });

  it('refuses tables an earlier release created with other indexes, saying what to do', async () => {
    const client = dynamoDbClient(inject('dynamodbEndpoint'));
    const prefix = uniquePrefix('services_old');
    // MarkEvents as the release before issue 20 made it: with the byRecordedAt index
    const old = createTableInput(markEventsTable, prefix);
    old.AttributeDefinitions = [...(old.AttributeDefinitions ?? []), { AttributeName: 'recordedAt', AttributeType: 'S' }];
    old.LocalSecondaryIndexes = [
      { IndexName: 'byRecordedAt', KeySchema: [{ AttributeName: 'mark', KeyType: 'HASH' }, { AttributeName: 'recordedAt', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } },
    ];
    await client.send(new CreateTableCommand(old));
    await expect(ensureTables(client, prefix)).rejects.toThrow(/was created by an earlier release: its LocalSecondaryIndexes are .*byRecordedAt.*this release needs none/);
  });
});
