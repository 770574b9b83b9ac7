/**
 * Issue 10, defect 2: a commandId answers only a retry of its own command. Every pair of mutations
 * (A first, then B with A's commandId at the slot B's retry would look at), through the steps the
 * pipeline takes (validateCommand → withCommandHash → commandLookupVersion → planAppend), and the
 * cancelled-transaction path (cancellationOutcome).
 */
import { describe, expect, it } from 'vitest';
import { cancellationOutcome, commandLookupVersion, planAppend } from '../resolvers/lib/append';
import type { Command, CommandKind } from '../resolvers/lib/commands';
import { COMMAND_KINDS, isCreate } from '../resolvers/lib/commands';
import { decide } from '../resolvers/lib/decide';
import type { DomainEvent } from '../resolvers/lib/events';
import { withCommandHash } from '../resolvers/lib/idempotency';
import { evolve, type MarkState } from '../resolvers/lib/state';
import { validateCommand } from '../resolvers/lib/validation';
import { toMarkEventRecord } from '../functions/lib/mark-event';
import { ENTITLEMENT, ENV } from './support/given';
import { appSyncUrlEncode } from './support/marks';

const MARK = 'AFC F5';
const ID = 'cmd-1';

/** One valid input per mutation, on MARK, at expectedVersion 1 for the versioned ones. */
const INPUT: Record<CommandKind, Record<string, unknown>> = {
  releaseMark: { price: 100 },
  createEntitlement: { status: 'MARK_AVAILABLE', entitlement: ENTITLEMENT },
  extendEntitlement: { expectedVersion: 1, expiryTime: '2030-01-01T00:00:00Z' },
  changeAddress: { expectedVersion: 1, address: { addLine1: '5 Your Street', postTown: 'Cardiff', postcode: 'CF10 1AA' } },
  changeNominee: { expectedVersion: 1, nomineeName: 'Mrs Jane Jones' },
  issueDuplicateCertificate: { expectedVersion: 1 },
  lockMark: { expectedVersion: 1 },
  purchaseMark: { expectedVersion: 1, entitlement: { purchaserName: 'Felicity Jones', address: ENTITLEMENT.address } },
  unlockMark: { expectedVersion: 1 },
  forgetMark: { expectedVersion: 1 },
};

/** The same mutation with other input: a different value, or for the commands without one, another eventTime. */
const OTHER_INPUT: Record<CommandKind, Record<string, unknown>> = {
  releaseMark: { price: 999 },
  createEntitlement: { status: 'MARK_AVAILABLE', entitlement: { ...ENTITLEMENT, purchaserName: 'Someone Else' } },
  extendEntitlement: { expectedVersion: 1, expiryTime: '2031-01-01T00:00:00Z' },
  changeAddress: { expectedVersion: 1, address: { addLine1: '6 Your Street', postTown: 'Cardiff', postcode: 'CF10 1AA' } },
  changeNominee: { expectedVersion: 1, nomineeName: 'Mr Other' },
  issueDuplicateCertificate: { expectedVersion: 1, eventTime: '2024-01-01T00:00:00Z' },
  lockMark: { expectedVersion: 1, eventTime: '2024-01-01T00:00:00Z' },
  purchaseMark: { expectedVersion: 1, entitlement: { purchaserName: 'Someone Else', address: ENTITLEMENT.address } },
  unlockMark: { expectedVersion: 1, eventTime: '2024-01-01T00:00:00Z' },
  forgetMark: { expectedVersion: 1, eventTime: '2024-01-01T00:00:00Z' },
};

function commandOf(kind: CommandKind, input: Record<string, unknown>, mark = MARK): Command {
  const validated = validateCommand(kind, { mark, commandId: ID, ...input });
  if (!validated.ok) throw new Error(`${kind}: ${validated.error.message}`);
  return withCommandHash(validated.value, appSyncUrlEncode);
}

/** The state after `first` was appended (on an available entitlement for the versioned ones), and its event. */
function after(first: Command): { state: MarkState; stored: DomainEvent } {
  let state: MarkState | null = null;
  if (!isCreate(first)) {
    const created = decide(commandOf('createEntitlement', INPUT.createEntitlement), null, ENV);
    if (!created.ok) throw new Error(created.error.message);
    // the opening event carries no commandId: only `first` holds ID
    state = evolve(null, { ...created.event, commandId: undefined, commandHash: undefined } as DomainEvent);
  }
  const decision = decide(first, state, ENV);
  if (!decision.ok) throw new Error(`${first.kind}: ${decision.error.message}`);
  return { state: evolve(state, decision.event) as MarkState, stored: decision.event };
}

/** What the pipeline answers `second` after `first`, looking up the stored event as loadCommandEvent does. */
function answer(first: Command, second: Command) {
  const { state, stored } = after(first);
  const lookup = commandLookupVersion(second, state);
  return { plan: planAppend(second, state, lookup === stored.version ? stored : null, ENV), stored, sharesSlot: lookup === stored.version };
}

