import { beforeAll, describe, expect, inject, it } from 'vitest';
import { join } from 'node:path';
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadWiring } from '../src/wiring';
import { PACKAGE_ROOT } from './support/paths';
import { createResolverRuntime } from '../src/runtime/runtime';
import type { ResolveInput, ResolverRuntime } from '../src/runtime/types';
import { dynamoDbClient } from '../src/services/dynamodb-local';
import { fixtureTables, uniquePrefix } from './support/tables';

// Resolvers of the test-only API test/fixtures/runtime-api, run from their built bundles against
// the real DynamoDB Local started by test/setup/global.ts (which built them).
const wiring = loadWiring(join(PACKAGE_ROOT, 'test', 'fixtures', 'runtime-api', 'resolvers', 'wiring.json'));

let client: DynamoDBClient;
let env: Record<string, string>;
let runtime: ResolverRuntime;

function input(args: Record<string, unknown>, extra: Partial<ResolveInput> = {}): ResolveInput {
  return {
    arguments: args,
    source: null,
    identity: null,
    requestHeaders: { 'x-test': 'yes' },
    info: { fieldName: '', parentTypeName: '', variables: {}, selectionSetList: ['mark', 'name'], selectionSetGraphQL: '{\n  mark\n  name\n}' },
    ...extra,
  };
}
const query = (field: string, args: Record<string, unknown> = {}, extra: Partial<ResolveInput> = {}) => runtime.resolve('Query', field, input(args, extra));
const mutation = (field: string, args: Record<string, unknown> = {}) => runtime.resolve('Mutation', field, input(args));
const raw = async (request: unknown) => {
  const out = await query('raw', { request: JSON.stringify(request) });
  expect(out.errors).toEqual([]);
  return JSON.parse(out.data as string) as { result: any; error: { type: string; message: string } | null }; // eslint-disable-line @typescript-eslint/no-explicit-any -- the shape depends on the operation under test
};

beforeAll(async () => {
  client = dynamoDbClient(inject('dynamodbEndpoint'));
  const created = await fixtureTables(client, uniquePrefix('appsyncrt'));
  env = created.env;
  runtime = await createResolverRuntime({ wiring, dynamodb: client, tables: created.tables, env, bundleDir: join(inject('fixtureBuildRoot'), wiring.name) });
});

describe('unit resolvers on DynamoDB', () => {
  it('knows which fields it resolves', () => {
    expect(runtime.has('Query', 'getItem')).toBe(true);
    expect(runtime.has('Query', 'nothing')).toBe(false);
  });

  it('runtime.earlyReturn in a unit resolver request skips the data source and the response handler', async () => {
    // runtime-utils-js: earlyReturn "will halt the execution of the current handler, AWS AppSync
    // function or resolver (Unit or Pipeline Resolver) ... The specified object is returned as the result."
    expect(await query('early', { early: true })).toEqual({ data: { mark: 'EARLY', name: 'from the request' }, errors: [] });
    expect(await query('early', { early: false })).toEqual({ data: { mark: 'LATE', name: 'from the data source' }, errors: [] });
  });

  it('puts and gets an item; numbers come back as numbers', async () => {
    expect(await mutation('putItem', { mark: 'AB 1', name: 'first', count: 2 })).toEqual({ data: { mark: 'AB 1', name: 'first', count: 2 }, errors: [] });
    const stored = await client.send(new GetItemCommand({ TableName: env.MARKS_TABLE, Key: { mark: { S: 'AB 1' } } }));
    expect(stored.Item).toEqual({ mark: { S: 'AB 1' }, name: { S: 'first' }, count: { N: '2' } });
    expect(await query('getItem', { mark: 'AB 1' })).toEqual({ data: { mark: 'AB 1', name: 'first', count: 2 }, errors: [] });
    expect(await query('getItem', { mark: 'NOPE' })).toEqual({ data: null, errors: [] });
  });

  it('updates with the helper operations and deletes, answering the new and the old item', async () => {
    await mutation('putItem', { mark: 'AB 2', name: 'two', count: 1 });
    expect((await mutation('bump', { mark: 'AB 2', by: 5 })).data).toEqual({ mark: 'AB 2', name: 'two', count: 6 });
    expect((await mutation('removeItem', { mark: 'AB 2' })).data).toEqual({ mark: 'AB 2', name: 'two', count: 6 });
    expect((await mutation('removeItem', { mark: 'AB 2' })).data).toBeNull();
  });

  it('a failed UpdateItem condition is ctx.error DynamoDB:ConditionalCheckFailedException', async () => {
    const out = await mutation('bump', { mark: 'NOT THERE' });
    expect(out.data).toBeNull();
    // AppSync's message: DynamoDB's, then the service, status and request id (aws/aws-appsync-community#343)
    expect(out.errors).toEqual([
      { message: expect.stringMatching(/^The conditional request failed \(Service: DynamoDb, Status Code: 400, Request ID: \S+\)$/), errorType: 'DynamoDB:ConditionalCheckFailedException', data: null },
    ]);
  });

  it('queries page by page with an opaque nextToken; a bad token is a clear error', async () => {
    for (const version of [1, 2, 3]) {
      await client.send(new PutItemCommand({ TableName: env.MARK_EVENTS_TABLE, Item: { mark: { S: 'PAGED' }, version: { N: String(version) }, type: { S: 'T' } } }));
    }
    const first = await query('listEvents', { mark: 'PAGED', limit: 2 });
    const page = first.data as { items: string[]; nextToken: string; scannedCount: number };
    expect(page.items.map((i) => JSON.parse(i).version)).toEqual([1, 2]);
    expect(page.scannedCount).toBe(2);
    expect(page.nextToken).toEqual(expect.any(String));
    const second = (await query('listEvents', { mark: 'PAGED', limit: 2, nextToken: page.nextToken })).data as typeof page;
    expect(second.items.map((i) => JSON.parse(i).version)).toEqual([3]);
    expect(second.nextToken).toBeNull();
    const bad = await query('listEvents', { mark: 'PAGED', nextToken: 'not-a-token' });
    expect(bad.data).toBeNull();
    // as AppSync answers it (aws-amplify/amplify-cli#3411, amplify-js#4880)
    expect(bad.errors).toEqual([
      { message: 'com.amazonaws.deepdish.common.pagination.InvalidPaginationTokenException: Invalid pagination token given.', errorType: 'DynamoDB:UserIllegalArgumentException' },
    ]);
  });
});

