/**
 * The local AppSync endpoint over HTTP: AppSync's answers to malformed requests, failed
 * validation, bad scalar values and bad API keys — each of which must write nothing — its error
 * format, and what resolvers receive (arguments, headers, identity, info).
 *
 * AppSync's HTTP behaviour as documented by the AppSync team in
 * https://github.com/graphql/graphql-over-http/issues/81 (status codes, MalformedHttpRequestException,
 * "Validation error of type FieldUndefined: ..."), error objects as AppSync
 * returns them ({ path, data, errorType, errorInfo, locations: [{ line, column, sourceName }], message },
 * e.g. the response quoted in https://github.com/aws-amplify/amplify-js/issues/7179),
 * the info object as in https://docs.aws.amazon.com/appsync/latest/devguide/resolver-context-reference-js.html,
 * scalars as in https://docs.aws.amazon.com/appsync/latest/devguide/scalars.html.
 */
import { GetItemCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MutationResultEvent } from '../src/server';
import type { ResolveInput } from '../src/runtime/types';
import { directRuntime } from './support/direct-runtime';
import { API_KEY_ONLY, startTestApi, type TestApi } from './support/api';

const WIRING = new URL('./fixtures/server-api/wiring.json', import.meta.url).pathname;

let stack: TestApi;
const seen: ResolveInput[] = [];
const mutationEvents: MutationResultEvent[] = [];

beforeAll(async () => {
  stack = await startTestApi({
    label: 'serverhttp',
    wiringFile: WIRING,
    // the fixture API is configured with the API key alone
    auth: { modes: API_KEY_ONLY },
    onMutationResult: (event) => mutationEvents.push(event),
    runtime: ({ dynamodb, env }) =>
      directRuntime({
        'Mutation.putNote': async (input) => {
          seen.push(input);
          const { id, text, at, meta } = input.arguments as { id: string; text: string; at?: string; meta?: unknown };
          const item = { mark: { S: id }, text: { S: text }, ...(at ? { at: { S: at } } : {}), ...(meta !== undefined ? { meta: { S: JSON.stringify(meta) } } : {}) };
          await dynamodb!.send(new PutItemCommand({ TableName: env.MARKS_TABLE, Item: item }));
          return { data: { id, text, at: at ?? null, meta: meta ?? null, required: 'r' }, errors: [] };
        },
        'Query.note': async (input) => {
          const { Item } = await dynamodb!.send(new GetItemCommand({ TableName: env.MARKS_TABLE, Key: { mark: { S: String(input.arguments.id) } } }));
          return { data: Item ? { id: Item.mark.S, text: Item.text.S, required: 'r', child: { id: 'c', text: 'child', required: 'r' } } : null, errors: [] };
        },
        'Query.echo': async (input) => {
          seen.push(input);
          return { data: { arguments: input.arguments, info: input.info, headers: input.requestHeaders, identity: input.identity }, errors: [] };
        },
        'Query.failing': () => ({ data: null, errors: [{ message: 'no such note', errorType: 'NoteNotFound', data: { id: 'n1' }, errorInfo: { reason: 'test' } }] }),
        'Query.partial': () => ({
          data: { id: 'p', text: 'kept', required: 'r' },
          errors: [
            { message: 'first warning', errorType: 'Warning' },
            { message: 'second warning', errorType: 'Warning', errorInfo: { n: 2 } },
          ],
        }),
        'Query.mustNotFail': () => ({ data: null, errors: [{ message: 'gone', errorType: 'Gone' }] }),
        'Query.scalarOut': (input) => ({ data: input.arguments.kind === 'good' ? '2026-01-02T03:04:05.678Z' : 'yesterday', errors: [] }),
        'Note.required': (input) => ({ data: (input.source as { id: string }).id === 'c' ? null : 'r', errors: [] }),
      }),
  });
});

afterAll(async () => {
  await stack?.stop();
});

async function itemCount(): Promise<number> {
  const { Count } = await stack.dynamodb.send(new ScanCommand({ TableName: stack.env.MARKS_TABLE, Select: 'COUNT' }));
  return Count ?? 0;
}

const PUT = `mutation Put($id: ID!, $text: String!, $at: AWSDateTime, $meta: AWSJSON) {
  putNote(id: $id, text: $text, at: $at, meta: $meta) { id text at meta }
}`;

