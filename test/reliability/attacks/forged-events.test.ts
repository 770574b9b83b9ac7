/**
 * Forged events on other marks' subscriptions (issue 24, part 1), sent from a process of its own
 * (test/support/forged-events-load.ts): a purchaser runs commands on a mark they may lock with
 * selections that would publish the answer as an event of another mark — the issue's aliases, an
 * alias in an inline fragment, a named fragment, other fields standing in for the owner's
 * personalData channel (`ownership: version`, `type: __typename`, `personalData: data`), an alias
 * under @include. Meanwhile the victim mark's owner changes their nominee now and then, and three
 * real subscribers listen: the public API key on the victim mark, the owner on their personalData
 * channel, and staff on every mark, unfiltered.
 *
 * It shows that every event any subscriber receives equals an event recorded in MarkEvents for
 * that mark, field by field (personal data as the owner's sight allows), that nothing of the
 * attacker's was written or published, and what a well-behaved client's getMark waited meanwhile
 * (p50 / p99, printed; p99 asserted under 200 ms, the issue's bound for a loaded machine).
 */
import { availableParallelism, loadavg } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRealtime, type RealtimeClient } from 'appsync-local';
import { median, p99 } from '../../../bench/stats';
import { splitEventData } from '../../../resolvers/lib/personal-data';
import type { DomainEvent } from '../../../resolvers/lib/events';
import { FORGERIES, startForgeLoad, type ForgeLoad } from '../../support/forged-events-load';
import { EVENT_FIELDS, MARK_FIELDS, OPEN_EVENT_FIELDS, freshMark, ok, storedEvents } from '../../support/marks';
import { Tally } from '../../support/reliability';
import { startTestStack, type TestStack } from '../../support/stack';

const ROUNDS = 40;
const NOMINEE_CHANGES = 5;
const P99_BOUND_MS = 200;
const GET_MARK = `query Q($mark: ID!) { getMark(mark: $mark) { ${MARK_FIELDS} } }`;
const BUYER = { purchaserName: 'Nia Nant', telephoneNo: '01678 520000', address: { addLine1: '1 Ash Row', postTown: 'Bala', postcode: 'LL23 7AA' } };

let stack: TestStack;
let load: ForgeLoad | undefined;
const clients: RealtimeClient[] = [];
const tally = new Tally('forged events');

beforeAll(async () => {
  stack = await startTestStack({ label: 'relforged' });
  load = await startForgeLoad();
});

afterAll(async () => {
  tally.print();
  await Promise.all(clients.map((c) => c.close()));
  try {
    await load?.stop();
  } finally {
    await stack?.stop();
  }
});

async function subscriber(as: 'apiKey' | 'purchaserB' | 'staff'): Promise<RealtimeClient> {
  const headers = await stack.credentials(as);
  const authorization: Record<string, string> = as === 'apiKey' ? { 'x-api-key': headers['x-api-key'] } : { Authorization: headers.authorization };
  const client = await connectRealtime({ url: stack.realtimeUrl, apiKey: stack.apiKey, authorization });
  clients.push(client);
  await client.init();
  return client;
}

type Received = Record<string, unknown>;

/**
 * The event as recorded, as a subscriber receives it: the fields it selected; `data` the open part,
 * `personalData` the part the publishing caller's answer carried (the owner's own sight: never the
 * lock holder's id); `ownership` the version of the ownership it belongs to (not stored in the event:
 * the answer computes it from the view).
 */
function asPublished(recorded: DomainEvent, ownership: number, selected: string[]): Received {
  const { open, personal } = splitEventData(recorded.data, 'own');
  const all: Received = {
    mark: recorded.mark,
    version: recorded.version,
    type: recorded.type,
    recordedAt: recorded.recordedAt,
    eventTime: recorded.eventTime ?? null,
    commandId: recorded.commandId ?? null,
    data: open,
    personalData: personal,
    ownership,
  };
  return Object.fromEntries(selected.map((field) => [field, all[field]]));
}

const parsedJson = (event: Received): Received => ({
  ...event,
  ...('data' in event ? { data: typeof event.data === 'string' ? JSON.parse(event.data) : event.data } : {}),
  ...('personalData' in event ? { personalData: typeof event.personalData === 'string' ? JSON.parse(event.personalData) : event.personalData } : {}),
});

