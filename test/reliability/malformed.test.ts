/**
 * A corpus of malformed inputs across every operation — the nine mutations, the four queries and
 * the subscription: bad marks, oversized and control-character strings, wrong types, bad dates,
 * bad JSON, unknown fields, absurd limits and tokens, deeply nested and cyclic queries. Each must
 * be answered with a clear error (an error class a client can act on, and a message) and leave
 * every table exactly as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRealtime, type RealtimeClient } from 'appsync-local';
import { startTestStack, type TestStack } from '../support/stack';
import { MUTATION_INPUT, ORIGINAL, entitlementInput, ok, type GqlError } from '../support/marks';
import { Tally, errorClass, settleLosses, tablesSnapshot, type Acknowledged } from '../support/reliability';

let stack: TestStack;
let realtime: RealtimeClient;
const tally = new Tally('malformed');
const acknowledged: Acknowledged[] = [];
const SOLD = 'BAD 1';
const AVAILABLE = 'BAD 2';

beforeAll(async () => {
  stack = await startTestStack({ label: 'relmalformed' });
  for (const event of [
    await ok(stack, 'createEntitlement', entitlementInput(SOLD, { entitlement: { ...ORIGINAL.request.entitlement, expiryTime: '2030-01-01T00:00:00Z' } })),
    await ok(stack, 'releaseMark', { mark: AVAILABLE, price: 100 }),
  ]) acknowledged.push({ mark: event.mark, version: event.version, type: event.type, commandId: event.commandId });
  realtime = await connectRealtime({ url: stack.realtimeUrl, apiKey: stack.apiKey });
  await realtime.init();
});

afterAll(async () => {
  try {
    await settleLosses(stack, tally, acknowledged);
  } finally {
    await realtime?.close();
    await stack?.stop();
  }
});

const MUTATIONS = Object.keys(MUTATION_INPUT);
const ADDRESS = ORIGINAL.request.entitlement.address as Record<string, unknown>;

/** A valid input of each mutation, on a mark where only the malformed part can make it fail. */
function validInput(name: string, mark = name === 'lockMark' || name === 'purchaseMark' ? AVAILABLE : SOLD): Record<string, unknown> {
  switch (name) {
    case 'releaseMark':
      return { mark: 'NEW 1', price: 10 };
    case 'createEntitlement':
      return entitlementInput('NEW 2');
    case 'extendEntitlement':
      return { mark, expectedVersion: 1, expiryTime: '2040-01-01T00:00:00Z' };
    case 'changeAddress':
      return { mark, expectedVersion: 1, address: ADDRESS };
    case 'changeNominee':
      return { mark, expectedVersion: 1, nomineeName: 'Ms Valid' };
    case 'purchaseMark':
      return { mark, expectedVersion: 1, entitlement: { purchaserName: 'Ms Valid', address: ADDRESS } };
    default:
      return { mark, expectedVersion: 1 };
  }
}

const mutationDocument = (name: string) => `mutation M($input: ${MUTATION_INPUT[name]}!) { ${name}(input: $input) { mark version type } }`;

interface Case {
  label: string;
  /** error classes a client may get for it */
  classes: string[];
  send(): Promise<{ errors: GqlError[]; data?: unknown }>;
}

const cases: Case[] = [];
// sent as registry staff, who may run every operation: what is refused is the input, not the caller
const gqlCase = (label: string, classes: string[], query: string, variables?: Record<string, unknown>) =>
  cases.push({ label, classes, send: async () => (await stack.gql(query, variables, { as: 'staff' })).body as never });
const mutationCase = (label: string, classes: string[], name: string, input: unknown) =>
  gqlCase(`${name}: ${label}`, classes, mutationDocument(name), { input });
const rawCase = (label: string, classes: string[], body: string | Buffer, headers: Record<string, string> = {}) =>
  cases.push({ label: `raw body: ${label}`, classes, send: async () => (await stack.post(body as string, { 'x-api-key': stack.apiKey, ...headers })).body as never });
const subscriptionCase = (label: string, classes: string[], query: string, variables?: Record<string, unknown>) =>
  cases.push({
    label: `subscription: ${label}`,
    classes,
    send: async () => {
      const id = `s${cases.length}-${Math.random().toString(36).slice(2)}`;
      const reply = await realtime.start(id, query, variables);
      if (reply.type !== 'error') return { errors: [], data: reply };
      return { errors: (reply.payload as { errors: GqlError[] }).errors };
    },
  });

