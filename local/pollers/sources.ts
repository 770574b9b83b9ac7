/**
 * The two streams the local mappings read, and the Lambda-shaped records they produce.
 */
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand as GetStreamRecordsCommand,
  GetShardIteratorCommand as GetStreamShardIteratorCommand,
  ListStreamsCommand,
  type _Record as StreamRecord,
  type AttributeValue as StreamAttributeValue,
} from '@aws-sdk/client-dynamodb-streams';
import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
  type _Record as KinesisRecord,
} from '@aws-sdk/client-kinesis';
import type { DynamoDBRecord, KinesisStreamRecord } from 'aws-lambda';
import type { Position } from './checkpoint';
import type { RecordsPage, ShardInfo, StreamSource } from './shard-poller';

/** GetRecords limits: 1,000 records per call on DynamoDB Streams, 10,000 on Kinesis. */
const DYNAMODB_STREAMS_MAX = 1_000;
const KINESIS_MAX = 10_000;

/** The stream of a table (its latest one: a table gets a new stream if it is recreated). */
export async function latestStreamArn(client: DynamoDBStreamsClient, tableName: string): Promise<string> {
  const listed = await client.send(new ListStreamsCommand({ TableName: tableName }));
  const arn = listed.Streams?.[0]?.StreamArn;
  if (!arn) throw new Error(`table ${tableName} has no stream (is StreamSpecification on?)`);
  return arn;
}

export class DynamoDbStreamSource implements StreamSource<StreamRecord> {
  constructor(
    private readonly client: DynamoDBStreamsClient,
    readonly streamId: string,
  ) {}

  async listShards(): Promise<ShardInfo[]> {
    const shards: ShardInfo[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const page = await this.client.send(
        new DescribeStreamCommand({ StreamArn: this.streamId, ExclusiveStartShardId: exclusiveStartShardId }),
      );
      for (const shard of page.StreamDescription?.Shards ?? []) {
        shards.push({ shardId: shard.ShardId!, parentShardIds: shard.ParentShardId ? [shard.ParentShardId] : [] });
      }
      exclusiveStartShardId = page.StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    return shards;
  }

  async getIterator(shardId: string, position: Position | undefined): Promise<string> {
    const response = await this.client.send(
      new GetStreamShardIteratorCommand({
        StreamArn: this.streamId,
        ShardId: shardId,
        ShardIteratorType: position?.type ?? 'TRIM_HORIZON',
        SequenceNumber: position?.sequenceNumber,
      }),
    );
    return response.ShardIterator!;
  }

  async getRecords(iterator: string, limit: number): Promise<RecordsPage<StreamRecord>> {
    const response = await this.client.send(
      new GetStreamRecordsCommand({ ShardIterator: iterator, Limit: Math.min(limit, DYNAMODB_STREAMS_MAX) }),
    );
    return { records: response.Records ?? [], nextIterator: response.NextShardIterator ?? undefined };
  }

  sequenceNumber(record: StreamRecord): string {
    return record.dynamodb!.SequenceNumber!;
  }
}

/**
 * The record as Lambda delivers it: creation time in epoch seconds, the event source ARN.
 * DynamoDB Local renders an empty map attribute as `{}` in stream records where DynamoDB
 * sends `{ "M": {} }` (seen on the wire); that is put right here, so the handlers get exactly
 * what AWS would give them.
 */
export function toLambdaDynamoDbRecord(record: StreamRecord, streamArn: string): DynamoDBRecord {
  const stream = record.dynamodb ?? {};
  const created = stream.ApproximateCreationDateTime;
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion,
    eventSource: record.eventSource,
    awsRegion: record.awsRegion,
    eventSourceARN: streamArn,
    dynamodb: {
      ApproximateCreationDateTime: created instanceof Date ? created.getTime() / 1000 : (created as number | undefined),
      Keys: fixImage(stream.Keys),
      NewImage: fixImage(stream.NewImage),
      OldImage: fixImage(stream.OldImage),
      SequenceNumber: stream.SequenceNumber,
      SizeBytes: stream.SizeBytes,
      StreamViewType: stream.StreamViewType as NonNullable<DynamoDBRecord['dynamodb']>['StreamViewType'],
    },
  } as DynamoDBRecord;
}

type Image = Record<string, StreamAttributeValue> | undefined;

function fixImage(image: Image): Image {
  if (!image) return undefined;
  return Object.fromEntries(Object.entries(image).map(([key, value]) => [key, fixValue(value)]));
}

function fixValue(value: StreamAttributeValue): StreamAttributeValue {
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value).filter((k) => (value as unknown as Record<string, unknown>)[k] !== undefined);
  if (keys.length === 0) return { M: {} };
  if (value.M) return { M: fixImage(value.M)! };
  if (value.L) return { L: value.L.map(fixValue) };
  return value;
}

export class KinesisSource implements StreamSource<KinesisRecord> {
  /**
   * streamId names this incarnation of the stream in checkpoints (name and creation time), so
   * that positions in a deleted and re-created stream of the same name are not reused.
   */
  constructor(
    private readonly client: KinesisClient,
    private readonly streamName: string,
    readonly streamId: string,
  ) {}

  async listShards(): Promise<ShardInfo[]> {
    const shards: ShardInfo[] = [];
    let nextToken: string | undefined;
    do {
      // With a NextToken the stream name must be left out.
      const page = await this.client.send(
        new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: this.streamName }),
      );
      for (const shard of page.Shards ?? []) {
        shards.push({
          shardId: shard.ShardId!,
          parentShardIds: [shard.ParentShardId, shard.AdjacentParentShardId].filter((id): id is string => !!id),
        });
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return shards;
  }

  async getIterator(shardId: string, position: Position | undefined): Promise<string> {
    const response = await this.client.send(
      new GetShardIteratorCommand({
        StreamName: this.streamName,
        ShardId: shardId,
        ShardIteratorType: position?.type ?? 'TRIM_HORIZON',
        StartingSequenceNumber: position?.sequenceNumber,
      }),
    );
    return response.ShardIterator!;
  }

  async getRecords(iterator: string, limit: number): Promise<RecordsPage<KinesisRecord>> {
    const response = await this.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: Math.min(limit, KINESIS_MAX) }));
    return {
      records: response.Records ?? [],
      nextIterator: response.NextShardIterator ?? undefined,
      behindLatest: (response.MillisBehindLatest ?? 0) > 0,
    };
  }

  sequenceNumber(record: KinesisRecord): string {
    return record.SequenceNumber!;
  }
}

/** The stream's identity for checkpoints: its name and when it was created. */
export async function kinesisStreamId(client: KinesisClient, streamName: string): Promise<string> {
  const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
  const created = summary.StreamDescriptionSummary?.StreamCreationTimestamp;
  return `${streamName}@${created instanceof Date ? created.toISOString() : String(created)}`;
}

/** The record as Lambda delivers it: data in base64, arrival time in epoch seconds. */
export function toLambdaKinesisRecord(record: KinesisRecord, shardId: string, streamArn: string, region: string): KinesisStreamRecord {
  const arrival = record.ApproximateArrivalTimestamp;
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: record.PartitionKey!,
      sequenceNumber: record.SequenceNumber!,
      data: Buffer.from(record.Data ?? new Uint8Array()).toString('base64'),
      approximateArrivalTimestamp: arrival instanceof Date ? arrival.getTime() / 1000 : Date.now() / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${record.SequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/local-archive',
    awsRegion: region,
    eventSourceARN: streamArn,
  };
}
