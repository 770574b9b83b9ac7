/**
 * Test helpers for the downstream pipeline: realistic events (with personal data, so erasure can
 * be checked), writing them to MarkEvents, Lambda-shaped stream records, and reading the archive.
 */
import { BatchWriteItemCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import type { MarkEventRecord } from '../../functions/lib/mark-event';

let sequence = 0;

/** A person whose every field can be searched for after a forget. */
export function person(tag: string) {
  return {
    purchaserName: `Purchaser ${tag} Smith`,
    nomineeName: `Nominee ${tag} Jones`,
    address: { addLine1: `${tag} Acacia Avenue`, addLine2: `Flat ${tag}`, postTown: `Swansea ${tag}`, postcode: 'SA1 1AA' },
  };
}

/** The strings of a person that must not survive a forget. */
export function personalStrings(tag: string): string[] {
  const p = person(tag);
  return [p.purchaserName, p.nomineeName, p.address.addLine1, p.address.addLine2, p.address.postTown];
}

/** versions from..to of a mark: an entitlement first, then address and nominee changes. */
export function markEvents(mark: string, from: number, to: number, tag = mark): MarkEventRecord[] {
  const p = person(tag);
  const events: MarkEventRecord[] = [];
  for (let version = from; version <= to; version++) {
    const recordedAt = new Date(Date.UTC(2024, 0, 1) + version * 1000).toISOString();
    // as the current release writes them (test/event-shapes.test.ts writes older ones)
    const base = { mark, version, recordedAt, commandId: `cmd-${mark}-${version}`, schemaVersion: 1 };
    if (version === from) {
      events.push({
        ...base,
        type: 'ENTITLEMENT_CREATED',
        eventTime: recordedAt,
        data: { status: 'ENTITLEMENT_ASSIGNED', price: 250, entitlement: { certificateNo: `C${version}`, purchaserName: p.purchaserName, nomineeName: p.nomineeName, address: p.address } },
      });
    } else if (version % 2 === 0) {
      events.push({ ...base, type: 'ADDRESS_CHANGED', data: { address: { ...p.address, postcode: `SA${version} 1AA` } } });
    } else {
      events.push({ ...base, type: 'NOMINEE_CHANGED', data: { nomineeName: p.nomineeName } });
    }
  }
  return events;
}

export function forgotten(mark: string, version: number): MarkEventRecord {
  return { mark, version, type: 'MARK_FORGOTTEN', recordedAt: new Date(Date.UTC(2024, 1, 1) + version).toISOString(), schemaVersion: 1, data: {} };
}

/** Writes events as MarkEvents items, 25 per BatchWriteItem, retrying unprocessed ones. */
export async function putEvents(client: DynamoDBClient, table: string, events: object[]): Promise<void> {
  for (let i = 0; i < events.length; i += 25) {
    let requests = events.slice(i, i + 25).map((e) => ({ PutRequest: { Item: marshall(e, { removeUndefinedValues: true }) } }));
    while (requests.length) {
      const response = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests } }));
      requests = (response.UnprocessedItems?.[table] ?? []) as typeof requests;
    }
  }
}

export async function scanAll(client: DynamoDBClient, table: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }));
    items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** A DynamoDB stream record as Lambda delivers it for a MarkEvents INSERT. */
export function insertRecord(item: object, eventName: 'INSERT' | 'MODIFY' | 'REMOVE' = 'INSERT'): DynamoDBRecord {
  const image = marshall(item, { removeUndefinedValues: true });
  const seq = String(++sequence).padStart(21, '0');
  return {
    eventID: `e${seq}`,
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn:aws:dynamodb:us-east-1:000000000000:table/MarkEvents/stream/test',
    dynamodb: {
      ApproximateCreationDateTime: Date.now() / 1000,
      Keys: { mark: image.mark, version: image.version },
      NewImage: eventName === 'REMOVE' ? undefined : image,
      SequenceNumber: seq,
      SizeBytes: JSON.stringify(image).length,
      StreamViewType: 'NEW_IMAGE',
    },
  } as DynamoDBRecord;
}

/** Every object of the bucket under prefix, key → parsed JSON body. */
export async function readArchive(s3: S3Client, bucket: string, prefix = 'events/'): Promise<Map<string, unknown>> {
  const keys = await listKeys(s3, bucket, prefix);
  const bodies: unknown[] = [];
  for (let i = 0; i < keys.length; i += 32) {
    bodies.push(
      ...(await Promise.all(
        keys.slice(i, i + 32).map(async (key) => {
          try {
            return JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString()) as unknown;
          } catch (err) {
            throw new Error(`reading s3://${bucket}/${key}: ${(err as Error).name}: ${(err as Error).message}`, { cause: err });
          }
        }),
      )),
    );
  }
  // In listing order (S3 lists keys in UTF-8 binary order), never in the order the GETs complete.
  return new Map(keys.map((key, i) => [key, bodies[i]]));
}

/** Every archived body as text, for a search for personal data. */
export async function archiveText(s3: S3Client, bucket: string): Promise<string> {
  const all = await readArchive(s3, bucket, '');
  return [...all].map(([key, body]) => `${key}\n${JSON.stringify(body)}`).join('\n');
}

/**
 * Every key under prefix. ListObjects v1 (paged by marker): s3rver's v2 continuation tokens use
 * DES, which OpenSSL 3 lacks, so v2 listings past 1,000 keys fail there.
 */
export async function listKeys(s3: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  let marker: string | undefined;
  for (;;) {
    const page = await s3.send(new ListObjectsCommand({ Bucket: bucket, Prefix: prefix, Marker: marker }));
    const batch = (page.Contents ?? []).map((c) => c.Key!);
    keys.push(...batch);
    if (!page.IsTruncated || !batch.length) return keys;
    marker = page.NextMarker ?? batch[batch.length - 1];
  }
}
