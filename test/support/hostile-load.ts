/**
 * The attackers of the reliability files under test/reliability/attacks/ (hostile.test.ts and issue 24's),
 * in a Node.js process of their own (forked by bench/job-process.ts, as the benchmarks' load
 * generator is): the test's process holds the endpoint and the well-behaved client only, so the
 * client's wait is what the endpoint makes it wait, not the attacker's own CPU time (building
 * documents, parsing megabyte answers, the 100 subscriptions of the slow reader) queued in the
 * same event loop (issue 20, part 3).
 *
 * The test hands it one job per phase; each job answers with its tally (test/support/reliability.ts)
 * and the events its writes were acknowledged with, for the test's check that none was lost. Its
 * connections live from the `connect` job until the process ends.
 */
import { authHeader, connectRealtime, MAX_SUBSCRIPTIONS_PER_CONNECTION, type RealtimeClient } from 'appsync-local';
import { graphqlClient, type GraphQLAnswer, type GraphQLClient } from '../../bench/client';
import { forkJobProcess, serveJobs } from '../../bench/job-process';
import { aliasedGetMarks, aliasFanOutQuery, deepVariablesBody, fragmentChainQuery, fragmentChainSubscription } from './hostile';
import { freshMark } from './marks';
import { Tally, type Acknowledged } from './reliability';

/** Where the endpoint listens and who the attacker is: staff (the slow reader selects MarkEvent.data, which is not the API key's). */
export interface HostileTarget {
  graphqlUrl: string;
  realtimeUrl: string;
  apiKey: string;
  /** a staff user's access token */
  staffToken: string;
}

export type HostileJob =
  /** opens the subscriber's and the slow reader's real-time connections */
  | { kind: 'connect'; target: HostileTarget }
  /**
   * `rounds` rounds, each at once: fragment fan-out (2^30 spreads) over HTTP and as a
   * subscription, alias fan-out, variables nested 100,000 deep over HTTP and as a subscription,
   * and 10 writes
   */
  | { kind: 'documents'; mark: string; rounds: number }
  /** the slow reader's connection: its quota of subscriptions to every event, then one more */
  | { kind: 'oversubscribe' }
  /** `documents` documents of `aliases` aliases of getMark(mark), one after another */
  | { kind: 'aliases'; mark: string; aliases: number; documents: number }
  /** the slow reader stops reading its socket */
  | { kind: 'stop reading' }
  /** `count` writes at once */
  | { kind: 'writes'; count: number }
  /**
   * Issue 24, part 2: raw bytes to every port — the named malformed inputs, then `runs` composed by
   * fast-check — and after each, a well-formed request to every port, which must be answered
   */
  | { kind: 'raw'; ports: RawPort[]; runs: number }
  /** Issue 24, part 3: one connection with the public API key sends starts of a 10 KB subscription, each stopped at once, for `ms` */
  | { kind: 'start flood'; ms: number }
  /** Issue 24, part 4: `count` documents of one costly kind, each of new text, over HTTP and as starts */
  | { kind: 'costly'; document: CostlyKind; count: number };

/** A port of the stack and the path it answers a well-formed GET on. */
export interface RawPort {
  name: string;
  port: number;
  path: string;
}

/** Documents whose cost graphql-js's validation would set (issue 24, part 4). */
export const COSTLY_KINDS = [
  // the issue's documents: the first past the fields sharing a response name, the others past the token limit
  '600 identical fields',
  '5,000 aliases',
  '10,000 variable definitions',
  '20,000 directives',
  '20,000 tokens',
  // each local safeguard alone, within the token limit
  '1,200 aliases',
  '300 variable definitions',
  '300 directives',
] as const;
export type CostlyKind = (typeof COSTLY_KINDS)[number];

export interface HostileOutput {
  tally: Tally;
  acknowledged: Acknowledged[];
}

export interface HostileLoad {
  run(job: HostileJob): Promise<HostileOutput>;
  stop(): Promise<void>;
}

const FLAG = '--hostile-load';

