/**
 * The words a person reads for the API's codes: statuses, event types, times, prices. No DOM.
 */
import type { MarkEventType, MarkStatus } from './graphql/operations';

const STATUS: Partial<Record<MarkStatus, string>> = {
  MARK_AVAILABLE: 'For sale',
  MARK_SOLD_ISSUE_CERTIFICATE_TO_PURCHASER: 'Sold',
  REMOVE_MARK_FROM_SALE: 'Withdrawn from sale',
  MARK_ASSIGNED: 'Assigned to a vehicle',
};

/** "MARK_AVAILABLE" → "For sale"; a status without words of its own in sentence case. */
export function statusLabel(status: string): string {
  const known = STATUS[status as MarkStatus];
  if (known) return known;
  const words = status.toLowerCase().replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const EVENT: Record<MarkEventType, string> = {
  MARK_RELEASED: 'Released for sale',
  ENTITLEMENT_CREATED: 'Entitlement created',
  ENTITLEMENT_EXTENDED: 'Entitlement extended',
  ADDRESS_CHANGED: 'Address changed',
  NOMINEE_CHANGED: 'Nominee changed',
  DUPLICATE_CERTIFICATE_ISSUED: 'Duplicate certificate issued',
  MARK_LOCKED: 'Locked for a purchase',
  MARK_PURCHASED: 'Bought',
  MARK_UNLOCKED: 'Unlocked',
  MARK_FORGOTTEN: 'Forgotten (erased)',
};

export function eventLabel(type: string): string {
  return EVENT[type as MarkEventType] ?? type;
}

/**
 * One locale for every date and every price (issue 27: US-ordered dates stood beside en-GB prices):
 * en-GB, in the reader's own time zone.
 */
export const LOCALE = 'en-GB';
const DATE_TIME = new Intl.DateTimeFormat(LOCALE, { dateStyle: 'medium', timeStyle: 'medium' });
const POUNDS = new Intl.NumberFormat(LOCALE, { style: 'currency', currency: 'GBP', minimumFractionDigits: 0, maximumFractionDigits: 0 });

/**
 * A stored time (ISO-8601 UTC) in words, or null when there is none to show: a field a live event
 * did not carry (its publishing mutation did not select it) is missing, never "1 Jan 1970".
 */
export function eventTimeLabel(iso: string | null | undefined): string | null {
  if (typeof iso !== 'string' || iso === '') return null;
  const time = new Date(iso);
  return Number.isNaN(time.getTime()) ? null : DATE_TIME.format(time);
}

/** The API's prices are whole pounds: "£18,503". */
export function priceLabel(price: number | null | undefined): string {
  return typeof price === 'number' ? POUNDS.format(price) : 'not priced';
}

/** A lock in words, saying whose it is as far as the reader may know: theirs, or someone else's. */
export function lockLabel(lockedUntil: string | null | undefined, lockedByYou: boolean | null | undefined, now = Date.now()): string {
  if (!isLocked(lockedUntil, now)) return 'Not locked';
  const until = eventTimeLabel(lockedUntil) ?? 'later';
  return lockedByYou ? `Locked by you until ${until}` : `Locked by someone else until ${until}`;
}

/** Whether a lock time is still ahead (a past lockedUntil means the mark is not locked). */
export function isLocked(lockedUntil: string | null | undefined, now = Date.now()): boolean {
  return !!lockedUntil && new Date(lockedUntil).getTime() > now;
}
