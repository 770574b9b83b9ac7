/**
 * The attacker and the ordinary writers of the reliability file test/reliability/hostile.test.ts,
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
  | { kind: 'writes'; count: number };

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
  }
  return { tally, acknowledged };
}

serveJobs<HostileJob>(FLAG, handle);
