/**
 * Events as a release before versioned shapes wrote them (test/fixtures/old-release: no
 * schemaVersion on any event, put directly into DynamoDB Local) are replayed by getMarkAt, listed,
 * verified and archived through the upcaster, and a command appends on top of them in the current
 * shape.
 */
import { BatchWriteItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { markPrefix } from '../functions/archive/keys';
import { verifyStore } from '../local/ops/verify';
import { rebuildStore } from '../local/ops/rebuild';
import { s3Client } from '../local/services/s3rver';
import { toGraphQLMark } from '../resolvers/lib/output';
import { fold } from '../resolvers/lib/state';
import { SCHEMA_VERSIONS, upcast, upcastAll, type StoredEvent } from '../resolvers/lib/upcast';
import { readArchive } from './support/pipeline-fixtures';
import { answerableData, answeredData, getMarkAt, listMarkEvents, ok, storedEvents, withoutNulls } from './support/marks';
import { startTestStack, type TestStack } from './support/stack';

type Items = Record<string, AttributeValue>[];
const FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/old-release/unversioned-events.json', import.meta.url), 'utf8')) as {
  MarkEvents: Items;
  Marks: Items;
  MarkSnapshots: Items;
};
const OLD_EVENTS = FIXTURE.MarkEvents.map((item) => unmarshall(item) as StoredEvent);
const eventsOf = (mark: string) => OLD_EVENTS.filter((e) => e.mark === mark);

let stack: TestStack;
let s3: S3Client;

async function put(table: string, items: Items): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    const out = await stack.dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
    expect(out.UnprocessedItems?.[table] ?? []).toEqual([]);
  }
}

beforeAll(async () => {
  stack = await startTestStack({ label: 'oldshapes', pipeline: { pollIntervalMs: 50 } });
  s3 = s3Client(stack.pipeline!.archive.endpoint);
  await put(stack.env.MARK_EVENTS_TABLE!, FIXTURE.MarkEvents);
  await put(stack.env.MARKS_TABLE!, FIXTURE.Marks);
  await put(stack.env.MARK_SNAPSHOTS_TABLE!, FIXTURE.MarkSnapshots);
}, 180_000);

afterAll(async () => {
  s3?.destroy();
  await stack?.stop();
});

describe('events of an older shape (no schemaVersion)', () => {
  it('the fixture is what an old release wrote: no event carries a schemaVersion', () => {
    expect(OLD_EVENTS.length).toBe(18);
    expect(OLD_EVENTS.filter((e) => 'schemaVersion' in e)).toEqual([]);
    // every event type a release before versioned shapes could write (MARK_PURCHASED came after them)
    expect(new Set(OLD_EVENTS.map((e) => e.type))).toEqual(new Set(Object.keys(SCHEMA_VERSIONS).filter((type) => type !== 'MARK_PURCHASED')));
  });

  it('getMarkAt replays them, from nothing and from a snapshot', async () => {
    const old = eventsOf('OLD 1');
    const read = upcastAll(old);
    if (!read.ok) throw new Error(read.reason);
    for (const version of [1, 5, 10, 12]) {
      const replayed = await getMarkAt(stack, 'OLD 1', undefined, version);
      expect(replayed.errors, `version ${version}`).toEqual([]);
      expect(withoutNulls(replayed.data), `version ${version}`).toEqual(withoutNulls(toGraphQLMark(fold(read.events.slice(0, version)))));
    }
    // before the forget of OLD 2 (historyStartsAt 4) is erased history; after it, a new life
    expect((await getMarkAt(stack, 'OLD 2', undefined, 2)).data).toBeNull();
    expect((await getMarkAt(stack, 'OLD 2', undefined, 5)).data).toMatchObject({ status: 'MARK_AVAILABLE', price: 499, version: 5 });
  });

  it('listMarkEvents answers them in the current shape', async () => {
    const listed = await listMarkEvents(stack, 'OLD 1', { limit: 50 });
    expect(listed.errors).toEqual([]);
    // as staff: the open data and the personal data together are the upcast event's data
    expect(listed.data!.items.map((e) => [e.version, e.type, answeredData(e)])).toEqual(
      eventsOf('OLD 1').map((e) => [e.version, e.type, answerableData((upcast(e) as { ok: true; event: { data: object } }).event.data)]),
    );
  });

  it('npm run verify finds the views and the snapshot equal to their fold, once rebuild has written the forget snapshot that release did not', async () => {
    const tables = { marks: stack.env.MARKS_TABLE!, events: stack.env.MARK_EVENTS_TABLE!, snapshots: stack.env.MARK_SNAPSHOTS_TABLE! };
    // since issue 20 a forget writes a snapshot (getMarkAt by time starts there: resolvers/lib/mark.ts
    // takesSnapshot); that release wrote none, so verify names it and rebuild writes it (docs/PERFORMANCE.md, migrating a stack)
    const before = await verifyStore({ client: stack.dynamodb, tables, segments: 2 });
    expect(before.differences).toEqual([{ mark: 'OLD 2', version: 4, item: 'snapshot', field: '(missing)' }]);
    expect(await rebuildStore({ client: stack.dynamodb, tables, segments: 2 })).toMatchObject({ snapshotsWritten: 1 });
    const report = await verifyStore({ client: stack.dynamodb, tables, segments: 2 });
    expect(report.differences).toEqual([]);
    expect(report).toMatchObject({ marks: 2, snapshots: 2 });
    // OLD 2's history starts at its forget (version 4): 2 events, plus 13 of OLD 1
    expect(report.events).toBe(15);
  });

  it('a command appends on top of them in the current shape, and verify still agrees', async () => {
    await ok(stack, 'changeNominee', { mark: 'OLD 1', expectedVersion: 13, nomineeName: 'Nominee 14' });
    const stored = await storedEvents(stack, 'OLD 1');
    expect(stored.map((e) => e.schemaVersion ?? 'none')).toEqual([...Array(13).fill('none'), SCHEMA_VERSIONS.NOMINEE_CHANGED]);
    const report = await verifyStore({ client: stack.dynamodb, tables: { marks: stack.env.MARKS_TABLE!, events: stack.env.MARK_EVENTS_TABLE!, snapshots: stack.env.MARK_SNAPSHOTS_TABLE! }, segments: 1 });
    expect(report.differences).toEqual([]);
  });

  it('the archive stores every one of them in the current shape, stamped with its schemaVersion', async () => {
    await stack.pipeline!.drain();
    const archived = [...(await readArchive(s3, stack.pipeline!.archive.bucket, markPrefix('OLD 1'))).values()] as StoredEvent[];
    expect(archived.map((e) => e.version)).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
    for (const event of archived) expect(event.schemaVersion, `v${event.version}`).toBe(SCHEMA_VERSIONS[event.type as keyof typeof SCHEMA_VERSIONS]);
    const old = eventsOf('OLD 1');
    expect(archived.slice(0, 13).map((e) => e.data)).toEqual(old.map((e) => e.data));
  });
});