describe('every pair of mutations with one commandId', () => {
  for (const a of COMMAND_KINDS) {
    for (const b of COMMAND_KINDS) {
      it(`${a} then ${b}`, () => {
        const { plan, stored, sharesSlot } = answer(commandOf(a, INPUT[a]), commandOf(b, INPUT[b]));
        if (a === b) {
          expect(plan).toEqual({ kind: 'retry', event: stored });
          return;
        }
        // never the other command's event
        expect(plan.kind).not.toBe('retry');
        if (sharesSlot) {
          expect(plan).toEqual({ kind: 'error', error: expect.objectContaining({ errorType: 'CommandIdReused', errorInfo: { mark: MARK, type: stored.type, version: stored.version } }) });
        } else {
          // a create and an update never share a slot: B is decided on its own (MarkAlreadyExists, a conflict, …)
          expect(isCreate(commandOf(a, INPUT[a])) !== isCreate(commandOf(b, INPUT[b]))).toBe(true);
        }
      });
    }
  }

  for (const kind of COMMAND_KINDS) {
    it(`${kind} with other input is CommandIdReused, and its error holds no personal data`, () => {
      const { plan, stored } = answer(commandOf(kind, INPUT[kind]), commandOf(kind, OTHER_INPUT[kind]));
      expect(plan.kind).toBe('error');
      if (plan.kind !== 'error') return;
      expect(plan.error).toMatchObject({ errorType: 'CommandIdReused', errorInfo: { mark: MARK, type: stored.type, version: stored.version } });
      const text = JSON.stringify(plan.error);
      for (const personal of ['Felicity', 'Jones', 'Street', 'CF10', ID]) expect(text).not.toContain(personal);
    });
  }

  it('a retry is recognised through canonicalisation: mark spelling, default status, time zone', () => {
    const first = commandOf('createEntitlement', { entitlement: ENTITLEMENT, eventTime: '2024-01-01T00:00:00Z' });
    const { state, stored } = after(first);
    const again = commandOf('createEntitlement', { status: 'MARK_SOLD_ISSUE_CERTIFICATE_TO_PURCHASER', entitlement: ENTITLEMENT, eventTime: '2024-01-01T01:00:00+01:00' }, ' afc  f5 ');
    expect(planAppend(again, state, stored, ENV)).toEqual({ kind: 'retry', event: stored });
  });

  it('an event stored before commandHash existed is told apart by its type', () => {
    const { state, stored } = after(commandOf('lockMark', INPUT.lockMark));
    const legacy = { ...stored, commandHash: undefined } as DomainEvent;
    expect(planAppend(commandOf('lockMark', OTHER_INPUT.lockMark), state, legacy, ENV)).toEqual({ kind: 'retry', event: legacy });
    expect(planAppend(commandOf('forgetMark', INPUT.forgetMark), state, legacy, ENV)).toMatchObject({ kind: 'error', error: { errorType: 'CommandIdReused' } });
  });
});

describe('a lock or a purchase is retried only by its own caller', () => {
  // The commandId is an open field and the hash leaves the caller out: another caller replaying it
  // with a guessed input must not be told the guess was right (a read-only review's finding).
  for (const kind of ['lockMark', 'purchaseMark'] as const) {
    it(`${kind}: the same input from another caller is CommandIdReused, on both paths`, () => {
      const { state, stored } = after(commandOf(kind, INPUT[kind]));
      const other = { ...ENV, caller: 'another-caller-sub' };
      expect(planAppend(commandOf(kind, INPUT[kind]), state, stored, ENV)).toEqual({ kind: 'retry', event: stored });
      expect(planAppend(commandOf(kind, INPUT[kind]), state, stored, other)).toMatchObject({ kind: 'error', error: { errorType: 'CommandIdReused' } });
      expect(cancellationOutcome(commandOf(kind, INPUT[kind]), 2, stored, state, ENV.caller)).toEqual({ kind: 'retry', event: stored });
      expect(cancellationOutcome(commandOf(kind, INPUT[kind]), 2, stored, state, other.caller)).toMatchObject({ kind: 'error', error: { errorType: 'CommandIdReused' } });
    });
  }
});

describe('a cancelled append whose slot holds our commandId', () => {
  it('is an idempotent success for the same command, CommandIdReused for another', () => {
    const { stored, state } = after(commandOf('lockMark', INPUT.lockMark));
    expect(cancellationOutcome(commandOf('lockMark', INPUT.lockMark), 2, stored, state)).toEqual({ kind: 'retry', event: stored });
    expect(cancellationOutcome(commandOf('forgetMark', INPUT.forgetMark), 2, stored, state)).toMatchObject({
      kind: 'error',
      error: { errorType: 'CommandIdReused', errorInfo: { mark: MARK, type: 'MARK_LOCKED', version: 2 } },
    });
    expect(cancellationOutcome(commandOf('lockMark', OTHER_INPUT.lockMark), 2, stored, state)).toMatchObject({ kind: 'error', error: { errorType: 'CommandIdReused' } });
  });
});

describe('commandHash', () => {
  it('stays in MarkEvents: the downstream record (Kinesis, archive) leaves it out', () => {
    const { stored } = after(commandOf('changeNominee', INPUT.changeNominee));
    expect(stored.commandHash).toMatch(/^[0-9a-f]{16}$/);
    const record = toMarkEventRecord(stored);
    expect(record.ok && Object.keys(record.event)).toEqual(['mark', 'version', 'type', 'recordedAt', 'commandId', 'schemaVersion', 'data']);
  });

  it('differs for inputs that differ only in a non-ASCII character', () => {
    const hashes = ['Zoë', 'Zoé', 'Zoe', 'Zoë '].map((nomineeName) => commandOf('changeNominee', { expectedVersion: 1, nomineeName }).commandHash);
    expect(new Set(hashes).size).toBe(3); // 'Zoë ' is trimmed to 'Zoë': the same command
  });
});
