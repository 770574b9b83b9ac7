/**
 * Model-based random workload through GraphQL: random sequences of all nine mutations on two
 * marks, valid and invalid (bad marks, control characters, oversized texts, out-of-range numbers,
 * stale and future versions, reused commandIds). Every answer is compared with a model built on
 * resolvers/lib — validateCommand, then the retry rule, then decide, and evolve for the state — and
 * after every step the stored stream must equal the model's events (so versions are contiguous)
 * and the view must equal the fold of the stored events.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandLookupVersion, planAppend } from '../../resolvers/lib/append';
import { toStoredEvent } from '../../resolvers/lib/upcast';
import { withCommandHash } from '../../resolvers/lib/idempotency';
import type { DomainEvent } from '../../resolvers/lib/events';
import { evolve, fold, type MarkState } from '../../resolvers/lib/state';
import { validateCommand } from '../../resolvers/lib/validation';
import { startTestStack, type TestStack } from '../support/stack';
import { EVENT_OF } from '../../resolvers/lib/idempotency';
import { answerableData, answeredData, appSyncUrlEncode, command, entitlementInput, storedEvents, storedView, type MarkEventOut } from '../support/marks';
import { Tally, settleLosses, type Acknowledged } from '../support/reliability';

const KINDS = ['releaseMark', 'createEntitlement', 'extendEntitlement', 'changeAddress', 'changeNominee', 'issueDuplicateCertificate', 'lockMark', 'unlockMark', 'forgetMark'] as const;
const INVALID = ['badMark', 'control', 'tooLong', 'outOfRange', 'badPostcode'] as const;

let stack: TestStack;
/** the seeded staff user's sub: the commands are sent with their token, so they hold the locks they take */
let staffSub: string;
const tally = new Tally('model');
const acknowledged: Acknowledged[] = [];

beforeAll(async () => {
  stack = await startTestStack({ label: 'relmodel' });
  staffSub = await stack.sub('staff');
});

afterAll(async () => {
  try {
    await settleLosses(stack, tally, acknowledged);
  } finally {
    await stack?.stop();
  }
});

const step = fc.record({
  kind: fc.constantFrom(...KINDS),
  markIndex: fc.constantFrom(0, 1),
  /** 0: the current version; otherwise a stale or future expectation */
  versionOffset: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -2, max: 2 }) }),
  commandId: fc.option(fc.constantFrom('c1', 'c2', 'c3'), { nil: undefined }),
  invalid: fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom(...INVALID) }),
  eventTime: fc.option(fc.constantFrom('2024-05-01T10:00:00+01:00', '2025-01-31T23:59:59.5Z'), { nil: undefined }),
  n: fc.integer({ min: 1, max: 5000 }),
});
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

/** The GraphQL input of a step (schema-valid: what GraphQL itself refuses is the malformed corpus's job). */
function inputOf(s: Step, mark: string, current: number): Record<string, unknown> {
  const expectedVersion = Math.max(1, current + s.versionOffset);
  const common = { mark, commandId: s.commandId, eventTime: s.eventTime };
  const address = { addLine1: `${s.n} Model Road`, postTown: 'Leeds', postcode: 'ls1 1aa' };
  const inputs: Record<string, Record<string, unknown>> = {
    releaseMark: { ...common, price: s.n },
    createEntitlement: { ...entitlementInput(mark), ...common, status: s.n % 2 ? 'MARK_AVAILABLE' : undefined },
    extendEntitlement: { ...common, expectedVersion, expiryTime: new Date(Date.UTC(2030, 0, 1) + s.n * 86_400_000).toISOString() },
    changeAddress: { ...common, expectedVersion, address },
    changeNominee: { ...common, expectedVersion, nomineeName: `  Nominee ${s.n} ` },
  };
  const input = { ...(inputs[s.kind] ?? { ...common, expectedVersion }) };
  switch (s.invalid) {
    case 'badMark':
      input.mark = ['AB-12', 'ABCDEFGH', 'A B C', ''][s.n % 4];
      break;
    case 'control':
      if (s.kind === 'changeNominee') input.nomineeName = 'Mr\u0007Bell';
      else if (s.kind === 'changeAddress') input.address = { ...address, addLine1: 'Line\nbreak' };
      else input.commandId = 'id\u0000zero';
      break;
    case 'tooLong':
      if (s.kind === 'changeNominee') input.nomineeName = 'n'.repeat(101);
      else input.commandId = 'c'.repeat(65);
      break;
    case 'outOfRange':
      if (s.kind === 'releaseMark') input.price = -s.n;
      else if (s.kind === 'createEntitlement') input.price = 10_000_001;
      else input.expectedVersion = -s.n % 3;
      break;
    case 'badPostcode':
      if (s.kind === 'changeAddress') input.address = { ...address, postcode: 'NOT A CODE' };
      else if (s.kind === 'createEntitlement') input.entitlement = { ...(input.entitlement as object), address: { ...address, postcode: '12345' } };
      else input.mark = `${mark}!`;
      break;
    default:
  }
  return input;
}

/** What the model expects: an event (before the server's own certificate number) or an error. */
type Expectation = { ok: true; event: DomainEvent; retry: boolean } | { ok: false; errorType: string; errorInfo: unknown };

