/**
 * Test helpers for the downstream pipeline: realistic events (with personal data, so erasure can
 * be checked), writing them to MarkEvents, Lambda-shaped stream records, and reading the archive.
 */
import { BatchWriteItemCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { eventKey, eventsOfRun, runOfKey } from '../../functions/archive/keys';
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

/**
 * What the archive holds under prefix, in listing order: each event of a run object under its own
 * address, eventKey(mark, version) (functions/archive/keys.ts), every other object (an erasure
 * marker) under its key, with the parsed JSON body. An event found in two runs (a redelivery cut
 * elsewhere) must be the same event: anything else throws.
 */
export async function readArchive(s3: S3Client, bucket: string, prefix = 'events/'): Promise<Map<string, unknown>> {
  const keys = await listObjectKeys(s3, bucket, prefix);
  const bodies: string[] = [];
  for (let i = 0; i < keys.length; i += 32) {
    bodies.push(
      ...(await Promise.all(
        keys.slice(i, i + 32).map(async (key) => {
          try {
            return await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
          } catch (err) {
            throw new Error(`reading s3://${bucket}/${key}: ${(err as Error).name}: ${(err as Error).message}`, { cause: err });
          }
        }),
      )),
    );
  }
  const archive = new Map<string, unknown>();
  keys.forEach((key, i) => {
    const run = runOfKey(key);
    if (!run) {
      archive.set(key, JSON.parse(bodies[i]) as unknown);
      return;
    }
    const events = eventsOfRun<{ mark: string; version: number }>(bodies[i]);
    const versions = events.map((e) => e.version);
    const expected = Array.from({ length: run.last - run.first + 1 }, (_, k) => run.first + k);
    if (JSON.stringify(versions) !== JSON.stringify(expected) || events.some((e) => e.mark !== run.mark)) {
      throw new Error(`s3://${bucket}/${key} holds ${run.mark === events[0]?.mark ? '' : `mark ${events[0]?.mark} `}versions ${versions.join(',')}, not the run its key names`);
    }
    for (const event of events) {
      const address = eventKey(event.mark, event.version);
      if (archive.has(address) && JSON.stringify(archive.get(address)) !== JSON.stringify(event)) {
        throw new Error(`${address} is archived twice with different contents`);
      }
      archive.set(address, event);
    }
  });
  // in address order: keys and addresses of one mark sort by version (functions/archive/keys.ts)
  return new Map([...archive].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Every archived body as text, for a search for personal data. */
export async function archiveText(s3: S3Client, bucket: string): Promise<string> {
  const all = await readArchive(s3, bucket, '');
  return [...all].map(([key, body]) => `${key}\n${JSON.stringify(body)}`).join('\n');
}

/**
 * What the archive holds under prefix, without reading a body: the address of every event of
 * every run object (a run's key names its versions), the key of every other object.
 */
export async function listKeys(s3: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  const addresses = new Set<string>();
  for (const key of await listObjectKeys(s3, bucket, prefix)) {
    const run = runOfKey(key);
    if (!run) addresses.add(key);
    else for (let version = run.first; version <= run.last; version++) addresses.add(eventKey(run.mark, version));
  }
  return [...addresses].sort();
}

/**
 * Every object key under prefix. ListObjects v1 (paged by marker): s3rver's v2 continuation tokens
 * use DES, which OpenSSL 3 lacks, so v2 listings past 1,000 keys fail there.
 */
export async function listObjectKeys(s3: S3Client, bucket: string, prefix = ''): Promise<string[]> {
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
