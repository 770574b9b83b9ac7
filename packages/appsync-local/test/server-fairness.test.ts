/**
 * One request's fan-out does not hold everyone else (issue 20, part 5): a request runs at most
 * RESOLVERS_AT_ONCE_PER_REQUEST of its resolvers at once, so that another request's resolver is
 * not queued behind all of them; the answer is the same (every field, in the document's order).
 * Fields past the resolver count are refused without resolver work, each with its path and its
 * place in the document, as graphql-js would have located them.
 */
import { getLocation, Source } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOLVERS_AT_ONCE_PER_REQUEST } from '../src/server/execute';
import { locationIn } from '../src/server/errors';
import { API_KEY_ONLY, startTestApi, type TestApi } from './support/api';
import { directRuntime } from './support/direct-runtime';

const WIRING = new URL('./fixtures/server-api/wiring.json', import.meta.url).pathname;
const RESOLVER_COUNT_LIMIT = 10;

let stack: TestApi;
let running = 0;
let mostAtOnce = 0;
const started: string[] = [];
/** note(id: "gated-…") waits until the test opens the gate */
let openGate: () => void = () => {};
let gate = new Promise<void>((resolve) => (openGate = resolve));

beforeAll(async () => {
  stack = await startTestApi({
    label: 'serverfair',
    wiringFile: WIRING,
    auth: { modes: API_KEY_ONLY },
    limits: { resolverCountLimit: RESOLVER_COUNT_LIMIT },
    runtime: () =>
      directRuntime({
        'Query.note': async (input) => {
          const id = String(input.arguments.id);
          started.push(id);
          running += 1;
          mostAtOnce = Math.max(mostAtOnce, running);
          try {
            if (id.startsWith('gated')) await gate;
            else await new Promise((resolve) => setTimeout(resolve, 2));
            if (id.startsWith('fail')) return { data: null, errors: [{ message: `no note ${id}`, errorType: 'NoNote' }] };
            return { data: { id, text: `text of ${id}`, required: 'r' }, errors: [] };
          } finally {
            running -= 1;
          }
        },
      }),
  });
});

afterAll(async () => {
  openGate();
  await stack?.stop();
});

const aliases = (prefix: string, count: number, separator = ' ') =>
  `{${separator}${Array.from({ length: count }, (_, i) => `a${i}: note(id: "${prefix}-${i}") { id text }`).join(separator)}${separator}}`;

describe('resolvers of one request', () => {
  it(`run at most ${RESOLVERS_AT_ONCE_PER_REQUEST} at once, and answer every field in the document's order`, async () => {
    mostAtOnce = 0;
    const res = await stack.gql(aliases('many', RESOLVER_COUNT_LIMIT));
    expect(res.body.errors).toBeUndefined();
    expect(Object.keys(res.body.data!)).toEqual(Array.from({ length: RESOLVER_COUNT_LIMIT }, (_, i) => `a${i}`));
    expect(Object.values(res.body.data!)).toEqual(Array.from({ length: RESOLVER_COUNT_LIMIT }, (_, i) => ({ id: `many-${i}`, text: `text of many-${i}` })));
    expect(mostAtOnce).toBe(RESOLVERS_AT_ONCE_PER_REQUEST);
  });

  it('leave room for another request while theirs wait', async () => {
    gate = new Promise<void>((resolve) => (openGate = resolve));
    started.length = 0;
    const fanOut = stack.gql(aliases('gated', RESOLVER_COUNT_LIMIT));
    while (started.length < RESOLVERS_AT_ONCE_PER_REQUEST) await new Promise((resolve) => setTimeout(resolve, 5));
    // the fan-out's first resolvers hold their slots; another client's read is answered meanwhile
    const other = await stack.gql('{ note(id: "other") { id } }');
    expect(other.body).toEqual({ data: { note: { id: 'other' } } });
    expect(started.filter((id) => id.startsWith('gated'))).toHaveLength(RESOLVERS_AT_ONCE_PER_REQUEST);
    openGate();
    const res = await fanOut;
    expect(res.body.errors).toBeUndefined();
    expect(Object.keys(res.body.data!)).toHaveLength(RESOLVER_COUNT_LIMIT);
  });
});

