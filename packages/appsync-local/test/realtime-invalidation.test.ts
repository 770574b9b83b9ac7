/**
 * Subscription invalidation end to end, as "Unsubscribing WebSocket connections using filters in
 * AWS AppSync" (aws-appsync-real-time-invalidation) describes it: the subscription resolver's
 * response handler sets an invalidation filter, a mutation's response handler calls
 * extensions.invalidateSubscriptions({ subscriptionField, payload }), and every subscription on
 * that field whose invalidation filter matches the payload is unsubscribed. Real resolvers
 * (test/fixtures/runtime-api, built bundles), real DynamoDB Local, a real WebSocket.
 */
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadWiring } from '../src/wiring';
import { PACKAGE_ROOT } from './support/paths';
import { createResolverRuntime } from '../src/runtime/runtime';
import type { ResolveInput, ResolverRuntime } from '../src/runtime/types';
import { connectRealtime, type RealtimeClient } from '../src/realtime/client';
import { createRealtimeServer, type RealtimeServer } from '../src/realtime/server';
import { loadAppSyncSchema } from '../src/server/schema';
import { dynamoDbClient } from '../src/services/dynamodb-local';
import { fixtureTables, uniquePrefix } from './support/tables';

const API = join(PACKAGE_ROOT, 'test', 'fixtures', 'runtime-api');
const API_KEY = 'da2-invalidationtestkey0000000';
let runtime: ResolverRuntime;
let realtime: RealtimeServer;
let http: Server;
let url: string;
const clients: RealtimeClient[] = [];

beforeAll(async () => {
  const client = dynamoDbClient(inject('dynamodbEndpoint'));
  const { tables, env } = await fixtureTables(client, uniquePrefix('invalidate'));
  const wiring = loadWiring(join(API, 'resolvers', 'wiring.json'));
  runtime = await createResolverRuntime({ wiring, dynamodb: client, tables, env, bundleDir: join(inject('fixtureBuildRoot'), wiring.name) });
  realtime = createRealtimeServer({ schema: loadAppSyncSchema(join(API, 'schema.graphql')), runtime, apiKey: API_KEY });
  http = createServer();
  realtime.attach(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const address = http.address() as { port: number };
  url = `ws://127.0.0.1:${address.port}${realtime.path}`;
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await realtime?.close();
  await new Promise((resolve) => http?.close(resolve));
});

const input = (fieldName: string, args: Record<string, unknown>): ResolveInput => ({
  arguments: args,
  source: null,
  identity: null,
  requestHeaders: {},
  info: { fieldName, parentTypeName: 'Mutation', variables: {}, selectionSetList: ['mark'], selectionSetGraphQL: '{\n  mark\n}' },
});

/** A mutation through the runtime, then handed to the real-time endpoint as the GraphQL endpoint does. */
async function mutation(fieldName: string, args: Record<string, unknown>) {
  const outcome = await runtime.resolve('Mutation', fieldName, input(fieldName, args));
  expect(outcome.errors).toEqual([]);
  realtime.publish({ fieldName, arguments: args, data: outcome.data, invalidations: outcome.invalidations });
  return outcome;
}

describe('extensions.invalidateSubscriptions', () => {
  it("unsubscribes the subscriptions whose invalidation filter matches the mutation's payload, and only those", async () => {
    const client = await connectRealtime({ url, apiKey: API_KEY });
    clients.push(client);
    await client.init();
    const query = 'subscription($mark: String!) { onItem(mark: $mark) { mark name } }';
    expect((await client.start('gone', query, { mark: 'INV 1' })).type).toBe('start_ack');
    expect((await client.start('kept', query, { mark: 'INV 2' })).type).toBe('start_ack');
    expect(realtime.stats().subscriptions).toBe(2);

    await mutation('putItem', { mark: 'INV 1', name: 'before' });
    await client.next((m) => m.type === 'data' && m.id === 'gone');

    const removed = await mutation('removeItem', { mark: 'INV 1' });
    expect(removed.invalidations).toEqual([{ subscriptionField: 'onItem', payload: { mark: 'INV 1' } }]);
    const complete = await client.next((m) => m.type === 'complete');
    expect(complete).toEqual({ type: 'complete', id: 'gone' });
    expect(realtime.stats().subscriptions).toBe(1);

    // the invalidated subscription gets nothing more; the other one still gets its data
    await mutation('putItem', { mark: 'INV 1', name: 'after' });
    await mutation('putItem', { mark: 'INV 2', name: 'still here' });
    await client.next((m) => m.type === 'data' && m.id === 'kept');
    expect(client.data('gone')).toHaveLength(1);
  });
});
