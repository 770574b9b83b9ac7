/**
 * Hostile and careless documents (issue 10, defects 1, 4, 5, 9, 10) and AppSync's per-API limits
 * (issue 14), against the local stack with real resolvers on DynamoDB Local:
 * - fragments spread twice per level (2^30 spreads in 1.3 KB) and aliases fanned out through
 *   fragments neither block the process nor run: a second client's getMark answers meanwhile;
 * - queryDepthLimit, resolverCountLimit and introspection as infra/settings.ts gives them, with
 *   AppSync's behaviour from "Configuring GraphQL run complexity, query depth, and introspection
 *   with AWS AppSync" (https://docs.aws.amazon.com/appsync/latest/devguide/configuration-limits.html):
 *   the field past a limit is null with a limit error, introspection fields are undefined;
 * - variables nested 100,000 deep get a typed variable error, not HTTP 500;
 * - a mutation document whose second field fails still reports and publishes the first, and
 *   each field's event is published as it commits, in commit order per mark;
 * - real-time: `variables: [1]` refused, AppSync's 100 subscriptions per connection
 *   ("AWS AppSync endpoints and quotas", https://docs.aws.amazon.com/general/latest/gr/appsync.html),
 *   and a client that does not read is closed once it holds too much.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { contextOf, readSettings } from '../infra/settings';
import { deployedLimits } from '../local/stack';
import { authHeader, connectRealtime, MAX_SUBSCRIPTIONS_PER_CONNECTION, type RealtimeClient } from 'appsync-local';
import { startTestStack, type TestStack } from './support/stack';
import { aliasFanOutQuery, deepVariablesBody, fragmentChainQuery, fragmentChainSubscription } from './support/hostile';
import { entitlementInput, freshMark, getMark, ok } from './support/marks';

// The settings a production stage would deploy (cdk -c queryDepthLimit=2 -c resolverCountLimit=2 -c introspection=false).
const STRICT = readSettings(contextOf({ queryDepthLimit: 2, resolverCountLimit: 2, introspection: false }));
/** Generous: the machine is shared; before the fixes these waited minutes. */
const BOUND_MS = 5_000;

let stack: TestStack;
let strict: TestStack;
const clients: RealtimeClient[] = [];

beforeAll(async () => {
  [stack, strict] = await Promise.all([
    startTestStack({ label: 'limits', realtime: { maxBufferedBytes: 64 * 1024 } }),
    startTestStack({
      label: 'strict',
      limits: { queryDepthLimit: STRICT.queryDepthLimit, resolverCountLimit: STRICT.resolverCountLimit, introspection: STRICT.introspection },
    }),
  ]);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  await Promise.all([stack?.stop(), strict?.stop()]);
});

async function connect(on: TestStack = stack): Promise<RealtimeClient> {
  const client = await connectRealtime({ url: on.realtimeUrl, apiKey: on.apiKey });
  clients.push(client);
  await client.init();
  return client;
}

/** Runs `hostile` while a well-behaved client reads a mark; returns how long that read took. */
async function wellBehavedWaitDuring(hostile: () => Promise<unknown>, mark: string): Promise<number> {
  const running = hostile();
  // let the hostile request reach the server first
  await new Promise((resolve) => setTimeout(resolve, 20));
  const started = performance.now();
  const read = await getMark(stack, mark);
  const waited = performance.now() - started;
  expect(read.data).toMatchObject({ mark });
  await running;
  return waited;
}

describe('fragment and alias fan-out (defect 1)', () => {
  it('answers a query spreading 2^30 fragments at once, and a second client meanwhile', async () => {
    const mark = freshMark('FQ');
    await ok(stack, 'releaseMark', { mark, price: 100 });
    let body: Record<string, unknown> | undefined;
    const waited = await wellBehavedWaitDuring(async () => {
      body = (await stack.gql(fragmentChainQuery(mark))).body;
    }, mark);
    expect(body).toEqual({ data: { getMark: { mark, version: 1 } } });
    expect(waited).toBeLessThan(BOUND_MS);
  });

  it('acknowledges such a subscription at once and publishes to it without slowing mutations', async () => {
    const mark = freshMark('FS');
    await ok(stack, 'releaseMark', { mark, price: 100 });
    const client = await connect();
    const started = performance.now();
    expect(await client.start('chain', fragmentChainSubscription(mark))).toEqual({ type: 'start_ack', id: 'chain' });
    expect(performance.now() - started).toBeLessThan(BOUND_MS);
    await ok(stack, 'lockMark', { mark, expectedVersion: 1 });
    const event = await client.next((m) => m.type === 'data' && m.id === 'chain');
    expect(event.payload).toEqual({ data: { onMarkEvent: { mark, version: 2 } } });
  });

  it('refuses aliases fanned out through fragments before running anything', async () => {
    const mark = freshMark('FA');
    await ok(stack, 'releaseMark', { mark, price: 100 });
    let body: Record<string, unknown> | undefined;
    const waited = await wellBehavedWaitDuring(async () => {
      body = (await stack.gql(aliasFanOutQuery(40))).body;
    }, mark);
    expect(body).toMatchObject({ data: null, errors: [{ message: expect.stringMatching(/^Validation error of type QueryTooLarge/) }] });
    expect(waited).toBeLessThan(BOUND_MS);
  });
});

