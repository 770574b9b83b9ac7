/**
 * Races: 64 concurrent writers on one mark for 20 rounds. In each round every writer sends a
 * command at the same expectedVersion; exactly one wins the next version, every other one gets
 * ConcurrentModification naming the version that won, versions stay contiguous and the view is
 * the fold (resolvers/lib evolve) of the stored events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fold } from '../../resolvers/lib/state';
import { startTestStack, type TestStack } from '../support/stack';
import { answerableData, answeredData, command, entitlementInput, freshMark, storedEvents, storedView, type Outcome, type MarkEventOut } from '../support/marks';
import { Tally, settleLosses, type Acknowledged } from '../support/reliability';

const WRITERS = 64;
const ROUNDS = 20;

let stack: TestStack;
const tally = new Tally('races');
const acknowledged: Acknowledged[] = [];

beforeAll(async () => {
  stack = await startTestStack({ label: 'relraces' });
});

afterAll(async () => {
  try {
    await settleLosses(stack, tally, acknowledged);
  } finally {
    await stack?.stop();
  }
});

async function send(name: string, input: Record<string, unknown>): Promise<Outcome<MarkEventOut>> {
  tally.attempted += 1;
  const outcome = await command(stack, name, input);
  if (outcome.data) {
    tally.acknowledged += 1;
    acknowledged.push({ mark: outcome.data.mark, version: outcome.data.version, type: outcome.data.type, commandId: outcome.data.commandId });
  } else {
    tally.rejected += 1;
  }
  return outcome;
}

/** Round r's command of writer w: a different kind each round, a different payload per writer. */
function roundCommand(round: number, writer: number, mark: string, expectedVersion: number): { name: string; input: Record<string, unknown>; type: string } {
  const common = { mark, expectedVersion, commandId: `r${round}-w${writer}` };
  switch (round % 6) {
    case 0:
      return { name: 'changeNominee', type: 'NOMINEE_CHANGED', input: { ...common, nomineeName: `Nominee ${round}-${writer}` } };
    case 1:
      return { name: 'lockMark', type: 'MARK_LOCKED', input: common };
    case 2:
      return { name: 'unlockMark', type: 'MARK_UNLOCKED', input: common };
    case 3:
      return { name: 'changeAddress', type: 'ADDRESS_CHANGED', input: { ...common, address: { addLine1: `${writer} Race Road`, postTown: `Round ${round}`, postcode: 'LS1 1AA' } } };
    case 4:
      return { name: 'extendEntitlement', type: 'ENTITLEMENT_EXTENDED', input: { ...common, expiryTime: new Date(Date.UTC(2031 + round, 0, 1) + writer * 1000).toISOString() } };
    default:
      return { name: 'issueDuplicateCertificate', type: 'DUPLICATE_CERTIFICATE_ISSUED', input: common };
  }
}

describe(`${WRITERS} writers on one mark`, () => {
  it(`${ROUNDS} rounds: one winner per version, every loser ConcurrentModification with the actual version, no gaps, view == fold(events)`, async () => {
    const mark = freshMark('R');
    const created = await send('createEntitlement', entitlementInput(mark, { status: 'MARK_AVAILABLE', commandId: 'create' }));
    expect(created.errors).toEqual([]);
    const winners: { round: number; writer: number; event: MarkEventOut }[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const expectedVersion = round + 1;
      const commands = Array.from({ length: WRITERS }, (_, writer) => roundCommand(round, writer, mark, expectedVersion));
      const outcomes = await Promise.all(commands.map((c) => send(c.name, c.input)));
      const won = outcomes.flatMap((o, writer) => (o.data ? [{ writer, event: o.data }] : []));
      expect(won, `round ${round}`).toHaveLength(1);
      const [{ writer, event }] = won;
      expect(event).toMatchObject({ mark, version: expectedVersion + 1, type: commands[writer].type, commandId: `r${round}-w${writer}` });
      winners.push({ round, writer, event });
      for (const [i, loser] of outcomes.entries()) {
        if (i === writer) continue;
        expect(loser.data, `round ${round} writer ${i}`).toBeNull();
        expect(loser.errors).toHaveLength(1);
        expect(loser.error, `round ${round} writer ${i}`).toMatchObject({
          errorType: 'ConcurrentModification',
          errorInfo: { expectedVersion, actualVersion: expectedVersion + 1 },
        });
        expect(loser.error!.message.length).toBeGreaterThan(0);
      }
    }

    const events = await storedEvents(stack, mark);
    expect(events.map((e) => e.version)).toEqual(Array.from({ length: ROUNDS + 1 }, (_, i) => i + 1));
    // Each stored event is the one its winner was answered with, payload included.
    for (const { event } of winners) {
      const stored = events[event.version - 1];
      expect({ type: stored.type, commandId: stored.commandId, recordedAt: stored.recordedAt, data: answerableData(stored.data) }).toEqual({
        type: event.type,
        commandId: event.commandId,
        recordedAt: event.recordedAt,
        data: answeredData(event),
      });
    }
    expect(await storedView(stack, mark)).toEqual(fold(events));
    expect(tally.acknowledged).toBe(ROUNDS + 1);
    expect(tally.rejected).toBe(ROUNDS * (WRITERS - 1));
  });

  it(`${WRITERS} concurrent creates of one new mark: one stream, one winner, the rest MarkAlreadyExists`, async () => {
    const mark = freshMark('Q');
    const outcomes = await Promise.all(Array.from({ length: WRITERS }, (_, i) => send('releaseMark', { mark, price: i, commandId: `create-${i}` })));
    const won = outcomes.filter((o) => o.data);
    expect(won).toHaveLength(1);
    for (const loser of outcomes.filter((o) => !o.data)) {
      expect(loser.error).toMatchObject({ errorType: 'MarkAlreadyExists', errorInfo: { mark, version: 1 } });
    }
    const events = await storedEvents(stack, mark);
    expect(events).toHaveLength(1);
    expect(events[0].commandId).toBe(won[0].data!.commandId);
    expect(await storedView(stack, mark)).toEqual(fold(events));
  });
});
