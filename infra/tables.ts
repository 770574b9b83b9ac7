/**
 * The one home of the table definitions. infra/ turns them into CDK tables; local/ turns them
 * into CreateTable calls on DynamoDB Local. Plain data only: no aws-cdk-lib import here, so the
 * local stack can read it without loading the CDK.
 */
import { LISTED_FIELDS } from '../resolvers/lib/listing';

export type KeyType = 'S' | 'N';

export interface KeyAttribute {
  name: string;
  type: KeyType;
}

/**
 * What an index holds besides the keys (default ALL). A write to the table writes to the index
 * only when the item's index keys or projected attributes change (DynamoDB Developer Guide,
 * "Global secondary indexes", provisioned throughput considerations, writes): a narrow projection
 * is what lets most writes leave an index alone.
 */
export type IndexProjection = { type: 'ALL' } | { type: 'KEYS_ONLY' } | { type: 'INCLUDE'; nonKeyAttributes: string[] };

export interface IndexDefinition {
  indexName: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  projection?: IndexProjection;
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
  /** Days point-in-time recovery keeps (DynamoDB allows 1 to 35; default 35). */
  pointInTimeRecoveryDays?: number;
  /** false: no resolver reads it, so it is no data source's and not in AppSync's ctx.env (default true). */
  inApi?: boolean;
}

/**
 * The materialized view: one item per mark with its full current state. byStatus holds the keys
 * and the price only (LISTED_FIELDS), which a command changes only when it changes the status (a
 * sale, a release, a forget): the other commands write the view without writing the index.
 * listMarks answers from the index when it is asked for those fields only, and reads the views of
 * the page otherwise.
 */
export const marksTable: TableDefinition = {
  logicalName: 'Marks',
  envVar: 'MARKS_TABLE',
  partitionKey: { name: 'mark', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: 'byStatus',
      partitionKey: { name: 'status', type: 'S' },
      sortKey: { name: 'mark', type: 'S' },
      projection: { type: 'INCLUDE', nonKeyAttributes: LISTED_FIELDS.filter((field) => field !== 'mark' && field !== 'status') },
    },
    // listMyMarks: sparse (only a view with an owner has an entry; a forget's tombstone has none)
    // and keys only, so only a command that changes the owner (a sale, a create naming one, a
    // forget) writes it; the page's views are then read by key (functions/loadListedMarks.ts)
    { indexName: 'byOwner', partitionKey: { name: 'owner', type: 'S' }, sortKey: { name: 'mark', type: 'S' }, projection: { type: 'KEYS_ONLY' } },
  ],
};

/**
 * The system of record: one item per event, (mark, version). No index: a replay by time finds its
 * place through the snapshots' byUpdatedAt, written once in SNAPSHOT_INTERVAL commands instead of
 * an index entry with every event (docs/PERFORMANCE.md, the price of every operation).
 */
export const markEventsTable: TableDefinition = {
  logicalName: 'MarkEvents',
  envVar: 'MARK_EVENTS_TABLE',
  partitionKey: { name: 'mark', type: 'S' },
  sortKey: { name: 'version', type: 'N' },
  stream: 'NEW_IMAGE',
};

/**
 * Folded state every SNAPSHOT_INTERVAL versions and at every forget (resolvers/lib/mark.ts
 * takesSnapshot), so replay reads a bounded number of events. byUpdatedAt (a local index, so it
 * can be read consistently) gives the last snapshot recorded at or before a time.
 */
export const markSnapshotsTable: TableDefinition = {
  logicalName: 'MarkSnapshots',
  envVar: 'MARK_SNAPSHOTS_TABLE',
  partitionKey: { name: 'mark', type: 'S' },
  sortKey: { name: 'version', type: 'N' },
  localSecondaryIndexes: [
    { indexName: 'byUpdatedAt', partitionKey: { name: 'mark', type: 'S' }, sortKey: { name: 'updatedAt', type: 'S' }, projection: { type: 'KEYS_ONLY' } },
  ],
};

/**
 * The archive's data keys (crypto-shredding, docs/PRIVACY.md): per mark, the AES-256-GCM key of its
 * current life (`dataKey`) and `erasedBelow`, the version of its latest MARK_FORGOTTEN. A forget
 * removes the key in the same write that raises `erasedBelow` (functions/archive/keyring.ts), so
 * every archived copy of the forgotten life's personal data becomes unreadable. Only the archive
 * and the eraser touch it. Point-in-time recovery keeps a removed key for its window: 7 days here
 * (not 35), the bound docs/PRIVACY.md states, while still covering an operator's mistake.
 */
export const markArchiveKeysTable: TableDefinition = {
  logicalName: 'MarkArchiveKeys',
  envVar: 'MARK_ARCHIVE_KEYS_TABLE',
  partitionKey: { name: 'mark', type: 'S' },
  pointInTimeRecoveryDays: 7,
  inApi: false,
};

export const tables: readonly TableDefinition[] = [marksTable, markEventsTable, markSnapshotsTable, markArchiveKeysTable];

/** The tables resolvers read and write (their names reach AppSync's ctx.env). */
export const apiTables: readonly TableDefinition[] = tables.filter((t) => t.inApi !== false);