describe('the DynamoDB data source, operation by operation', () => {
  it('GetItem / PutItem with numbers given as JSON numbers, and the PutItem condition rules', async () => {
    const put = { operation: 'PutItem', key: { mark: { S: 'RAW 1' }, version: { N: 1 } }, attributeValues: { tags: { SS: ['a', 'b'] }, nums: { NS: [1, 2.5] }, list: { L: [{ N: 3 }, { NULL: null }] } } };
    expect((await raw(put)).result).toEqual({ mark: 'RAW 1', version: 1, tags: ['a', 'b'], nums: [1, 2.5], list: [3, null] });
    const get = await raw({ operation: 'GetItem', key: { mark: { S: 'RAW 1' }, version: { N: 1 } }, consistentRead: true });
    expect(get.result).toEqual({ mark: 'RAW 1', version: 1, tags: ['a', 'b'], nums: [1, 2.5], list: [3, null] });
    // "If AppSync can determine that the current value in DynamoDB matches the desired result, it
    // treats the operation as if it succeeded" (js-aws-appsync-resolver-reference-dynamodb-condition-expressions)
    const again = await raw({ ...put, condition: { expression: 'attribute_not_exists(#m)', expressionNames: { '#m': 'mark' } } });
    expect(again.error).toBeNull();
    expect(again.result).toMatchObject({ mark: 'RAW 1', version: 1 });
    // a different item under the condition: rejected, with the current item in ctx.result
    const different = await raw({ ...put, attributeValues: { other: { S: 'x' } }, condition: { expression: 'attribute_not_exists(#m)', expressionNames: { '#m': 'mark' } } });
    expect(different.error).toEqual({ type: 'DynamoDB:ConditionalCheckFailedException', message: expect.any(String) });
    expect(different.result).toMatchObject({ mark: 'RAW 1', tags: ['a', 'b'] });
  });

  it('DeleteItem of an item already gone under a condition counts as success', async () => {
    const out = await raw({ operation: 'DeleteItem', key: { mark: { S: 'GONE' }, version: { N: 1 } }, condition: { expression: 'attribute_exists(#m)', expressionNames: { '#m': 'mark' } } });
    expect(out).toEqual({ result: null, error: null });
  });

  it('Scan with a filter', async () => {
    await raw({ operation: 'PutItem', key: { mark: { S: 'SCAN' }, version: { N: 7 } }, attributeValues: { kind: { S: 'scan-me' } } });
    const out = await raw({ operation: 'Scan', filter: { expression: '#k = :k', expressionNames: { '#k': 'kind' }, expressionValues: { ':k': { S: 'scan-me' } } } });
    expect(out.result.items).toEqual([{ mark: 'SCAN', version: 7, kind: 'scan-me' }]);
    expect(out.result.nextToken).toBeNull();
  });

  it('BatchPutItem, BatchGetItem (in key order, null when missing) and BatchDeleteItem across granted tables', async () => {
    const events = env.MARK_EVENTS_TABLE!;
    const marks = env.MARKS_TABLE!;
    const put = await raw({ operation: 'BatchPutItem', tables: { [events]: [{ mark: { S: 'B' }, version: { N: 1 } }], [marks]: [{ mark: { S: 'B' }, name: { S: 'bee' } }] } });
    expect(put.error).toBeNull();
    expect(put.result.unprocessedItems).toEqual({ [events]: [], [marks]: [] });
    const get = await raw({ operation: 'BatchGetItem', tables: { [events]: { keys: [{ mark: { S: 'B' }, version: { N: 2 } }, { mark: { S: 'B' }, version: { N: 1 } }] }, [marks]: { keys: [{ mark: { S: 'B' } }] } } });
    expect(get.result.data).toEqual({ [events]: [null, { mark: 'B', version: 1 }], [marks]: [{ mark: 'B', name: 'bee' }] });
    const del = await raw({ operation: 'BatchDeleteItem', tables: { [marks]: [{ mark: { S: 'B' } }] } });
    expect(del.result.data).toEqual({ [marks]: [{ mark: 'B' }] });
    expect((await raw({ operation: 'GetItem', key: { mark: { S: 'B' }, version: { N: 1 } } })).result).toEqual({ mark: 'B', version: 1 });
  });

  it('a table outside the data source and its grants is refused', async () => {
    const out = await raw({ operation: 'BatchGetItem', tables: { SomeOtherTable: { keys: [{ mark: { S: 'B' } }] } } });
    expect(out.error?.type).toBe('DynamoDB:AccessDeniedException');
  });

  it('TransactGetItems', async () => {
    const out = await raw({
      operation: 'TransactGetItems',
      transactItems: [
        { table: env.MARK_EVENTS_TABLE, key: { mark: { S: 'RAW 1' }, version: { N: 1 } } },
        { table: env.MARK_EVENTS_TABLE, key: { mark: { S: 'NONE' }, version: { N: 1 } } },
      ],
    });
    expect(out.result).toEqual({ items: [expect.objectContaining({ mark: 'RAW 1' }), null], cancellationReasons: null });
  });

  it('TransactWriteItems: keys on success; cancellationReasons with the existing item on failure, unless returnValuesOnConditionCheckFailure is false', async () => {
    const table = env.MARK_EVENTS_TABLE;
    const ok = await raw({
      operation: 'TransactWriteItems',
      transactItems: [{ table, operation: 'PutItem', key: { mark: { S: 'TX' }, version: { N: 1 } }, attributeValues: { v: { N: 1 } }, condition: { expression: 'attribute_not_exists(version)' } }],
    });
    expect(ok).toEqual({ result: { keys: [{ mark: 'TX', version: 1 }], cancellationReasons: null }, error: null });
    const request = (returnValues?: boolean) => ({
      operation: 'TransactWriteItems',
      transactItems: [
        { table, operation: 'PutItem', key: { mark: { S: 'TX' }, version: { N: 2 } }, attributeValues: {} },
        { table, operation: 'ConditionCheck', key: { mark: { S: 'TX' }, version: { N: 1 } }, condition: { expression: 'v = :two', expressionValues: { ':two': { N: 2 } }, ...(returnValues === undefined ? {} : { returnValuesOnConditionCheckFailure: returnValues }) } },
      ],
    });
    const failed = await raw(request());
    expect(failed.error).toEqual({ type: 'DynamoDB:TransactionCanceledException', message: expect.stringContaining('ConditionalCheckFailed') });
    expect(failed.result).toEqual({
      keys: null,
      cancellationReasons: [
        { type: 'None', message: null },
        { type: 'ConditionalCheckFailed', message: expect.stringMatching(/^The conditional request failed/), item: { mark: 'TX', version: 1, v: 1 } },
      ],
    });
    const withoutItem = await raw(request(false));
    expect(withoutItem.result.cancellationReasons[1]).toEqual({ type: 'ConditionalCheckFailed', message: expect.stringMatching(/^The conditional request failed/) });
    expect((await raw({ operation: 'GetItem', key: { mark: { S: 'TX' }, version: { N: 2 } } })).result).toBeNull();
  });

  it('an SDK failure is ctx.error DynamoDB:<ExceptionName>', async () => {
    const out = await raw({ operation: 'Query', query: { expression: '#nope = :v', expressionNames: { '#nope': 'notAKey' }, expressionValues: { ':v': { S: 'x' } } } });
    expect(out.result).toBeNull();
    expect(out.error).toEqual({ type: 'DynamoDB:ValidationException', message: expect.any(String) });
  });
});

