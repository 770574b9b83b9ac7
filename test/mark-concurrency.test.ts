/**
 * Concurrency and consistency through GraphQL on the local stack: racing writers on one version,
 * concurrent retries of one commandId, and a fast-check model of random command sequences whose
 * view must always equal the fold of the stored events.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fold } from '../resolvers/lib/state';
import { startTestStack, type TestStack } from './support/stack';
import { command, entitlementInput, freshMark, ok, storedEvents, storedView } from './support/marks';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ label: 'markconcurrency' });
});

afterAll(async () => {
  await stack?.stop();
});

describe('racing commands', () => {
  it('32 concurrent changeNominee at one expectedVersion: one wins, the rest are ConcurrentModification', async () => {
    const mark = freshMark('C');
    await ok(stack, 'createEntitlement', entitlementInput(mark));
    const outcomes = await Promise.all(
      Array.from({ length: 32 }, (_, i) => command(stack, 'changeNominee', { mark, expectedVersion: 1, nomineeName: `Nominee ${i}` })),
    );
    const winners = outcomes.filter((o) => o.data);
    expect(winners).toHaveLength(1);
    expect(winners[0].data).toMatchObject({ version: 2, type: 'NOMINEE_CHANGED' });
    for (const loser of outcomes.filter((o) => !o.data)) {
      expect(loser.error).toMatchObject({ errorType: 'ConcurrentModification', errorInfo: { expectedVersion: 1, actualVersion: 2 } });
    }
    const events = await storedEvents(stack, mark);
    expect(events.map((e) => e.version)).toEqual([1, 2]);
    expect(await storedView(stack, mark)).toEqual(fold(events));
  });

  it('concurrent retries of one commandId all answer the one stored event', async () => {
    const mark = freshMark('I');
    await ok(stack, 'releaseMark', { mark, price: 1 });
    const outcomes = await Promise.all(Array.from({ length: 16 }, () => command(stack, 'lockMark', { mark, expectedVersion: 1, commandId: 'same-lock' })));
    for (const outcome of outcomes) expect(outcome.errors).toEqual([]);
    expect(new Set(outcomes.map((o) => JSON.stringify(o.data))).size).toBe(1);
    expect((await storedEvents(stack, mark)).map((e) => e.version)).toEqual([1, 2]);
  });

  it('concurrent creates of one mark: one wins, the rest are MarkAlreadyExists', async () => {
    const mark = freshMark('N');
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => command(stack, 'releaseMark', { mark, price: 7 })));
    expect(outcomes.filter((o) => o.data)).toHaveLength(1);
    for (const loser of outcomes.filter((o) => !o.data)) expect(loser.error).toMatchObject({ errorType: 'MarkAlreadyExists', errorInfo: { mark, version: 1 } });
  });
});

const KINDS = ['releaseMark', 'createEntitlement', 'extendEntitlement', 'changeAddress', 'changeNominee', 'issueDuplicateCertificate', 'lockMark', 'unlockMark', 'forgetMark'] as const;

describe('random command sequences through GraphQL', () => {
  it('keep view == fold(events) and versions 1..n after every command', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            kind: fc.constantFrom(...KINDS),
            stale: fc.boolean(),
            commandId: fc.option(fc.constantFrom('a', 'b'), { nil: undefined }),
            days: fc.integer({ min: 1, max: 3000 }),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        async (steps) => {
          run += 1;
          const mark = `P${run} ${process.pid % 1000}`.slice(0, 8);
          for (const s of steps) {
            const current = (await storedView(stack, mark))?.version ?? 0;
            const expectedVersion = Math.max(1, s.stale ? current - 1 : current);
            const inputs: Record<string, Record<string, unknown>> = {
              releaseMark: { price: 100 },
              createEntitlement: entitlementInput(mark),
              extendEntitlement: { expectedVersion, expiryTime: new Date(1_900_000_000_000 + s.days * 86_400_000).toISOString() },
              changeAddress: { expectedVersion, address: { addLine1: `${s.days} Road`, postTown: 'Leeds', postcode: 'LS1 1AA' } },
              changeNominee: { expectedVersion, nomineeName: `Nominee ${s.days}` },
            };
            const input = { ...(inputs[s.kind] ?? { expectedVersion }), mark, commandId: s.commandId };
            const outcome = await command(stack, s.kind, input);
            if (outcome.error) expect(outcome.error.errorType).toMatch(/^(ConcurrentModification|MarkNotFound|MarkAlreadyExists|MarkNotAvailable|MarkLocked|ValidationError|CommandIdReused)$/);
            const events = await storedEvents(stack, mark);
            expect(events.map((e) => e.version)).toEqual(events.map((_, i) => i + 1));
            expect(await storedView(stack, mark)).toEqual(fold(events));
          }
        },
      ),
      { numRuns: 15 },
    );
  });
});
