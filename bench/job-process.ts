/**
 * A Node.js process of its own that runs jobs for the process that forked it: the one home of the
 * fork and its IPC, for the benchmarks' load generator (bench/load-generator.ts) and the reliability
 * suite's attacker (test/support/hostile-load.ts).
 *
 * Both measure an endpoint that runs in the parent: the clients that load it run in the child, so
 * that their CPU time (building documents, serialising requests, parsing answers) does not queue in
 * the endpoint's event loop and count as the endpoint's latency.
 *
 * A module forks itself with forkJobProcess(import.meta.url, flag) and, at its top level, calls
 * serveJobs(flag, handle): started with that flag, it runs each job the parent sends with `handle`
 * and sends back its output (structured clone). The child leaves when the parent disconnects or
 * goes away, so a failed test or benchmark leaves no process behind.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/** The machine's clock, comparable across threads and processes (performance.timeOrigin + now()). */
export const clock = () => performance.timeOrigin + performance.now();

type ToChild = { type: 'job'; id: number; job: unknown } | { type: 'ping'; id: number };
type FromChild =
  | { type: 'result'; id: number; output: unknown }
  | { type: 'failed'; id: number; error: string }
  | { type: 'progress'; id: number; line: string }
  | { type: 'pong'; id: number; clock: number };
type Exit = { type: 'exit'; code: number | null; signal: NodeJS.Signals | null };

export interface JobProcess<Job> {
  /** runs one job in the child; rejects with the child's error (its stack) or when the child exits during it */
  run(job: Job, onProgress?: (line: string) => void): Promise<unknown>;
  /**
   * This process's clock minus the child's (ms), estimated from the quickest of `samples` IPC
   * round trips (exact to within half of it, `rttMs`): what separates timestamps taken here from
   * timestamps taken there.
   */
  clockOffset(samples?: number): Promise<{ offsetMs: number; rttMs: number }>;
  /** disconnects (the child exits), SIGKILL if it has not within 5 s; resolves once it has exited */
  stop(): Promise<void>;
}

/**
 * Forks `moduleUrl` (an import.meta.url) with `flag` as its argument, under this process's
 * TypeScript loader (tsx); `name` names the child in errors.
 */
export async function forkJobProcess<Job>(moduleUrl: string, flag: string, name: string): Promise<JobProcess<Job>> {
  // The parent's execArgv carries the TypeScript loader (tsx); without one, ask for tsx.
  const execArgv = process.execArgv.some((a) => a.includes('tsx')) ? process.execArgv : [...process.execArgv, '--import', 'tsx'];
  const child: ChildProcess = fork(fileURLToPath(moduleUrl), [flag], { execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let exit: Exit | undefined;
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve((exit = { type: 'exit', code, signal }))));
  const waiting = new Set<(m: FromChild | Exit) => void>();
  child.on('message', (m: FromChild) => {
    for (const w of [...waiting]) w(m);
  });
  void exited.then((m) => {
    for (const w of [...waiting]) w(m);
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const exitedError = (m: Exit, during: string) => new Error(`${name} exited ${during} (exit code ${m.code}, signal ${m.signal}); its stderr is above`);
  // a message to a child that has gone would throw, or wait forever for an answer
  const send = (message: ToChild, reject: (error: Error) => void) => {
    if (exit) return reject(exitedError(exit, 'before the request'));
    child.send(message, (error) => error && reject(new Error(`${name}: could not send to it: ${error.message}`)));
  };
  let pings = 0;
  let jobs = 0;
  const ping = () =>
    new Promise<{ sent: number; received: number; child: number }>((resolve, reject) => {
      const id = ++pings;
      const sent = clock();
      const on = (m: FromChild | Exit) => {
        if (m.type === 'exit') return reject(exitedError(m, 'during a ping'));
        if (m.type !== 'pong' || m.id !== id) return;
        waiting.delete(on);
        resolve({ sent, received: clock(), child: m.clock });
      };
      waiting.add(on);
      send({ type: 'ping', id }, reject);
    });
  return {
    run(job, onProgress) {
      return new Promise<unknown>((resolve, reject) => {
        const id = ++jobs;
        const on = (m: FromChild | Exit) => {
          if (m.type !== 'exit' && (m.type === 'pong' || m.id !== id)) return;
          if (m.type === 'progress') return onProgress?.(m.line);
          waiting.delete(on);
          if (m.type === 'result') resolve(m.output);
          else if (m.type === 'failed') reject(new Error(`${name}: ${m.error}`));
          else reject(exitedError(m, 'during a job'));
        };
        waiting.add(on);
        send({ type: 'job', id, job }, (error) => {
          waiting.delete(on);
          reject(error);
        });
      });
    },
    async clockOffset(samples = 50) {
      let best = { offsetMs: 0, rttMs: Infinity };
      for (let i = 0; i < samples; i++) {
        const p = await ping();
        const rtt = p.received - p.sent;
        if (rtt < best.rttMs) best = { offsetMs: (p.sent + p.received) / 2 - p.child, rttMs: rtt };
      }
      return best;
    },
    async stop() {
      if (exit) return;
      if (child.connected) child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * In the forked module: when this process was started with `flag` by forkJobProcess, runs each job
 * the parent sends with `handle` (several may run at once: each answers when it ends) and sends
 * back its output, or its error. Does nothing otherwise, so the module can also be imported.
 */
export function serveJobs<Job>(flag: string, handle: (job: Job, progress: (line: string) => void) => Promise<unknown>): void {
  if (process.argv[2] !== flag || !process.send) return;
  const send = (m: FromChild) => process.send!(m);
  // the process that forked this one has gone: so does its load
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: ToChild) => {
    if (m.type === 'ping') return send({ type: 'pong', id: m.id, clock: clock() });
    const { id } = m;
    handle(m.job as Job, (line) => send({ type: 'progress', id, line })).then(
      (output) => send({ type: 'result', id, output }),
      (error: unknown) => send({ type: 'failed', id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
  });
}
