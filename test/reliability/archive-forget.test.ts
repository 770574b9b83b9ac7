/**
 * Issue 26: a forget erases the archive even though its objects hold many marks (crypto-shredding,
 * docs/PRIVACY.md). Through the API and the stack's pipeline: a mark lives (with a commandId on
 * each command), is forgotten, its old life is delivered to the archive again after the forget (as
 * a relay retry or a replay would), and the mark lives again with another person. Then the whole
 * bucket is read as an attacker who has it and the key table as it is would read it: every object,
 * every line, every sealed box tried with every key left. None of the forgotten life's personal
 * data is found; the bystander's and the next life's are (the search would have found them), and a
 * reader with the keys reads the next life whole.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { eventKey, isBatchKey, linesOf, markPrefix } from '../../functions/archive/keys';
import { tryOpen, type ArchivedLine } from '../../functions/archive/sealing';
import { toMarkEventRecord } from '../../functions/lib/mark-event';
import { kinesisClient } from '../../local/services/kinesalite';
import { s3Client } from '../../local/services/s3rver';
import { startTestStack, type TestStack } from '../support/stack';
import { keyItems, listObjectKeys, readArchive, scanAll } from '../support/pipeline-fixtures';

let stack: TestStack;
let s3: S3Client;
const counts = { objects: 0, lines: 0, sealed: 0, keysLeft: 0, attempts: 0, opened: 0 };

beforeAll(async () => {
  stack = await startTestStack({ label: 'relshred', pipeline: { pollIntervalMs: 50, batchSize: { archive: 7 } } });
  s3 = s3Client(stack.pipeline!.archive.endpoint);
});

afterAll(async () => {
  console.log(`archive-forget: ${JSON.stringify(counts)}`);
  s3?.destroy();
  await stack?.stop();
});

const CREATE = `mutation($input: CreateEntitlementInput!) { createEntitlement(input: $input) { mark version type } }`;
const ADDRESS = `mutation($input: ChangeAddressInput!) { changeAddress(input: $input) { mark version type } }`;
const NOMINEE = `mutation($input: ChangeNomineeInput!) { changeNominee(input: $input) { mark version type } }`;
const FORGET = `mutation($input: ForgetMarkInput!) { forgetMark(input: $input) { mark version type } }`;

const address = (tag: string) => ({ addLine1: `${tag} Quarry Road`, addLine2: `Flat ${tag}`, postTown: `Bangor ${tag}`, postcode: 'LL57 1AA' });
const secrets = (tag: string) => [`Purchaser ${tag}`, `Nominee ${tag}`, `${tag} Quarry Road`, `Flat ${tag}`, `Bangor ${tag}`, `cmd ${tag}`, `CERT${tag}`];

/** A life of a mark through the API from `version` (0: new): created, then `changes` address and nominee changes. */
async function live(mark: string, tag: string, changes: number, version = 0): Promise<number> {
  const entitlement = { certificateNo: `CERT${tag}`, purchaserName: `Purchaser ${tag}`, nomineeName: `Nominee ${tag}`, address: address(tag) };
  const created = await stack.gql(CREATE, { input: { mark, commandId: `cmd ${tag} 0`, entitlement } }, { as: 'staff' });
  expect(created.body.errors).toBeUndefined();
  version += 1;
  for (let i = 1; i <= changes; i++) {
    const common = { mark, expectedVersion: version, commandId: `cmd ${tag} ${i}` };
    const r =
      i % 2 === 1
        ? await stack.gql(ADDRESS, { input: { ...common, address: address(tag) } }, { as: 'staff' })
        : await stack.gql(NOMINEE, { input: { ...common, nomineeName: `Nominee ${tag}` } }, { as: 'staff' });
    expect(r.body.errors).toBeUndefined();
    version++;
  }
  return version;
}

