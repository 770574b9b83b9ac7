/**
 * Auth: no key, an empty key and wrong keys, over HTTP (queries and mutations: 401
 * UnauthorizedException, nothing written) and on the real-time endpoint (the connection is refused
 * at connect; a start with a bad key is refused and delivers nothing, while the connection and a
 * start with the right key keep working).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connectRealtime, type AnyServerMessage, type RealtimeClient } from '../../local/realtime/client';
import { startTestStack, type TestStack } from '../support/stack';
import { ok } from '../support/marks';
import { Tally, settleLosses, tablesSnapshot, type Acknowledged } from '../support/reliability';

let stack: TestStack;
const tally = new Tally('auth');
const acknowledged: Acknowledged[] = [];
const clients: RealtimeClient[] = [];
const MARK = 'AUTH 1';

beforeAll(async () => {
  stack = await startTestStack({ label: 'relauth' });
  const event = await ok(stack, 'releaseMark', { mark: MARK, price: 5 });
  acknowledged.push({ mark: event.mark, version: event.version, type: event.type });
  tally.acknowledged += 1;
});

afterAll(async () => {
  try {
    await settleLosses(stack, tally, acknowledged);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await stack?.stop();
  }
});

const BAD_KEYS: [string, string | null][] = [
  ['no key', null],
  ['an empty key', ''],
  ['a wrong key', 'da2-wrongwrongwrongwrongwrongw'],
  ['the key in the wrong case', 'DA2-LOCALMARKAPIDEVELOPMENT0'],
  ['the key with its last character changed', 'da2-localmarkapidevelopment1'],
  ['the key twice', 'da2-localmarkapidevelopment0da2-localmarkapidevelopment0'],
  ['the key cut short', 'da2-localmarkapidevelopment'],
];

const OPERATIONS: [string, string, Record<string, unknown>][] = [
  ['releaseMark', 'mutation M($input: ReleaseMarkInput!) { releaseMark(input: $input) { version } }', { input: { mark: 'AUTH 2', price: 1 } }],
  ['lockMark', 'mutation M($input: LockMarkInput!) { lockMark(input: $input) { version } }', { input: { mark: MARK, expectedVersion: 1 } }],
  ['forgetMark', 'mutation M($input: ForgetMarkInput!) { forgetMark(input: $input) { version } }', { input: { mark: MARK, expectedVersion: 1 } }],
  ['getMark', 'query Q($mark: ID!) { getMark(mark: $mark) { version } }', { mark: MARK }],
  ['listMarks', 'query { listMarks { items { mark } } }', {}],
];

describe('HTTP', () => {
  it('answers every operation without the right key with 401 UnauthorizedException and writes nothing', async () => {
    expect(stack.apiKey).toBe('da2-localmarkapidevelopment0');
    const before = await tablesSnapshot(stack);
    for (const [keyLabel, apiKey] of BAD_KEYS) {
      for (const [name, query, variables] of OPERATIONS) {
        tally.attempted += 1;
        const res = await stack.gql(query, variables, { apiKey });
        expect(res.status, `${name} with ${keyLabel}`).toBe(401);
        expect(res.body, `${name} with ${keyLabel}`).toEqual({ errors: [{ errorType: 'UnauthorizedException', message: 'You are not authorized to make this call.' }] });
        tally.rejected += 1;
      }
    }
    // a key in another header is no key
    tally.attempted += 1;
    const elsewhere = await stack.gql(OPERATIONS[0][1], OPERATIONS[0][2], { apiKey: null, headers: { authorization: stack.apiKey } });
    expect(elsewhere.status).toBe(401);
    tally.rejected += 1;
    expect(await tablesSnapshot(stack)).toEqual(before);
    // the right key on the same request goes through (so the refusals above were about the key)
    const allowed = await stack.gql(OPERATIONS[3][1], OPERATIONS[3][2]);
    expect(allowed.body).toEqual({ data: { getMark: { version: 1 } } });
  });
});

/** Opens a socket and sends connection_init: the refusal, whichever way it comes (upgrade refused or connection_error). */
async function connectAndInit(open: () => Promise<RealtimeClient>): Promise<string> {
  let client: RealtimeClient;
  try {
    client = await open();
  } catch (err) {
    return `upgrade refused: ${(err as Error).message}`;
  }
  clients.push(client);
  client.send({ type: 'connection_init' });
  const reply = await client.next((m) => m.type === 'connection_error' || m.type === 'connection_ack');
  expect(reply.type).toBe('connection_error');
  const [error] = (reply.payload as { errors: { errorType: string; message: string }[] }).errors;
  expect(error.errorType).toMatch(/UnauthorizedException$/);
  expect(error.message.length).toBeGreaterThan(0);
  await new Promise<void>((resolve) => (client.socket.readyState === WebSocket.CLOSED ? resolve() : client.socket.once('close', () => resolve())));
  return error.errorType;
}

