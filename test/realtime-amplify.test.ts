/**
 * A real AppSync client against the local stack: aws-amplify v6, configured as for AWS (endpoint,
 * region, the user pool with `userPoolEndpoint` pointed at the local pool), signs in as a staff
 * user the way AWS documents it, `signIn({ username, password })` — Amplify's default flow, SRP
 * (USER_SRP_AUTH, "User pool authentication flow",
 * https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-authentication-flow.html)
 * — and, with the tokens it got, runs a query, mutations and a
 * subscription (defaultAuthMode 'userPool': Amplify sends the access token as `Authorization`,
 * over HTTP and in the real-time handshake and starts). The API key is the public storefront's:
 * its reads go through, its mutations are refused. Then it signs in again as purchaser A and buys a
 * mark staff released (query, purchaseMark, and a subscription selecting personalData, which only
 * the mark's owner or staff may: docs/AUTHORIZATION.md).
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
import { fetchAuthSession, getCurrentUser, signIn, signOut } from 'aws-amplify/auth';
import { Hub } from 'aws-amplify/utils';
import { startTestStack, type TestStack } from './support/stack';
import { SEEDED_USERS } from '../local/users';

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
  data?: string;
  personalData?: string | null;
  ownership?: number | null;
}

const EVENT = 'mark version type recordedAt';
const MARK = 'mark version status entitlement { purchaserName address { addLine1 postTown postcode } }';
const BUYER = {
  purchaserName: 'Carys Amplify',
  address: { addLine1: '5 Cedar Walk', postTown: 'Cardigan', postcode: 'SA43 1AA' },
  later: { addLine1: '6 Elm Court', postTown: 'Conwy', postcode: 'LL32 8AA' },
};

type Subscribable<T> = { subscribe(observer: { next(value: { data: { onMarkEvent: T } }): void; error(e: unknown): void }): { unsubscribe(): void } };

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
  const signedIn = await signIn({ username: staff.username, password: staff.password });
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

  it('signs in with SRP, Amplify’s default; answers a wrong password and an unknown user alike; STAFF is staff', async () => {
    const staff = SEEDED_USERS.find((u) => u.role === 'staff')!;
    expect((await getCurrentUser()).signInDetails).toMatchObject({ loginId: staff.username, authFlowType: 'USER_SRP_AUTH' });
    await signOut();
    try {
      const failure = async (username: string, password: string) => {
        try {
          await signIn({ username, password });
        } catch (err) {
          return { name: (err as Error).name, message: (err as Error).message };
        }
        throw new Error(`${username} signed in`);
      };
      const wrongPassword = await failure(staff.username, 'Not-The-Password-1');
      expect(wrongPassword).toEqual({ name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
      expect(await failure('nobody-here', 'Not-The-Password-1')).toEqual(wrongPassword);
      // one namespace whatever the case: STAFF signs in as staff, with staff's sub and groups
      expect((await signIn({ username: 'STAFF', password: staff.password })).isSignedIn).toBe(true);
      const { tokens } = await fetchAuthSession();
      expect(tokens?.idToken?.payload).toMatchObject({ 'cognito:username': 'staff', 'cognito:groups': ['staff'], sub: stack.userPool.pool.user('staff')!.sub });
      await signOut();
    } finally {
      // back to staff, as the other tests of this file expect
      expect((await signIn({ username: staff.username, password: staff.password })).isSignedIn).toBe(true);
    }
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

  it('signed in as a purchaser: a query, purchaseMark, and subscriptions; the buyer becomes the owner, reads the mark in full and receives its events with their personal data', async () => {
    const mark = 'AMP 4';
    // staff (still signed in) release the mark the purchaser will buy
    const released = (await generateClient().graphql({
      query: `mutation($input: ReleaseMarkInput!) { releaseMark(input: $input) { ${EVENT} } }`,
      variables: { input: { mark, price: 250 } },
    })) as { data: { releaseMark: MarkEvent } };
    expect(released.data.releaseMark).toMatchObject({ mark, version: 1, type: 'MARK_RELEASED' });

    // Amplify refuses a second signIn while one user is signed in: sign out first
    await signOut();
    const purchaser = SEEDED_USERS.find((u) => u.role === 'purchaserA')!;
    const signedIn = await signIn({ username: purchaser.username, password: purchaser.password });
    expect(signedIn.isSignedIn).toBe(true);
    try {
      const { tokens } = await fetchAuthSession();
      const sub = tokens?.accessToken.payload.sub as string;
      expect(tokens?.accessToken.payload).toMatchObject({ username: purchaser.username, token_use: 'access' });
      expect(tokens?.accessToken.payload['cognito:groups']).toBeUndefined();
      const client = generateClient();
      const read = async () =>
        ((await client.graphql({ query: `query($mark: ID!) { getMark(mark: $mark) { ${MARK} } }`, variables: { mark } })) as { data: { getMark: Record<string, unknown> } }).data.getMark;

      // Query: for sale, no owner yet
      expect(await read()).toEqual({ mark, version: 1, status: 'MARK_AVAILABLE', entitlement: null });

      // A subscription of the open fields, started before the purchase, receives it
      const open: MarkEvent[] = [];
      const errors: unknown[] = [];
      const openAcknowledged = subscriptionAcknowledged((v) => v.mark === mark);
      const openSubscription = (
        client.graphql({ query: `subscription($mark: ID) { onMarkEvent(mark: $mark) { ${EVENT} data ownership } }`, variables: { mark } }) as unknown as Subscribable<MarkEvent>
      ).subscribe({ next: ({ data }) => open.push(data.onMarkEvent), error: (e) => errors.push(e) });
      await openAcknowledged;

      // purchaseMark: the caller becomes the owner (the owner comes from the token, not the input)
      const bought = (await client.graphql({
        query: `mutation($input: PurchaseMarkInput!) { purchaseMark(input: $input) { ${EVENT} data personalData ownership } }`,
        variables: { input: { mark, expectedVersion: 1, entitlement: { purchaserName: BUYER.purchaserName, address: BUYER.address } } },
      })) as { data: { purchaseMark: MarkEvent } };
      expect(bought.data.purchaseMark).toMatchObject({ mark, version: 2, type: 'MARK_PURCHASED', ownership: 2 });
      const personal = JSON.parse(bought.data.purchaseMark.personalData!);
      expect(personal).toMatchObject({ owner: sub, entitlement: { purchaserName: BUYER.purchaserName, address: BUYER.address } });

      // the owner reads their own mark in full
      expect(await read()).toMatchObject({ mark, version: 2, status: 'MARK_SOLD_ISSUE_CERTIFICATE_TO_PURCHASER', entitlement: { purchaserName: BUYER.purchaserName, address: BUYER.address } });

      // Now the owner, they may select personalData on this mark: the subscription starts and gets their next event in full
      const mine: MarkEvent[] = [];
      const mineAcknowledged = subscriptionAcknowledged((v) => v.mark === mark);
      const mineSubscription = (
        client.graphql({ query: `subscription($mark: ID) { onMarkEvent(mark: $mark) { ${EVENT} personalData ownership } }`, variables: { mark } }) as unknown as Subscribable<MarkEvent>
      ).subscribe({ next: ({ data }) => mine.push(data.onMarkEvent), error: (e) => errors.push(e) });
      await mineAcknowledged;
      const moved = (await client.graphql({
        query: `mutation($input: ChangeAddressInput!) { changeAddress(input: $input) { ${EVENT} data personalData ownership } }`,
        variables: { input: { mark, expectedVersion: 2, address: BUYER.later } },
      })) as { data: { changeAddress: MarkEvent } };
      expect(moved.data.changeAddress).toMatchObject({ version: 3, type: 'ADDRESS_CHANGED', ownership: 2 });

      await expect.poll(() => open.length + mine.length, { timeout: 10_000 }).toBe(3);
      expect(errors).toEqual([]);
      // the open subscription: the purchase and the change, without personal data (it did not select it)
      expect(open.map((e) => [e.version, e.type, e.ownership, 'personalData' in e])).toEqual([
        [2, 'MARK_PURCHASED', 2, false],
        [3, 'ADDRESS_CHANGED', 2, false],
      ]);
      expect(JSON.stringify(open)).not.toContain(BUYER.purchaserName);
      // the owner's subscription: the change, with their new address
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({ mark, version: 3, type: 'ADDRESS_CHANGED', ownership: 2 });
      expect(JSON.parse(mine[0].personalData!)).toMatchObject({ address: BUYER.later });

      openSubscription.unsubscribe();
      mineSubscription.unsubscribe();
      await expect.poll(() => stack.realtime.stats().subscriptions, { timeout: 10_000 }).toBe(0);
    } finally {
      await signOut();
      // back to staff, as the other tests of this file expect
      const staff = SEEDED_USERS.find((u) => u.role === 'staff')!;
      await signIn({ username: staff.username, password: staff.password });
    }
  });
});