/** Forks the attacker's process. */
export async function startHostileLoad(): Promise<HostileLoad> {
  const child = await forkJobProcess<HostileJob>(import.meta.url, FLAG, 'the hostile load process (test/support/hostile-load.ts)');
  return {
    run: async (job) => (await child.run(job)) as HostileOutput,
    stop: () => child.stop(),
  };
}

// ---------------------------------------------------------------------------------------------
// The attacker's process.

interface Session {
  target: HostileTarget;
  host: string;
  staff: GraphQLClient;
  public: GraphQLClient;
  subscriber: RealtimeClient;
  slow: RealtimeClient;
}

let session: Session | undefined;
let writes = 0;

const RELEASE_MARK = 'mutation M($input: ReleaseMarkInput!) { releaseMark(input: $input) { mark version type commandId } }';

async function connect(target: HostileTarget): Promise<Session> {
  const realtime = async () => {
    const client = await connectRealtime({ url: target.realtimeUrl, apiKey: target.apiKey, authorization: { Authorization: target.staffToken } });
    await client.init();
    return client;
  };
  return {
    target,
    host: new URL(target.realtimeUrl).host,
    staff: graphqlClient(target.graphqlUrl, { authorization: target.staffToken }, 64),
    public: graphqlClient(target.graphqlUrl, target.apiKey, 16),
    subscriber: await realtime(),
    slow: await realtime(),
  };
}

function counted(tally: Tally, acknowledged: Acknowledged[], s: Session) {
  /** One hostile operation: counted as rejected when refused with an error, answered otherwise. */
  const attempt = async (run: () => Promise<boolean>) => {
    tally.attempted += 1;
    if (await run()) tally.add('hostile answered');
    else tally.rejected += 1;
  };
  const write = async () => {
    tally.attempted += 1;
    writes += 1;
    const answer = await s.staff.raw<{ releaseMark: Acknowledged }>(RELEASE_MARK, { input: { mark: freshMark('HW'), price: 7, commandId: `hw-${writes}` } });
    if (answer.data?.releaseMark) {
      tally.acknowledged += 1;
      acknowledged.push(answer.data.releaseMark);
    } else {
      tally.rejected += 1;
    }
  };
  return { attempt, write };
}

/** What an aliases document was answered with: each alias's value or its error, counted. */
function countAliases(tally: Tally, mark: string, answer: GraphQLAnswer<Record<string, { mark: string } | null>>): void {
  for (const value of Object.values(answer.data ?? {})) if (value?.mark === mark) tally.add('alias fields answered');
  for (const error of answer.errors ?? []) tally.add(`alias fields refused ${error.errorType ?? error.message}`);
}

async function handle(job: HostileJob): Promise<HostileOutput> {
  const tally = new Tally('hostile load');
  const acknowledged: Acknowledged[] = [];
  if (job.kind === 'connect') {
    session = await connect(job.target);
    return { tally, acknowledged };
  }
  const s = session;
  if (!s) throw new Error(`job ${job.kind} before connect`);
  const { attempt, write } = counted(tally, acknowledged, s);
  switch (job.kind) {
    case 'documents': {
      const { mark } = job;
      for (let round = 0; round < job.rounds; round++) {
        await Promise.all([
          attempt(async () => !(await s.staff.raw(fragmentChainQuery(mark))).errors),
          attempt(async () => !(await s.staff.raw(aliasFanOutQuery(40))).errors),
          attempt(async () => !(await s.public.post(deepVariablesBody(`query { getMark(mark: "${mark}") { mark } }`, 100_000))).errors),
          attempt(async () => (await s.subscriber.start(`chain${round}`, fragmentChainSubscription(mark))).type === 'start_ack'),
          attempt(async () => {
            s.subscriber.send({
              id: `deep${round}`,
              type: 'start',
              payload: {
                data: deepVariablesBody('subscription On($deep: ID) { onMarkEvent(mark: $deep) { mark } }', 100_000),
                extensions: { authorization: authHeader(s.target.apiKey, s.host) },
              },
            });
            return (await s.subscriber.next((m) => m.id === `deep${round}`)).type === 'start_ack';
          }),
          ...Array.from({ length: 10 }, () => write()),
        ]);
      }
      break;
    }
    case 'oversubscribe':
      for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_CONNECTION + 1; i++) {
        await attempt(async () => (await s.slow.start(`s${i}`, 'subscription { onMarkEvent { mark version type recordedAt commandId data } }')).type === 'start_ack');
      }
      break;
    case 'aliases': {
      const document = aliasedGetMarks(job.aliases);
      for (let i = 0; i < job.documents; i++) {
        await attempt(async () => {
          const answer = await s.staff.raw<Record<string, { mark: string } | null>>(document, { mark: job.mark });
          countAliases(tally, job.mark, answer);
          return !answer.errors;
        });
      }
      break;
    }
    case 'stop reading':
      // ws keeps its net.Socket private; pausing it stops reading, so the endpoint's send buffer fills
      (s.slow.socket as unknown as { _socket: { pause(): void } })._socket.pause();
      break;
    case 'writes':
      await Promise.all(Array.from({ length: job.count }, () => write()));
      break;
    case 'raw':
      await rawFuzz(tally, job.ports, job.runs);
      break;
    case 'start flood':
      await startFlood(tally, s, job.ms);
      break;
    case 'costly':
      await costly(tally, s, job.document, job.count);
      break;
  }
  return { tally, acknowledged };
}

