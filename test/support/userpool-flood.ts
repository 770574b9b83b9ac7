/**
 * The flood of test/reliability/attacks/userpool-flood.test.ts, in a Node.js process of its own
 * (bench/job-process.ts, as test/support/hostile-load.ts): the test's process holds the local user
 * pool and the well-behaved client only, so the client's wait is what the pool makes it wait.
 *
 * Three loops, each with `concurrency` requests under way, over the user pool's own API as a
 * script would send it (raw HTTP, keep-alive), from a loopback address of its own (127.0.0.2:
 * another machine, as far as the pool can tell): USER_SRP_AUTH with a 240 KB USERNAME, USER_SRP_AUTH
 * starts for made-up names, and USER_PASSWORD_AUTH with wrong passwords for a real user. Each
 * answer is counted by its __type.
 */
import { Agent, request } from 'node:http';
import { forkJobProcess, serveJobs } from '../../bench/job-process';

export type FloodJob =
  | { kind: 'flood'; endpoint: string; clientId: string; target: string; concurrency: number; localAddress: string }
  | { kind: 'stop' };

export interface FloodOutput {
  /** answers by __type (or "ok"), per loop */
  answers: Record<string, Record<string, number>>;
  requests: number;
  seconds: number;
}

const FLAG = '--userpool-flood';

export interface UserPoolFlood {
  /** starts the flood; resolves with its counts once stopped */
  start(job: Extract<FloodJob, { kind: 'flood' }>): Promise<FloodOutput>;
  stop(): Promise<void>;
  close(): Promise<void>;
}

export async function startUserPoolFlood(): Promise<UserPoolFlood> {
  const child = await forkJobProcess<FloodJob>(import.meta.url, FLAG, 'the user pool flood process (test/support/userpool-flood.ts)');
  return {
    start: async (job) => (await child.run(job)) as FloodOutput,
    stop: async () => void (await child.run({ kind: 'stop' })),
    close: () => child.stop(),
  };
}

// ---------------------------------------------------------------------------------------------
// The flood's process.

let stopping = false;

function post(agent: Agent, endpoint: string, localAddress: string, operation: string, body: string): Promise<string> {
  return new Promise((resolve) => {
    const req = request(endpoint, { method: 'POST', agent, localAddress, headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${operation}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve(res.statusCode === 200 ? 'ok' : ((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { __type?: string }).__type ?? `HTTP ${res.statusCode}`));
        } catch {
          resolve(`HTTP ${res.statusCode}`);
        }
      });
    });
    req.on('error', (err) => resolve(`error ${(err as NodeJS.ErrnoException).code ?? err.message}`));
    req.end(body);
  });
}

async function flood(job: Extract<FloodJob, { kind: 'flood' }>): Promise<FloodOutput> {
  stopping = false;
  const agent = new Agent({ keepAlive: true, maxSockets: job.concurrency * 3 });
  const started = performance.now();
  const answers: FloodOutput['answers'] = { 'long names': {}, 'SRP starts': {}, 'wrong passwords': {} };
  let requests = 0;
  const longName = 'x'.repeat(240_000);
  const srpA = (2n ** 2000n + 12345n).toString(16);
  let n = 0;
  const bodies: Record<string, () => [string, string]> = {
    'long names': () => ['InitiateAuth', JSON.stringify({ ClientId: job.clientId, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: longName, SRP_A: srpA } })],
    'SRP starts': () => ['InitiateAuth', JSON.stringify({ ClientId: job.clientId, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: `someone-${n++}`, SRP_A: srpA } })],
    'wrong passwords': () => ['InitiateAuth', JSON.stringify({ ClientId: job.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: job.target, PASSWORD: `Wrong-Password-${n++}` } })],
  };
  const loop = async (name: string) => {
    while (!stopping) {
      const [operation, body] = bodies[name]();
      const answer = await post(agent, job.endpoint, job.localAddress, operation, body);
      answers[name][answer] = (answers[name][answer] ?? 0) + 1;
      requests += 1;
    }
  };
  await Promise.all(Object.keys(bodies).flatMap((name) => Array.from({ length: job.concurrency }, () => loop(name))));
  agent.destroy();
  return { answers, requests, seconds: (performance.now() - started) / 1000 };
}

serveJobs<FloodJob>(FLAG, async (job) => {
  if (job.kind === 'stop') {
    stopping = true;
    return {};
  }
  return flood(job);
});
