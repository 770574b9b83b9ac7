/** Stored items → the GraphQL types of schema.graphql. */
import type { DomainEvent } from './events';
import type { Sight } from './personal-data';
import { ownershipOf, splitEventData } from './personal-data';
import { withSortedKeys } from './sorted-keys';
import type { Mark, MarkEvent } from './graphql';
import type { MarkState } from './state';
import { isLive } from './state';
import type { StoredEvent } from './upcast';
import { upcast } from './upcast';

/**
 * A stored event of any shape version as a MarkEvent (clients see every event in its current
 * shape), as a reader sees it: `data` holds what anyone may read, `personalData` what `sight`
 * (personal-data.ts) lets through; `current` is the mark's state now (after the event, for an answer).
 */
export function toGraphQLEvent(stored: DomainEvent | StoredEvent, sight: Sight, current: MarkState | null | undefined): MarkEvent {
  const read = upcast(stored);
  // a shape this release does not know goes out as stored rather than not at all
  const event = read.ok ? read.event : (stored as DomainEvent);
  const { open, personal } = splitEventData(event.data, sight);
  return {
    mark: event.mark,
    version: event.version,
    type: event.type,
    recordedAt: event.recordedAt,
    eventTime: event.eventTime ?? null,
    commandId: event.commandId ?? null,
    // AWSJSON goes out as JSON text; AppSync passes a string through unchanged
    data: JSON.stringify(withSortedKeys(open)),
    personalData: personal ? JSON.stringify(withSortedKeys(personal)) : null,
    ownership: ownershipOf(current, event.version),
  };
}

/** A live view or replayed state as a Mark, in full; null for a forgotten mark or none. Readers get it through personal-data.ts redactMark. */
export function toGraphQLMark(state: MarkState | null | undefined): Mark | null {
  if (!isLive(state)) return null;
  return {
    mark: state.mark,
    status: state.status,
    price: state.price ?? null,
    entitlement: state.entitlement ?? null,
    lockedUntil: state.lockedUntil ?? null,
    eventTime: state.eventTime ?? null,
    version: state.version,
    updatedAt: state.updatedAt,
  };
}
