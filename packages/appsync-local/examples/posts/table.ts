/**
 * The table behind the posts API's PostTable data source, as the tutorial creates it: partition
 * key `id`, and a global secondary index `author-index` on `author` that allPostsByAuthor queries.
 * Runs in Node.js (a deployment or a test creates the table); the resolvers only name it.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

export function postTable(TableName: string): CreateTableCommandInput {
  return {
    TableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    AttributeDefinitions: [
      { AttributeName: 'id', AttributeType: 'S' },
      { AttributeName: 'author', AttributeType: 'S' },
    ],
    GlobalSecondaryIndexes: [{ IndexName: 'author-index', KeySchema: [{ AttributeName: 'author', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } }],
  };
}
