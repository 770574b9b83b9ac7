/**
 * A mark's events, live, for every client of the API (the web client, npm run smoke): the
 * subscription with its acknowledgement, and the gap-free follow of docs/SUBSCRIPTIONS.md —
 * subscribe, wait for the start_ack, read the gap with listMarkEvents from the last version seen,
 * merge by version — run again at every acknowledgement after a reconnect (aws-amplify v6
 * re-subscribes by itself once the connection comes back; what was published meanwhile is only in
 * the read). Nothing here touches the DOM: it runs in a browser and in Node.js alike.
 *
 * Defence in depth against forged events (issue 24): the API refuses a command whose answer would
 * be published as another mark's event (resolvers/lib/selection.ts), and a follow still shows no
 * live payload it cannot trust. An event of another mark, or with a version no mark has, is dropped;
 * a reader who may list events shows only what the list returns (a live event only says "read the
 * gap"); a live-only reader (the API key) shows no event at or below the version its page read.
 */
import { CONNECTION_STATE_CHANGE, ConnectionState, type generateClient } from 'aws-amplify/api';
import { Hub } from 'aws-amplify/utils';
import { listMarkEvents, onMarkEvent, type OnMarkEventSubscription } from './graphql/operations';

/** What generateClient() gives, as every client of the API makes it. */
export type Client = ReturnType<typeof generateClient<never>>;

/** An event of a mark as anyone may read it (the open fields). */
export type MarkEvent = NonNullable<OnMarkEventSubscription['onMarkEvent']>;

/** How a call is authorized: a signed-in user's token, or the API key (the public storefront). */
export type AuthMode = 'userPool' | 'apiKey';

/** What Amplify reports on the Hub once AppSync acknowledges a start (start_ack). */
const SUBSCRIPTION_ACK = 'Subscription ack';
/** The Hub names the acknowledged operation by its printed text: "subscription OnMarkEvent(...". */
const OPERATION = new RegExp(`^subscription ${/^subscription (\w+)/.exec(onMarkEvent)![1]}\\b`);

export interface MarkSubscription {
  /** settles at the first start_ack (or rejects with the subscription's refusal) */
  acknowledged: Promise<void>;
  unsubscribe(): void;
}

export interface MarkSubscriptionHandlers {
  /** each event as it arrives, unmerged */
  onEvent(event: MarkEvent): void;
  onError?(error: unknown): void;
  /** every start_ack: the first, and one after each reconnect */
  onAcknowledged?(first: boolean): void;
}

/**
 * Subscribes to the open fields of a mark's events (Subscription.onMarkEvent with `mark`), telling
 * when AppSync acknowledged the start — the moment from which nothing published is missed.
 */
export function subscribeToMark(client: Client, mark: string, authMode: AuthMode, handlers: MarkSubscriptionHandlers): MarkSubscription {
  let acknowledgements = 0;
  let settle: { resolve(): void; reject(err: unknown): void } | undefined;
  const acknowledged = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  // the acknowledgement names the operation and variables it answers (one subscription per mark and page)
  const stopListening = Hub.listen('api', ({ payload }) => {
    if (payload.event !== SUBSCRIPTION_ACK) return;
    const data = payload.data as { query?: string; variables?: { mark?: string } } | undefined;
    if (!OPERATION.test(data?.query ?? '') || data?.variables?.mark !== mark) return;
    acknowledgements += 1;
    if (acknowledgements === 1) settle?.resolve();
    handlers.onAcknowledged?.(acknowledgements === 1);
  });
  const subscription = client.graphql({ query: onMarkEvent, variables: { mark }, authMode }).subscribe({
    next: ({ data }) => {
      if (data.onMarkEvent) handlers.onEvent(data.onMarkEvent);
    },
    error: (err: unknown) => {
      settle?.reject(err);
      handlers.onError?.(err);
    },
  });
  acknowledged.catch(() => {});
  return {
    acknowledged,
    unsubscribe: () => {
      stopListening();
      subscription.unsubscribe();
    },
  };
}

/** Whether a live payload can be an event of `mark`: that mark, under its canonical name, at a version a mark can have. */
export function isEventOfMark(event: MarkEvent | null | undefined, mark: string): event is MarkEvent {
  return !!event && event.mark === mark && Number.isInteger(event.version) && event.version >= 1;
}

/**
 * Applies a mark's events in version order, each once: an event at or below the last applied
 * version is a duplicate (it came both live and from a read), one ahead of a gap waits for the
 * versions before it (versions of a mark are contiguous).
 */
export class EventMerger<E extends { version: number } = MarkEvent> {
  private readonly pending = new Map<number, E>();
  duplicates = 0;

  constructor(private last = 0) {}

  /** the last version applied */
  get lastSeen(): number {
    return this.last;
  }

  /**
   * Gives up on the versions up to `version` (a reader who cannot list events cannot fill a hole):
   * the next one expected is the one after it.
   */
  skipTo(version: number): void {
    if (version <= this.last) return;
    this.last = version;
    for (const pending of this.pending.keys()) if (pending <= version) this.pending.delete(pending);
  }