const DOMAIN = ['ValidationError'];
const TYPING = ['InvalidVariable', 'WrongType'];
const PARSE = ['MalformedHttpRequestException', 'InvalidSyntax'];
/** a literal of the wrong type in the query text: graphql-js's words under AppSync's "Validation error of type" */
const LITERAL = ['WrongType', 'InvalidQuery'];
/** a nextToken the query never returned: DynamoDB refuses it, and the resolver answers ValidationError on nextToken */
const TOKEN = ['ValidationError'];

// 1. Bad marks, on every operation that takes one.
const BAD_MARKS = ['', ' ', 'ABCDEFGH', 'AB CD EF', 'AB-12', 'AB\t12', 'AB\n12', 'ÄB 1', '😀 1', 'A'.repeat(10_000), 'AB\u0000', 'AB\u202e1', "'; DROP TABLE", '<b>AB</b>'];
for (const mark of BAD_MARKS) {
  const shown = JSON.stringify(mark.length > 20 ? `${mark.slice(0, 10)}…(${mark.length})` : mark);
  for (const name of MUTATIONS) mutationCase(`mark ${shown}`, DOMAIN, name, { ...validInput(name), mark });
  gqlCase(`getMark mark ${shown}`, DOMAIN, 'query Q($mark: ID!) { getMark(mark: $mark) { mark } }', { mark });
  gqlCase(`getMarkAt mark ${shown}`, DOMAIN, 'query Q($mark: ID!) { getMarkAt(mark: $mark, version: 1) { mark } }', { mark });
  gqlCase(`listMarkEvents mark ${shown}`, DOMAIN, 'query Q($mark: ID!) { listMarkEvents(mark: $mark) { nextToken } }', { mark });
}
for (const mark of ['AB-12', 'ABCDEFGH', '', 'AB\u0000']) subscriptionCase(`mark ${JSON.stringify(mark)}`, DOMAIN, 'subscription S($mark: ID) { onMarkEvent(mark: $mark) { mark } }', { mark });

// 2. Oversized and control-character strings.
const CONTROLS = ['\u0000', '\u0007', '\u001b', '\u007f', '\u0085', '\u2028', '\r\n'];
const texts = [...CONTROLS.map((c) => ({ label: `control U+${c.charCodeAt(0).toString(16).padStart(4, '0')}`, value: `Bad${c}Text` })), { label: '101 characters', value: 'x'.repeat(101) }, { label: '100,000 characters', value: 'y'.repeat(100_000) }];
for (const { label, value } of texts) {
  mutationCase(`nomineeName ${label}`, DOMAIN, 'changeNominee', { ...validInput('changeNominee'), nomineeName: value });
  mutationCase(`addLine1 ${label}`, DOMAIN, 'changeAddress', { ...validInput('changeAddress'), address: { ...ADDRESS, addLine1: value } });
  mutationCase(`purchaserName ${label}`, DOMAIN, 'createEntitlement', entitlementInput('NEW 3', { entitlement: { ...ORIGINAL.request.entitlement, purchaserName: value } }));
}
for (const [label, value] of [['65 characters', 'c'.repeat(65)], ['control', 'cmd\u0001'], ['blank', '   ']]) {
  mutationCase(`commandId ${label}`, DOMAIN, 'lockMark', { ...validInput('lockMark'), commandId: value });
}
for (const certificateNo of ['A'.repeat(33), 'EV-56', '', 'EV 56']) {
  mutationCase(`certificateNo ${JSON.stringify(certificateNo)}`, DOMAIN, 'createEntitlement', entitlementInput('NEW 4', { entitlement: { ...ORIGINAL.request.entitlement, certificateNo } }));
}
for (const postcode of ['NOT A CODE', '12345', 'SW1', 'SW1A 1AA X']) {
  mutationCase(`postcode ${JSON.stringify(postcode)}`, DOMAIN, 'changeAddress', { ...validInput('changeAddress'), address: { ...ADDRESS, postcode } });
}
rawCase('6 MB body', ['MalformedHttpRequestException'], JSON.stringify({ query: mutationDocument('changeNominee'), variables: { input: { ...validInput('changeNominee'), nomineeName: 'z'.repeat(6 * 1024 * 1024) } } }));

