/**
 * Reading the event store for npm run verify / rebuild, on the local stack or in AWS alike: the
 * Marks view by parallel Scan segments (each segment pages on its own, so the work spreads over
 * the table's partitions as it grows), and each mark's events and snapshots from its
 * `historyStartsAt` by Query. Every read is strongly consistent: a difference found is one that
 * is there, not a replica lagging.
 */
import { QueryCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { MarkState } from '../../resolvers/lib/state';
import type { StoredEvent } from '../../resolvers/lib/upcast';
import type { MarkHistory } from './check';

export interface StoreTables {
  marks: string;
  events: string;
  snapshots: string;
}

export type ScanKey = Record<string, AttributeValue>;

export interface ScanPage {
  views: MarkState[];
  /** where the next page of this segment starts; undefined: the segment is done */
  next?: ScanKey;
}

/** One page of one Scan segment of the Marks view. */
export async function scanViews(client: DynamoDBClient, table: string, segment: number, totalSegments: number, start: ScanKey | undefined, pageSize: number): Promise<ScanPage> {
  const page = await client.send(
    new ScanCommand({ TableName: table, Segment: segment, TotalSegments: totalSegments, ExclusiveStartKey: start, Limit: pageSize, ConsistentRead: true }),
  );
  return { views: (page.Items ?? []).map((item) => unmarshall(item) as MarkState), next: page.LastEvaluatedKey };
}

async function queryBetween<T>(client: DynamoDBClient, table: string, mark: string, from: number, to: number): Promise<T[]> {
  const items: T[] = [];
  let start: ScanKey | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: '#mark = :mark AND #version BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#mark': 'mark', '#version': 'version' },
        ExpressionAttributeValues: { ':mark': { S: mark }, ':from': { N: String(from) }, ':to': { N: String(to) } },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(page.Items ?? []).map((item) => unmarshall(item) as T));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/**
 * A mark's events and snapshots from where its history starts (older ones are erased or about to
 * be) up to the view's version: events are immutable, so under live traffic the fold of exactly
 * these is what this view must equal, whatever was appended since the view was read.
 */
export async function readHistory(client: DynamoDBClient, tables: StoreTables, view: MarkState): Promise<MarkHistory> {
  const from = view.historyStartsAt ?? 1;
  const [events, snapshots] = await Promise.all([
    queryBetween<StoredEvent>(client, tables.events, view.mark, from, view.version),
    queryBetween<MarkState>(client, tables.snapshots, view.mark, from, view.version),
  ]);
  return { view, events, snapshots };
}

/** Runs `work` on at most `limit` items at once, in order of start. */
export async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]);
  });
  await Promise.all(workers);
}
