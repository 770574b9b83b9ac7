/**
 * Issue 24, part 1, through the local endpoint: a purchaser's command on their own mark whose
 * selection renames MarkEvent fields (the aliasing command of the issue and its variants) is
 * refused with a ValidationError naming the problem, writes nothing, and publishes nothing; the
 * subscribers of another mark (public, its owner's personalData channel) and an unfiltered staff
 * subscriber receive only the events recorded, as recorded. test/reliability/attacks/forged-events
 * sends the same class from a process of its own, under load.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRealtime, type RealtimeClient } from 'appsync-local';
import { EVENT_FIELDS, OPEN_EVENT_FIELDS, freshMark, ok, storedEvents, tableCounts } from './support/marks';
import { startTestStack, type TestStack } from './support/stack';

const BUYER = { purchaserName: 'Nia Nant', telephoneNo: '01678 520000', address: { addLine1: '1 Ash Row', postTown: 'Bala', postcode: 'LL23 7AA' } };

let stack: TestStack;
const clients: RealtimeClient[] = [];

beforeAll(async () => {
  stack = await startTestStack({ label: 'forged' });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await stack?.stop();
});

async function subscriber(as: 'apiKey' | 'purchaserA' | 'purchaserB' | 'staff'): Promise<RealtimeClient> {
  const headers = await stack.credentials(as);
  const authorization: Record<string, string> = as === 'apiKey' ? { 'x-api-key': headers['x-api-key'] } : { Authorization: headers.authorization };
  const client = await connectRealtime({ url: stack.realtimeUrl, apiKey: stack.apiKey, authorization });
  clients.push(client);
  await client.init();
  return client;
}

/** The attacks: each a lockMark of the attacker's own mark whose answer would read as an event of `victim`. */
function attacks(victim: string): { name: string; document: string }[] {
  const lock = '($input: LockMarkInput!) { lockMark(input: $input)';
  return [
    { name: 'the issue\'s aliases', document: `mutation ${lock} { mark: commandId ownership: version type version } }` },
    { name: 'an alias in an inline fragment', document: `mutation ${lock} { version type ... on MarkEvent { mark: commandId ownership: version } } }` },
    {
      name: 'a named fragment',
      document: `mutation ${lock} { ...Forged } } fragment Forged on MarkEvent { mark: commandId ownership: version type version personalData: data }`,
    },
    { name: '__typename and other fields standing in', document: `mutation ${lock} { mark: commandId type: __typename version: ownership ownership: version data: personalData } }` },
    { name: 'an alias under a directive', document: `mutation ${lock} { version type ... @include(if: true) { mark: commandId } } }` },
  ].map((attack) => ({ ...attack, victim }));
}

