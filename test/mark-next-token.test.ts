/**
 * Issue 10, defect 9 (nextToken): a nextToken the query did not hand out is a ValidationError on
 * `nextToken` (MARK-DOMAIN.md), never a data source failure, on all three list queries — including
 * a well-formed token whose key has a shape the query never hands out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './support/stack';
import { freshMark, listMarkEvents, ok, query } from './support/marks';

let stack: TestStack;
let mark: string;

beforeAll(async () => {
  stack = await startTestStack({ label: 'marktoken' });
  mark = freshMark('N');
  await ok(stack, 'releaseMark', { mark, price: 1 });
  await ok(stack, 'lockMark', { mark, expectedVersion: 1 });
});

afterAll(async () => {
  await stack?.stop();
});

const token = (key: unknown) => Buffer.from(JSON.stringify({ v: 1, k: key })).toString('base64url');

/** Keys of shapes no list query hands out: untyped values, wrong types, foreign or missing attributes, malformed numbers. */
const FORGED: Record<string, string> = {
  'untyped value (the issue)': token({ mark: 'x' }),
  'untyped values': token({ mark: 'x', version: 1, status: 'MARK_AVAILABLE' }),
  'empty key': token({}),
  'number where a string belongs': token({ mark: { N: '1' }, version: { N: '1' }, status: { S: 'MARK_AVAILABLE' } }),
  'string where a number belongs': token({ mark: { S: 'AB 1' }, version: { S: '1' } }),
  'two types in one value': token({ mark: { S: 'x', N: '1' }, version: { N: '1' } }),
  'malformed number': token({ mark: { S: 'AB 1' }, version: { N: 'one' } }),
  'foreign attribute': token({ mark: { S: 'AB 1' }, version: { N: '1' }, secret: { S: 'x' } }),
  'list value': token({ mark: { L: [{ S: 'x' }] } }),
  'null value': token({ mark: { NULL: true }, version: { N: '1' } }),
  'array key': token([{ S: 'x' }]),
  'huge key': token({ mark: { S: 'x'.repeat(5000) }, version: { N: '1' } }),
};

describe('a forged but well-formed nextToken', () => {
  const lists: Record<string, (nextToken: string) => Promise<{ error?: { errorType?: string; errorInfo?: Record<string, unknown> }; data: unknown }>> = {
    listMarkEvents: (nextToken) => listMarkEvents(stack, mark, { nextToken }),
    'listMarks(status)': (nextToken) => query(stack, 'query Q($t: String) { listMarks(status: MARK_AVAILABLE, nextToken: $t) { items { mark } nextToken } }', { t: nextToken }),
    listMarks: (nextToken) => query(stack, 'query Q($t: String) { listMarks(nextToken: $t) { items { mark } nextToken } }', { t: nextToken }),
  };
  for (const [list, run] of Object.entries(lists)) {
    it(`is a ValidationError on nextToken for ${list}`, async () => {
      const wrong: string[] = [];
      for (const [name, nextToken] of Object.entries(FORGED)) {
        const outcome = await run(nextToken);
        const error = outcome.error;
        const fields = (error?.errorInfo as { errors?: { field: string }[] } | undefined)?.errors?.map((e) => e.field);
        if (error?.errorType !== 'ValidationError' || JSON.stringify(fields) !== '["nextToken"]') wrong.push(`${name}: ${JSON.stringify(error ?? outcome.data)}`);
      }
      expect(wrong).toEqual([]);
    });
  }

  it("is a ValidationError too when it is another query's token, or another mark's", async () => {
    const other = freshMark('N');
    await ok(stack, 'releaseMark', { mark: other, price: 1 });
    await ok(stack, 'lockMark', { mark: other, expectedVersion: 1 });
    const othersToken = (await listMarkEvents(stack, other, { limit: 1 })).data!.nextToken!;
    const scanToken = (await query<{ nextToken: string | null }>(stack, 'query { listMarks(limit: 1) { items { mark } nextToken } }', {})).data!.nextToken!;
    for (const nextToken of [othersToken, scanToken]) {
      const outcome = await listMarkEvents(stack, mark, { nextToken });
      expect(outcome.error, nextToken).toMatchObject({ errorType: 'ValidationError', errorInfo: { errors: [{ field: 'nextToken' }] } });
    }
    const byStatus = await query(stack, 'query Q($t: String) { listMarks(status: MARK_AVAILABLE, nextToken: $t) { items { mark } } }', { t: othersToken });
    expect(byStatus.error).toMatchObject({ errorType: 'ValidationError', errorInfo: { errors: [{ field: 'nextToken' }] } });
  });

  it('while the tokens the queries hand out still page', async () => {
    const page1 = await listMarkEvents(stack, mark, { limit: 1 });
    const page2 = await listMarkEvents(stack, mark, { limit: 1, nextToken: page1.data!.nextToken! });
    expect(page2.data?.items.map((e) => e.version)).toEqual([2]);
    const marks = await query<{ nextToken: string | null }>(stack, 'query { listMarks(status: MARK_AVAILABLE, limit: 1) { items { mark } nextToken } }', {});
    if (marks.data?.nextToken) {
      const next = await query(stack, 'query Q($t: String) { listMarks(status: MARK_AVAILABLE, limit: 1, nextToken: $t) { items { mark } nextToken } }', { t: marks.data.nextToken });
      expect(next.errors).toEqual([]);
    }
    const scanned = await query<{ nextToken: string | null }>(stack, 'query { listMarks(limit: 1) { items { mark } nextToken } }', {});
    expect(scanned.data?.nextToken).toBeTruthy();
    expect((await query(stack, 'query Q($t: String) { listMarks(limit: 1, nextToken: $t) { items { mark } nextToken } }', { t: scanned.data!.nextToken })).errors).toEqual([]);
  });
});
