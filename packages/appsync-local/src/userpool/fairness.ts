/**
 * What keeps one client's flood of the local user pool from holding everyone else's sign-in. The
 * pool's work is mostly big-number arithmetic on the one event loop (an SRP exponentiation is a
 * few milliseconds), so a client that sends requests faster than they are worked off would make
 * every other client wait behind its queue. Three guards, each applied by client address (the
 * socket's remote address as clientOf reads it) and each before any of a refused request's work is
 * done; reading the JWKS (GET) is not capped, and a body must arrive within BODY_READ_TIMEOUT_MS:
 *
 * - at most `inFlight` requests of one client at a time: more are refused at once, unread;
 * - Cognito's request rate quotas by operation category ("Quotas in Amazon Cognito",
 *   https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html: UserAuthentication
 *   120 requests a second, UserCreation 50, UserRead 120...), which Cognito applies per account
 *   and the local pool per client address, so that one client spends its own share and not
 *   everyone's; over it, TooManyRequestsException "Rate exceeded", as Cognito;
 * - the costly work itself (sign-in, sign-up, confirmation) runs one request at a time, taking
 *   clients in turn (round robin) and yielding to the event loop between two: a client with many
 *   requests waiting delays another's by at most one of its own.
 */
import { isIPv6 } from 'node:net';
import { CognitoError } from './pool';

/**
 * The client an address stands for: an IPv4-mapped IPv6 address ("::ffff:10.0.0.1") is its IPv4
 * address, and an IPv6 address its /64 (what one host or network is given), so that one machine
 * does not get a share per address it can take.
 */
export function clientOf(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('%')[0]!.split('::');
  const left = head ? head.split(':') : [];
  const right = address.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** Cognito's operation categories, as far as the local pool implements their operations, and their default quotas (requests a second). */
export const CATEGORY_QUOTAS = {
  UserAuthentication: 120,
  UserCreation: 50,
  UserRead: 120,
  UserUpdate: 25,
} as const;

export type Category = keyof typeof CATEGORY_QUOTAS;

export interface FairnessOptions {
  /** requests of one client handled at once (default 8) */
  inFlight?: number;
  /** requests a second by category for one client (default: Cognito's quotas) */
  quotas?: Partial<Record<Category, number>>;
  /** clients remembered at once (default 10 000); the least recently seen are forgotten first */
  clients?: number;
  now?: () => number;
}

interface ClientState {
  inFlight: number;
  buckets: Map<Category, { tokens: number; at: number }>;
}

export const TOO_MANY_REQUESTS = () => new CognitoError('TooManyRequestsException', 'Rate exceeded');

export class ClientFairness {
  private readonly clients = new Map<string, ClientState>();
  private readonly queues = new Map<string, (() => void)[]>();
  private busy = false;
  private lastServed: string | undefined;
  private readonly inFlightLimit: number;
  private readonly quotas: Record<Category, number>;
  private readonly capacity: number;
  private readonly now: () => number;
  /** requests refused by each guard, for tests and printouts */
  readonly refused = { inFlight: 0, rate: 0 };

  constructor(options: FairnessOptions = {}) {
    this.inFlightLimit = options.inFlight ?? 8;
    this.quotas = { ...CATEGORY_QUOTAS, ...options.quotas };
    this.capacity = options.clients ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  private state(client: string): ClientState {
    let state = this.clients.get(client);
    if (state) {
      // most recently seen last
      this.clients.delete(client);
    } else {
      state = { inFlight: 0, buckets: new Map() };
      if (this.clients.size >= this.capacity) {
        for (const [key, old] of this.clients) {
          if (old.inFlight === 0) {
            this.clients.delete(key);
            break;
          }
        }
      }
    }
    this.clients.set(client, state);
    return state;
  }

  /** Jobs not run because their requester had gone by their turn. */
  skipped = 0;

  /** A request begins: a function to call when it ends, or undefined when the client has too many under way already. */
  admit(client: string): (() => void) | undefined {
    const state = this.state(client);
    if (state.inFlight >= this.inFlightLimit) {
      this.refused.inFlight++;
      return undefined;
    }
    state.inFlight++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      state.inFlight--;
    };
  }

  /** Takes one request from the client's share of a category (a token bucket refilled at the quota's rate, a second's worth deep); false when none is left. */
  take(client: string, category: Category): boolean {
    const state = this.state(client);
    const rate = this.quotas[category];
    const now = this.now();
    const bucket = state.buckets.get(category) ?? { tokens: rate, at: now };
    bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    state.buckets.set(category, bucket);
    if (bucket.tokens < 1) {
      this.refused.rate++;
      return false;
    }
    bucket.tokens -= 1;
    return true;
  }

  /**
   * Runs costly work in the client's turn: one job at a time, clients taken in turn. A job whose
   * requester is gone by its turn (`abandoned()`) is not run: its promise rejects with JOB_ABANDONED.
   */
  run<T>(client: string, job: () => T | Promise<T>, abandoned: () => boolean = () => false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const queue = this.queues.get(client) ?? [];
      queue.push(() => {
        Promise.resolve()
          .then(() => {
            if (abandoned()) {
              this.skipped++;
              throw JOB_ABANDONED;
            }
            return job();
          })
          .then(resolve, reject)
          .finally(() => {
            this.busy = false;
            // let the event loop read other clients' requests before the next job
            setImmediate(() => this.next());
          });
      });
      this.queues.set(client, queue);
      if (!this.busy) this.next();
    });
  }

  private next(): void {
    if (this.busy || this.queues.size === 0) return;
    // the first client in turn other than the one just served, unless it alone is waiting
    let chosen: [string, (() => void)[]] | undefined;
    for (const entry of this.queues) {
      chosen ??= entry;
      if (entry[0] !== this.lastServed) {
        chosen = entry;
        break;
      }
    }
    const [client, queue] = chosen!;
    this.lastServed = client;
    const job = queue.shift()!;
    // the client goes to the back of the turn, if it has more waiting
    this.queues.delete(client);
    if (queue.length) this.queues.set(client, queue);
    this.busy = true;
    job();
  }
}

/** What fairness.run rejects with when a job's requester went away before its turn. */
export const JOB_ABANDONED = new Error('the request was abandoned before its turn');
