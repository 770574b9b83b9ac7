/**
 * A real AppSync client against the local stack: aws-amplify v6, configured as for AWS (endpoint,
 * region, defaultAuthMode 'apiKey', apiKey), runs queries and a subscription (the mutations that feed it are sent as staff in process, since the
 * API key is read-only; the sign-in test of issue 12 sends them through Amplify).
 *
 * Amplify derives the real-time URL from the GraphQL endpoint — for a non-AppSync host,
 * endpoint + "/realtime" with http(s):// replaced by wss:// — and authenticates with the
 * `header-<base64url>` subprotocol, per AWS's "Building a real-time WebSocket client in AWS
 * AppSync" (https://docs.aws.amazon.com/appsync/latest/devguide/real-time-websocket-client.html).
 * So the local port must speak TLS too (it does, with a self-signed certificate) and Amplify must
 * be given a WebSocket that accepts that certificate: `ws`, told so (Node.js's own global
 * WebSocket has no such option).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WS from 'ws';
import { Amplify } from 'aws-amplify';
import { generateClient } from 'aws-amplify/api';
import { Hub } from 'aws-amplify/utils';
import { STAFF } from './support/identities';
import { startTestStack, type TestStack } from './support/stack';

/** The browser-style WebSocket Amplify expects, accepting the local self-signed certificate. */
class LocalWebSocket extends WS {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols, { rejectUnauthorized: false });
  }
}

interface MarkEvent {
  mark: string;
  version: number;
  type: string;
  recordedAt: string;
}

const EVENT = 'mark version type recordedAt';

let stack: TestStack;
let previousWebSocket: unknown;

beforeAll(async () => {
  stack = await startTestStack({ label: 'realtime-amplify' });
  previousWebSocket = (globalThis as { WebSocket?: unknown }).WebSocket;
  (globalThis as { WebSocket?: unknown }).WebSocket = LocalWebSocket;
  Amplify.configure({
    API: { GraphQL: { endpoint: stack.graphqlUrl, region: 'us-east-1', defaultAuthMode: 'apiKey', apiKey: stack.apiKey } },
  });
});

afterAll(async () => {
  (globalThis as { WebSocket?: unknown }).WebSocket = previousWebSocket;
  await stack?.stop();
});

/** Resolves once Amplify reports the start_ack of a subscription whose variables match. */
function subscriptionAcknowledged(match: (variables: Record<string, unknown>) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const stop = Hub.listen('api', ({ payload }) => {
      const data = payload.data as { variables?: Record<string, unknown> } | undefined;
      if (payload.event === 'Subscription ack' && match(data?.variables ?? {})) {
        stop();
        resolve();
      }
    });
  });
}

describe('aws-amplify v6 against the local endpoint', () => {
  it('runs queries and a subscription that receives one mark’s events and not another’s', async () => {
    const client = generateClient();
    const [watched, other] = ['AMP 1', 'AMP 2'];

    // Query: neither mark exists yet.
    const before = (await client.graphql({ query: `query($mark: ID!) { getMark(mark: $mark) { mark version } }`, variables: { mark: watched } })) as {
      data: { getMark: unknown };
    };
    expect(before.data.getMark).toBeNull();

    // Subscription, through Amplify's own WebSocket provider.
    const received: MarkEvent[] = [];
    const errors: unknown[] = [];
    const acknowledged = subscriptionAcknowledged((v) => v.mark === watched);
    const observable = client.graphql({
      query: `subscription($mark: ID) { onMarkEvent(mark: $mark) { ${EVENT} } }`,
      variables: { mark: watched },
    }) as unknown as { subscribe(observer: { next(value: { data: { onMarkEvent: MarkEvent } }): void; error(e: unknown): void }): { unsubscribe(): void } };
    const subscription = observable.subscribe({ next: ({ data }) => received.push(data.onMarkEvent), error: (e) => errors.push(e) });
    await acknowledged;

    // Mutations on both marks.
    // Mutations are staff's (the API key Amplify is configured with is read-only, docs/AUTHORIZATION.md):
    // sent in process as staff until Amplify signs in against the local user pool
    const asStaff = async (query: string, input: Record<string, unknown>) => (await stack.gqlAs(STAFF, query, { input })).body as never;
    const release = async (mark: string) =>
      (await asStaff(`mutation($input: ReleaseMarkInput!) { releaseMark(input: $input) { ${EVENT} } }`, { mark, price: 399 })) as { data: { releaseMark: MarkEvent } };
    const released = await release(watched);
    expect(released.data.releaseMark).toMatchObject({ mark: watched, version: 1, type: 'MARK_RELEASED' });
    await release(other);
    const locked = (await asStaff(`mutation($input: LockMarkInput!) { lockMark(input: $input) { ${EVENT} } }`, { mark: watched, expectedVersion: 1 })) as {
      data: { lockMark: MarkEvent };
    };

    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(2);
    expect(received).toEqual([released.data.releaseMark, locked.data.lockMark]);
    expect(received.every((e) => e.mark === watched)).toBe(true);
    expect(errors).toEqual([]);

    // Query again: the view reflects both events.
    const after = (await client.graphql({ query: `query($mark: ID!) { getMark(mark: $mark) { mark version } }`, variables: { mark: watched } })) as {
      data: { getMark: { mark: string; version: number } };
    };
    expect(after.data.getMark).toEqual({ mark: watched, version: 2 });

    subscription.unsubscribe();
    // Amplify sends stop; the endpoint forgets the subscription.
    await expect.poll(() => stack.realtime.stats().subscriptions, { timeout: 10_000 }).toBe(0);
  });

  it('surfaces a refused subscription (malformed mark) as an error to the observer', async () => {
    const client = generateClient();
    const error = await new Promise<unknown>((resolve) => {
      const observable = client.graphql({
        query: `subscription($mark: ID) { onMarkEvent(mark: $mark) { ${EVENT} } }`,
        variables: { mark: 'not a mark!!' },
      }) as unknown as { subscribe(observer: { next(): void; error(e: unknown): void }): void };
      observable.subscribe({ next: () => resolve('unexpected data'), error: resolve });
    });
    expect(JSON.stringify(error)).toContain('ValidationError');
  });
});