  /** the events this one makes applicable, in order (none while a version before it is missing) */
  deliver(event: E): E[] {
    if (event.version <= this.last || this.pending.has(event.version)) {
      this.duplicates += 1;
      return [];
    }
    this.pending.set(event.version, event);
    const applied: E[] = [];
    for (let next = this.pending.get(this.last + 1); next; next = this.pending.get(this.last + 1)) {
      this.pending.delete(next.version);
      applied.push(next);
      this.last = next.version;
    }
    return applied;
  }
}

/** Where a follow stands, for a person: the connection and whether the list is complete. */
export type FollowState = 'connecting' | 'catching-up' | 'live' | 'disrupted' | 'failed';

export interface FollowOptions {
  client: Client;
  mark: string;
  authMode: AuthMode;
  /**
   * Whether the reader may list the events (listMarkEvents wants a signed-in user or IAM, never the
   * API key): then the history is read at the first acknowledgement and the gap after each
   * reconnect; without it the follow is live only, and `onMissed` says when events may be missing.
   */
  canList: boolean;
  /**
   * the last version the caller already has (0: none); for a live-only follow, the version of the
   * mark the page read: no live event at or below it is shown
   */
  lastSeen?: number;
  /** each event once, in version order */
  onEvent(event: MarkEvent): void;
  onState(state: FollowState): void;
  onError(error: unknown): void;
  /** a live-only follow came back from a disconnection: events of the meantime are not listed */
  onMissed?(): void;
}

export interface Follow {
  /** settles once subscribed and caught up (the first time) */
  ready: Promise<void>;
  stop(): void;
}

/** Follows a mark's events without a gap across reconnects (docs/SUBSCRIPTIONS.md). */
export function followMark(options: FollowOptions): Follow {
  const { client, mark, authMode } = options;
  const merger = new EventMerger(options.lastSeen ?? 0);
  let stopped = false;
  let acknowledged = false;
  let reading: Promise<void> = Promise.resolve();
  const apply = (event: MarkEvent) => {
    if (!stopped && isEventOfMark(event, mark)) merger.deliver(event).forEach((e) => options.onEvent(e));
  };
  // a live payload: for a reader who may list, only a sign that there is more to read
  const deliver = (event: MarkEvent) => {
    if (stopped || !isEventOfMark(event, mark)) return;
    if (options.canList) {
      if (acknowledged) readAgain();
      return;
    }
    // live only: what came before this event can never be read, so waiting for it would stall
    if (event.version > merger.lastSeen) merger.skipTo(event.version - 1);
    apply(event);
  };
  // after live events: one read running and at most one waiting, which starts after the last of them arrived
  let readsQueued = 0;
  const readAgain = () => {
    if (readsQueued > 1) return;
    readsQueued += 1;
    readGap(false)
      .finally(() => (readsQueued -= 1))
      .catch((err: unknown) => !stopped && options.onError(err));
  };
  const state = (next: FollowState) => {
    if (!stopped) options.onState(next);
  };

  // the gap from the last version applied, page by page; catch-ups run one after another
  const readGap = (catchingUp = true) =>
    (reading = reading.catch(() => {}).then(async () => {
      if (stopped) return;
      if (catchingUp) state('catching-up');
      let nextToken: string | null = null;
      do {
        const page: { data: { listMarkEvents: { items: MarkEvent[]; nextToken: string | null } } } = await client.graphql({
          query: listMarkEvents,
          variables: { mark, fromVersion: merger.lastSeen + 1, nextToken },
          authMode,
        });
        page.data.listMarkEvents.items.forEach(apply);
        nextToken = page.data.listMarkEvents.nextToken;
      } while (nextToken && !stopped);
      if (catchingUp) state('live');
    }));

  // the connection as Amplify sees it (one WebSocket per page, shared by its subscriptions)
  const stopWatchingConnection = Hub.listen('api', ({ payload }) => {
    if (payload.event !== CONNECTION_STATE_CHANGE) return;
    const connection = (payload.data as { connectionState?: ConnectionState } | undefined)?.connectionState;
    if (connection === ConnectionState.ConnectionDisrupted || connection === ConnectionState.ConnectionDisruptedPendingNetwork) state('disrupted');
    else if (connection === ConnectionState.Connecting && acknowledged) state('connecting');
  });

  let settle: { resolve(): void; reject(err: unknown): void } | undefined;
  const ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  ready.catch(() => {});
  state('connecting');
  const subscription = subscribeToMark(client, mark, authMode, {
    onEvent: deliver,
    onError: (err) => {
      state('failed');
      settle?.reject(err);
      if (!stopped) options.onError(err);
    },
    onAcknowledged: (first) => {
      acknowledged = true;
      if (options.canList) {
        readGap().then(
          () => first && settle?.resolve(),
          (err: unknown) => {
            state('failed');
            if (first) settle?.reject(err);
            if (!stopped) options.onError(err);
          },
        );
        return;
      }
      state('live');
      if (first) settle?.resolve();
      else if (!stopped) options.onMissed?.();
    },
  });

  return {
    ready,
    stop: () => {
      stopped = true;
      stopWatchingConnection();
      subscription.unsubscribe();
    },
  };
}
