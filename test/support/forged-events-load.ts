/**
 * The attacker of test/reliability/attacks/forged-events.test.ts (issue 24, part 1), in a Node.js
 * process of its own (bench/job-process.ts, as test/support/hostile-load.ts): a purchaser who runs
 * commands on a mark they may lock, with selections that would publish their answer as an event of
 * another mark: the aliasing command of the issue and its variants. Each answer is counted by what
 * it was: refused (with its errorType) or answered, which would be a forged event on the wire.
 */
import { graphqlClient } from '../../bench/client';
import { forkJobProcess, serveJobs } from '../../bench/job-process';
import { Tally } from './reliability';

export interface ForgeJob {
  graphqlUrl: string;
  /** the attacker's access token (a purchaser of the local pool) */
  token: string;
  /**
   * the mark the attacker acts on, at version 1 (available: anyone signed in may lock it), so that
   * its next event is version 2, the victim's ownership when bought at once: `ownership: version`
   * then matches the owner's personalData channel, which filters on mark and ownership
   */
  attackerMark: string;
  /** the mark whose subscribers the forged events would reach */
  victim: string;
  rounds: number;
}

/**
 * The class of the issue: each a lockMark of the attacker's mark whose answer, published under its
 * response keys, would read as an event of the victim (its commandId is the victim's name).
 */
export const FORGERIES: Record<string, string> = {
  // the issue's command: the published `mark` is the commandId
  issue: 'mutation F($input: LockMarkInput!) { lockMark(input: $input) { mark: commandId ownership: version type version } }',
  inlineFragment: 'mutation F($input: LockMarkInput!) { lockMark(input: $input) { type version ... on MarkEvent { mark: commandId ownership: version } } }',
  namedFragment: 'mutation F($input: LockMarkInput!) { lockMark(input: $input) { ...Forged } } fragment Forged on MarkEvent { mark: commandId ownership: version type version data }',
  // other fields standing in, for the owner's personalData channel (filtered on mark and ownership)
  personalDataChannel:
    'mutation F($input: LockMarkInput!) { lockMark(input: $input) { mark: commandId ownership: version type: __typename version recordedAt personalData: data } }',
  directive: 'mutation F($input: LockMarkInput!) { lockMark(input: $input) { type version ... @include(if: true) { mark: commandId ownership: version } } }',
};

export interface ForgeLoad {
  run(job: ForgeJob): Promise<Tally>;
  stop(): Promise<void>;
}

const FLAG = '--forged-events-load';

export async function startForgeLoad(): Promise<ForgeLoad> {
  const child = await forkJobProcess<ForgeJob>(import.meta.url, FLAG, 'the forged events attacker (test/support/forged-events-load.ts)');
  return { run: async (job) => (await child.run(job)) as Tally, stop: () => child.stop() };
}

async function attack(job: ForgeJob): Promise<Tally> {
  const tally = new Tally('forged events');
  const client = graphqlClient(job.graphqlUrl, { authorization: job.token }, 8);
  try {
    for (let round = 0; round < job.rounds; round++) {
      await Promise.all(
        Object.entries(FORGERIES).map(async ([name, document]) => {
          tally.attempted += 1;
          const answer = await client.raw<{ lockMark: unknown }>(document, { input: { mark: job.attackerMark, expectedVersion: 1, commandId: job.victim } });
          if (answer.data?.lockMark) tally.add(`answered ${name}`);
          else {
            tally.rejected += 1;
            tally.add(`refused ${answer.errors?.[0]?.errorType ?? 'without errorType'}`);
          }
        }),
      );
    }
  } finally {
    client.close();
  }
  return tally;
}

serveJobs<ForgeJob>(FLAG, attack);