// 3. Wrong types.
const wrongTypes: [string, string, Record<string, unknown>][] = [
  ['releaseMark', 'price as a string', { price: '100' }],
  ['releaseMark', 'price fractional', { price: 1.5 }],
  ['releaseMark', 'price boolean', { price: true }],
  ['releaseMark', 'price past Int', { price: 2 ** 31 }],
  ['releaseMark', 'price null', { price: null }],
  ['releaseMark', 'price an object', { price: { amount: 1 } }],
  ['lockMark', 'expectedVersion as a string', { expectedVersion: '1' }],
  ['lockMark', 'expectedVersion fractional', { expectedVersion: 1.5 }],
  ['lockMark', 'expectedVersion past Int', { expectedVersion: 2 ** 40 }],
  ['lockMark', 'expectedVersion null', { expectedVersion: null }],
  ['unlockMark', 'mark fractional', { mark: 12.5 }],
  ['unlockMark', 'mark boolean', { mark: true }],
  ['unlockMark', 'mark an object', { mark: { value: 'AB 1' } }],
  ['unlockMark', 'mark a list', { mark: ['AB 1'] }],
  ['changeAddress', 'address a string', { address: '2 My Street' }],
  ['changeAddress', 'address a list', { address: [ADDRESS] }],
  ['createEntitlement', 'status unknown', { status: 'NOT_A_STATUS' }],
  ['createEntitlement', 'status lower case', { status: 'mark_available' }],
  ['createEntitlement', 'entitlement null', { entitlement: null }],
  ['changeNominee', 'nomineeName a number', { nomineeName: 42 }],
];
for (const [name, label, changes] of wrongTypes) mutationCase(label, TYPING, name, { ...validInput(name), ...changes });
for (const name of MUTATIONS) {
  mutationCase('input a string', TYPING, name, 'not an object');
  mutationCase('input null', TYPING, name, null);
}
gqlCase('listMarks status as a string literal', LITERAL, 'query { listMarks(status: "MARK_AVAILABLE") { nextToken } }');
gqlCase('listMarks limit as a string', TYPING, 'query Q($limit: Int) { listMarks(limit: $limit) { nextToken } }', { limit: '10' });
gqlCase('getMarkAt version as a string', TYPING, 'query Q($v: Int) { getMarkAt(mark: "BAD 1", version: $v) { mark } }', { v: 'one' });
gqlCase('listMarkEvents fromVersion a float literal', LITERAL, `query { listMarkEvents(mark: "${SOLD}", fromVersion: 1.5) { nextToken } }`);
subscriptionCase('type unknown', TYPING, 'subscription S($type: MarkEventType) { onMarkEvent(type: $type) { mark } }', { type: 'NOT_A_TYPE' });

// 4. Bad dates.
const BAD_DATES = ['yesterday', '2024-13-01T00:00:00Z', '2024-02-30T00:00:00Z', '2024-01-01T25:00:00Z', '2024-01-01T00:00:00', '2024-01-01', '', '1700000000000', '2024-01-01T00:00:00+25:00'];
for (const date of BAD_DATES) {
  mutationCase(`eventTime ${JSON.stringify(date)}`, TYPING, 'releaseMark', { ...validInput('releaseMark'), eventTime: date });
  mutationCase(`expiryTime ${JSON.stringify(date)}`, TYPING, 'extendEntitlement', { ...validInput('extendEntitlement'), expiryTime: date });
  gqlCase(`getMarkAt at ${JSON.stringify(date)} (literal)`, TYPING, `query { getMarkAt(mark: "${SOLD}", at: ${JSON.stringify(date)}) { mark } }`);
}
mutationCase('expiryTime before the current expiry', DOMAIN, 'extendEntitlement', { ...validInput('extendEntitlement'), expiryTime: '1999-01-01T00:00:00Z' });

