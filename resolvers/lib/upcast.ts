/**
 * Versioned event shapes: every MarkEvents item carries `schemaVersion`, the version of its `data`
 * shape for its type. Items written before shapes were versioned have none: they are version 1.
 * Whatever reads stored events (the replay fold, listMarkEvents, a command's retry, the Lambdas,
 * npm run verify / rebuild) reads them through `upcast`, so `evolve` and every consumer only ever
 * see the current shape, and an old event stays readable after its type's shape changes.
 *
 * Changing a shape (docs/MARK-DOMAIN.md, "Changing an event's shape"): bump the type in
 * SCHEMA_VERSIONS and add the step from the old version in `upcastStep`. Steps are never removed:
 * events of every past shape stay in the table until their mark is forgotten.
 *
 * APPSYNC_JS-safe (bundled into resolvers): no recursion, no function values, no counting loops.
 */
import type { DomainEvent, EventType } from './events';

/** The current shape version of each event type's `data`: what a new event is written with. */
export const SCHEMA_VERSIONS: Record<EventType, number> = {
  MARK_RELEASED: 1,
  ENTITLEMENT_CREATED: 1,
  ENTITLEMENT_EXTENDED: 1,
  ADDRESS_CHANGED: 1,
  NOMINEE_CHANGED: 1,
  DUPLICATE_CERTIFICATE_ISSUED: 1,
  // holder was added as an optional member: a lock stored without one reads as held by no one known
  MARK_LOCKED: 1,
  MARK_PURCHASED: 1,
  MARK_UNLOCKED: 1,
  MARK_FORGOTTEN: 1,
};

/** The shape version an item without `schemaVersion` has: what releases before versioning wrote. */
export const UNVERSIONED_SCHEMA_VERSION = 1;

/** An event as any release stored it: `data` in the shape of its `schemaVersion`. */
export interface StoredEvent {
  mark: string;
  version: number;
  type: string;
  recordedAt: string;
  eventTime?: string;
  commandId?: string;
  schemaVersion?: number;
  data?: Record<string, unknown>;
}

export type Upcasted = { ok: true; event: DomainEvent } | { ok: false; reason: string };

export function isEventType(type: unknown): type is EventType {
  return typeof type === 'string' && SCHEMA_VERSIONS[type as EventType] !== undefined;
}

/** The shape version of a stored event (absent: written before versioning). */
export function schemaVersionOf(event: { schemaVersion?: unknown }): number {
  return typeof event.schemaVersion === 'number' ? event.schemaVersion : UNVERSIONED_SCHEMA_VERSION;
}

/**
 * `data` of shape `from` of `type` → shape `from + 1`. One case per past shape, e.g.
 *   case 'NOMINEE_CHANGED:1': return { nominee: { name: data.nomineeName } };
 * No type has changed shape yet: every stored event is of its current shape.
 */
export function upcastStep(type: EventType, from: number, data: Record<string, unknown>): Record<string, unknown> {
  switch (`${type}:${from}`) {
    default:
      return data;
  }
}

/**
 * A stored event in the current shape of its type, with `schemaVersion` set to it. An unknown
 * type, or a shape newer than this code knows (written by a later release, read by an older one
 * during a rollback), is refused rather than folded wrong.
 */
export function upcast(stored: StoredEvent): Upcasted {
  const type = stored.type;
  if (!isEventType(type)) return { ok: false, reason: `event ${stored.mark} v${stored.version} has an unknown type` };
  const current = SCHEMA_VERSIONS[type];
  const from = schemaVersionOf(stored);
  if (from > current || from < 1) {
    return { ok: false, reason: `event ${stored.mark} v${stored.version} (${type}) has data shape ${from}; this release reads up to ${current}` };
  }
  let data: Record<string, unknown> = stored.data ?? {};
  // the work list grows while for-of walks it: APPSYNC_JS has no counting loop
  const steps: number[] = from < current ? [from] : [];
  for (const step of steps) {
    data = upcastStep(type, step, data);
    if (step + 1 < current) steps.push(step + 1);
  }
  return { ok: true, event: { ...stored, type, schemaVersion: current, data } as DomainEvent };
}

/** Every event upcast, or the first reason one cannot be. */
export function upcastAll(stored: StoredEvent[]): { ok: true; events: DomainEvent[] } | { ok: false; reason: string } {
  const events: DomainEvent[] = [];
  for (const item of stored) {
    const read = upcast(item);
    if (!read.ok) return read;
    events.push(read.event);
  }
  return { ok: true, events };
}

/** A new event as it is stored: stamped with its type's current shape version. */
export function toStoredEvent(event: DomainEvent): DomainEvent {
  return { ...event, schemaVersion: SCHEMA_VERSIONS[event.type] };
}