describe('AppSync limits from infra/settings.ts (issue 14)', () => {
  it('reads the limits the CDK app deploys: cdk.json context through readSettings', () => {
    const context = (JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }).context;
    const settings = readSettings(contextOf(context));
    expect(deployedLimits()).toEqual({ queryDepthLimit: settings.queryDepthLimit, resolverCountLimit: settings.resolverCountLimit, introspection: settings.introspection });
    expect(stack.server.limits).toMatchObject(deployedLimits());
    expect(stack.server.limits.requestTimeoutMs).toBe(30_000);
  });

  it('nulls a field deeper than queryDepthLimit with a limit error, keeping the fields above it', async () => {
    const mark = freshMark('DL');
    await ok(strict, 'createEntitlement', entitlementInput(mark));
    // as staff: the entitlement is personal data, null for the API key before any limit applies
    const res = await strict.gql(`query { getMark(mark: "${mark}") { mark entitlement { certificateNo address { postTown } } } }`, undefined, { as: 'staff' });
    expect(res.body.data).toEqual({ getMark: { mark, entitlement: null } });
    // certificateNo is String!: its error nulls the nearest nullable field, entitlement, as the page says
    expect(res.body.errors).toEqual([
      expect.objectContaining({ path: ['getMark', 'entitlement', 'certificateNo'], errorType: 'QueryDepthLimitExceeded', message: 'Query depth limit of 2 exceeded.' }),
    ]);
    // within the limit, nothing changes
    expect((await strict.gql(`query { getMark(mark: "${mark}") { mark version } }`)).body).toEqual({ data: { getMark: { mark, version: 1 } } });
  });

  it('nulls the resolver invocations past resolverCountLimit with a limit error', async () => {
    const mark = freshMark('RC');
    await ok(strict, 'releaseMark', { mark, price: 5 });
    const res = await strict.gql(`query { a: getMark(mark: "${mark}") { mark } b: getMark(mark: "${mark}") { mark } c: getMark(mark: "${mark}") { mark } }`);
    expect(res.body.data).toEqual({ a: { mark }, b: { mark }, c: null });
    expect(res.body.errors).toEqual([expect.objectContaining({ path: ['c'], errorType: 'ResolverCountLimitExceeded', message: 'Resolver count limit of 2 exceeded.' })]);
  });

  it('answers introspection with validation errors when it is disabled, and serves it when enabled', async () => {
    const query = '{ __schema { types { name } } }';
    const refused = await strict.gql(query);
    expect(refused.body).toEqual({
      data: null,
      errors: [{ path: null, locations: [{ line: 1, column: 14, sourceName: null }], message: "Validation error of type FieldUndefined: Field 'types' in type '__Schema' is undefined @ '__schema/types'" }],
    });
    expect((await strict.gql('{ __typename }')).body).toEqual({ data: { __typename: 'Query' } });
    const served = await stack.gql(query);
    expect(served.body.errors).toBeUndefined();
  });
});

describe('variables nested 100,000 deep (defect 9)', () => {
  it('are a typed variable error whether used or not, and the endpoint keeps answering', async () => {
    const mark = freshMark('DV');
    await ok(stack, 'releaseMark', { mark, price: 1 });
    for (const query of [`query { getMark(mark: "${mark}") { mark } }`, 'query Q($deep: ID!) { getMark(mark: $deep) { mark } }']) {
      const res = await stack.post(deepVariablesBody(query, 100_000), { 'x-api-key': stack.apiKey });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ data: null, errors: [{ path: null, locations: null, message: "Variable 'deep' has an invalid value. It is nested deeper than 64 levels." }] });
    }
    expect((await getMark(stack, mark)).data).toMatchObject({ mark });
  });
});