/** The document of a costly kind, its text new each time (`n`), as a query or a subscription. */
export function costlyDocument(kind: CostlyKind, n: number, operation: 'query' | 'subscription'): string {
  const field = operation === 'query' ? 'getMark(mark: "AB 1")' : 'onMarkEvent(mark: "AB 1")';
  const list = (count: number, item: (i: number) => string) => Array.from({ length: count }, (_, i) => item(i)).join(' ');
  switch (kind) {
    case '600 identical fields':
      return `${operation} N${n} { ${field} { ${list(600, () => 'mark')} } ${list(operation === 'query' ? 599 : 0, () => `${field} { mark }`)} }`;
    case '5,000 aliases':
      return `${operation} N${n} { ${field} { ${list(5_000, (i) => `a${i}: mark`)} } }`;
    case '10,000 variable definitions':
      return `${operation} N${n}(${list(10_000, (i) => `$v${i}: ID`)}) { ${field} { mark } }`;
    case '20,000 directives':
      // as a start, a directive short enough for 20,000 to fit a real-time message (240 kB)
      return `${operation} N${n} { ${field} { mark ${list(20_000, () => (operation === 'query' ? '@include(if: true)' : '@d'))} } }`;
    case '20,000 tokens':
      return `${operation} N${n} { ${field} { ${list(20_000, () => 'mark')} } }`;
    case '1,200 aliases':
      return `${operation} N${n} { ${field} { ${list(1_200, (i) => `a${i}: mark`)} } }`;
    case '300 variable definitions':
      return `${operation} N${n}(${list(300, (i) => `$v${i}: ID`)}) { ${field} { mark } }`;
    case '300 directives':
      return `${operation} N${n} { ${field} { mark ${list(300, () => '@include(if: true)')} } }`;
  }
}

/** A 10 KB subscription a public client may start (issue 24, part 3): the public fields of one mark's events, under aliases. */
export const TEN_KB_SUBSCRIPTION = `subscription Flood { onMarkEvent(mark: "AB 1") { ${Array.from({ length: 850 }, (_, i) => `f${i}: ${['mark', 'version', 'type', 'recordedAt'][i % 4]}`).join(' ')} } }`;