/** A socket whose handshake carries a header without any x-api-key, or no header at all. */
function rawSocket(header: object | null): Promise<RealtimeClient> {
  const url = new URL(stack.realtimeUrl);
  if (header) url.searchParams.set('header', Buffer.from(JSON.stringify(header)).toString('base64'));
  url.searchParams.set('payload', Buffer.from('{}').toString('base64'));
  return connectRealtime({ url: url.toString(), apiKey: 'unused', protocols: ['graphql-ws'], via: 'subprotocol' }).then((client) => client);
}

describe('real-time endpoint', () => {
  it('refuses a connection without the right key', async () => {
    const host = new URL(stack.realtimeUrl).host;
    const attempts: [string, () => Promise<RealtimeClient>][] = [
      ...BAD_KEYS.filter(([, key]) => key !== null).flatMap(([label, key]) =>
        (['query', 'subprotocol'] as const).map((via) => [`${label} via ${via}`, () => connectRealtime({ url: stack.realtimeUrl, apiKey: key!, via })] as [string, () => Promise<RealtimeClient>]),
      ),
      ['a header without x-api-key', () => rawSocket({ host })],
    ];
    for (const [label, open] of attempts) {
      tally.attempted += 1;
      const refusal = await connectAndInit(open);
      expect(refusal, label).toMatch(/UnauthorizedException|upgrade refused: HTTP 4\d\d/);
      tally.rejected += 1;
    }
    expect(stack.realtime.stats().subscriptions).toBe(0);
  });

  it('refuses a start without the right key and delivers nothing to it; the right key still works', async () => {
    const client = await connectRealtime({ url: stack.realtimeUrl, apiKey: stack.apiKey });
    clients.push(client);
    await client.init();
    const query = 'subscription S($mark: ID) { onMarkEvent(mark: $mark) { mark version } }';
    const refusedIds: string[] = [];
    for (const [label, apiKey] of BAD_KEYS) {
      const id = `bad-${refusedIds.length}`;
      tally.attempted += 1;
      let reply: AnyServerMessage;
      if (apiKey === null) {
        // authorization without any x-api-key
        client.send({ id, type: 'start', payload: { data: JSON.stringify({ query, variables: { mark: MARK } }), extensions: { authorization: { host: new URL(stack.realtimeUrl).host } } } });
        reply = await client.next((m) => m.id === id && (m.type === 'start_ack' || m.type === 'error'));
      } else {
        reply = await client.start(id, query, { mark: MARK }, apiKey);
      }
      expect(reply, label).toEqual({ type: 'error', id, payload: { errors: [{ errorType: 'UnauthorizedException', message: 'You are not authorized to make this call.' }] } });
      tally.rejected += 1;
      refusedIds.push(id);
    }
    expect(await client.start('good', query, { mark: MARK })).toEqual({ type: 'start_ack', id: 'good' });
    const event = await ok(stack, 'lockMark', { mark: MARK, expectedVersion: 1 });
    acknowledged.push({ mark: event.mark, version: event.version, type: event.type });
    tally.acknowledged += 1;
    await client.next((m) => m.type === 'data' && m.id === 'good');
    for (const id of refusedIds) expect(client.data(id), id).toEqual([]);
  });
});
