/**
 * The events of a mark's stream as stored in MarkEvents (one item per event, key (mark, version)).
 * `data` holds only the event's own fields (a delta); the fold turns events into state.
 */
import type { MarkStatus } from './graphql';

export interface AddressData {
  addLine1: string;
  addLine2?: string;
  addLine3?: string;
  addLine4?: string;
  postTown: string;
  postcode: string;
}

export interface EntitlementData {
  certificateNo: string;
  nomineeName?: string;
  purchaserName: string;
  certificateTime?: string;
  agreementTime?: string;
  expiryTime?: string;
  customerId?: string;
  telephoneNo?: string;
  address: AddressData;
}

/** What a purchaser gives: the certificate number and time are the server's. */
export type PurchaseEntitlementData = Omit<EntitlementData, 'certificateNo' | 'certificateTime'>;

export interface EventDataByType {
  MARK_RELEASED: { status: 'MARK_AVAILABLE'; price: number };
  /** owner: the user pool `sub` staff named as the owner, when they named one */
  ENTITLEMENT_CREATED: { status: MarkStatus; price?: number; entitlement: EntitlementData; owner?: string };
  ENTITLEMENT_EXTENDED: { expiryTime: string; agreementTime?: string };
  ADDRESS_CHANGED: { address: AddressData };
  NOMINEE_CHANGED: { nomineeName: string };
  DUPLICATE_CERTIFICATE_ISSUED: { certificateNo: string; certificateTime: string };
  /** holder: the principal of the caller that took the lock (a user's `sub`, or an IAM user ARN) */
  MARK_LOCKED: { lockedUntil: string; holder?: string };
  /** a sale: owner is the buyer's `sub` (from the identity, never the input); the certificate number is the server's */
  MARK_PURCHASED: { status: MarkStatus; owner: string; entitlement: EntitlementData };
  MARK_UNLOCKED: Record<string, never>;
  /** no personal data: this event survives erasure */
  MARK_FORGOTTEN: Record<string, never>;
}

export type EventType = keyof EventDataByType;

interface Envelope {
  mark: string;
  version: number;
  /** server time, fixed-width UTC with milliseconds */
  recordedAt: string;
  /** the client's business time, when given */
  eventTime?: string;
  /** the client's idempotency key, when given */
  commandId?: string;
  /** with a commandId: the hash of the command's canonical input, which tells a retry from a reuse (idempotency.ts) */
  commandHash?: string;
  /** the version of `data`'s shape (lib/upcast.ts); absent on events written before versioning */
  schemaVersion?: number;
}

export type DomainEvent = {
  [T in EventType]: Envelope & { type: T; data: EventDataByType[T] };
}[EventType];

/** The events that start (or, after a forget, restart) a stream. */
export function isCreation(type: EventType): boolean {
  return type === 'MARK_RELEASED' || type === 'ENTITLEMENT_CREATED';
}
