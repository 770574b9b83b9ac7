/**
 * decide(command, state, env): the one place where the rules of DESIGN.md section 4 live. Pure:
 * the caller supplies the server time and a random id, so tests need no runtime.
 */
import type { Command } from './commands';
import { isCreate } from './commands';
import type { DomainEvent, EventDataByType, EventType } from './events';
import type { DomainError } from './errors';
import { concurrentModification, lockRefused, markAlreadyExists, markNotFound, unauthorized, validationError } from './errors';
import { LOCK_DURATION_MS, PURCHASED_STATUS } from './mark';
import type { LiveMark, MarkState } from './state';
import { compact, isLive } from './state';
import { addMilliseconds } from './time';

export interface DecideEnv {
  /** server time, fixed-width UTC with milliseconds */
  now: string;
  /** a fresh random id (util.autoId() in AppSync): the seed of server-generated certificate numbers */
  randomId: string;
  /**
   * the caller's principal, from ctx.identity (never from the input): a user's `sub`, or an IAM user
   * ARN; it becomes the lock holder and, for a purchase, the owner (authorize.ts principalOf)
   */
  caller?: string | null;
}

export type Decision = { ok: true; event: DomainEvent } | { ok: false; error: DomainError };

const ALPHANUMERIC = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** A 20-character certificate number like the original's ("EV56RP259VQP8G423H65"), from a random id. */
export function certificateNumberFrom(randomId: string): string {
  const characters = randomId
    .toUpperCase()
    .split('')
    .filter((c) => ALPHANUMERIC.indexOf(c) >= 0);
  return characters.join('').slice(0, 20);
}

/**
 * recordedAt is the server time, nudged to 1 ms after the previous event when clocks disagree or
 * two commands share a millisecond: per mark, recordedAt then strictly increases with version, so
 * a time orders a stream exactly as versions do (replay by time relies on it: lib/replay.ts).
 */
function recordedAtAfter(state: MarkState | null, now: string): string {
  if (!state) return now;
  const earliest = addMilliseconds(state.updatedAt, 1);
  return now < earliest ? earliest : now;
}

function isLocked(state: LiveMark, now: string): boolean {
  return !!state.lockedUntil && state.lockedUntil > now;
}

function entitlementMissing(field: string): Decision {
  return { ok: false, error: validationError([{ field, reason: 'the mark has no entitlement' }]) };
}

export function decide(command: Command, state: MarkState | null, env: DecideEnv): Decision {
  const mark = command.mark;
  const version = (state?.version ?? 0) + 1;
  const envelope = compact({ mark, version, recordedAt: recordedAtAfter(state, env.now), eventTime: command.eventTime, commandId: command.commandId, commandHash: command.commandId ? command.commandHash : undefined });
  const emit = <T extends EventType>(type: T, data: EventDataByType[T]): Decision => ({ ok: true, event: { ...envelope, type, data } as DomainEvent });

  if (isCreate(command)) {
    if (isLive(state)) return { ok: false, error: markAlreadyExists(mark, state.version) };
    if (command.kind === 'releaseMark') return emit('MARK_RELEASED', { status: 'MARK_AVAILABLE', price: command.price });
    return emit('ENTITLEMENT_CREATED', compact({ status: command.status, price: command.price, entitlement: command.entitlement, owner: command.owner }));
  }
  if (!isLive(state)) return { ok: false, error: markNotFound(mark) };
  if (state.version !== command.expectedVersion) return { ok: false, error: concurrentModification(command.expectedVersion, state.version) };

  switch (command.kind) {
    case 'extendEntitlement': {
      const current = state.entitlement?.expiryTime;
      if (!state.entitlement) return entitlementMissing('input.mark');
      if (current && command.expiryTime <= current) {
        return { ok: false, error: validationError([{ field: 'input.expiryTime', reason: `must be later than the current expiry ${current}` }]) };
      }
      return emit('ENTITLEMENT_EXTENDED', compact({ expiryTime: command.expiryTime, agreementTime: command.agreementTime }));
    }
    case 'changeAddress':
      if (!state.entitlement) return entitlementMissing('input.mark');
      return emit('ADDRESS_CHANGED', { address: command.address });
    case 'changeNominee':
      if (!state.entitlement) return entitlementMissing('input.mark');
      return emit('NOMINEE_CHANGED', { nomineeName: command.nomineeName });
    case 'issueDuplicateCertificate':
      if (!state.entitlement) return entitlementMissing('input.mark');
      return emit('DUPLICATE_CERTIFICATE_ISSUED', { certificateNo: certificateNumberFrom(env.randomId), certificateTime: envelope.recordedAt });
    case 'lockMark':
      if (state.status !== 'MARK_AVAILABLE') return { ok: false, error: lockRefused('MarkNotAvailable', mark, state.status, state.lockedUntil ?? null) };
      if (isLocked(state, env.now)) return { ok: false, error: lockRefused('MarkLocked', mark, state.status, state.lockedUntil ?? null) };
      return emit('MARK_LOCKED', compact({ lockedUntil: addMilliseconds(envelope.recordedAt, LOCK_DURATION_MS), holder: env.caller ?? undefined }));
    case 'purchaseMark': {
      // a sale needs a buyer: authorize lets only user pool users (who have a sub) get here
      if (!env.caller) return { ok: false, error: unauthorized('purchaseMark', 'Mutation') };
      if (state.status !== 'MARK_AVAILABLE') return { ok: false, error: lockRefused('MarkNotAvailable', mark, state.status, state.lockedUntil ?? null) };
      // the live lock of someone else (or of an unrecorded holder) keeps the mark for them
      if (isLocked(state, env.now) && state.lockHolder !== env.caller) {
        return { ok: false, error: lockRefused('MarkLocked', mark, state.status, state.lockedUntil ?? null) };
      }
      const entitlement = compact({ ...command.entitlement, certificateNo: certificateNumberFrom(env.randomId), certificateTime: envelope.recordedAt });
      return emit('MARK_PURCHASED', { status: PURCHASED_STATUS, owner: env.caller, entitlement });
    }
    case 'unlockMark':
      return emit('MARK_UNLOCKED', {});
    case 'forgetMark':
      return emit('MARK_FORGOTTEN', {});
    default:
      return command;
  }
}
