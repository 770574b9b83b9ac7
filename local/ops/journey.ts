/**
 * The smoke journey (`npm run smoke`, local/ops/smoke.ts): one purchaser's way through the API, with
 * the client's own typed operations (web/operations) through aws-amplify v6 configured by the client
 * configuration file alone — so it runs unchanged against the local stack and a deployed one.
 *
 * Staff release a new mark over IAM (SigV4), purchaser A subscribes to it, locks it and buys it,
 * reads it in full as its owner, purchaser B reads it without any of A's personal data, A's
 * subscription has received each event without personal data, and data protection forgets the mark.
 * Each step is printed with its time; the first failure stops the journey with what was expected and
 * what came back, and whatever the journey created is cleaned up (the mark forgotten by staff).
 */
import { randomInt } from 'node:crypto';
import { Amplify } from 'aws-amplify';
import { generateClient } from 'aws-amplify/api';
import { fetchAuthSession, signOut } from 'aws-amplify/auth';
import type { GeneratedMutation, GeneratedQuery } from '@aws-amplify/api-graphql';
import WS from 'ws';
import { signedIamHeaders } from 'appsync-local';
import type { ClientConfig } from '../../infra/client-config';
import { subscribeToMark, type MarkEvent } from '../../web/src/events';
import { signInWithPassword } from '../../web/src/sign-in';
import {
  forgetMark,
  getMark,
  getMarkInFull,
  listMarkEvents,
  listMyMarks,
  lockMark,
  purchaseMark,
  releaseMark,
} from '../../web/src/graphql/operations';

export interface SmokeUser {
  username: string;
  password: string;
}

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SmokeTarget {
  /** where it runs, for the report (no secrets) */
  description: string;
  config: ClientConfig;
  /** two purchasers (any users of the pool) and a member of the dataProtection group */
  users: Record<'purchaserA' | 'purchaserB' | 'dataProtection', SmokeUser>;
  /** the staff principal's IAM credentials */
  staff: () => Promise<AwsCredentials>;
}

export interface SmokeOptions {
  /** the mark to create (default: a new "SM xxxxx") */
  mark?: string;
  /** per step (default 30 s) */
  stepTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface SmokeStep {
  name: string;
  ms: number;
  ok: boolean;
}

export interface SmokeResult {
  ok: boolean;
  mark: string;
  steps: SmokeStep[];
  failure?: SmokeFailure;
  /** what the journey created and what became of it */
  cleanup: string[];
}

export class SmokeFailure extends Error {
  constructor(
    readonly step: string,
    readonly expected: string,
    readonly got: string,
  ) {
    super(`${step}: expected ${expected}; got ${got}`);
  }
}

/** A failed expectation inside a step; the step names it. */
class Mismatch extends Error {
  constructor(
    readonly expected: string,
    readonly got: string,
  ) {
    super(`expected ${expected}; got ${got}`);
  }
}

function expectThat(ok: boolean, expected: string, got: unknown): void {
  if (!ok) throw new Mismatch(expected, typeof got === 'string' ? got : JSON.stringify(got));
}

/** What a GraphQL error, an Amplify rejection or any other failure says. */
export function describeFailure(err: unknown): string {
  const errors = (err as { errors?: { errorType?: string; message?: string }[] } | null)?.errors;
  if (Array.isArray(errors) && errors.length) return errors.map((e) => `${e.errorType ?? 'GraphQL error'}: ${e.message}`).join('; ');
  return err instanceof Error ? err.message : JSON.stringify(err);
}

type IamOperation = GeneratedQuery<unknown, unknown> | GeneratedMutation<unknown, unknown>;
type VariablesOf<Q> = Q extends GeneratedQuery<infer V, unknown> ? V : Q extends GeneratedMutation<infer V, unknown> ? V : never;
type ResultOf<Q> = Q extends GeneratedQuery<unknown, infer R> ? R : Q extends GeneratedMutation<unknown, infer R> ? R : never;

/** A typed operation sent as a back-office service sends it: SigV4-signed with IAM credentials. */
async function iamGraphql<Q extends IamOperation>(config: ClientConfig, credentials: AwsCredentials, query: Q, variables: VariablesOf<Q>): Promise<ResultOf<Q>> {
  const { endpoint, region } = config.API.GraphQL;
  const body = JSON.stringify({ query, variables });
  // fetch sets Host itself, to the value that was signed
  const { host: _host, ...headers } = await signedIamHeaders(endpoint, body, credentials, region);
  const response = await fetch(endpoint, { method: 'POST', headers, body });
  const text = await response.text();
  let answer: { data?: ResultOf<Q>; errors?: unknown[]; message?: string; errorType?: string };
  try {
    answer = JSON.parse(text);
  } catch {
    throw new Error(`HTTP ${response.status} from ${endpoint}: ${text.slice(0, 200)}`);
  }
  if (answer.errors?.length) throw answer;
  if (!response.ok || !answer.data) throw new Error(`HTTP ${response.status}: ${answer.errorType ?? ''} ${answer.message ?? text.slice(0, 200)}`.trim());
  return answer.data;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Mismatch(`${what} within ${ms} ms`, 'nothing (timed out)')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const isLoopback = (url: string) => ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);

/**
 * The WebSocket aws-amplify opens for subscriptions, from Node.js: `ws`, which accepts the local
 * endpoint's self-signed certificate (and only a loopback host's).
 */
class SmokeWebSocket extends WS {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols, { rejectUnauthorized: !isLoopback(String(url)) });
  }
}

