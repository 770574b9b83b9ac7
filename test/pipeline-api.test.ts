/**
 * The pipeline behind the API: mutations through the local AppSync endpoint commit events
 * (TransactWriteItems by the APPSYNC_JS resolvers); the stack's pipeline (startStack({ pipeline }))
 * carries them to the archive, and forgetMark erases the mark's personal data everywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3Client } from '@aws-sdk/client-s3';
import { eventKey, markPrefix } from '../functions/archive/keys';
import { s3Client } from '../local/services/s3rver';
import { startTestStack, type TestStack } from './support/stack';
import { archiveText, readArchive, scanAll } from './support/pipeline-fixtures';

let stack: TestStack;
let s3: S3Client;

beforeAll(async () => {
  stack = await startTestStack({ label: 'pipelineapi', pipeline: { pollIntervalMs: 50 } });
  s3 = s3Client(stack.pipeline!.archive.endpoint);
});

afterAll(async () => {
  s3?.destroy();
  await stack?.stop();
});

const CREATE = `mutation($input: CreateEntitlementInput!) { createEntitlement(input: $input) { mark version type } }`;
const ADDRESS = `mutation($input: ChangeAddressInput!) { changeAddress(input: $input) { mark version type } }`;
const NOMINEE = `mutation($input: ChangeNomineeInput!) { changeNominee(input: $input) { mark version type } }`;
const FORGET = `mutation($input: ForgetMarkInput!) { forgetMark(input: $input) { mark version type } }`;

const address = (tag: string) => ({ addLine1: `${tag} Mulberry Lane`, addLine2: `Unit ${tag}`, postTown: `Cardiff ${tag}`, postcode: 'CF10 1AA' });

/** A mark's life through the API: created, then alternating address and nominee changes. */
async function live(mark: string, tag: string, changes: number): Promise<number> {
  const created = await stack.gql(
    CREATE,
    { input: { mark, entitlement: { certificateNo: `CERT${tag}`, purchaserName: `Purchaser ${tag}`, nomineeName: `Nominee ${tag}`, address: address(tag) } } },
    { as: 'staff' },
  );
  expect(created.body.errors).toBeUndefined();
  let version = 1;
  for (let i = 0; i < changes; i++) {
    const r =
      i % 2 === 0
        ? await stack.gql(ADDRESS, { input: { mark, expectedVersion: version, address: address(`${tag}${i}`) } }, { as: 'staff' })
        : await stack.gql(NOMINEE, { input: { mark, expectedVersion: version, nomineeName: `Nominee ${tag}${i}` } }, { as: 'staff' });
    expect(r.body.errors).toBeUndefined();
    version++;
  }
  return version;
}

describe('pipeline behind the API', () => {
  it('archives exactly the events the mutations appended, each equal to its MarkEvents item', async () => {
    const marks = ['APIA 1', 'APIB 2', 'APIC 3'];
    let mutations = 0;
    for (const [i, mark] of marks.entries()) mutations += await live(mark, `T${i}`, 6);
    await stack.pipeline!.drain();
    const items = await scanAll(stack.dynamodb, stack.env.MARK_EVENTS_TABLE);
    expect(items).toHaveLength(mutations);
    const archived = await readArchive(s3, stack.pipeline!.archive.bucket);
    expect(archived.size).toBe(mutations);
    for (const item of items) expect(archived.get(eventKey(item.mark as string, item.version as number))).toEqual(item);
  });

  it('forgetMark leaves only a tombstone free of personal data, in the tables and in the archive', async () => {
    const mark = 'FGT 1';
    const version = await live(mark, 'Ermintrude', 5);
    await live('KEEP 1', 'Florence', 1);
    await stack.pipeline!.drain();
    const forget = await stack.gql(FORGET, { input: { mark, expectedVersion: version } }, { as: 'staff' });
    expect(forget.body.errors).toBeUndefined();
    await stack.pipeline!.drain();

    const events = (await scanAll(stack.dynamodb, stack.env.MARK_EVENTS_TABLE)).filter((i) => i.mark === mark);
    expect(events.map((e) => [e.version, e.type])).toEqual([[version + 1, 'MARK_FORGOTTEN']]);
    expect([...(await readArchive(s3, stack.pipeline!.archive.bucket, markPrefix(mark))).keys()]).toEqual([eventKey(mark, version + 1)]);

    const everything = [
      ...(await Promise.all(Object.values(stack.env).map(async (table) => JSON.stringify(await scanAll(stack.dynamodb, table))))),
      await archiveText(s3, stack.pipeline!.archive.bucket),
    ].join('\n');
    for (const secret of ['Ermintrude', 'Purchaser Ermintrude', 'Nominee Ermintrude', 'Ermintrude Mulberry Lane', 'Unit Ermintrude', 'Cardiff Ermintrude']) expect(everything).not.toContain(secret);
    // The other mark's data is still there: the search would have found it.
    expect(everything).toContain('Purchaser Florence');
    expect(everything).toContain('Florence Mulberry Lane');
  });
});