describe('a TransactWriteItems resolver whose condition fails', () => {
  it('appends once, then reports the conflict through cancellationReasons and writes nothing', async () => {
    expect(await mutation('appendEvent', { mark: 'CONFLICT', expectedVersion: 0 })).toEqual({ data: { mark: 'CONFLICT', version: 1 }, errors: [] });
    const again = await mutation('appendEvent', { mark: 'CONFLICT', expectedVersion: 0 });
    expect(again.data).toBeNull();
    expect(again.errors).toEqual([
      {
        message: 'the mark was changed concurrently',
        errorType: 'ConcurrentModification',
        data: null,
        errorInfo: {
          errorType: 'DynamoDB:TransactionCanceledException',
          reasons: [
            { type: 'ConditionalCheckFailed', message: expect.stringMatching(/^The conditional request failed/), item: expect.objectContaining({ mark: 'CONFLICT', version: 1, type: 'TEST_EVENT' }) },
            { type: 'ConditionalCheckFailed', message: expect.stringMatching(/^The conditional request failed/), item: { mark: 'CONFLICT', version: 1 } },
          ],
        },
      },
    ]);
  });
});

/** PipelineResult with its AWSJSON value parsed */
const parsed = (data: unknown) => {
  const { value, trace } = data as { value: string; trace: string[] };
  return { value: JSON.parse(value) as unknown, trace };
};

