/**
 * Specifications of the decider in given-when-then form:
 *   given(released(1)).when(lock(1)).then({ type: 'MARK_LOCKED', ... })
 *   given().when(lock(1)).thenFails('MarkNotFound')
 * `given` folds its events with the one evolve; `when` runs decide at a fixed clock; `by(identity)`
 * runs a command as the resolvers do: authorize on the state, then decide with the caller's principal.
 */
import { expect } from 'vitest';
import { authorize } from '../../resolvers/lib/authorize';
import type { Command } from '../../resolvers/lib/commands';
import { decide, type DecideEnv, type Decision } from '../../resolvers/lib/decide';
import type { DomainEvent, EventDataByType, EventType } from '../../resolvers/lib/events';
import { fold, type MarkState } from '../../resolvers/lib/state';

export const MARK = 'AFC F5';
export const NOW = '2024-05-01T12:00:00.000Z';
/** the caller: a user pool sub (the lock holder and buyer of commands decided without authorize) */
export const ENV: DecideEnv = { now: NOW, randomId: '3f2b8c1e-9a4d-4e7b-b1c2-d5e6f7a8b9c0', caller: '5c0a1e2d-0000-4000-8000-0000000ca11e' };

/** An event of MARK at a version, recorded one minute per version before NOW. */
export function event<T extends EventType>(type: T, version: number, data: EventDataByType[T], extra: Partial<DomainEvent> = {}): DomainEvent {
  const recordedAt = new Date(Date.parse(NOW) - (100 - version) * 60_000).toISOString();
  return { mark: MARK, version, recordedAt, type, data, ...extra } as DomainEvent;
}

export const ADDRESS = { addLine1: '2 My Street', addLine2: 'Redwood', postTown: 'Swansea', postcode: 'SW1 4RT' };
export const ENTITLEMENT = { certificateNo: 'EV56RP259VQP8G423H65', nomineeName: 'Mr John Jones', purchaserName: 'Felicity Jones', address: ADDRESS };

export const released = (version = 1, price = 299) => event('MARK_RELEASED', version, { status: 'MARK_AVAILABLE', price });
export const created = (version = 1, entitlement: EventDataByType['ENTITLEMENT_CREATED']['entitlement'] = ENTITLEMENT) =>
  event('ENTITLEMENT_CREATED', version, { status: 'MARK_SOLD_ISSUE_CERTIFICATE_TO_PURCHASER', price: 299, entitlement });
export const locked = (version: number, lockedUntil: string) => event('MARK_LOCKED', version, { lockedUntil });
export const forgotten = (version: number) => event('MARK_FORGOTTEN', version, {});
export const lockedBy = (version: number, lockedUntil: string, holder: string) => event('MARK_LOCKED', version, { lockedUntil, holder });
export const purchased = (version: number, owner: string, entitlement: EventDataByType['MARK_PURCHASED']['entitlement'] = ENTITLEMENT) =>
  event('MARK_PURCHASED', version, { status: 'MARK_SOLD_ISSUE_CERTIFICATE_TO_PURCHASER', owner, entitlement });
export const createdFor = (version: number, owner: string, status: EventDataByType['ENTITLEMENT_CREATED']['status'] = 'MARK_SOLD_ISSUE_CERTIFICATE_TO_PURCHASER', entitlement = ENTITLEMENT) =>
  event('ENTITLEMENT_CREATED', version, { status, price: 299, entitlement, owner });

export function given(...events: DomainEvent[]) {
  const state: MarkState | null = fold(events);
  const outcome = (decision: Decision) => ({
    decision,
    /** the one event decided, compared field by field with what is given */
    then(expected: Record<string, unknown>): DomainEvent {
      if (!decision.ok) throw new Error(`expected an event, got ${decision.error.errorType}: ${decision.error.message}`);
      expect(decision.event).toMatchObject(expected);
      return decision.event;
    },
    thenFails(errorType: string, errorInfo?: Record<string, unknown> | null) {
      if (decision.ok) throw new Error(`expected ${errorType}, got event ${JSON.stringify(decision.event)}`);
      expect(decision.error.errorType).toBe(errorType);
      if (errorInfo !== undefined) expect(decision.error.errorInfo).toEqual(errorInfo);
      return decision.error;
    },
  });
  return {
    state,
    by(identity: unknown) {
      return {
        when(command: Command, env: DecideEnv = ENV) {
          const allowed = authorize(command, identity, state);
          return outcome(allowed.ok ? decide(command, state, { ...env, caller: allowed.caller.principal }) : { ok: false, error: allowed.error });
        },
      };
    },
    when(command: Command, env: DecideEnv = ENV) {
      const decision = decide(command, state, env);
      return {
        decision,
        /** the one event decided, compared field by field with what is given */
        then(expected: Partial<DomainEvent>): DomainEvent {
          if (!decision.ok) throw new Error(`expected an event, got ${decision.error.errorType}: ${decision.error.message}`);
          expect(decision.event).toMatchObject(expected);
          return decision.event;
        },
        thenFails(errorType: string, errorInfo?: Record<string, unknown>) {
          if (decision.ok) throw new Error(`expected ${errorType}, got event ${JSON.stringify(decision.event)}`);
          expect(decision.error.errorType).toBe(errorType);
          if (errorInfo) expect(decision.error.errorInfo).toEqual(errorInfo);
          return decision.error;
        },
      };
    },
  };
}
