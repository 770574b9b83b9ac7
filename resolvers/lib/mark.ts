/** Domain constants and the canonical mark, shared by resolvers, Lambdas and tests. */

/**
 * A snapshot of the folded state is written every SNAPSHOT_INTERVAL versions, bounding replay:
 * getMarkAt reads the view, one snapshot and at most SNAPSHOT_INTERVAL - 1 events in one
 * BatchGetItem. 10 keeps that read small (11 items; at 50, reading 51 items cost about 2.7x a
 * getMark on DynamoDB Local, at 10 about 1.5x: docs/PERFORMANCE.md) for one extra item in one
 * transaction out of ten.
 */
export const SNAPSHOT_INTERVAL = 10;

/**
 * Whether the state after an event goes to MarkSnapshots too: every SNAPSHOT_INTERVAL-th version,
 * and every MARK_FORGOTTEN. The forget's own snapshot is the forgotten state (no personal data),
 * and the eraser keeps it: a replay by time finds it by its updatedAt (the byUpdatedAt index), so a
 * time after the forget never needs the erased history before it (lib/replay.ts).
 */
export function takesSnapshot(event: { version: number; type: string }): boolean {
  return event.version % SNAPSHOT_INTERVAL === 0 || event.type === 'MARK_FORGOTTEN';
}

/** A lock lasts ten minutes; an expired lock counts as none. */
export const LOCK_DURATION_MS = 10 * 60 * 1000;

/** The status a createEntitlement gets when its input names none. */
export const DEFAULT_ENTITLEMENT_STATUS = 'MARK_SOLD_ISSUE_CERTIFICATE_TO_PURCHASER';

/** A purchase leaves the mark sold, its certificate to be sent to the buyer (payment is taken elsewhere). */
export const PURCHASED_STATUS = 'MARK_SOLD_ISSUE_CERTIFICATE_TO_PURCHASER';

/**
 * The canonical mark: trimmed, upper case, single inner spaces ("afc  f5" → "AFC F5"). It is the
 * key everywhere (tables, Kinesis partition key, S3 prefix, subscription filters). Only for text
 * already found in the mark alphabet (validation.ts checkMark, the one caller, checks first):
 * toUpperCase and trim would fold "ß 7" onto "SS 7" or drop a Unicode space (issue 10, defect 8).
 */
export function canonicalMark(mark: string): string {
  return mark
    .trim()
    .toUpperCase()
    .split(' ')
    .filter((part) => part !== '')
    .join(' ');
}