describe('pipeline resolvers', () => {
  it('runs before → each function (request, data source, response) → after, sharing the stash', async () => {
    await mutation('putItem', { mark: 'PIPE', name: 'quiet' });
    const out = await query('pipeline', { mark: 'PIPE' });
    expect(out.errors).toEqual([]);
    expect(parsed(out.data)).toEqual({
      value: { mark: 'PIPE', name: 'QUIET' },
      trace: ['before', 'loadItem.request', 'loadItem.response', 'shout.request', 'shout.response', 'after'],
    });
  });

  it("runtime.earlyReturn in a function's request skips its data source and response; the next step gets the value", async () => {
    // runtime-utils-js: "When called in an AWS AppSync function request handler, the data source and
    // response handler are skipped, and the next function request handler (or the pipeline resolver
    // response handler if this was the last AWS AppSync function) is called."
    const out = await query('pipeline', { mark: 'PIPE', mode: 'skipShout' });
    expect(parsed(out.data)).toEqual({ value: { mark: 'PIPE', name: 'quiet' }, trace: ['before', 'loadItem.request', 'loadItem.response', 'shout.request', 'after'] });
    const missing = await query('pipeline', { mark: 'NO SUCH MARK' });
    expect(parsed(missing.data)).toEqual({ value: { missing: true }, trace: ['before', 'loadItem.request', 'loadItem.response', 'shout.request', 'after'] });
  });

  it("runtime.earlyReturn in the pipeline resolver's request skips the functions and calls its response immediately", async () => {
    // runtime-utils-js: "When called in an AWS AppSync pipeline resolver request handler, the pipeline
    // execution is skipped, and the pipeline resolver response handler is called immediately."
    const out = await query('pipeline', { mark: 'PIPE', mode: 'early' });
    expect(parsed(out.data)).toEqual({ value: { from: 'before' }, trace: ['before', 'after'] });
    // "When returnOptions is given with skipTo set to "END", the pipeline execution is skipped"
    expect(parsed((await query('pipeline', { mark: 'PIPE', mode: 'end' })).data)).toEqual({ value: { from: 'before' }, trace: ['before', 'after'] });
  });

  it("runtime.earlyReturn(value, { skipTo: 'NEXT' }) in the pipeline resolver's request runs the next handler: the first function, with the value as ctx.prev.result", async () => {
    // runtime-utils-js: "When returnOptions is given with skipTo set to "NEXT", the function
    // execution is skipped, and the next pipeline handler is called."
    const out = await query('pipeline', { mark: 'PIPE', mode: 'next' });
    expect(out.errors).toEqual([]);
    expect(parsed(out.data)).toEqual({
      value: { mark: 'PIPE', name: 'QUIET' },
      trace: ['before', 'loadItem.request', 'loadItem.response', 'shout.request', 'shout.response', 'after'],
    });
  });
});