describe('requests AppSync refuses before GraphQL runs', () => {
  it('answers a body that is not JSON with 400 MalformedHttpRequestException and writes nothing', async () => {
    const before = await itemCount();
    const res = await stack.post('{"query": "mutation { putNote(id: \\"x\\", text: \\"y\\") { id } }"', { 'x-api-key': stack.apiKey });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ errors: [{ message: 'Unable to parse GraphQL query.', errorType: 'MalformedHttpRequestException' }] });
    expect(await itemCount()).toBe(before);
  });

  it('answers an empty body, a JSON body without a query and query text that does not parse with 400', async () => {
    expect((await stack.post('', { 'x-api-key': stack.apiKey })).body).toEqual({ errors: [{ message: 'Request body is empty.', errorType: 'MalformedHttpRequestException' }] });
    for (const body of ['{}', '[]', '"text"', JSON.stringify({ query: 'mutation { putNote(' })]) {
      const res = await stack.post(body, { 'x-api-key': stack.apiKey });
      expect(res.status, body).toBe(400);
      expect(res.body.errors[0]).toEqual({ message: 'Unable to parse GraphQL query.', errorType: 'MalformedHttpRequestException' });
    }
  });

  it('answers a missing or wrong API key with 401 UnauthorizedException and writes nothing', async () => {
    const before = await itemCount();
    for (const apiKey of [null, 'da2-wrongkeywrongkeywrongkey', '']) {
      const res = await stack.gql(PUT, { id: 'unauth', text: 'no' }, { apiKey });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ errors: [{ errorType: 'UnauthorizedException', message: 'You are not authorized to make this call.' }] });
    }
    expect(await itemCount()).toBe(before);
    expect(seen.some((s) => s.arguments.id === 'unauth')).toBe(false);
  });
});

describe('validation', () => {
  it('answers a query that fails validation with 200, data null and graphql-java wording, and writes nothing', async () => {
    const before = await itemCount();
    const res = await stack.gql('mutation {\n  putNote(id: "v1", text: "t") { id badfield }\n}');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: null,
      errors: [
        {
          path: null,
          locations: [{ line: 2, column: 37, sourceName: null }],
          message: "Validation error of type FieldUndefined: Field 'badfield' in type 'Note' is undefined @ 'putNote/badfield'",
        },
      ],
    });
    expect(await itemCount()).toBe(before);
  });

  it('names missing arguments, unknown arguments and missing sub-selections as AppSync does', async () => {
    const res = await stack.gql('query { note { id } echo(nope: 1) { arguments } failing }');
    const messages = res.body.errors.map((e: { message: string }) => e.message);
    expect(messages).toContain("Validation error of type MissingFieldArgument: Missing field argument id @ 'note'");
    expect(messages).toContain("Validation error of type UnknownArgument: Unknown field argument nope @ 'echo'");
    expect(messages).toContain("Validation error of type SubSelectionRequired: Sub selection required for type Note of field failing @ 'failing'");
  });

  it('rejects a bad AWSDateTime literal as WrongType and writes nothing', async () => {
    const before = await itemCount();
    const res = await stack.gql('mutation { putNote(id: "d1", text: "t", at: "2026-13-01T00:00:00Z") { id } }');
    expect(res.body.data).toBeNull();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0].message).toBe(
      "Validation error of type WrongType: argument 'at' with value 'StringValue{value='2026-13-01T00:00:00Z'}' is not a valid 'AWSDateTime' @ 'putNote'",
    );
    expect(await itemCount()).toBe(before);
  });
});

