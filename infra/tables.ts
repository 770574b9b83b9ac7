/**
 * The one home of the table definitions. infra/ turns them into CDK tables; local/ turns them
 * into CreateTable calls on DynamoDB Local. Plain data only: no aws-cdk-lib import here, so the
 * local stack can read it without loading the CDK.
 */
export type KeyType = 'S' | 'N';

export interface KeyAttribute {
  name: string;
  type: KeyType;
}

export interface IndexDefinition {
  indexName: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
}

export interface TableDefinition {
  /** Logical name: the CDK construct id, and the base of the physical name locally. */
  logicalName: string;
  /** The AppSync environment variable (ctx.env) and Lambda environment variable holding the physical name. */
  envVar: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  /** DynamoDB stream view type, when the table has a stream. */
  stream?: 'NEW_IMAGE' | 'NEW_AND_OLD_IMAGES';
  globalSecondaryIndexes?: IndexDefinition[];
  localSecondaryIndexes?: IndexDefinition[];
}

/** The materialized view: one item per mark with its full current state. */
export const marksTable: TableDefinition = {
  logicalName: 'Marks',
  envVar: 'MARKS_TABLE',
  partitionKey: { name: 'mark', type: 'S' },
  globalSecondaryIndexes: [
    { indexName: 'byStatus', partitionKey: { name: 'status', type: 'S' }, sortKey: { name: 'mark', type: 'S' } },
  ],
};

/** The system of record: one item per event, (mark, version). */
export const markEventsTable: TableDefinition = {
  logicalName: 'MarkEvents',
  envVar: 'MARK_EVENTS_TABLE',
  partitionKey: { name: 'mark', type: 'S' },
  sortKey: { name: 'version', type: 'N' },
  stream: 'NEW_IMAGE',
  localSecondaryIndexes: [
    { indexName: 'byRecordedAt', partitionKey: { name: 'mark', type: 'S' }, sortKey: { name: 'recordedAt', type: 'S' } },
  ],
};

/** Folded state every SNAPSHOT_INTERVAL versions, so replay reads a bounded number of events. */
export const markSnapshotsTable: TableDefinition = {
  logicalName: 'MarkSnapshots',
  envVar: 'MARK_SNAPSHOTS_TABLE',
  partitionKey: { name: 'mark', type: 'S' },
  sortKey: { name: 'version', type: 'N' },
};

export const tables: readonly TableDefinition[] = [marksTable, markEventsTable, markSnapshotsTable];
