/**
 * The tables of the fixture APIs (test/fixtures/*): created under a prefix of the test file's own,
 * so that files share one DynamoDB Local. `tables` maps the wirings' table names to the physical
 * ones; `env` is ctx.env as the fixtures' resolvers read it.
 */
import { randomBytes } from 'node:crypto';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** A table prefix no other test file uses. */
export function uniquePrefix(label: string): string {
  return `t${randomBytes(3).toString('hex')}_${label.replace(/[^A-Za-z0-9]/g, '').slice(0, 20)}_`;
}

const FIXTURE_TABLES = [
  { name: 'Marks', envVar: 'MARKS_TABLE', sortKey: false },
  { name: 'MarkEvents', envVar: 'MARK_EVENTS_TABLE', sortKey: true },
  { name: 'MarkSnapshots', envVar: 'MARK_SNAPSHOTS_TABLE', sortKey: true },
] as const;

export interface FixtureTables {
  tables: Record<string, string>;
  env: Record<string, string>;
}

export async function fixtureTables(client: DynamoDBClient, prefix: string): Promise<FixtureTables> {
  const tables: Record<string, string> = {};
  const env: Record<string, string> = {};
  for (const t of FIXTURE_TABLES) {
    const TableName = `${prefix}${t.name}`;
    await client.send(
      new CreateTableCommand({
        TableName,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'mark', KeyType: 'HASH' }, ...(t.sortKey ? [{ AttributeName: 'version', KeyType: 'RANGE' as const }] : [])],
        AttributeDefinitions: [{ AttributeName: 'mark', AttributeType: 'S' }, ...(t.sortKey ? [{ AttributeName: 'version', AttributeType: 'N' as const }] : [])],
      }),
    );
    tables[t.name] = TableName;
    env[t.envVar] = TableName;
  }
  return { tables, env };
}