describe('real-time start payloads (defect 9) and quotas (defect 10)', () => {
  it('refuses variables that are not a JSON object instead of subscribing to every mark', async () => {
    const client = await connect();
    const reply = await client.start('array', 'subscription On($mark: ID) { onMarkEvent(mark: $mark) { mark } }', [1] as never);
    expect(reply).toEqual({ type: 'error', id: 'array', payload: { errors: [{ errorType: 'BadRequestException', message: 'The start payload variables must be a JSON object.' }] } });
  });

  it('refuses variables nested 100,000 deep with a variable error', async () => {
    const client = await connect();
    const host = new URL(stack.realtimeUrl).host;
    client.send({
      id: 'deep',
      type: 'start',
      payload: { data: deepVariablesBody('subscription On($deep: ID) { onMarkEvent(mark: $deep) { mark } }', 100_000), extensions: { authorization: authHeader(stack.apiKey, host) } },
    });
    const reply = await client.next((m) => m.id === 'deep');
    expect(reply).toMatchObject({ type: 'error', payload: { errors: [{ message: "Variable 'deep' has an invalid value. It is nested deeper than 64 levels." }] } });
  });

  it(`allows ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions per connection, then answers MaxSubscriptionsReachedError`, async () => {
    const client = await connect();
    for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_CONNECTION; i++) {
      expect(await client.start(`s${i}`, 'subscription { onMarkEvent { mark } }')).toEqual({ type: 'start_ack', id: `s${i}` });
    }
    const refused = await client.start('one-too-many', 'subscription { onMarkEvent { mark } }');
    expect(refused).toEqual({ type: 'error', id: 'one-too-many', payload: { errors: [{ errorType: 'MaxSubscriptionsReachedError', message: 'Max number of 100 subscriptions reached' }] } });
    // a stop frees a place
    await client.stop('s0');
    expect(await client.start('again', 'subscription { onMarkEvent { mark } }')).toEqual({ type: 'start_ack', id: 'again' });
  });

  it('closes a connection that does not read once it holds more than its bound, and frees it', async () => {
    // staff: the events' data is not the API key's (schema.graphql)
    const reader = await connectRealtime({ url: stack.realtimeUrl, apiKey: stack.apiKey, authorization: { Authorization: await stack.token('staff') } });
    clients.push(reader);
    await reader.init();
    for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_CONNECTION; i++) await reader.start(`r${i}`, `subscription { onMarkEvent { ${'mark version type recordedAt commandId data'} } }`);
    const before = stack.realtime.stats();
    // the client stops reading: everything sent to it waits in the kernel, then in the server
    (reader.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    let sent = 0;
    while (stack.realtime.stats().slowReadersClosed === before.slowReadersClosed && sent < 3_000) {
      await Promise.all(Array.from({ length: 20 }, () => ok(stack, 'releaseMark', { mark: freshMark('SR'), price: 1 })));
      sent += 20;
    }
    expect(stack.realtime.stats().slowReadersClosed).toBe(before.slowReadersClosed + 1);
    expect(stack.realtime.stats().connections).toBe(before.connections - 1);
    expect(stack.realtime.stats().subscriptions).toBe(before.subscriptions - MAX_SUBSCRIPTIONS_PER_CONNECTION);
  });
});

describe('multi-field mutations (defects 4, 5)', () => {
  it('reports and publishes the committed field when another field of the document fails', async () => {
    const mark = freshMark('MF');
    const client = await connect();
    await client.start('mf', `subscription { onMarkEvent(mark: "${mark}") { mark version type } }`);
    // as staff: the API key may not mutate (docs/AUTHORIZATION.md)
    const res = await stack.gql(
      `mutation { a: releaseMark(input: { mark: "${mark}", price: 10 }) { mark version type } b: lockMark(input: { mark: "ZZ 9999", expectedVersion: 1 }) { mark version } }`,
      undefined,
      { as: 'staff' },
    );
    // Both fields are non-null (MarkEvent!): "If a non-nullable field produces an error, the error
    // will be thrown upwards to the first nullable field available" (AppSync API reference,
    // CreateGraphqlApi; GraphQL's own rule) — here the whole data. a is committed all the same:
    // the answer carries b's error, and a's event reaches subscribers and the store.
    expect(res.body.data).toBeNull();
    expect(res.body.errors).toEqual([expect.objectContaining({ path: ['b'] })]);
    const event = await client.next((m) => m.type === 'data' && m.id === 'mf');
    expect(event.payload).toEqual({ data: { onMarkEvent: { mark, version: 1, type: 'MARK_RELEASED' } } });
    expect((await getMark(stack, mark)).data).toMatchObject({ mark, version: 1 });
  });

  it("publishes each field's event as it commits, so a later single mutation of the mark cannot overtake it", async () => {
    const mark = freshMark('MO');
    await ok(stack, 'releaseMark', { mark, price: 10 });
    const client = await connect();
    await client.start('mo', `subscription { onMarkEvent(mark: "${mark}") { version } }`);
    // one document: the mark's version 2 first, then a long tail of other marks
    const tail = Array.from({ length: 40 }, (_, i) => `t${i}: releaseMark(input: { mark: "${freshMark('MT')}", price: 1 }) { version }`).join(' ');
    // (the mutation selects mark: AppSync filters subscriptions on the fields the mutation selected)
    const long = stack.gql(`mutation { first: lockMark(input: { mark: "${mark}", expectedVersion: 1 }) { mark version } ${tail} }`, undefined, { as: 'staff' });
    await expect.poll(async () => (await getMark(stack, mark)).data?.version, { timeout: 20_000, interval: 5 }).toBe(2);
    await ok(stack, 'unlockMark', { mark, expectedVersion: 2 });
    expect((await long).body.errors).toBeUndefined();
    await client.next((m) => m.type === 'data' && m.id === 'mo' && (m.payload as { data: { onMarkEvent: { version: number } } }).data.onMarkEvent.version === 3);
    expect(client.data('mo')).toEqual([{ data: { onMarkEvent: { version: 2 } } }, { data: { onMarkEvent: { version: 3 } } }]);
  });
});