describe('forged events on other marks\' subscriptions', () => {
  it('refuses every renaming selection before anything is written, and subscribers receive only recorded events', async () => {
    const attackerMark = freshMark('FA');
    const victim = freshMark('FV');
    // the attacker (purchaserA) may lock an available mark; the victim mark belongs to purchaserB
    await ok(stack, 'releaseMark', { mark: attackerMark, price: 100 });
    await ok(stack, 'releaseMark', { mark: victim, price: 100 });
    await ok(stack, 'lockMark', { mark: victim, expectedVersion: 1 }, 'purchaserB');
    await ok(stack, 'purchaseMark', { mark: victim, expectedVersion: 2, entitlement: BUYER }, 'purchaserB');

    const [publicSocket, ownerSocket, staffSocket] = await Promise.all([subscriber('apiKey'), subscriber('purchaserB'), subscriber('staff')]);
    const OPEN = `subscription S($mark: ID) { onMarkEvent(mark: $mark) { ${OPEN_EVENT_FIELDS} } }`;
    const PERSONAL = `subscription S($mark: ID) { onMarkEvent(mark: $mark) { ${EVENT_FIELDS} } }`;
    expect(await publicSocket.start('public', OPEN, { mark: victim })).toEqual({ type: 'start_ack', id: 'public' });
    expect(await ownerSocket.start('owner', PERSONAL, { mark: victim })).toEqual({ type: 'start_ack', id: 'owner' });
    expect(await staffSocket.start('all', PERSONAL, {})).toEqual({ type: 'start_ack', id: 'all' });

    // A subscriber's named fragment is as opaque to the subscription resolver: counted as selecting
    // personalData (`p: personalData` in it shows neither name to the resolver), so only staff or the owner may.
    const stranger = await subscriber('purchaserA');
    const hidden = `subscription S($mark: ID) { onMarkEvent(mark: $mark) { ...Hidden } } fragment Hidden on MarkEvent { mark version p: personalData }`;
    expect(await stranger.start('hidden', hidden, { mark: victim })).toMatchObject({ type: 'error', payload: { errors: [{ errorType: 'Unauthorized' }] } });
    expect(await ownerSocket.start('hidden', hidden, { mark: victim })).toEqual({ type: 'start_ack', id: 'hidden' });

    const before = await tableCounts(stack);
    for (const attack of attacks(victim)) {
      const res = await stack.gql<{ lockMark: unknown }>(attack.document, { input: { mark: attackerMark, expectedVersion: 1, commandId: victim } }, { as: 'purchaserA' });
      expect(res.body.data, attack.name).toBeNull();
      expect(res.body.errors, attack.name).toHaveLength(1);
      const [error] = res.body.errors as { errorType: string; errorInfo: { errors: { field: string; reason: string }[] } }[];
      expect(error.errorType, attack.name).toBe('ValidationError');
      expect(error.errorInfo.errors.length, attack.name).toBeGreaterThan(0);
      expect(error.errorInfo.errors.every((p) => p.field === 'selectionSet' && /^(renames a field \(\w+: \w+\)|spreads fragment Forged|answers \w+, unseen by the resolver)/.test(p.reason)), attack.name).toBe(true);
    }
    // nothing written: no event, no view change, no snapshot
    expect(await tableCounts(stack)).toEqual(before);
    expect((await storedEvents(stack, attackerMark)).map((e) => e.version)).toEqual([1]);

    // The same lock without aliases is the attacker's right: it is recorded and published for their mark only.
    const lock = await ok(stack, 'lockMark', { mark: attackerMark, expectedVersion: 1, commandId: victim }, 'purchaserA');
    // and one event of the victim's mark, so that its subscribers have received something when we look
    const own = await ok(stack, 'changeNominee', { mark: victim, expectedVersion: 3, nomineeName: 'Ms Nia Nant' }, 'purchaserB');
    const staffSeen = await staffSocket.next((m) => m.id === 'all' && m.type === 'data' && JSON.stringify(m).includes(`"version":${own.version}`));
    expect(staffSeen).toBeDefined();
    await publicSocket.next((m) => m.id === 'public' && m.type === 'data');
    await ownerSocket.next((m) => m.id === 'owner' && m.type === 'data');

    const received = (client: RealtimeClient, id: string) => (client.data(id) as { data: { onMarkEvent: Record<string, unknown> } }[]).map((p) => p.data.onMarkEvent);
    const victimEvents = await storedEvents(stack, victim);
    for (const [who, events] of [['public', received(publicSocket, 'public')], ['owner', received(ownerSocket, 'owner')]] as const) {
      expect(events.map((e) => [e.mark, e.version, e.type]), who).toEqual([[victim, own.version, own.type]]);
      const recorded = victimEvents.find((e) => e.version === own.version)!;
      expect(events[0], who).toMatchObject({ mark: recorded.mark, version: recorded.version, type: recorded.type, recordedAt: recorded.recordedAt, ownership: own.ownership });
    }
    // staff saw the attacker's lock under its own mark, as recorded, and the victim's change
    const all = received(staffSocket, 'all');
    expect(all.map((e) => [e.mark, e.version])).toEqual([
      [attackerMark, lock.version],
      [victim, own.version],
    ]);
    expect(all[0]).toMatchObject({ mark: attackerMark, type: 'MARK_LOCKED', commandId: victim });
  });
});
