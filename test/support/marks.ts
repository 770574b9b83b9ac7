/**
 * Helpers of the mark-api integration tests: the GraphQL documents, the original's create request,
 * direct reads of the tables (to check what was, or was not, written) and the event codec.
 */
import { readFileSync } from 'node:fs';
import { QueryCommand, ScanCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { expect } from 'vitest';
import type { DomainEvent } from '../../resolvers/lib/events';
import type { MarkState } from '../../resolvers/lib/state';
import type { Identity, TestStack } from './stack';

export const ORIGINAL = JSON.parse(readFileSync(new URL('../fixtures/recorded/original-create-request.json', import.meta.url), 'utf8')) as {
  request: Record<string, unknown> & { mark: string; entitlement: Record<string, unknown> };
};

/** What anyone may select of an event, subscribers with the API key included (docs/AUTHORIZATION.md). */
export const OPEN_EVENT_FIELDS = 'mark version type recordedAt eventTime commandId data ownership';
export const EVENT_FIELDS = `${OPEN_EVENT_FIELDS} personalData`;
export const MARK_FIELDS = `mark status price lockedUntil eventTime version updatedAt
  entitlement { certificateNo nomineeName purchaserName certificateTime agreementTime expiryTime customerId telephoneNo
    address { addLine1 addLine2 addLine3 addLine4 postTown postcode } }`;

/** Every mutation of the API and the type of its one `input` argument. */
export const MUTATION_INPUT: Record<string, string> = {
  releaseMark: 'ReleaseMarkInput',
  createEntitlement: 'CreateEntitlementInput',
  extendEntitlement: 'ExtendEntitlementInput',
  changeAddress: 'ChangeAddressInput',
  changeNominee: 'ChangeNomineeInput',
  issueDuplicateCertificate: 'IssueDuplicateCertificateInput',
  lockMark: 'LockMarkInput',
  unlockMark: 'UnlockMarkInput',
  purchaseMark: 'PurchaseMarkInput',
  forgetMark: 'ForgetMarkInput',
};

export interface GqlError {
  message: string;
  errorType?: string;
  errorInfo?: Record<string, unknown>;
}

export interface Outcome<T> {
  data: T | null;
  error?: GqlError;
  errors: GqlError[];
}

export interface MarkEventOut {
  mark: string;
  version: number;
  type: string;
  recordedAt: string;
  eventTime: string | null;
  commandId: string | null;
  data: string;
  personalData: string | null;
  ownership: number | null;
}

/**
 * The whole `data` of an answered event, as its stored item holds it (`data` plus `personalData`),
 * but for the lock holder's id, which no answer carries (docs/AUTHORIZATION.md).
 */
export function answeredData(out: Pick<MarkEventOut, 'data' | 'personalData'>): Record<string, unknown> {
  return { ...JSON.parse(out.data), ...(out.personalData ? JSON.parse(out.personalData) : {}) };
}

/** A stored event's data as an answer can show it: without the lock holder's id. */
export function answerableData(data: object): Record<string, unknown> {
  const { holder: _holder, ...rest } = data as Record<string, unknown>;
  return rest;
}

/**
 * Runs one mutation over HTTP as `as` (the seeded registry staff user unless told: every command
 * is theirs): the MarkEvent it returned, or its first error.
 */
export async function command(stack: TestStack, name: string, input: Record<string, unknown>, as: Identity = 'staff'): Promise<Outcome<MarkEventOut>> {
  const res = await stack.gql<Record<string, MarkEventOut>>(`mutation M($input: ${MUTATION_INPUT[name]}!) { ${name}(input: $input) { ${EVENT_FIELDS} } }`, { input }, { as });
  const errors = (res.body.errors ?? []) as GqlError[];
  return { data: res.body.data?.[name] ?? null, error: errors[0], errors };
}

/** A mutation that must succeed. */
export async function ok(stack: TestStack, name: string, input: Record<string, unknown>, as: Identity = 'staff'): Promise<MarkEventOut> {
  const outcome = await command(stack, name, input, as);
  expect(outcome.errors, `${name} ${JSON.stringify(input)}`).toEqual([]);
  return outcome.data!;
}

/** Runs one query over HTTP as `as` (staff unless told: every read, in full). */
export async function query<T>(stack: TestStack, document: string, variables: Record<string, unknown>, as: Identity = 'staff'): Promise<Outcome<T>> {
  const res = await stack.gql<Record<string, T>>(document, variables, { as });
  const errors = (res.body.errors ?? []) as GqlError[];
  const data = res.body.data ? (Object.values(res.body.data)[0] as T) : null;
  return { data, error: errors[0], errors };
}

export function getMark(stack: TestStack, mark: string, as: Identity = 'staff') {
  return query<Record<string, unknown> | null>(stack, `query Q($mark: ID!) { getMark(mark: $mark) { ${MARK_FIELDS} } }`, { mark }, as);
}

export function getMarkAt(stack: TestStack, mark: string, at?: string, version?: number, as: Identity = 'staff') {
  return query<Record<string, unknown> | null>(
    stack,
    `query Q($mark: ID!, $at: AWSDateTime, $version: Int) { getMarkAt(mark: $mark, at: $at, version: $version) { ${MARK_FIELDS} } }`,
    { mark, at, version },
    as,
  );
}

export function listMarkEvents(stack: TestStack, mark: string, args: { fromVersion?: number; limit?: number; nextToken?: string } = {}, as: Identity = 'staff') {
  return query<{ items: MarkEventOut[]; nextToken: string | null }>(
    stack,
    `query Q($mark: ID!, $fromVersion: Int, $limit: Int, $nextToken: String) {
      listMarkEvents(mark: $mark, fromVersion: $fromVersion, limit: $limit, nextToken: $nextToken) { items { ${EVENT_FIELDS} } nextToken } }`,
    { mark, ...args },
    as,
  );
}

/** Every stored event of a mark, read from MarkEvents directly, in version order. */
export async function storedEvents(stack: Pick<TestStack, 'dynamodb' | 'env'>, mark: string): Promise<DomainEvent[]> {
  const events: DomainEvent[] = [];
  let start: Record<string, never> | undefined;
  do {
    const page = await stack.dynamodb.send(
      new QueryCommand({
        TableName: stack.env.MARK_EVENTS_TABLE,
        KeyConditionExpression: 'mark = :m',
        ExpressionAttributeValues: { ':m': { S: mark } },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) events.push(unmarshall(item) as DomainEvent);
    start = page.LastEvaluatedKey as typeof start;
  } while (start);
  return events;
}

export async function storedView(stack: TestStack, mark: string): Promise<MarkState | null> {
  const out = await stack.dynamodb.send(new GetItemCommand({ TableName: stack.env.MARKS_TABLE, Key: { mark: { S: mark } }, ConsistentRead: true }));
  return out.Item ? (unmarshall(out.Item) as MarkState) : null;
}

/** How many items each table holds: "nothing was written" is these counts unchanged. */
export async function tableCounts(stack: TestStack): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const envVar of ['MARKS_TABLE', 'MARK_EVENTS_TABLE', 'MARK_SNAPSHOTS_TABLE']) {
    const out = await stack.dynamodb.send(new ScanCommand({ TableName: stack.env[envVar], Select: 'COUNT', ConsistentRead: true }));
    counts[envVar] = out.Count ?? 0;
  }
  return counts;
}

let counter = 0;
/** A fresh valid mark per test (1 to 7 letters or digits, one space). */
export function freshMark(prefix = 'T'): string {
  counter += 1;
  const n = `${process.pid % 1000}${counter}`.slice(-5);
  return `${prefix}${n.slice(0, 2)} ${n.slice(2)}`.slice(0, 8).trim();
}

export function entitlementInput(mark: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...ORIGINAL.request, mark, ...overrides };
}

/** A GraphQL answer without its null members, to compare with a stored (compact) state. */
export function withoutNulls<T>(value: T): T {
  if (value === null || value === undefined) return value;
  return JSON.parse(JSON.stringify(value, (_key, member) => (member === null ? undefined : member))) as T;
}

/**
 * util.urlEncode as AppSync documents it (application/x-www-form-urlencoded, as Java's URLEncoder
 * writes it; "Built-in utilities" of the AppSync developer guide): the encoding the command handler
 * gives withCommandHash, so that a model computes the same commandHash as the server.
 */
export function appSyncUrlEncode(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}
