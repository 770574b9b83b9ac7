import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { tables, type IndexDefinition, type TableDefinition } from '../../infra/tables';

/** Physical table name of a definition under a prefix ("" for the default local stack). */
export function physicalTableName(definition: TableDefinition, prefix = ''): string {
  return `${prefix}${definition.logicalName}`;
}

/** The environment variables (ctx.env / Lambda env) that carry the physical table names. */
export function tableEnvironment(prefix = ''): Record<string, string> {
  return Object.fromEntries(tables.map((t) => [t.envVar, physicalTableName(t, prefix)]));
}

function projectionOf(index: IndexDefinition): NonNullable<CreateTableCommandInput['GlobalSecondaryIndexes']>[number]['Projection'] {
  const projection = index.projection ?? { type: 'ALL' };
  return projection.type === 'INCLUDE' ? { ProjectionType: 'INCLUDE', NonKeyAttributes: projection.nonKeyAttributes } : { ProjectionType: projection.type };
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
      Projection: projectionOf(index),
    }));
  }
  if (definition.localSecondaryIndexes?.length) {
    input.LocalSecondaryIndexes = definition.localSecondaryIndexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: keySchema(index.partitionKey, index.sortKey),
      Projection: projectionOf(index),
    }));
  }
  if (definition.stream) {
    input.StreamSpecification = { StreamEnabled: true, StreamViewType: definition.stream };
  }
  input.AttributeDefinitions = [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType }));
  return input;
}

/**
 * The indexes of a table as DescribeTable reports them and as a definition asks for them, in one
 * comparable form: name, key schema and projection.
 */
function indexShapes(indexes: { IndexName?: string; KeySchema?: { AttributeName?: string; KeyType?: string }[]; Projection?: { ProjectionType?: string; NonKeyAttributes?: string[] } }[] = []): string[] {
  return indexes
    .map((index) =>
      JSON.stringify([
        index.IndexName,
        (index.KeySchema ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`),
        index.Projection?.ProjectionType,
        [...(index.Projection?.NonKeyAttributes ?? [])].sort(),
      ]),
    )
    .sort();
}

/**
 * Creates every table of infra/tables.ts under the prefix, leaving existing ones as they are. A
 * table kept from an earlier run (a data folder) whose indexes differ from the definition cannot
 * serve this release (a Query on an index it lacks fails at the first call): that is refused here,
 * with what to do.
 */
export async function ensureTables(client: DynamoDBClient, prefix = ''): Promise<Record<string, string>> {
  for (const definition of tables) {
    const wanted = createTableInput(definition, prefix);
    try {
      await client.send(new CreateTableCommand(wanted));
    } catch (err) {
      if (!(err instanceof ResourceInUseException)) throw err;
    }
    const { Table: found } = await client.send(new DescribeTableCommand({ TableName: physicalTableName(definition, prefix) }));
    for (const kind of ['GlobalSecondaryIndexes', 'LocalSecondaryIndexes'] as const) {
      const [have, want] = [indexShapes(found?.[kind]), indexShapes(wanted[kind])];
      if (JSON.stringify(have) !== JSON.stringify(want)) {
        throw new Error(
          `table ${wanted.TableName} was created by an earlier release: its ${kind} are ${have.join(' ') || 'none'}, this release needs ${want.join(' ') || 'none'}. ` +
            'Start from an empty data folder, or copy the events into new tables and run npm run rebuild (docs/PERFORMANCE.md, migrating a stack).',
        );
      }
    }
  }
  return tableEnvironment(prefix);
}