function expected(kind: string, input: Record<string, unknown>, events: Map<string, DomainEvent[]>, now: string): Expectation {
  const validated = validateCommand(kind, input);
  if (!validated.ok) return { ok: false, errorType: validated.error.errorType, errorInfo: validated.error.errorInfo };
  const cmd = withCommandHash(validated.value, appSyncUrlEncode);
  const stream = events.get(cmd.mark) ?? [];
  const state: MarkState | null = stream.reduce<MarkState | null>(evolve, null);
  const lookup = commandLookupVersion(cmd, state);
  const stored = lookup === null ? null : (stream.find((e) => e.version === lookup) ?? null);
  // the commands are sent as staff (test/support/marks.ts): they hold the locks they take
  const plan = planAppend(cmd, state, stored, { now, randomId: '00000000-0000-0000-0000-000000000000', caller: staffSub });
  if (plan.kind === 'error') return { ok: false, errorType: plan.error.errorType, errorInfo: plan.error.errorInfo };
  return { ok: true, event: plan.event, retry: plan.kind === 'retry' };
}

/** The event as GraphQL answers it: commandHash and schemaVersion are the store's, not part of the API; the lock holder's id is in no answer. */
function published(event: DomainEvent): DomainEvent {
  const { commandHash: _hash, schemaVersion: _shape, ...rest } = event;
  return { ...rest, data: answerableData(rest.data) } as DomainEvent;
}

function asEvent(out: MarkEventOut): DomainEvent {
  const event: Record<string, unknown> = { mark: out.mark, version: out.version, type: out.type, recordedAt: out.recordedAt, data: answeredData(out) };
  if (out.eventTime !== null) event.eventTime = out.eventTime;
  if (out.commandId !== null) event.commandId = out.commandId;
  return event as unknown as DomainEvent;
}

describe('random workload over every command', () => {
  it('answers as the model does; after every step events == model, contiguous, view == fold(events)', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.tuple(fc.constantFrom('releaseMark', 'createEntitlement'), fc.constantFrom('releaseMark', 'createEntitlement')), fc.array(step, { minLength: 8, maxLength: 40 }), async (creates, randomSteps) => {
        run += 1;
        // most runs start by creating both marks, so that later commands find something to change
        const opening = creates.map((kind, markIndex) => ({ kind, markIndex, versionOffset: 0, commandId: undefined, invalid: null, eventTime: undefined, n: run }) as Step);
        const steps = run % 5 === 0 ? randomSteps : [...opening, ...randomSteps];
        const marks = [`M${run} ${process.pid % 1000}A`, `M${run} ${process.pid % 1000}B`];
        const model = new Map<string, DomainEvent[]>();
        for (const s of steps) {
          const mark = marks[s.markIndex];
          const current = (model.get(mark) ?? []).at(-1)?.version ?? 0;
          const input = inputOf(s, mark, current);
          tally.attempted += 1;
          const outcome = await command(stack, s.kind, input);
          const now = outcome.data?.recordedAt ?? new Date().toISOString();
          const want = expected(s.kind, input, model, now);
          const context = `${s.kind} ${JSON.stringify(input)}`;
          if (want.ok) {
            expect(outcome.errors, context).toEqual([]);
            const got = asEvent(outcome.data!);
            if (want.event.type === 'DUPLICATE_CERTIFICATE_ISSUED' && !want.retry) {
              // the server draws its own certificate number (util.autoId()): only its shape is known
              const certificateNo = (got.data as { certificateNo: string }).certificateNo;
              expect(certificateNo, context).toMatch(/^[0-9A-Z]{20}$/);
              want.event = { ...want.event, data: { ...want.event.data, certificateNo } } as DomainEvent;
            }
            expect(got, context).toEqual(published(want.event));
            if (!want.retry) {
              // as the server stores it: stamped with its shape version
              model.set(mark, [...(model.get(mark) ?? []), toStoredEvent(want.event)]);
              tally.acknowledged += 1;
              acknowledged.push({ mark: got.mark, version: got.version, type: got.type, commandId: got.commandId });
            } else {
              tally.add('retriesAnswered');
            }
          } else {
            tally.rejected += 1;
            expect(outcome.data, context).toBeNull();
            expect(outcome.errors, context).toHaveLength(1);
            expect({ errorType: outcome.error!.errorType, errorInfo: outcome.error!.errorInfo }, context).toEqual({ errorType: want.errorType, errorInfo: want.errorInfo });
            expect(outcome.error!.message.length).toBeGreaterThan(0);
            tally.add(want.errorType);
          }
          for (const m of marks) {
            const events = await storedEvents(stack, m);
            expect(events, m).toEqual(model.get(m) ?? []);
            expect(events.map((e) => e.version)).toEqual(events.map((_, i) => i + 1));
            expect(await storedView(stack, m)).toEqual(fold(events));
          }
        }
      }),
      { numRuns: 40 },
    );
    // the workload reached every command and every kind of answer
    for (const key of ['ValidationError', 'ConcurrentModification', 'MarkNotFound', 'MarkAlreadyExists']) expect(tally.extra[key] ?? 0, key).toBeGreaterThan(0);
    expect(tally.acknowledged).toBeGreaterThan(200);
    for (const kind of KINDS) expect(acknowledged.some((a) => a.type === EVENT_OF[kind]), kind).toBe(true);
  });
});
