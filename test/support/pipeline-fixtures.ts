/**
 * Test helpers for the downstream pipeline: realistic events (with personal data, so erasure can
 * be checked), writing them to MarkEvents, Lambda-shaped stream records, and reading the archive.
 */
import { BatchWriteItemCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { eventKey, eventsPrefix, isBatchKey, linesOf } from '../../functions/archive/keys';
import type { MarkKey } from '../../functions/archive/keyring';
import { openLine, tryOpen, type ArchivedLine } from '../../functions/archive/sealing';
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
 * Where readers find the archive's data keys: MarkArchiveKeys of a stack. startTestStack
 * registers its own (test/support/stack.ts), so that a test reading the archive of the one stack
 * it runs need not name it; a test of several, or of handlers without a stack, passes its own.
 */
export interface ArchiveKeys {
  dynamodb: DynamoDBClient;
  table: string;
}
const registered = new Set<ArchiveKeys>();
export function registerArchiveKeys(keys: ArchiveKeys): () => void {
  registered.add(keys);
  return () => registered.delete(keys);
}
function keysOrDefault(keys: ArchiveKeys | undefined): ArchiveKeys {
  if (keys) return keys;
  if (registered.size !== 1) throw new Error(`reading the archive needs its key table: ${registered.size} stacks are running, name one`);
  return [...registered][0];
}

/** Every archived line of every batch object, with the key of the object that holds it. */
export async function archivedLines(s3: S3Client, bucket: string): Promise<{ key: string; line: ArchivedLine }[]> {
  const keys = (await listObjectKeys(s3, bucket, eventsPrefix)).filter(isBatchKey);
  const lines: { key: string; line: ArchivedLine }[] = [];
  for (let i = 0; i < keys.length; i += 32) {
    const bodies = await Promise.all(keys.slice(i, i + 32).map((key) => objectText(s3, bucket, key)));
    bodies.forEach((body, k) => lines.push(...linesOf<ArchivedLine>(body).map((line) => ({ key: keys[i + k], line }))));
  }
  return lines;
}

async function objectText(s3: S3Client, bucket: string, key: string): Promise<string> {
  try {
    return await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
  } catch (err) {
    throw new Error(`reading s3://${bucket}/${key}: ${(err as Error).name}: ${(err as Error).message}`, { cause: err });
  }
}

/** Every item of the key table, as the keyring reads them. */
export async function keyItems(keys: ArchiveKeys): Promise<MarkKey[]> {
  const items: MarkKey[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await keys.dynamodb.send(new ScanCommand({ TableName: keys.table, ExclusiveStartKey: start, ConsistentRead: true }));
    for (const item of page.Items ?? []) {
      const erasedBelow = Number(item.erasedBelow?.N ?? 0);
      items.push(item.dataKey?.B ? { mark: item.mark.S!, erasedBelow, dataKey: item.dataKey.B } : { mark: item.mark.S!, erasedBelow });
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/**
 * What a reader of the archive finds, by event address eventKey(mark, version)
 * (functions/archive/keys.ts), in address order, limited to addresses under `prefix` (e.g.
 * markPrefix(mark)): every archived event of each mark's current life and of the lives before
 * it that were never forgotten, opened with the key table's keys. A version below the mark's
 * erasedBelow is erased, and not listed. An event found in two objects (a redelivery cut
 * elsewhere) must be the same event, and a listed event must open: anything else throws.
 */
export async function readArchive(s3: S3Client, bucket: string, prefix = 'events/', keys?: ArchiveKeys): Promise<Map<string, unknown>> {
  const lines = (await archivedLines(s3, bucket)).filter(({ line }) => eventKey(line.mark, line.version).startsWith(prefix));
  const lives = new Map((await keyItems(keysOrDefault(keys))).map((item) => [item.mark, item]));
  const archive = new Map<string, unknown>();
  for (const { key, line } of lines) {
    const life = lives.get(line.mark);
    if (line.version < (life?.erasedBelow ?? 0)) continue;
    const opened = openLine(line, life);
    if (!opened.readable) throw new Error(`s3://${bucket}/${key}: ${line.mark} version ${line.version} does not open (${opened.reason})`);
    const address = eventKey(line.mark, line.version);
    if (archive.has(address) && JSON.stringify(archive.get(address)) !== JSON.stringify(opened.event)) {
      throw new Error(`${address} is archived twice with different contents`);
    }
    archive.set(address, opened.event);
  }
  // in address order: addresses of one mark sort by version (functions/archive/keys.ts)
  return new Map([...archive].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Everything the bucket gives away to whoever holds it and the key table as it is now, as text:
 * every object's body, and every sealed box that any key left in the table opens, whatever mark
 * it is stored under. A search for personal data after a forget looks here.
 */
export async function archiveText(s3: S3Client, bucket: string, keys?: ArchiveKeys): Promise<string> {
  const objects = await listObjectKeys(s3, bucket, '');
  const bodies = await Promise.all(objects.map((key) => objectText(s3, bucket, key)));
  const dataKeys = (await keyItems(keysOrDefault(keys))).flatMap((item) => (item.dataKey ? [item.dataKey] : []));
  const opened: string[] = [];
  for (const body of bodies) {
    for (const raw of body.split('\n')) {
      let line: ArchivedLine;
      try {
        line = JSON.parse(raw) as ArchivedLine;
      } catch {
        continue;
      }
      for (const dataKey of dataKeys) {
        const secret = line?.sealed === undefined ? undefined : tryOpen(line, dataKey);
        if (secret) opened.push(JSON.stringify(secret));
      }
    }
  }
  return [...objects.map((key, i) => `${key}\n${bodies[i]}`), ...opened].join('\n');
}

/** The address of every archived line under events/ (erased or not), without a key: how far the archive has got. */
export async function listKeys(s3: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  const addresses = new Set<string>();
  for (const { line } of await archivedLines(s3, bucket)) {
    const address = eventKey(line.mark, line.version);
    if (address.startsWith(prefix)) addresses.add(address);
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
