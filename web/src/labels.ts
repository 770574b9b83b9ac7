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

/** A stored time (ISO-8601 UTC) in the reader's own locale and time zone. */
export function eventTimeLabel(iso: string): string {
  const time = new Date(iso);
  return Number.isNaN(time.getTime()) ? iso : time.toLocaleString();
}

/** The API's prices are whole numbers, in the registry's unit: shown with thousands separated. */
export function priceLabel(price: number | null | undefined): string {
  return typeof price === 'number' ? price.toLocaleString('en-GB') : 'not priced';
}

/** Whether a lock time is still ahead (a past lockedUntil means the mark is not locked). */
export function isLocked(lockedUntil: string | null | undefined, now = Date.now()): boolean {
  return !!lockedUntil && new Date(lockedUntil).getTime() > now;
}
