/**
 * The DynamoDB tables, made by a loop over infra/tables.ts (the same definitions local/ turns
 * into CreateTable calls), so a table or index added there appears in both places.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { IndexProjection, KeyAttribute, TableDefinition } from '../tables';

export interface MarkTablesProps {
  definitions: readonly TableDefinition[];
  /** RETAIN keeps the data when the stack is deleted (the default); DESTROY is for throwaway stacks. */
  removalPolicy: RemovalPolicy;
}

const attribute = (key: KeyAttribute): dynamodb.Attribute => ({
  name: key.name,
  type: key.type === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER,
});

const projection = (p: IndexProjection = { type: 'ALL' }): { projectionType: dynamodb.ProjectionType; nonKeyAttributes?: string[] } =>
  p.type === 'INCLUDE'
    ? { projectionType: dynamodb.ProjectionType.INCLUDE, nonKeyAttributes: p.nonKeyAttributes }
    : { projectionType: p.type === 'KEYS_ONLY' ? dynamodb.ProjectionType.KEYS_ONLY : dynamodb.ProjectionType.ALL };

const streamViewTypes: Record<NonNullable<TableDefinition['stream']>, dynamodb.StreamViewType> = {
  NEW_IMAGE: dynamodb.StreamViewType.NEW_IMAGE,
  NEW_AND_OLD_IMAGES: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
};

export class MarkTables extends Construct {
  /** by logicalName */
  readonly tables: Record<string, dynamodb.Table> = {};
  /** by logicalName */
  readonly definitions: Record<string, TableDefinition> = {};

  constructor(scope: Construct, id: string, props: MarkTablesProps) {
    super(scope, id);
    for (const def of props.definitions) {
      // No tableName: CloudFormation names the table, so two stacks (stages) can share an
      // account and a replacement never collides with the old table.
      const table = new dynamodb.Table(this, def.logicalName, {
        partitionKey: attribute(def.partitionKey),
        sortKey: def.sortKey && attribute(def.sortKey),
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true, recoveryPeriodInDays: def.pointInTimeRecoveryDays },
        encryption: dynamodb.TableEncryption.AWS_MANAGED,
        stream: def.stream && streamViewTypes[def.stream],
        removalPolicy: props.removalPolicy,
        // A retained table is one whose data must outlive the stack: deletion protection also
        // refuses a DeleteTable from the console or the CLI, which the removal policy does not.
        // A throwaway stack (DESTROY) must be able to go, so it has none.
        deletionProtection: props.removalPolicy === RemovalPolicy.RETAIN,
      });
      for (const gsi of def.globalSecondaryIndexes ?? []) {
        table.addGlobalSecondaryIndex({
          indexName: gsi.indexName,
          partitionKey: attribute(gsi.partitionKey),
          sortKey: gsi.sortKey && attribute(gsi.sortKey),
          ...projection(gsi.projection),
        });
      }
      for (const lsi of def.localSecondaryIndexes ?? []) {
        if (!def.sortKey || lsi.partitionKey.name !== def.partitionKey.name) {
          throw new Error(`table ${def.logicalName}: LSI ${lsi.indexName} needs the table's partition key and a table sort key`);
        }
        if (!lsi.sortKey) throw new Error(`table ${def.logicalName}: LSI ${lsi.indexName} needs a sort key`);
        table.addLocalSecondaryIndex({ indexName: lsi.indexName, sortKey: attribute(lsi.sortKey), ...projection(lsi.projection) });
      }
      this.tables[def.logicalName] = table;
      this.definitions[def.logicalName] = def;
    }
  }

  table(logicalName: string): dynamodb.Table {
    const table = this.tables[logicalName];
    if (!table) throw new Error(`no table ${logicalName} in infra/tables.ts (known: ${Object.keys(this.tables).join(', ')})`);
    return table;
  }
}