async function rawFuzz(tally: Tally, ports: RawPort[], runs: number): Promise<void> {
  const { MALFORMED_INPUTS, rawInputs, sendRaw, answersAt } = await import('../../packages/appsync-local/test/support/raw-requests');
  const { default: fc } = await import('fast-check');
  const one = async (bytes: Buffer) => {
    tally.attempted += ports.length;
    await Promise.all(ports.map((p) => sendRaw(p.port, bytes, 300)));
    // every port answers a well-formed request after it
    await Promise.all(
      ports.map(async (p) => {
        try {
          await answersAt(p.port, p.path);
          tally.add('ports answering after an input');
        } catch (error) {
          throw new Error(`${p.name} (port ${p.port}) stopped answering after ${JSON.stringify(bytes.subarray(0, 80).toString('latin1'))}: ${(error as Error).message}`);
        }
      }),
    );
    tally.add('raw inputs sent');
  };
  for (const input of MALFORMED_INPUTS) await one(input.bytes);
  for (const input of fc.sample(rawInputs, { numRuns: runs, seed: 24 })) await one(input.bytes);
}

async function startFlood(tally: Tally, s: Session, ms: number): Promise<void> {
  const client = await connectRealtime({ url: s.target.realtimeUrl, apiKey: s.target.apiKey });
  try {
    await client.init();
    const until = Date.now() + ms;
    let sent = 0;
    client.socket.on('message', (raw) => {
      const message = JSON.parse(String(raw)) as { type: string; payload?: { errors?: Array<{ errorType?: string }> } };
      if (message.type === 'start_ack') tally.add('flood starts acknowledged');
      if (message.type === 'complete') tally.add('flood stops completed');
      if (message.type === 'error') tally.add(`flood starts refused ${message.payload?.errors?.[0]?.errorType ?? 'other'}`);
    });
    const data = JSON.stringify({ query: TEN_KB_SUBSCRIPTION, variables: {} });
    const authorization = authHeader(s.target.apiKey, s.host);
    while (Date.now() < until) {
      // as fast as the socket takes them: 50 start + stop pairs, then a turn of this process's loop
      for (let i = 0; i < 50; i++, sent++) {
        client.send({ id: `flood${sent}`, type: 'start', payload: { data, extensions: { authorization } } });
        client.send({ id: `flood${sent}`, type: 'stop' });
      }
      tally.attempted += 50;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    tally.add('flood starts sent', sent);
    // the last stop answered: the endpoint went through the whole flood
    await client.next((m) => m.id === `flood${sent - 1}` && m.type === 'complete', 60_000);
  } finally {
    await client.close();
  }
}

async function costly(tally: Tally, s: Session, kind: CostlyKind, count: number): Promise<void> {
  for (let n = 0; n < count; n++) {
    const unique = Date.now() * 1000 + n;
    tally.attempted += 2;
    tally.add(`costly queries ${await refusalOf(s.public, costlyDocument(kind, unique, 'query'))}`);
    const started = await s.subscriber.start(`costly${unique}`, costlyDocument(kind, unique, 'subscription'));
    const error = (started.payload as { errors?: Array<{ message: string }> } | undefined)?.errors?.[0];
    tally.add(`costly starts ${started.type === 'error' ? refusalKind(error?.message ?? '') : started.type}`);
  }
  tally.rejected = (tally.extra['costly queries QueryTooLarge'] ?? 0) + (tally.extra['costly queries MalformedHttpRequestException'] ?? 0) + (tally.extra['costly starts QueryTooLarge'] ?? 0) + (tally.extra['costly starts Syntax Error'] ?? 0);
}

/** "QueryTooLarge" of "Validation error of type QueryTooLarge: …", "Syntax Error" of "Syntax Error: …" */
const refusalKind = (message: string) => /^Validation error of type (\w+):/.exec(message)?.[1] ?? message.split(':')[0]!;

/** How the endpoint refused a query: the kind of its error, its HTTP refusal's errorType, or "not refused". */
async function refusalOf(client: GraphQLClient, query: string): Promise<string> {
  try {
    const answer = await client.raw(query);
    return answer.errors?.length ? refusalKind(answer.errors[0]!.message) : 'not refused';
  } catch (error) {
    const refused = /^endpoint answered (\d+): (.*)$/s.exec((error as Error).message);
    if (!refused) throw error;
    return (JSON.parse(refused[2]!) as { errors: Array<{ errorType: string }> }).errors[0]!.errorType;
  }
}

serveJobs<HostileJob>(FLAG, handle);
