/**
 * Real-time work is bounded and fair (issue 24, part 3). One connection's starts run one at a
 * time, a turn of the event loop apart, so that a flood of starts waits behind itself and a query
 * sent meanwhile is answered first; past a burst of its quota of subscriptions, a connection's
 * starts are refused at a steady rate with LimitExceededError; one source address holds a bounded
 * number of connections; a start is held to the HTTP endpoint's document limits and shares its
 * document cache.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRealtime, REALTIME_SAFEGUARDS, type AnyServerMessage, type RealtimeClient } from '../src/index';
import { API_KEY_ONLY, startTestApi, type TestApi } from './support/api';
import { directRuntime } from './support/direct-runtime';

const WIRING = new URL('./fixtures/server-api/wiring.json', import.meta.url).pathname;
/** how long a subscription's resolver holds the event loop: a start that costs something */
const START_COST_MS = 3;
const SUBSCRIBE = 'subscription S($id: ID) { onPutNote(id: $id) { id text } }';
const CONNECTIONS_PER_SOURCE = 4;

let api: TestApi;
let startsRun = 0;

beforeAll(async () => {
  api = await startTestApi({
    label: 'rtfair',
    wiringFile: WIRING,
    auth: { modes: API_KEY_ONLY },
    realtime: { connectionsPerSource: CONNECTIONS_PER_SOURCE },
    runtime: () =>
      directRuntime({
        'Query.note': async (input) => ({ data: { id: String(input.arguments.id), text: 't', required: 'r' }, errors: [] }),
        'Subscription.onPutNote': () => {
          startsRun++;
          const until = performance.now() + START_COST_MS;
          while (performance.now() < until);
          return { data: null, errors: [] };
        },
      }),
  });
});

afterAll(async () => {
  await api?.stop();
});

const start = (id: string) => ({ id, type: 'start', payload: { data: JSON.stringify({ query: SUBSCRIBE, variables: { id } }), extensions: { authorization: { host: 'x', 'x-api-key': api.apiKey } } } });
const answered = (client: RealtimeClient, id: string) => client.messages.find((m) => m.id === id && (m.type === 'start_ack' || m.type === 'error'));

describe('a flood of starts on one connection', () => {
  it('waits behind itself: a query sent during the flood is answered before the flood is through', async () => {
    const client = await connectRealtime({ url: api.realtimeUrl, apiKey: api.apiKey });
    try {
      await client.init();
      const count = 60;
      const runBefore = startsRun;
      for (let i = 0; i < count; i++) {
        client.send(start(`f${i}`));
        client.send({ id: `f${i}`, type: 'stop' });
      }
      const query = api.gql<{ note: { id: string } }>('{ note(id: "during") { id } }');
      const res = await query;
      const ranBefore = startsRun - runBefore;
      expect(res.body.data?.note.id).toBe('during');
      // 60 starts of 3 ms each would take 180 ms of the event loop: the query waited for a few of
      // them at most (unbounded, every start's resolver ran before the query was answered)
      expect(ranBefore).toBeLessThan(count / 2);
      await client.next((m) => m.id === `f${count - 1}` && m.type === 'complete', 20_000);
    } finally {
      await client.close();
    }
  });

  it('is refused past its burst with LimitExceededError, each refused start answered and nothing run for it', async () => {
    const client = await connectRealtime({ url: api.realtimeUrl, apiKey: api.apiKey });
    try {
      await client.init();
      const before = startsRun;
      const refusedBefore = api.realtime.stats().startsRefused;
      const count = REALTIME_SAFEGUARDS.startBurst + 50;
      for (let i = 0; i < count; i++) {
        client.send(start(`r${i}`));
        client.send({ id: `r${i}`, type: 'stop' });
      }
      await expect.poll(() => Array.from({ length: count }, (_, i) => answered(client, `r${i}`) ?? client.messages.find((m) => m.id === `r${i}` && m.type === 'complete')).every(Boolean), { timeout: 20_000 }).toBe(true);
      const refused = client.messages.filter((m): m is AnyServerMessage => m.type === 'error' && (m.payload as { errors: Array<{ errorType: string }> }).errors[0]?.errorType === 'LimitExceededError');
      // the rate refills 10 a second while the flood is sent: a few more than the burst may pass
      expect(refused.length).toBeGreaterThanOrEqual(40);
      expect(refused.length).toBeLessThanOrEqual(50);
      expect(refused[0]!.payload).toEqual({ errors: [{ errorType: 'LimitExceededError', message: expect.stringMatching(/^Rate of start messages exceeded/) }] });
      expect(startsRun - before).toBeLessThanOrEqual(count - refused.length);
      expect(api.realtime.stats().startsRefused - refusedBefore).toBe(refused.length);
    } finally {
      await client.close();
    }
  });
});

describe('connections from one source', () => {
  it(`are refused past ${CONNECTIONS_PER_SOURCE} with 429, and accepted again once one closes`, async () => {
    const open: RealtimeClient[] = [];
    try {
      for (let i = 0; i < CONNECTIONS_PER_SOURCE; i++) open.push(await connectRealtime({ url: api.realtimeUrl, apiKey: api.apiKey }));
      await expect(connectRealtime({ url: api.realtimeUrl, apiKey: api.apiKey })).rejects.toThrow('upgrade refused: HTTP 429');
      await open.pop()!.close();
      await expect.poll(() => api.realtime.stats().connections).toBe(CONNECTIONS_PER_SOURCE - 1);
      open.push(await connectRealtime({ url: api.realtimeUrl, apiKey: api.apiKey }));
    } finally {
      await Promise.all(open.map((c) => c.close()));
    }
  });
});
