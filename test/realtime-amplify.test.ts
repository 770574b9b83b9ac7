/**
 * A real AppSync client against the local stack: aws-amplify v6, configured as for AWS (endpoint,
 * region, the user pool with `userPoolEndpoint` pointed at the local pool), signs in as a staff
 * user with USER_PASSWORD_AUTH and, with the tokens it got, runs a query, mutations and a
 * subscription (defaultAuthMode 'userPool': Amplify sends the access token as `Authorization`,
 * over HTTP and in the real-time handshake and starts). The API key is the public storefront's:
 * its reads go through, its mutations are refused.
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
import { fetchAuthSession, signIn, signOut } from 'aws-amplify/auth';
import { Hub } from 'aws-amplify/utils';
import { startTestStack, type TestStack } from './support/stack';
import { SEEDED_USERS } from '../local/userpool/server';

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
  const { pool } = stack.userPool;
  Amplify.configure({
    Auth: { Cognito: { userPoolId: pool.poolId, userPoolClientId: pool.clientId, userPoolEndpoint: stack.userPool.endpoint } },
    API: { GraphQL: { endpoint: stack.graphqlUrl, region: 'us-east-1', defaultAuthMode: 'userPool', apiKey: stack.apiKey } },
  });
  const staff = SEEDED_USERS.find((u) => u.role === 'staff')!;
  const signedIn = await signIn({ username: staff.username, password: staff.password, options: { authFlowType: 'USER_PASSWORD_AUTH' } });
  expect(signedIn.isSignedIn).toBe(true);
});

afterAll(async () => {
  await signOut().catch(() => {});
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
  it('signed in against the local user pool, holds Cognito-shaped tokens of the staff group', async () => {
    const { tokens } = await fetchAuthSession();
    expect(tokens?.accessToken.payload).toMatchObject({ token_use: 'access', client_id: stack.userPool.pool.clientId, 'cognito:groups': ['staff'], iss: stack.userPool.pool.issuer });
    expect(tokens?.idToken?.payload).toMatchObject({ token_use: 'id', 'cognito:username': 'staff' });
  });

  it('runs a query, mutations, and a subscription that receives one mark’s events and not another’s', async () => {
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
    const release = async (mark: string) =>
      (await client.graphql({
        query: `mutation($input: ReleaseMarkInput!) { releaseMark(input: $input) { ${EVENT} } }`,
        variables: { input: { mark, price: 399 } },
      })) as { data: { releaseMark: MarkEvent } };
    const released = await release(watched);
    expect(released.data.releaseMark).toMatchObject({ mark: watched, version: 1, type: 'MARK_RELEASED' });
    await release(other);
    const locked = (await client.graphql({
      query: `mutation($input: LockMarkInput!) { lockMark(input: $input) { ${EVENT} } }`,
      variables: { input: { mark: watched, expectedVersion: 1 } },
    })) as { data: { lockMark: MarkEvent } };

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

  it('with the API key (the public storefront) reads a mark but may not mutate', async () => {
    const client = generateClient({ authMode: 'apiKey' });
    const read = (await client.graphql({ query: `query($mark: ID!) { getMark(mark: $mark) { mark version } }`, variables: { mark: 'AMP 1' } })) as { data: { getMark: unknown } };
    expect(read.data.getMark).toEqual({ mark: 'AMP 1', version: 2 });
    const refused = await (client.graphql({ query: `mutation($input: ReleaseMarkInput!) { releaseMark(input: $input) { version } }`, variables: { input: { mark: 'AMP 3', price: 1 } } }) as Promise<unknown>)
      .then(() => null, (e: { errors?: { errorType?: string; message: string }[] }) => e.errors?.[0]);
    expect(refused).toMatchObject({ errorType: 'Unauthorized', message: 'Not Authorized to access releaseMark on type Mutation' });
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