// 5. Bodies that are not GraphQL requests (bad JSON and friends).
for (const [label, body] of [
  ['empty', ''],
  ['truncated JSON', '{"query": "query { getMark(mark: \\"AB 1\\") { mark } }"'],
  ['a lone brace', '{'],
  ['null', 'null'],
  ['an array', '[]'],
  ['a string', '"query"'],
  ['a number', '123'],
  ['query a number', '{"query": 123}'],
  ['query null', '{"query": null}'],
  ['query empty', '{"query": ""}'],
  ['query text that does not parse', JSON.stringify({ query: 'mutation { releaseMark(input: {mark: "AB 1", price: 1}) { mark ' })],
  ['query of garbage', JSON.stringify({ query: '}}}{{{' })],
  ['single quotes', "{'query': 'query { listMarks { nextToken } }'}"],
  ['trailing comma', '{"query": "query { listMarks { nextToken } }",}'],
] as const) {
  rawCase(label, PARSE, body);
}
rawCase('invalid UTF-8', PARSE, Buffer.from([0x7b, 0x22, 0x71, 0xff, 0xfe, 0x22, 0x7d]));
rawCase('variables a string', ['MalformedHttpRequestException', 'InvalidVariable'], JSON.stringify({ query: mutationDocument('lockMark'), variables: 'input' }));

// 6. Unknown fields, arguments and names.
for (const name of MUTATIONS) mutationCase('unknown input field', TYPING, name, { ...validInput(name), colour: 'red' });
mutationCase('unknown address field', TYPING, 'changeAddress', { ...validInput('changeAddress'), address: { ...ADDRESS, country: 'UK' } });
mutationCase('unknown entitlement field', TYPING, 'createEntitlement', entitlementInput('NEW 5', { entitlement: { ...ORIGINAL.request.entitlement, shoeSize: 9 } }));
gqlCase('unknown selected field', ['FieldUndefined'], `query { getMark(mark: "${SOLD}") { mark colour } }`);
gqlCase('unknown argument', ['UnknownArgument'], `query { getMark(mark: "${SOLD}", colour: "red") { mark } }`);
gqlCase('unknown query field', ['FieldUndefined'], 'query { getMarks { mark } }');
gqlCase('unknown mutation', ['FieldUndefined'], 'mutation { deleteMark(mark: "BAD 1") { mark } }');
gqlCase('unknown inline input field', ['WrongType'], `mutation { lockMark(input: { mark: "${AVAILABLE}", expectedVersion: 1, force: true }) { mark } }`);
gqlCase('unknown variable type', ['UnknownType'], 'query Q($m: MarkId!) { getMark(mark: $m) { mark } }', { m: SOLD });
gqlCase('undeclared variable', ['UndefinedVariable'], 'query { getMark(mark: $m) { mark } }', { m: SOLD });
gqlCase('unknown directive', ['UnknownDirective'], `query { getMark(mark: "${SOLD}") @cached { mark } }`);
gqlCase('missing required argument', ['MissingFieldArgument'], 'query { getMark { mark } }');
subscriptionCase('unknown field', ['FieldUndefined'], 'subscription { onMarkEvent { mark colour } }');

// 7. Absurd limits, versions and tokens.
for (const limit of [0, -1, 101, 1_000_000, 2_147_483_647]) {
  gqlCase(`listMarks limit ${limit}`, DOMAIN, 'query Q($l: Int) { listMarks(limit: $l) { nextToken } }', { l: limit });
  gqlCase(`listMarkEvents limit ${limit}`, DOMAIN, 'query Q($m: ID!, $l: Int) { listMarkEvents(mark: $m, limit: $l) { nextToken } }', { m: SOLD, l: limit });
}
gqlCase('listMarks limit past Int', TYPING, 'query Q($l: Int) { listMarks(limit: $l) { nextToken } }', { l: 2 ** 31 });
gqlCase('listMarks limit past Int (literal)', LITERAL, 'query { listMarks(limit: 99999999999) { nextToken } }');
for (const v of [0, -1, -2_147_483_648]) {
  gqlCase(`listMarkEvents fromVersion ${v}`, DOMAIN, 'query Q($m: ID!, $v: Int) { listMarkEvents(mark: $m, fromVersion: $v) { nextToken } }', { m: SOLD, v });
  gqlCase(`getMarkAt version ${v}`, DOMAIN, 'query Q($m: ID!, $v: Int) { getMarkAt(mark: $m, version: $v) { mark } }', { m: SOLD, v });
  mutationCase(`expectedVersion ${v}`, DOMAIN, 'forgetMark', { ...validInput('forgetMark'), expectedVersion: v });
}
const TOKENS = ['garbage', 'e30=', Buffer.from(JSON.stringify({ mark: { S: 'ZZ 9' }, version: { N: '1' } })).toString('base64'), 'x'.repeat(5_000), '%%%'];
for (const token of TOKENS) {
  const shown = token.length > 20 ? `${token.slice(0, 8)}…(${token.length})` : token;
  gqlCase(`listMarks nextToken ${shown}`, TOKEN, 'query Q($t: String) { listMarks(nextToken: $t) { nextToken } }', { t: token });
  gqlCase(`listMarkEvents nextToken ${shown}`, TOKEN, 'query Q($m: ID!, $t: String) { listMarkEvents(mark: $m, nextToken: $t) { nextToken } }', { m: SOLD, t: token });
}