describe('variables', () => {
  it('rejects a bad AWSDateTime variable (no time zone, impossible date) and writes nothing', async () => {
    const before = await itemCount();
    for (const at of ['2026-05-01T10:00:00', '2026-02-30T10:00:00Z', 'yesterday', 1714557600]) {
      const res = await stack.gql(PUT, { id: 'badat', text: 't', at });
      expect(res.status).toBe(200);
      expect(res.body.data).toBeNull();
      expect(res.body.errors[0].message).toMatch(/^Variable 'at' has an invalid value\. Unable to parse .* as a valid DateTime Object\.$/);
      expect(res.body.errors[0].locations).toEqual([{ line: 1, column: 40, sourceName: null }]);
    }
    expect(await itemCount()).toBe(before);
    expect(seen.some((s) => s.arguments.id === 'badat')).toBe(false);
  });

  it('rejects an AWSJSON variable that is not valid JSON and writes nothing', async () => {
    const before = await itemCount();
    const res = await stack.gql(PUT, { id: 'badjson', text: 't', meta: '{"a": 1' });
    expect(res.body).toEqual({
      data: null,
      errors: [{ path: null, locations: [{ line: 1, column: 58, sourceName: null }], message: "Variable 'meta' has an invalid value. Unable to parse `{\"a\": 1` as valid JSON." }],
    });
    expect(await itemCount()).toBe(before);
  });

  it('rejects a missing non-null variable with graphql-java wording', async () => {
    const res = await stack.gql(PUT, { text: 't' });
    expect(res.body.errors[0].message).toBe("Variable 'id' has coerced Null value for NonNull type 'ID!'");
  });

  it('accepts good values, hands AWSJSON to the resolver parsed, and writes once', async () => {
    const before = await itemCount();
    const res = await stack.gql(PUT, { id: 'good1', text: 'hello', at: '2026-05-01T10:00:00.123+01:00', meta: '{"colour":"blue","n":[1,2]}' });
    expect(res.body).toEqual({ data: { putNote: { id: 'good1', text: 'hello', at: '2026-05-01T10:00:00.123+01:00', meta: '{"colour":"blue","n":[1,2]}' } } });
    expect(await itemCount()).toBe(before + 1);
    const input = seen.find((s) => s.arguments.id === 'good1')!;
    // "automatically parsed and loaded into the resolver code as maps, lists, or scalar values" (scalars.html, AWSJSON)
    expect(input.arguments.meta).toEqual({ colour: 'blue', n: [1, 2] });
  });
});

describe('what resolvers receive', () => {
  it('gives arguments, lower-cased headers, a null identity for API keys, variables and the selection', async () => {
    const query = `query Echo($day: AWSDate) {
  echo(day: $day, time: "10:15:30.5Z", stamp: 1714557600, email: "a.b@example.com", url: "https://example.com/a/b?c=1", phone: "+44 20 7946-0958", ip: "10.0.0.0/8") {
    arguments
    info
    headers
    identity
  }
}`;
    const res = await stack.gql(query, { day: '2026-05-01' }, { headers: { 'X-Custom-Header': 'Yes' } });
    expect(res.body.errors).toBeUndefined();
    const echo = res.body.data!.echo as Record<string, string>;
    expect(JSON.parse(echo.arguments)).toEqual({ day: '2026-05-01', time: '10:15:30.5Z', stamp: 1714557600, email: 'a.b@example.com', url: 'https://example.com/a/b?c=1', phone: '+44 20 7946-0958', ip: '10.0.0.0/8' });
    expect(JSON.parse(echo.headers)['x-custom-header']).toBe('Yes');
    expect(JSON.parse(echo.identity)).toBeNull();
    const info = JSON.parse(echo.info);
    expect(info).toMatchObject({ fieldName: 'echo', parentTypeName: 'Query', variables: { day: '2026-05-01' } });
    expect(info.selectionSetList).toEqual(['arguments', 'info', 'headers', 'identity']);
    expect(info.selectionSetGraphQL).toBe('{\n  arguments\n  info\n  headers\n  identity\n}');
  });

  it('passes an argument bound to an unsent variable as null, and the variables as sent', async () => {
    // AppSync JS resolvers see { after: null } for an unsent nullable variable
    // (https://github.com/aws/aws-appsync-community/issues/348); info.variables are the client's.
    seen.length = 0;
    await stack.gql('query E($day: AWSDate, $meta: AWSJSON) { echo(day: $day, meta: $meta) { arguments } }', { meta: '{"k":1}' });
    expect(seen[0].arguments).toEqual({ day: null, meta: { k: 1 } });
    expect(seen[0].info.variables).toEqual({ meta: '{"k":1}' });
  });

  it('rejects bad AWSEmail, AWSURL, AWSPhone, AWSIPAddress, AWSTime and AWSTimestamp literals', async () => {
    const cases = {
      email: '"not-an-email"',
      url: '"example.com/no-scheme"',
      phone: '"call me"',
      ip: '"300.1.1.1"',
      time: '"25:00:00"',
      stamp: '"1714557600"',
    };
    for (const [arg, literal] of Object.entries(cases)) {
      const res = await stack.gql(`{ echo(${arg}: ${literal}) { arguments } }`);
      expect(res.body.data, arg).toBeNull();
      expect(res.body.errors[0].message, arg).toMatch(new RegExp(`^Validation error of type WrongType: argument '${arg}' with value '.*' is not a valid 'AWS\\w+' @ 'echo'$`));
    }
  });
});

