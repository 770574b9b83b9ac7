/**
 * Hostile documents (issues 10 and 20): while an attacker sends fragment fan-out (2^30 spreads
 * in 1.3 KB, over HTTP and as a subscription), alias fan-out, variables nested 100,000 deep, more
 * subscriptions than a connection may hold, documents of 100 and of 1,000 aliases of getMark
 * (the API's resolverCountLimit, and the most a document may have) and a connection that never reads, and writers
 * keep committing, a well-behaved client reads a mark over HTTP in a loop.
 *
 * The attacker and the writers run in a process of their own (test/support/hostile-load.ts), as
 * they would on other machines: this process holds the endpoint (the local stack) and the
 * well-behaved client only, so the client's wait is what the endpoint makes it wait.
 *
 * The file reports what was attempted, acknowledged, lost (must be 0: every acknowledged event
 * stored) and rejected, and the time the well-behaved client waited (p50 / p99), without hostile
 * load first, then under it and per phase, with the machine's load average. The targets, p99
 * under 100 ms under the hostile load and under 50 ms while the alias documents run, are printed
 * as met or MISSED: asserted here only with generous bounds, since a timed test on a shared
 * machine must not flake.
 */
import { availableParallelism, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPSYNC_DEFAULT_LIMITS, DOCUMENT_LIMITS, MAX_SUBSCRIPTIONS_PER_CONNECTION } from 'appsync-local';
import { median, p99 } from '../../../bench/stats';
import { deployedLimits } from '../../../local/stack';
import { startHostileLoad, type HostileJob, type HostileLoad } from '../../support/hostile-load';
import { freshMark, MARK_FIELDS, ok } from '../../support/marks';
import { Tally, settleLosses, type Acknowledged } from '../../support/reliability';
import { startTestStack, type TestStack } from '../../support/stack';

const ROUNDS = 6;
const RESOLVER_COUNT_LIMIT = deployedLimits().resolverCountLimit;
/**
 * Issue 20, part 5: a document within the limits, and one 10 times past the resolver count, the
 * most aliases a document may have (DOCUMENT_LIMITS, issue 24; a document of 5,000 is refused whole
 * before validation now: attacks/costly-documents.test.ts).
 */
const ALIASES = [RESOLVER_COUNT_LIMIT, DOCUMENT_LIMITS.maxAliases];
/** documents of each size, one after another */
const ALIAS_DOCUMENTS = 5;
const TARGET_P99_MS = 100;
const ALIAS_TARGET_P99_MS = 50;
/** the bound asserted on the issue-10 load (the targets are printed, not asserted) */
const GENEROUS_P99_MS = 5_000;
const GET_MARK = `query Q($mark: ID!) { getMark(mark: $mark) { ${MARK_FIELDS} } }`;

let stack: TestStack;
let load: HostileLoad | undefined;
const tally = new Tally('hostile');
const acknowledged: Acknowledged[] = [];

beforeAll(async () => {
  stack = await startTestStack({ label: 'relhostile', realtime: { maxBufferedBytes: 256 * 1024 } });
  load = await startHostileLoad();
});

afterAll(async () => {
  try {
    await settleLosses(stack, tally, acknowledged);
  } finally {
    try {
      await load?.stop();
    } finally {
      await stack?.stop();
    }
  }
});

/** One job of the attacker's process, its counts added to this file's. */
async function hostile(job: HostileJob): Promise<void> {
  const out = await load!.run(job);
  tally.merge(out.tally);
  acknowledged.push(...out.acknowledged);
}

/** The well-behaved client: one getMark over HTTP as staff; how long it waited (ms). */
async function read(mark: string): Promise<number> {
  const started = performance.now();
  const res = await stack.gql<{ getMark: { mark: string } }>(GET_MARK, { mark });
  const waited = performance.now() - started;
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data?.getMark).toMatchObject({ mark });
  return waited;
}

const ms = (value: number) => Math.round(value);
const verdict = (value: number, target: number) => `target under ${target} ms: ${value < target ? 'met' : 'MISSED'}`;