// 8. Deeply nested, cyclic and otherwise absurd queries.
gqlCase('selection under a scalar', ['SubSelectionNotAllowed'], `query { getMark(mark: "${SOLD}") { mark { deeper { still } } } }`);
gqlCase('missing selection', ['SubSelectionRequired'], `query { getMark(mark: "${SOLD}") }`);
gqlCase('fragment cycle', ['InvalidQuery'], `query { getMark(mark: "${SOLD}") { ...A } } fragment A on Mark { entitlement { ...B } } fragment B on Entitlement { address { addLine1 } ...C } fragment C on Entitlement { ...B }`);
gqlCase('self-spreading fragment', ['InvalidQuery'], `query { getMark(mark: "${SOLD}") { ...A } } fragment A on Mark { mark ...A }`);
gqlCase('fragment on the wrong type', ['InvalidQuery'], `query { getMark(mark: "${SOLD}") { ...A } } fragment A on Address { postcode }`);
const deep = (n: number) => `query { getMark(mark: "${SOLD}") ${'{ entitlement '.repeat(n)}${'}'.repeat(n)} }`;
gqlCase('selection nested 100 deep', ['FieldUndefined', 'SubSelectionRequired', 'InvalidSyntax', 'MalformedHttpRequestException'], deep(100));
rawCase('selection nested 20,000 deep', PARSE, JSON.stringify({ query: deep(20_000) }));
rawCase('braces nested 50,000 deep', PARSE, JSON.stringify({ query: `query ${'{'.repeat(50_000)}` }));
gqlCase('list nested 1,000 deep in a variable', TYPING, 'query Q($m: ID!) { getMark(mark: $m) { mark } }', { m: JSON.parse(`${'['.repeat(1000)}"AB 1"${']'.repeat(1000)}`) });
mutationCase('input nested 1,000 deep', TYPING, 'lockMark', JSON.parse(`${'{"input":'.repeat(1000)}{}${'}'.repeat(1000)}`));
gqlCase('two anonymous operations', ['LoneAnonymousOperationViolation'], 'query { listMarks { nextToken } } query { listMarks { nextToken } }');
gqlCase('duplicate operation names', ['DuplicateOperationName'], 'query A { listMarks { nextToken } } query A { listMarks { nextToken } }');

describe('malformed inputs', () => {
  it(`${cases.length} malformed inputs across every operation: each a clear error, nothing written`, async () => {
    expect(cases.length).toBeGreaterThanOrEqual(200);
    const failures: string[] = [];
    for (const c of cases) {
      const before = await tablesSnapshot(stack);
      tally.attempted += 1;
      let answer: { errors?: GqlError[]; data?: unknown };
      try {
        answer = await c.send();
      } catch (err) {
        failures.push(`${c.label}: no answer (${String(err)})`);
        continue;
      }
      const errors = answer.errors ?? [];
      const first = errors[0];
      const cls = errorClass(first);
      if (!first || !cls || !c.classes.includes(cls) || !first.message) {
        failures.push(`${c.label}: expected ${c.classes.join('|')}, got ${JSON.stringify(answer).slice(0, 400)}`);
      } else {
        tally.rejected += 1;
        tally.add(cls);
      }
      const data = answer.data as Record<string, unknown> | null | undefined;
      if (data && Object.values(data).some((v) => v !== null)) {
        tally.acknowledged += 1;
        failures.push(`${c.label}: answered with data ${JSON.stringify(data).slice(0, 200)}`);
      }
      const after = await tablesSnapshot(stack);
      if (JSON.stringify(after) !== JSON.stringify(before)) failures.push(`${c.label}: wrote ${JSON.stringify(after).slice(0, 300)}`);
    }
    expect(failures).toEqual([]);
    expect(tally.rejected).toBe(cases.length);
  });
});