describe('selection set', () => {
  it('lists aliases, nested fields and fragments as AppSync does, and prints the selection as GraphQL', async () => {
    seen.length = 0;
    await stack.gql(`query {
  echo {
    args: arguments
    ...More
    ... on Echo { identity }
  }
}
fragment More on Echo { info headers }`);
    const info = seen[0].info;
    expect(info.selectionSetList).toEqual(['args', 'info', 'headers', 'identity']);
    // "Resolver context object reference" (resolver-context-reference-js), info: "Although fragments
    // aren't merged into the selection set, inline fragments are preserved"; its example ends with
    // the spread `... postFrag` and no definition of postFrag. selectionSetList merges both kinds.
    expect(info.selectionSetGraphQL).toBe('{\n  args: arguments\n  ...More\n  ... on Echo {\n    identity\n  }\n}');
  });
});

describe('errors', () => {
  it('reports util.error as AppSync does: the field is null, the error carries path, data, errorType, errorInfo and locations', async () => {
    const res = await stack.gql('query {\n  failing { id }\n}');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: { failing: null },
      errors: [
        {
          path: ['failing'],
          data: { id: 'n1' },
          errorType: 'NoteNotFound',
          errorInfo: { reason: 'test' },
          locations: [{ line: 2, column: 3, sourceName: null }],
          message: 'no such note',
        },
      ],
    });
    expect(Object.keys(res.body.errors[0])).toEqual(['path', 'data', 'errorType', 'errorInfo', 'locations', 'message']);
  });

  it('keeps the value of a field whose resolver used util.appendError, with each error beside it', async () => {
    const res = await stack.gql('{ partial { id text } }');
    expect(res.body.data).toEqual({ partial: { id: 'p', text: 'kept' } });
    expect(res.body.errors).toEqual([
      { path: ['partial'], data: null, errorType: 'Warning', errorInfo: null, locations: [{ line: 1, column: 3, sourceName: null }], message: 'first warning' },
      { path: ['partial'], data: null, errorType: 'Warning', errorInfo: { n: 2 }, locations: [{ line: 1, column: 3, sourceName: null }], message: 'second warning' },
    ]);
  });

  it('bubbles the null of a failed non-null field to its nullable parent (here: the whole data)', async () => {
    const res = await stack.gql('{ mustNotFail { id } }');
    expect(res.body.data).toBeNull();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0]).toMatchObject({ path: ['mustNotFail'], errorType: 'Gone', message: 'gone' });
  });

  it("words a null in a non-null field as AppSync's graphql-java does", async () => {
    await stack.gql(PUT, { id: 'withchild', text: 't' });
    const res = await stack.gql('{ note(id: "withchild") { id child { id required } } }');
    expect(res.body.data).toEqual({ note: { id: 'withchild', child: null } });
    expect(res.body.errors).toEqual([
      { path: ['note', 'child', 'required'], locations: null, message: "Cannot return null for non-nullable type: 'String' within parent 'Note' (/note/child/required)" },
    ]);
  });

  it('refuses to serialize a resolver value that is not a valid AWS scalar', async () => {
    const good = await stack.gql('{ scalarOut(kind: "good") }');
    expect(good.body).toEqual({ data: { scalarOut: '2026-01-02T03:04:05.678Z' } });
    const bad = await stack.gql('{ scalarOut(kind: "bad") }');
    expect(bad.body.data).toEqual({ scalarOut: null });
    expect(bad.body.errors[0].message).toBe("Can't serialize value (/scalarOut) : Unable to serialize `yesterday` as a valid DateTime Object.");
  });
});

describe('hooks and transport', () => {
  it('offers each successful mutation result, with only the selected fields, to listeners', async () => {
    mutationEvents.length = 0;
    await stack.gql('mutation { saved: putNote(id: "hook1", text: "hi") { id text } }');
    await stack.gql('mutation { putNote(id: "hook2", text: "x", at: "bad") { id } }');
    expect(mutationEvents).toHaveLength(1);
    expect(mutationEvents[0]).toMatchObject({
      fieldName: 'putNote',
      responseKey: 'saved',
      arguments: { id: 'hook1', text: 'hi' },
      data: { id: 'hook1', text: 'hi' },
      selectionSetList: ['id', 'text'],
      identity: null,
    });
  });

  it('answers TLS on the same port (aws-amplify opens wss:// even for an http:// endpoint)', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest(
        stack.graphqlUrl.replace('http:', 'https:'),
        { method: 'POST', rejectUnauthorized: false, headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey } },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ query: '{ note(id: "good1") { id text } }' }));
    });
    expect(JSON.parse(body)).toEqual({ data: { note: { id: 'good1', text: 'hello' } } });
  });
});