describe('errors as AppSync surfaces them', () => {
  it('util.error ends the resolver: data null, one error with message, errorType, data and errorInfo', async () => {
    expect(await query('fail', { mark: 'X 1' })).toEqual({
      data: null,
      errors: [{ message: 'the item is broken', errorType: 'BrokenItem', data: { mark: 'X 1' }, errorInfo: { reason: 'on purpose', mark: 'X 1', internal: 'kept' } }],
    });
  });

  it("util.error's data is filtered by the query's selection set, errorInfo is not (built-in-util-js)", async () => {
    const info = { fieldName: 'fail', parentTypeName: 'Query', variables: {}, selectionSetList: ['name'], selectionSetGraphQL: '{\n  name\n}' };
    const out = await query('fail', { mark: 'X 2' }, { info });
    expect(out.errors).toEqual([{ message: 'the item is broken', errorType: 'BrokenItem', data: {}, errorInfo: { reason: 'on purpose', mark: 'X 2', internal: 'kept' } }]);
  });

  it('util.appendError keeps going: the value and every appended error', async () => {
    expect(await query('partial')).toEqual({
      data: { mark: 'PARTIAL', name: 'still here' },
      errors: [
        { message: 'first problem', errorType: 'Partial', data: null, errorInfo: { n: 1 } },
        { message: 'second problem', errorType: 'Partial' },
      ],
    });
  });

  it.each(['process', 'require', 'fetch', 'function', 'unsupported'])('resolver code reaching for %s gets a GraphQL error, not a crash', async (what) => {
    const out = await query('escape', { what });
    expect(out.data).toBeNull();
    expect(out.errors).toHaveLength(1);
    expect(out.errors[0]).toEqual({ message: expect.stringMatching(/^code\.js:\d+:\d+: \w*Error: /), errorType: 'Code' });
  });

  it('a thrown error halts the resolver, and the next call works normally', async () => {
    expect((await query('escape', { what: 'process' })).errors[0]!.message).toMatch(/process is not defined/);
    expect(await query('escape', { what: 'nothing' })).toEqual({ data: 'nothing reached', errors: [] });
  });
});

describe('NONE and AWS_LAMBDA data sources, and the ctx', () => {
  it('NONE passes the payload through; ctx carries arguments, identity, source, info, request and env', async () => {
    const out = await query('echo', { message: 'hi' }, { info: { fieldName: 'echo', parentTypeName: 'Query', variables: { m: 'hi' }, selectionSetList: ['message'], selectionSetGraphQL: '{\n  message\n}' } });
    expect(out.errors).toEqual([]);
    const data = out.data as { message: string; context: string };
    expect(data.message).toBe('hi');
    expect(JSON.parse(data.context)).toEqual({
      arguments: { message: 'hi' },
      identity: null,
      source: null,
      info: { fieldName: 'echo', parentTypeName: 'Query', variables: { m: 'hi' }, selectionSetList: ['message'], selectionSetGraphQL: '{\n  message\n}' },
      request: { headers: { 'x-test': 'yes' }, domainName: null },
      envKeys: Object.keys(env),
      authType: 'API Key Authorization',
    });
  });

  it('AWS_LAMBDA invokes the local handler with the payload as its event', async () => {
    const out = await query('lambdaEcho', { message: 'hello' });
    expect(out.errors).toEqual([]);
    expect(out.data).toEqual({ message: 'hello', context: JSON.stringify({ event: { message: 'hello' }, functionName: 'Echo' }) });
  });

  it('a failing Lambda is ctx.error Lambda:Unhandled', async () => {
    expect(await query('lambdaEcho', { message: 'boom' })).toEqual({ data: null, errors: [{ message: 'the function failed on purpose', errorType: 'Lambda:Unhandled' }] });
  });

  it('extensions.setSubscriptionFilter and setSubscriptionInvalidationFilter are captured into the outcome', async () => {
    const out = await runtime.resolve('Subscription', 'onItem', input({ mark: 'SUB 1' }));
    const filter = { filterGroup: [{ filters: [{ fieldName: 'mark', operator: 'eq', value: 'SUB 1' }] }] };
    expect(out).toEqual({ data: null, errors: [], subscriptionFilter: filter, subscriptionInvalidationFilter: filter });
  });
});
