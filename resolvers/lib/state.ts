/**
 * The state of a mark and the one fold: evolve(state, event). The Marks view item, the
 * MarkSnapshots items and the replayed state are all exactly a MarkState.
 */
import type { MarkStatus } from './graphql';
import type { DomainEvent, EntitlementData } from './events';

export interface LiveMark {
  mark: string;
  version: number;
  status: MarkStatus;
  price?: number;
  entitlement?: EntitlementData;
  lockedUntil?: string;
  /** who took the lock (lockedUntil tells whether it is still live): a user's `sub` or an IAM user ARN */
  lockHolder?: string;
  /** the owner's user pool `sub`, from the identity of the buyer (or as staff named it) */
  owner?: string;
  /**
   * version of the event that gave the mark its current owner: the owner's personal data is in the
   * events from here on, and only these are theirs to read (lib/personal-data.ts)
   */
  ownerSince?: number;
  eventTime?: string;
  /** recordedAt of the last event */
  updatedAt: string;
  /** version of the event that created this incarnation of the mark (idempotent create retries) */
  createdVersion: number;
  /** version of the last MARK_FORGOTTEN: every older event is erased or about to be */
  historyStartsAt?: number;
  forgotten?: undefined;
}

/** What a forgotten mark's view becomes: no personal data, no status (so it leaves byStatus). */
export interface ForgottenMark {
  mark: string;
  version: number;
  forgotten: true;
  updatedAt: string;
  historyStartsAt: number;
}

export type MarkState = LiveMark | ForgottenMark;

export function isLive(state: MarkState | null | undefined): state is LiveMark {
  return !!state && state.forgotten !== true;
}

/**
 * A member of the Marks view item that is not state: npm run rebuild (local/ops/rebuild.ts) writes
 * a fresh value with every view it rewrites, and a command's write requires the value it loaded.
 * A rebuild rewrites a view at the same version, so without it a command that loaded the view just
 * before the rebuild would still find its version condition true and write its fold of the stale
 * view over the rebuilt one; with it, that command fails as if another command had won, and its
 * client retries on the rebuilt view. verify and rebuild leave it out of their comparisons.
 */
export const REBUILD_ID = 'rebuildId';

/** The object without its undefined and null members: stored items never hold them. */
export function compact<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    if (member !== undefined && member !== null) out[key] = member;
  }
  return out as T;
}

function exhaustive(event: never): never {
  return event;
}

/** The state after one event. Total: an event that cannot apply leaves the state as it was. */
export function evolve(state: MarkState | null, event: DomainEvent): MarkState | null {
  const common = { mark: event.mark, version: event.version, updatedAt: event.recordedAt };
  const live = isLive(state) ? state : null;
  const entitlement = live?.entitlement;
  const changed = live ? { ...live, ...common, eventTime: event.eventTime ?? live.eventTime } : null;
  switch (event.type) {
    case 'MARK_RELEASED':
    case 'ENTITLEMENT_CREATED': {
      const owner = event.type === 'ENTITLEMENT_CREATED' ? event.data.owner : undefined;
      return compact<LiveMark>({
        ...common,
        status: event.data.status,
        price: event.data.price,
        entitlement: event.type === 'ENTITLEMENT_CREATED' ? event.data.entitlement : undefined,
        owner,
        ownerSince: owner ? event.version : undefined,
        eventTime: event.eventTime,
        createdVersion: event.version,
        historyStartsAt: state?.historyStartsAt,
      });
    }
    case 'MARK_PURCHASED':
      return changed
        ? compact({
            ...changed,
            status: event.data.status,
            entitlement: event.data.entitlement,
            owner: event.data.owner,
            ownerSince: event.version,
            lockedUntil: undefined,
            lockHolder: undefined,
          })
        : state;
    case 'MARK_FORGOTTEN':
      return { ...common, forgotten: true, historyStartsAt: event.version };
    case 'ENTITLEMENT_EXTENDED':
      return changed && entitlement ? compact({ ...changed, entitlement: compact({ ...entitlement, ...event.data }) }) : state;
    case 'ADDRESS_CHANGED':
      return changed && entitlement ? compact({ ...changed, entitlement: { ...entitlement, address: event.data.address } }) : state;
    case 'NOMINEE_CHANGED':
      return changed && entitlement ? compact({ ...changed, entitlement: { ...entitlement, nomineeName: event.data.nomineeName } }) : state;
    case 'DUPLICATE_CERTIFICATE_ISSUED':
      return changed && entitlement ? compact({ ...changed, entitlement: { ...entitlement, ...event.data } }) : state;
    case 'MARK_LOCKED':
      return changed ? compact({ ...changed, lockedUntil: event.data.lockedUntil, lockHolder: event.data.holder }) : state;
    case 'MARK_UNLOCKED':
      return changed ? compact({ ...changed, lockedUntil: undefined, lockHolder: undefined }) : state;
    default:
      return exhaustive(event);
  }
}

/** The state after a run of events, starting from a snapshot (or from nothing). */
export function fold(events: DomainEvent[], from: MarkState | null = null): MarkState | null {
  let state = from;
  for (const event of events) state = evolve(state, event);
  return state;
}
