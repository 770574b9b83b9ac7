/** Stored items → the GraphQL types of schema.graphql. */
import type { DomainEvent } from './events';
import type { Mark, MarkEvent } from './graphql';
import type { MarkState } from './state';
import { isLive } from './state';

export function toGraphQLEvent(event: DomainEvent): MarkEvent {
  return {
    mark: event.mark,
    version: event.version,
    type: event.type,
    recordedAt: event.recordedAt,
    eventTime: event.eventTime ?? null,
    commandId: event.commandId ?? null,
    // AWSJSON goes out as JSON text; AppSync passes a string through unchanged
    data: JSON.stringify(event.data ?? {}),
  };
}

/** A live view or replayed state as a Mark; null for a forgotten mark or none. */
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
