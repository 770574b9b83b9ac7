/**
 * Personal data (names, addresses, telephone numbers, customer ids, certificate numbers, and the
 * owner's and lock holder's ids) reaches only the mark's current owner and staff (DESIGN.md
 * section 7). The one home of that rule: every read path and every mutation answer is shaped here.
 *
 * The owner sees the personal data of the events from the one that made them owner (`ownerSince`)
 * on, and the mark's state from then: never a previous owner's (a forget and a new life, or a sale
 * of a mark staff created as available), and never another user's lock holder id.
 */
import type { Caller } from './authorize';
import type { DomainEvent } from './events';
import type { Mark } from './graphql';
import type { MarkState } from './state';
import { isLive } from './state';

/** How much personal data a caller may see: all of it (staff), their own (owner), or none. */
export type Sight = 'all' | 'own' | 'none';

/**
 * The event fields that are not personal data, whatever the event: a list of what may be shown
 * rather than of what may not, so that a field added later stays hidden until it is named here.
 */
export const OPEN_EVENT_FIELDS = ['status', 'price', 'lockedUntil', 'expiryTime', 'agreementTime', 'certificateTime'];

/** Identifiers of other people: only staff see them, even in an owner's own events. */
const OTHERS_IDS = ['holder'];

/** What of the personal data of the mark at `version` the caller may see, given the mark's current state. */
export function sightOf(caller: Caller, current: MarkState | null | undefined, version: number): Sight {
  if (caller.staff) return 'all';
  if (!caller.sub || !isLive(current) || current.owner !== caller.sub || current.ownerSince === undefined) return 'none';
  return version >= current.ownerSince ? 'own' : 'none';
}

/** The version at which the current ownership began, for an event that belongs to it; else null. */
export function ownershipOf(current: MarkState | null | undefined, version: number): number | null {
  if (!isLive(current) || current.ownerSince === undefined) return null;
  return version >= current.ownerSince ? current.ownerSince : null;
}

/** An event's data split into what anyone may read and what only `sight` lets through (null: nothing). */
export function splitEventData(data: object | null | undefined, sight: Sight): { open: Record<string, unknown>; personal: Record<string, unknown> | null } {
  const open: Record<string, unknown> = {};
  const personal: Record<string, unknown> = {};
  let hasPersonal = false;
  for (const [key, value] of Object.entries(data ?? {})) {
    if (OPEN_EVENT_FIELDS.indexOf(key) >= 0) open[key] = value;
    else if (sight === 'all' || (sight === 'own' && OTHERS_IDS.indexOf(key) < 0)) {
      personal[key] = value;
      hasPersonal = true;
    }
  }
  return { open, personal: hasPersonal ? personal : null };
}

/** The state as a reader sees it: without the entitlement (all of it personal but its times) unless theirs to see. */
export function redactMark(mark: Mark | null, caller: Caller, current: MarkState | null | undefined): Mark | null {
  if (!mark) return null;
  if (sightOf(caller, current, mark.version) !== 'none') return mark;
  return { ...mark, entitlement: null };
}

/** Which sight a mutation answer gets: it is also every subscriber's payload, so never other people's ids. */
export function answerSight(caller: Caller, current: MarkState | null | undefined, event: DomainEvent): Sight {
  return sightOf(caller, current, event.version) === 'none' ? 'none' : 'own';
}