describe('hostile documents beside a well-behaved client', () => {
  it('answers the well-behaved client throughout, loses nothing and refuses what AppSync refuses', async () => {
    const mark = freshMark('HB');
    const released = await ok(stack, 'releaseMark', { mark, price: 1 });
    tally.attempted += 1;
    tally.acknowledged += 1;
    acknowledged.push({ mark: released.mark, version: released.version, type: released.type, commandId: released.commandId });
    await hostile({ kind: 'connect', target: { graphqlUrl: stack.graphqlUrl, realtimeUrl: stack.realtimeUrl, apiKey: stack.apiKey, staffToken: await stack.token('staff') } });

    // The same reads without hostile load first: on a shared machine, the figure to compare with.
    const baseline: number[] = [];
    for (let i = 0; i < 100; i++) baseline.push(await read(mark));

    // The stack runs in this process: how long its event loop was held, whatever the CPU contention.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    let phase = 'documents';
    let running = true;
    let readFailure: unknown;
    const waits: Record<string, number[]> = {};
    const wellBehaved = (async () => {
      while (running) {
        const during = phase;
        (waits[during] ??= []).push(await read(mark));
      }
    })().catch((error: unknown) => (readFailure = error));

    try {
      await hostile({ kind: 'documents', mark, rounds: ROUNDS });
      await hostile({ kind: 'oversubscribe' });
      for (const aliases of ALIASES) {
        phase = `${aliases} aliases`;
        await hostile({ kind: 'aliases', mark, aliases, documents: ALIAS_DOCUMENTS });
      }
      // The slow reader: stops reading while every write reaches its 100 subscriptions.
      phase = 'slow reader';
      await hostile({ kind: 'stop reading' });
      const closedBefore = stack.realtime.stats().slowReadersClosed;
      for (let batch = 0; batch < 150 && stack.realtime.stats().slowReadersClosed === closedBefore; batch++) await hostile({ kind: 'writes', count: 10 });
      tally.add('slow readers closed', stack.realtime.stats().slowReadersClosed - closedBefore);
    } finally {
      running = false;
      await wellBehaved;
      loopDelay.disable();
    }
    if (readFailure) throw readFailure;
    tally.add('event loop delay p99 ms', ms(loopDelay.percentile(99) / 1e6));
    tally.add('event loop delay max ms', ms(loopDelay.max / 1e6));

    const all = Object.values(waits).flat();
    const whileAliases = ALIASES.flatMap((aliases) => waits[`${aliases} aliases`] ?? []);
    // the load of issue 10, without the alias documents: the figure earlier runs printed
    const issue10 = [...waits.documents, ...waits['slow reader']];
    tally.add('baseline wait p99 ms', ms(p99(baseline)));
    tally.add('well-behaved reads', all.length);
    tally.add('well-behaved wait p50 ms', ms(median(all)));
    tally.add('well-behaved wait p99 ms', ms(p99(all)));
    for (const [during, list] of Object.entries(waits)) tally.add(`p99 ms during ${during}`, ms(p99(list)));
    console.log(
      `[reliability] hostile: well-behaved client p99 ${p99(all).toFixed(1)} ms under hostile load (${verdict(p99(all), TARGET_P99_MS)}): ` +
        `${p99(whileAliases).toFixed(1)} ms while the alias documents run (${verdict(p99(whileAliases), ALIAS_TARGET_P99_MS)}), ` +
        `${p99(issue10).toFixed(1)} ms under the rest (${verdict(p99(issue10), TARGET_P99_MS)}); ${p99(baseline).toFixed(1)} ms without; ` +
        `load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores`,
    );

    // Refused: alias fan-out and deep variables over HTTP and WebSocket each round, the 101st
    // subscription, and each document of more aliases than the resolver count allows.
    const pastLimit = ALIASES.filter((aliases) => aliases > RESOLVER_COUNT_LIMIT).length * ALIAS_DOCUMENTS;
    expect(tally.rejected).toBe(ROUNDS * 3 + 1 + pastLimit);
    expect(tally.extra['hostile answered']).toBe(ROUNDS * 2 + MAX_SUBSCRIPTIONS_PER_CONNECTION + ALIASES.length * ALIAS_DOCUMENTS - pastLimit);
    // Each alias document: as many getMarks answered as the limit allows, the rest refused beside them.
    const refusals = Object.keys(tally.extra).filter((key) => key.startsWith('alias fields refused'));
    expect(refusals).toEqual(['alias fields refused ResolverCountLimitExceeded']);
    expect(tally.extra['alias fields answered']).toBe(ALIASES.reduce((sum, aliases) => sum + Math.min(aliases, RESOLVER_COUNT_LIMIT), 0) * ALIAS_DOCUMENTS);
    expect(tally.extra['alias fields refused ResolverCountLimitExceeded']).toBe(ALIASES.reduce((sum, aliases) => sum + Math.max(0, aliases - RESOLVER_COUNT_LIMIT), 0) * ALIAS_DOCUMENTS);
    expect(tally.extra['slow readers closed']).toBe(1);
    expect(p99(issue10)).toBeLessThan(GENEROUS_P99_MS);
    // An alias document holds the endpoint for as long as it runs, seconds on a busy machine: no
    // read may wait as long as AppSync's execution limit, whatever the machine.
    expect(Math.max(...whileAliases)).toBeLessThan(APPSYNC_DEFAULT_LIMITS.requestTimeoutMs);
  });
});