it('after a forget, nobody holding the whole bucket and the keys left reads the forgotten life; the next life and a bystander stay readable', async () => {
  const mark = 'SHRED 1';
  const bucket = stack.pipeline!.archive.bucket;
  const last = await live(mark, 'Bartholomew', 6);
  await live('SHRED 2', 'Philippa', 3);
  await stack.pipeline!.drain();
  // the forgotten life as the relay put it on the stream, to deliver again after the forget
  const oldLife = (await scanAll(stack.dynamodb, stack.env.MARK_EVENTS_TABLE)).filter((i) => i.mark === mark).map((i) => toMarkEventRecord(i));
  expect(oldLife).toHaveLength(last);
  expect([...(await readArchive(s3, bucket, markPrefix(mark))).keys()]).toHaveLength(last);

  const forget = await stack.gql(FORGET, { input: { mark, expectedVersion: last, commandId: 'cmd forget' } }, { as: 'staff' });
  expect(forget.body.errors).toBeUndefined();
  await stack.pipeline!.drain();

  // The old life again, after the forget: a relay retry or a replay of the stream.
  const kinesis = kinesisClient(stack.pipeline!.kinesis.endpoint);
  try {
    const Records = oldLife.map((parsed) => {
      if (!parsed.ok) throw new Error(parsed.reason);
      return { PartitionKey: mark, Data: Buffer.from(JSON.stringify(parsed.event)) };
    });
    const put = await kinesis.send(new PutRecordsCommand({ StreamName: stack.pipeline!.kinesis.streamName, Records }));
    expect(put.FailedRecordCount ?? 0).toBe(0);
  } finally {
    kinesis.destroy();
  }
  // The next life, another person.
  const next = await live(mark, 'Cressida', 2, last + 1);
  await stack.pipeline!.drain();

  // The attacker: every object of the bucket, every line, every box with every key left.
  const keys = await keyItems({ dynamodb: stack.dynamodb, table: stack.env.MARK_ARCHIVE_KEYS_TABLE });
  const dataKeys = keys.flatMap((k) => (k.dataKey ? [k.dataKey] : []));
  counts.keysLeft = dataKeys.length;
  const found: string[] = [];
  for (const key of await listObjectKeys(s3, bucket, '')) {
    const body = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
    counts.objects++;
    found.push(key, body);
    if (!isBatchKey(key)) continue;
    for (const line of linesOf<ArchivedLine>(body)) {
      counts.lines++;
      if (line.sealed === undefined) continue;
      counts.sealed++;
      for (const dataKey of dataKeys) {
        counts.attempts++;
        const secret = tryOpen(line, dataKey);
        if (secret) {
          counts.opened++;
          found.push(JSON.stringify(secret));
        }
      }
    }
  }
  const everything = found.join('\n');
  for (const secret of secrets('Bartholomew')) expect(everything, secret).not.toContain(secret);
  // the search works: what may be read is found
  for (const secret of [...secrets('Philippa'), ...secrets('Cressida')]) expect(everything, secret).toContain(secret);
  // the forgotten life's lines are all still there, their open fields in clear, twice (the late delivery)
  expect(counts.lines).toBeGreaterThanOrEqual(2 * last + 1 + (next - last - 1) + 4);

  // A reader with the keys: the tombstone and the next life, whole, as MarkEvents holds them.
  const archived = await readArchive(s3, bucket, markPrefix(mark));
  const stored = (await scanAll(stack.dynamodb, stack.env.MARK_EVENTS_TABLE)).filter((i) => i.mark === mark);
  expect(stored.map((i) => i.version)).toEqual(Array.from({ length: next - last }, (_, i) => last + 1 + i));
  expect([...archived.keys()]).toEqual(stored.map((i) => eventKey(mark, i.version as number)));
  for (const item of stored) expect(archived.get(eventKey(mark, item.version as number))).toEqual({ ...item, commandHash: undefined });
  // one key per mark with a readable life; the forgotten one's is gone, replaced
  expect(keys.find((k) => k.mark === mark)).toMatchObject({ erasedBelow: last + 1 });
});