/** A mark no one has: "SM " and five random letters or digits. */
export function newSmokeMark(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return `SM ${Array.from({ length: 5 }, () => alphabet[randomInt(alphabet.length)]).join('')}`;
}

export async function runSmoke(target: SmokeTarget, options: SmokeOptions = {}): Promise<SmokeResult> {
  const log = options.log ?? (() => {});
  const stepTimeoutMs = options.stepTimeoutMs ?? 30_000;
  const mark = options.mark ?? newSmokeMark();
  const steps: SmokeStep[] = [];
  const cleanup: string[] = [];
  const { users, config } = target;
  const buyer = {
    purchaserName: `Smoke Buyer ${mark.slice(3)}`,
    address: { addLine1: '1 Smoke Lane', postTown: 'Testbury', postcode: 'SW1A 1AA' },
  };
  /** strings of A's personal data that no one else may be shown */
  const personal = [buyer.purchaserName, buyer.address.addLine1];
  let version = 0;
  let released = false;
  let forgotten = false;
  const received: MarkEvent[] = [];
  const subscriptionErrors: string[] = [];
  let subscription: { unsubscribe(): void } | undefined;

  /** Every mark the signed-in user owns (listMyMarks, page by page: a local stack's users may own many). */
  const myMarks = async () => {
    const items = [];
    let nextToken: string | null | undefined;
    do {
      const { data } = await client.graphql({ query: listMyMarks, variables: { limit: 100, nextToken } });
      items.push(...data.listMyMarks.items);
      nextToken = data.listMyMarks.nextToken;
    } while (nextToken);
    return items;
  };
  const step = async (name: string, run: () => Promise<void>) => {
    const started = performance.now();
    const done = (ok: boolean) => {
      const ms = Math.round(performance.now() - started);
      steps.push({ name, ms, ok });
      log(`${ok ? '✓' : '✗'} ${name.padEnd(72)} ${String(ms).padStart(6)} ms`);
    };
    try {
      await withTimeout(run(), stepTimeoutMs, name);
      done(true);
    } catch (err) {
      done(false);
      if (err instanceof Mismatch) throw new SmokeFailure(name, err.expected, err.got);
      throw new SmokeFailure(name, 'it to succeed', describeFailure(err));
    }
  };

  const previousWebSocket = (globalThis as { WebSocket?: unknown }).WebSocket;
  (globalThis as { WebSocket?: unknown }).WebSocket = SmokeWebSocket;
  Amplify.configure(config);
  const client = generateClient();
  const signInAs = async (role: keyof SmokeTarget['users']) => {
    await signOut().catch(() => {});
    await signInWithPassword(users[role].username, users[role].password);
  };
  const staff = async () => target.staff();
  log(`smoke: ${target.description}, mark ${mark}`);
  let failure: SmokeFailure | undefined;
  try {
    let ownerSub = '';
    await step(`sign in as purchaser A (${users.purchaserA.username})`, async () => {
      await signInAs('purchaserA');
      ownerSub = String((await fetchAuthSession()).tokens?.accessToken.payload.sub ?? '');
      expectThat(ownerSub !== '', 'an access token with a sub', 'none');
    });

    await step(`subscribe to ${mark} as purchaser A (open fields)`, async () => {
      // started once AppSync acknowledges it (the start_ack), or refused
      const started = subscribeToMark(client, mark, 'userPool', {
        onEvent: (event) => received.push(event),
        onError: (err) => subscriptionErrors.push(describeFailure(err)),
      });
      subscription = started;
      await started.acknowledged;
    });

    await step(`release ${mark} as staff (IAM)`, async () => {
      const answer = await iamGraphql(config, await staff(), releaseMark, { input: { mark, price: 25000 } });
      released = true;
      const event = answer.releaseMark;
      expectThat(event.mark === mark && event.type === 'MARK_RELEASED' && event.version === 1, `MARK_RELEASED of ${mark} at version 1`, event);
      version = event.version;
    });

    await step('lock as purchaser A', async () => {
      const { data } = await client.graphql({ query: lockMark, variables: { input: { mark, expectedVersion: version } } });
      expectThat(data.lockMark.type === 'MARK_LOCKED' && data.lockMark.version === version + 1, `MARK_LOCKED at version ${version + 1}`, data.lockMark);
      version = data.lockMark.version;
    });

    await step('buy as purchaser A', async () => {
      const { data } = await client.graphql({ query: purchaseMark, variables: { input: { mark, expectedVersion: version, entitlement: buyer } } });
      const event = data.purchaseMark;
      const owner = event.personalData ? (JSON.parse(event.personalData) as { owner?: string }).owner : undefined;
      expectThat(event.type === 'MARK_PURCHASED' && event.version === version + 1 && event.ownership === version + 1, `MARK_PURCHASED at version ${version + 1}, ownership ${version + 1}`, event);
      expectThat(owner === ownerSub, `the buyer (sub ${ownerSub}) as owner in the answer's personalData`, event.personalData);
      version = event.version;
    });

    await step('read as owner: the mark with its entitlement', async () => {
      const { data } = await client.graphql({ query: getMarkInFull, variables: { mark } });
      const read = data.getMark;
      expectThat(
        read?.status === 'MARK_SOLD_ISSUE_CERTIFICATE_TO_PURCHASER' && read.version === version && read.entitlement?.purchaserName === buyer.purchaserName && !!read.entitlement.certificateNo,
        `status MARK_SOLD_ISSUE_CERTIFICATE_TO_PURCHASER at version ${version}, with the buyer's name and a certificate number`,
        read,
      );
    });

    await step("list my marks as purchaser A: the mark, with A's entitlement", async () => {
      const mine = await myMarks();
      const listed = mine.find((item) => item.mark === mark);
      expectThat(listed?.version === version && listed.entitlement?.purchaserName === buyer.purchaserName, `${mark} at version ${version} among A's marks, with the buyer's name`, mine.map((item) => item.mark).join(', ') || 'no mark');
    });

    await step('receive on the subscription: release, lock and purchase, no personal data', async () => {
      const until = Date.now() + stepTimeoutMs - 1000;
      while (received.length < 3 && subscriptionErrors.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expectThat(subscriptionErrors.length === 0, 'no subscription error', subscriptionErrors.join('; '));
      const got = received.map((e) => `${e.version} ${e.type}`);
      expectThat(JSON.stringify(got) === JSON.stringify(['1 MARK_RELEASED', '2 MARK_LOCKED', '3 MARK_PURCHASED']), '1 MARK_RELEASED, 2 MARK_LOCKED, 3 MARK_PURCHASED', got.join(', ') || 'no event');
      const text = JSON.stringify(received);
      expectThat(!personal.some((p) => text.includes(p)) && !text.includes(ownerSub) && received.every((e) => !('personalData' in e)), 'no personal data in the payloads', text);
      subscription?.unsubscribe();
      subscription = undefined;
    });

    await step(`sign in as purchaser B (${users.purchaserB.username})`, () => signInAs('purchaserB'));

    await step('read as purchaser B: no personal data', async () => {
      const { data } = await client.graphql({ query: getMarkInFull, variables: { mark } });
      expectThat(data.getMark?.version === version && data.getMark.entitlement === null, `the mark at version ${version} with entitlement null`, data.getMark);
      const events = await client.graphql({ query: listMarkEvents, variables: { mark } });
      const items = events.data.listMarkEvents.items;
      expectThat(items.length === version && items.every((e) => e.personalData === null), `${version} events, each with personalData null`, items);
      const mine = await myMarks();
      expectThat(!mine.some((item) => item.mark === mark), `${mark} not among B's marks`, mine.map((item) => item.mark).join(', '));
      const text = JSON.stringify([data, events.data, mine]);
      expectThat(!personal.some((p) => text.includes(p)) && !text.includes(ownerSub), "none of A's personal data or id", text);
    });

    await step(`sign in as data protection (${users.dataProtection.username})`, () => signInAs('dataProtection'));

    await step('forget as data protection', async () => {
      const { data } = await client.graphql({ query: forgetMark, variables: { input: { mark, expectedVersion: version } } });
      expectThat(data.forgetMark.type === 'MARK_FORGOTTEN' && data.forgetMark.version === version + 1, `MARK_FORGOTTEN at version ${version + 1}`, data.forgetMark);
      forgotten = true;
      version = data.forgetMark.version;
    });

    await step('clean up: the mark is gone, its history erased', async () => {
      const { data } = await client.graphql({ query: getMark, variables: { mark } });
      expectThat(data.getMark === null, 'getMark null', data.getMark);
      const events = await client.graphql({ query: listMarkEvents, variables: { mark } });
      const left = events.data.listMarkEvents.items.map((e) => `${e.version} ${e.type}`);
      expectThat(JSON.stringify(left) === JSON.stringify([`${version} MARK_FORGOTTEN`]), `only the tombstone ${version} MARK_FORGOTTEN listed`, left.join(', '));
      await signOut();
    });
  } catch (err) {
    failure = err instanceof SmokeFailure ? err : new SmokeFailure('smoke', 'no error', describeFailure(err));
  } finally {
    subscription?.unsubscribe();
    await signOut().catch(() => {});
    if (released && !forgotten) cleanup.push(await forgetAsStaff(config, staff, mark));
    (globalThis as { WebSocket?: unknown }).WebSocket = previousWebSocket;
  }
  if (released && forgotten) cleanup.push(`${mark}: forgotten; its MARK_FORGOTTEN event stays (no personal data), as every erasure's does`);
  return { ok: !failure, mark, steps, failure, cleanup };
}

/** After a failure: staff forget the mark the journey released, so nothing of it is left readable. */
async function forgetAsStaff(config: ClientConfig, staff: () => Promise<AwsCredentials>, mark: string): Promise<string> {
  try {
    const credentials = await staff();
    const { getMark: current } = await iamGraphql(config, credentials, getMark, { mark });
    if (!current) return `${mark}: nothing to forget (not found)`;
    const { forgetMark: event } = await iamGraphql(config, credentials, forgetMark, { input: { mark, expectedVersion: current.version } });
    return `${mark}: forgotten by staff at version ${event.version} after the failure`;
  } catch (err) {
    return `${mark}: LEFT BEHIND, the clean-up failed (${describeFailure(err)}); forget it as staff or data protection`;
  }
}