describe('forged events, sent from a process of their own, beside real subscribers and a well-behaved client', () => {
  it('every event a subscriber receives was recorded for its mark, as recorded; the attacker writes and publishes nothing', async () => {
    const attackerMark = freshMark('XA');
    const victim = freshMark('XV');
    await ok(stack, 'releaseMark', { mark: attackerMark, price: 100 });
    await ok(stack, 'releaseMark', { mark: victim, price: 100 });
    // bought at once: the owner's ownership is version 2, which the attacker's next version would be
    const bought = await ok(stack, 'purchaseMark', { mark: victim, expectedVersion: 1, entitlement: BUYER }, 'purchaserB');
    expect(bought.ownership).toBe(2);

    const [publicSocket, ownerSocket, staffSocket] = await Promise.all([subscriber('apiKey'), subscriber('purchaserB'), subscriber('staff')]);
    const channels = [
      { who: 'public', socket: publicSocket, fields: OPEN_EVENT_FIELDS.split(' '), variables: { mark: victim } },
      { who: 'owner', socket: ownerSocket, fields: EVENT_FIELDS.split(' '), variables: { mark: victim } },
      { who: 'staff', socket: staffSocket, fields: EVENT_FIELDS.split(' '), variables: {} },
    ];
    for (const { who, socket, fields, variables } of channels) {
      expect(await socket.start(who, `subscription S($mark: ID) { onMarkEvent(mark: $mark) { ${fields.join(' ')} } }`, variables)).toEqual({ type: 'start_ack', id: who });
    }

    // The well-behaved client: getMark over HTTP with the API key; first without the attack (on a
    // shared machine, the figure to compare with), then in a loop for as long as the attack runs.
    const read = async () => {
      const started = performance.now();
      const res = await stack.gql<{ getMark: { mark: string } }>(GET_MARK, { mark: victim }, { as: 'apiKey' });
      expect(res.body.data?.getMark?.mark).toBe(victim);
      return performance.now() - started;
    };
    const baseline: number[] = [];
    for (let i = 0; i < 50; i++) baseline.push(await read());
    let attacking = true;
    const waits: number[] = [];
    const wellBehaved = (async () => {
      while (attacking) waits.push(await read());
    })();
    // The owner's own commands, while the forgeries arrive: the events subscribers must receive.
    const owner = (async () => {
      for (let i = 0; i < NOMINEE_CHANGES; i++) {
        await ok(stack, 'changeNominee', { mark: victim, expectedVersion: 2 + i, nomineeName: `Nominee ${i}` }, 'purchaserB');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    let attack: Tally;
    try {
      attack = await load!.run({ graphqlUrl: stack.graphqlUrl, token: await stack.token('purchaserA'), attackerMark, victim, rounds: ROUNDS });
      await owner;
    } finally {
      attacking = false;
      await wellBehaved;
    }
    tally.merge(attack);

    // Every forgery refused as a ValidationError, none answered; nothing of the attacker's written.
    const forgeries = ROUNDS * Object.keys(FORGERIES).length;
    expect(attack.attempted).toBe(forgeries);
    expect(attack.extra).toEqual({ 'refused ValidationError': forgeries });
    expect((await storedEvents(stack, attackerMark)).map((e) => e.version)).toEqual([1]);

    // What each subscriber received: every event the owner committed, nothing else, each as recorded.
    const recorded = await storedEvents(stack, victim);
    expect(recorded.map((e) => e.version)).toEqual(Array.from({ length: 2 + NOMINEE_CHANGES }, (_, i) => i + 1));
    const expectedVersions = recorded.filter((e) => e.version > 2).map((e) => e.version);
    for (const { who, socket, fields } of channels) {
      await socket.next((m) => m.id === who && m.type === 'data' && JSON.stringify(m).includes(`"version":${2 + NOMINEE_CHANGES}`), 10_000);
      const received = (socket.data(who) as { data: { onMarkEvent: Received } }[]).map((p) => p.data.onMarkEvent);
      tally.add(`events received by ${who}`, received.length);
      expect(received.map((e) => [e.mark, e.version]), who).toEqual(expectedVersions.map((version) => [victim, version]));
      for (const event of received) {
        const original = recorded.find((e) => e.mark === event.mark && e.version === event.version);
        expect(original, `${who} v${String(event.version)}`).toBeDefined();
        expect(parsedJson(event), `${who} v${String(event.version)}`).toEqual(parsedJson(asPublished(original!, bought.ownership!, fields)));
      }
    }

    tally.add('well-behaved reads', waits.length);
    tally.add('well-behaved wait p50 ms', Math.round(median(waits)));
    tally.add('well-behaved wait p99 ms', Math.round(p99(waits)));
    tally.add('baseline wait p99 ms', Math.round(p99(baseline)));
    console.log(
      `[reliability] forged events: well-behaved getMark p50 ${median(waits).toFixed(1)} ms, p99 ${p99(waits).toFixed(1)} ms over ${waits.length} reads ` +
        `during ${forgeries} forgeries (target p99 under 100 ms: ${p99(waits) < 100 ? 'met' : 'MISSED'}); without them p50 ${median(baseline).toFixed(1)} ms, p99 ${p99(baseline).toFixed(1)} ms; ` +
        `load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores`,
    );
    expect(p99(waits)).toBeLessThan(P99_BOUND_MS);
  });
});
