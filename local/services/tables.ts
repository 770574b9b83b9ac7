import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { tables, type TableDefinition } from '../../infra/tables';

/** Physical table name of a definition under a prefix ("" for the default local stack). */
export function physicalTableName(definition: TableDefinition, prefix = ''): string {
  return `${prefix}${definition.logicalName}`;
}

/** The environment variables (ctx.env / Lambda env) that carry the physical table names. */
export function tableEnvironment(prefix = ''): Record<string, string> {
  return Object.fromEntries(tables.map((t) => [t.envVar, physicalTableName(t, prefix)]));
}

export function createTableInput(definition: TableDefinition, prefix = ''): CreateTableCommandInput {
  const attributes = new Map<string, 'S' | 'N'>();
  const keySchema = (pk: TableDefinition['partitionKey'], sk?: TableDefinition['sortKey']) => {
    attributes.set(pk.name, pk.type);
    if (sk) attributes.set(sk.name, sk.type);
    return [
      { AttributeName: pk.name, KeyType: 'HASH' as const },
      ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' as const }] : []),
    ];
  };
  const input: CreateTableCommandInput = {
    TableName: physicalTableName(definition, prefix),
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: keySchema(definition.partitionKey, definition.sortKey),
  };
  if (definition.globalSecondaryIndexes?.length) {
    input.GlobalSecondaryIndexes = definition.globalSecondaryIndexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: keySchema(index.partitionKey, index.sortKey),
      Projection: { ProjectionType: 'ALL' },
    }));
  }
  if (definition.localSecondaryIndexes?.length) {
    input.LocalSecondaryIndexes = definition.localSecondaryIndexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: keySchema(index.partitionKey, index.sortKey),
      Projection: { ProjectionType: 'ALL' },
    }));
  }
  if (definition.stream) {
    input.StreamSpecification = { StreamEnabled: true, StreamViewType: definition.stream };
  }
  input.AttributeDefinitions = [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType }));
  return input;
}

/** Creates every table of infra/tables.ts under the prefix, leaving existing ones as they are. */
export async function ensureTables(client: DynamoDBClient, prefix = ''): Promise<Record<string, string>> {
  for (const definition of tables) {
    try {
      await client.send(new CreateTableCommand(createTableInput(definition, prefix)));
    } catch (err) {
      if (!(err instanceof ResourceInUseException)) throw err;
    }
    await client.send(new DescribeTableCommand({ TableName: physicalTableName(definition, prefix) }));
  }
  return tableEnvironment(prefix);
}
