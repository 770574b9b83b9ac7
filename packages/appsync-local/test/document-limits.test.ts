/**
 * A document's cost is capped before validation (issue 24, part 4): past graphql-java's parser
 * limits (1 MB, 15,000 tokens) a document is refused as one AppSync cannot parse; past the local
 * safeguards (aliases, variable definitions, directives, fields sharing a response name) with one
 * request error, QueryTooLarge, over HTTP and at a real-time start alike. A document within them
 * all (the 100-alias document of a resolver count of 100, the introspection query) runs as before.
 */
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRealtime, type RealtimeClient } from '../src/index';
import { DOCUMENT_LIMITS, documentCostRefusal, parseWithinLimits } from '../src/server/document-limits';
import { API_KEY_ONLY, startTestApi, type TestApi } from './support/api';
import { directRuntime } from './support/direct-runtime';

const WIRING = new URL('./fixtures/server-api/wiring.json', import.meta.url).pathname;
const L = DOCUMENT_LIMITS;
const list = (count: number, item: (i: number) => string, separator = ' ') => Array.from({ length: count }, (_, i) => item(i)).join(separator);

/** Documents at a limit and one past it, for each local safeguard. */
const AT_AND_PAST: Array<[string, (n: number) => string, number, RegExp]> = [
  ['aliases', (n) => `query { ${list(n, (i) => `a${i}: note(id: "${i}") { id }`)} }`, L.maxAliases, /more than 1000 aliases$/],
  ['variable definitions', (n) => `query Q(${list(n, (i) => `$v${i}: ID`)}) { note(id: "1") { id } }`, L.maxVariableDefinitions, /more than 200 variable definitions$/],
  ['directives', (n) => `query { note(id: "1") { id ${list(n, () => '@include(if: true)')} } }`, L.maxDirectives, /more than 200 directives$/],
];

describe('documentCostRefusal', () => {
  it.each(AT_AND_PAST)('passes a document of as many %s as the limit and refuses one more', (_what, document, limit, message) => {
    expect(parseWithinLimits(document(limit)).ok).toBe(true);
    const past = parseWithinLimits(document(limit + 1));
    expect(past).toEqual({ ok: false, refused: { path: null, locations: null, message: expect.stringMatching(message) } });
    expect((past as { refused: { message: string } }).refused.message).toMatch(/^Validation error of type QueryTooLarge: /);
  });

  it('counts the pairs of fields sharing a response name, through inline fragments and below them, not distinct keys', () => {
    const identical = (n: number) => `{ ${list(n, () => 'note(id: "1") { id }')} }`;
    // n fields under one key: n(n-1)/2 pairs, and as many again for their `id`s
    expect(parseWithinLimits(identical(44)).ok).toBe(true); // 2 × 946
    expect(parseWithinLimits(identical(46)).ok).toBe(false); // 2 × 1,035
    expect(parseWithinLimits(`{ ${list(46, () => '... on Query { note(id: "1") { id } }')} }`).ok).toBe(false);
    // 10 × 10 identical nested: 45 + 45 pairs above, 4,950 at the leaves
    expect(parseWithinLimits(`{ ${list(10, () => `note(id: "1") { child { ${list(10, () => 'id')} } }`)} }`).ok).toBe(false);
    // 900 distinct aliases of a field with 5 subfields (13,500 tokens): no pair at all
    expect(documentCostRefusal(parseWithinLimitsDocument(`{ ${list(900, (i) => `a${i}: note(id: "${i}") { id text at meta required }`)} }`))).toBeNull();
  });

  it('stops a document past 15,000 tokens or 1 MB as a syntax error, as graphql-java’s parser does', () => {
    const tokens = parseWithinLimits(`{ ${list(L.maxTokens, () => 'id')} }`);
    // graphql-js's words, its spelling included
    expect(tokens).toMatchObject({ ok: false, syntax: { message: expect.stringMatching(/^Syntax Error: Document contains more tha[nt] 15000 tokens\. Parsing aborted\.$/) } });
    const characters = parseWithinLimits(`{ id ${' '.repeat(L.maxCharacters)} }`);
    expect(characters).toMatchObject({ ok: false, syntax: { message: `Syntax Error: Document contains more than ${L.maxCharacters} characters. Parsing aborted.` } });
  });

  it('passes the introspection query', () => {
    expect(parseWithinLimits(getIntrospectionQuery()).ok).toBe(true);
  });
});

function parseWithinLimitsDocument(text: string) {
  const parsed = parseWithinLimits(text, { ...L, maxAliases: Infinity });
  if (!parsed.ok) throw new Error(`expected a document: ${JSON.stringify(parsed)}`);
  return parsed.document;
}

describe('the endpoints', () => {
  let api: TestApi;
  let realtime: RealtimeClient;

  beforeAll(async () => {
    api = await startTestApi({
      label: 'doclimits',
      wiringFile: WIRING,
      auth: { modes: API_KEY_ONLY },
      runtime: () => directRuntime({ 'Query.note': async (input) => ({ data: { id: String(input.arguments.id), text: 't', required: 'r' }, errors: [] }) }),
    });
    realtime = await connectRealtime({ url: api.realtimeUrl, apiKey: api.apiKey });
    await realtime.init();
  });

  afterAll(async () => {
    await realtime?.close();
    await api?.stop();
  });

  it.each(AT_AND_PAST)('refuse a document past the %s limit with one QueryTooLarge error, over HTTP and at a start', async (_what, document, limit, message) => {
    const res = await api.gql(document(limit + 1));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: null, errors: [{ path: null, locations: null, message: expect.stringMatching(message) }] });
    const subscription = document(limit + 1).replace(/^query/, 'subscription').replace(/note\(id: "(\d+)"\)/g, 'onPutNote(id: "$1")');
    const refused = await realtime.start(`past-${_what}`, subscription);
    expect(refused).toMatchObject({ type: 'error', id: `past-${_what}`, payload: { errors: [{ message: expect.stringMatching(message), path: null }] } });
  });

  it('answer a document past the token limit as one they cannot parse', async () => {
    const res = await api.gql(`{ ${list(L.maxTokens, () => 'id')} }`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ errors: [{ message: 'Unable to parse GraphQL query.', errorType: 'MalformedHttpRequestException' }] });
  });

  it('run a document within every limit as before', async () => {
    const res = await api.gql(`query { ${list(100, (i) => `a${i}: note(id: "${i}") { id text }`)} }`);
    expect(res.body.errors).toBeUndefined();
    expect(Object.keys(res.body.data as object)).toHaveLength(100);
  });
});
