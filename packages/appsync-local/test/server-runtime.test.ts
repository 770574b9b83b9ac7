/**
 * The endpoint and the APPSYNC_JS runtime together, as npm start runs them: bundles built from
 * test/fixtures/runtime-api, executed by the package's runtime, served over HTTP on DynamoDB Local.
 */
import { GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RequestTrace } from '../src/server';
import { API_KEY_ONLY, startTestApi, type TestApi } from './support/api';

const WIRING = new URL('./fixtures/runtime-api/resolvers/wiring.json', import.meta.url).pathname;
const APPEND = 'mutation Append($mark: String!, $v: Int!) { appendEvent(mark: $mark, expectedVersion: $v) { mark version } }';

let stack: TestApi;

beforeAll(async () => {
  stack = await startTestApi({ label: 'serverruntime', wiringFile: WIRING, auth: { modes: API_KEY_ONLY } });
});

afterAll(async () => {
  await stack?.stop();
});

it('runs a TransactWriteItems resolver through the endpoint and reports its conflict in AppSync format', async () => {
  expect((await stack.gql(APPEND, { mark: 'AB1', v: 0 })).body).toEqual({ data: { appendEvent: { mark: 'AB1', version: 1 } } });
  expect((await stack.gql(APPEND, { mark: 'AB1', v: 1 })).body).toEqual({ data: { appendEvent: { mark: 'AB1', version: 2 } } });

  const conflict = await stack.gql(APPEND, { mark: 'AB1', v: 1 });
  expect(conflict.status).toBe(200);
  expect(conflict.body.data).toEqual({ appendEvent: null });
  expect(conflict.body.errors).toHaveLength(1);
  expect(conflict.body.errors[0]).toMatchObject({
    path: ['appendEvent'],
    errorType: 'ConcurrentModification',
    message: 'the mark was changed concurrently',
    locations: [{ line: 1, column: 45, sourceName: null }],
  });
  expect(conflict.body.errors[0].errorInfo.errorType).toBe('DynamoDB:TransactionCanceledException');

  const { Item } = await stack.dynamodb.send(new GetItemCommand({ TableName: stack.env.MARKS_TABLE, Key: { mark: { S: 'AB1' } } }));
  expect(Item?.version).toEqual({ N: '2' });
});

it('writes nothing for a request refused before the resolver runs', async () => {
  const count = async () => (await stack.dynamodb.send(new ScanCommand({ TableName: stack.env.MARK_EVENTS_TABLE, Select: 'COUNT' }))).Count;
  const before = await count();
  await stack.gql(APPEND, { mark: 'AB2', v: 'zero' });
  await stack.gql(APPEND, { mark: 'AB2', v: 0 }, { apiKey: 'da2-wrong' });
  await stack.post('{"query": ', { 'x-api-key': stack.apiKey });
  await stack.gql('mutation { appendEvent(mark: "AB2", expectedVersion: 0) { nope } }');
  expect(await count()).toBe(before);
});

it('serves the selection to the runtime and the runtime answers with it', async () => {
  const res = await stack.gql('{ echo(message: "hi") { message context } }');
  expect(res.body.errors).toBeUndefined();
  const context = JSON.parse((res.body.data as { echo: { context: string } }).echo.context);
  expect(context.info?.selectionSetList ?? context.selectionSetList).toEqual(['message', 'context']);
});

it('traces the stages of a request only while a sink is attached', async () => {
  const traces: RequestTrace[] = [];
  stack.server.traceRequests((trace) => traces.push(trace));
  try {
    const res = await stack.gql('query P($mark: String!) { pipeline(mark: $mark) { value trace } }', { mark: 'TR1' });
    expect(res.body.errors).toBeUndefined();
  } finally {
    stack.server.traceRequests(undefined);
  }
  await stack.gql('query P($mark: String!) { pipeline(mark: $mark) { value trace } }', { mark: 'TR1' });
  expect(traces).toHaveLength(1);
  const [trace] = traces;
  expect(trace!.fields).toEqual(['Query.pipeline']);
  // the item does not exist, so shout's request returns early: no data source call for it, nor a response
  expect(Object.keys(trace!.stages).sort()).toEqual(
    [
      'HTTP and JSON',
      'token verification',
      'parse and validation',
      'directive checks',
      'GraphQL execution',
      'sandbox Query.pipeline.request',
      'sandbox loadItem.request',
      'data source loadItem GetItem',
      'sandbox loadItem.response',
      'sandbox shout.request',
      'sandbox Query.pipeline.response',
      'resolver runtime',
      'serialisation',
    ].sort(),
  );
  for (const ms of Object.values(trace!.stages)) expect(ms).toBeGreaterThanOrEqual(0);
  const staged = Object.values(trace!.stages).reduce((sum, ms) => sum + ms, 0);
  expect(staged).toBeLessThanOrEqual(trace!.totalMs + 0.01);
});