describe('fields past the resolver count', () => {
  it('are refused beside the answered ones, each at its path and place in the document, with no resolver run', async () => {
    started.length = 0;
    const count = RESOLVER_COUNT_LIMIT * 3;
    const query = aliases('over', count, '\r\n  ');
    const res = await stack.gql(query);
    expect(started).toHaveLength(RESOLVER_COUNT_LIMIT);
    const data = res.body.data as Record<string, unknown>;
    expect(Object.keys(data)).toEqual(Array.from({ length: count }, (_, i) => `a${i}`));
    for (let i = 0; i < count; i++) expect(data[`a${i}`]).toEqual(i < RESOLVER_COUNT_LIMIT ? { id: `over-${i}`, text: `text of over-${i}` } : null);
    const source = new Source(query);
    expect(res.body.errors).toEqual(
      Array.from({ length: count - RESOLVER_COUNT_LIMIT }, (_, k) => {
        const i = RESOLVER_COUNT_LIMIT + k;
        const { line, column } = getLocation(source, query.indexOf(`a${i}: note`));
        return { path: [`a${i}`], data: null, errorType: 'ResolverCountLimitExceeded', errorInfo: null, locations: [{ line, column, sourceName: null }], message: `Resolver count limit of ${RESOLVER_COUNT_LIMIT} exceeded.` };
      }),
    );
  });

  it('are all in the answer, in order, when there are more than the endpoint serialises in one turn of the event loop', async () => {
    started.length = 0;
    // 990 refusals: two slices of the answer's errors, written with a turn of the event loop between
    // them (1,000 aliases: the most a document may have, DOCUMENT_LIMITS)
    const count = 1_000;
    const res = await stack.gql(aliases('many-over', count));
    expect(started).toHaveLength(RESOLVER_COUNT_LIMIT);
    const data = res.body.data as Record<string, unknown>;
    expect(Object.keys(data)).toEqual(Array.from({ length: count }, (_, i) => `a${i}`));
    expect(Object.values(data).filter((v) => v !== null)).toHaveLength(RESOLVER_COUNT_LIMIT);
    const errors = res.body.errors as { path: string[]; errorType: string; message: string }[];
    expect(errors.map((e) => e.path)).toEqual(Array.from({ length: count - RESOLVER_COUNT_LIMIT }, (_, k) => [`a${RESOLVER_COUNT_LIMIT + k}`]));
    expect(new Set(errors.map((e) => `${e.errorType}: ${e.message}`))).toEqual(new Set([`ResolverCountLimitExceeded: Resolver count limit of ${RESOLVER_COUNT_LIMIT} exceeded.`]));
  });

  it('are refused alike whether or not the endpoint splits them off before graphql-js runs the document', async () => {
    // A root of plain fields is split before execution (splitPastCount); one @include on its first
    // field leaves it to graphql-js's own pass, which refuses them in the field resolver. Some run
    // fields fail, so the refusals' place among the resolvers' errors is compared too.
    const fields = (include: string) =>
      Array.from({ length: RESOLVER_COUNT_LIMIT * 3 }, (_, i) => `a${i}: note(id: "${i % 4 === 1 ? 'fail' : 'same'}-${i}")${i === 0 ? include : ''} { id text }`).join('\n');
    // the fields on the same lines and columns in both documents, so their locations compare alike
    const split = await stack.gql(`query Q {\n${fields('')}\n}`);
    const whole = await stack.gql(`query Q($yes: Boolean!) {\n${fields(' @include(if: $yes)')}\n}`, { yes: true });
    expect(whole.body.errors!.filter((e: { errorType?: string }) => e.errorType === 'NoNote').length).toBeGreaterThan(0);
    expect(whole.body.errors!.filter((e: { errorType?: string }) => e.errorType === 'ResolverCountLimitExceeded')).toHaveLength(RESOLVER_COUNT_LIMIT * 2);
    expect(split.body).toEqual(whole.body);
  });
});

describe('locationIn', () => {
  it('finds the line and column graphql-js finds, whatever ends the lines', () => {
    const body = 'query {\n  a: note(id: "1") { id }\r\n  b: note(id: "2") { id }\r  c: note(id: "3") { id }\n\n  d\n}';
    const source = new Source(body);
    for (let offset = 0; offset < body.length; offset++) {
      if (body[offset] === '\n' && body[offset - 1] === '\r') continue;
      expect(locationIn(source, offset), `offset ${offset}`).toEqual(getLocation(source, offset));
    }
  });
});
