/**
 * bench/job-process.ts, the fork of the benchmarks' load generator and of the reliability suite's
 * attacker: a job's output or error comes back to the parent, a child that dies fails the job that
 * waited on it, and a stopped or abandoned child leaves no process behind.
 */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobProcess } from '../bench/job-process';
import { startJobChild, type ChildJob } from './fixtures/job-child';

const started: JobProcess<ChildJob>[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((child) => child.stop()));
});

async function child(): Promise<JobProcess<ChildJob>> {
  const forked = await startJobChild();
  started.push(forked);
  return forked;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function gone(pid: number, withinMs = 10_000): Promise<boolean> {
  for (const deadline = Date.now() + withinMs; Date.now() < deadline; ) {
    if (!alive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return !alive(pid);
}

describe('a job process', () => {
  it('answers each job with its own output, several at once', async () => {
    const forked = await child();
    const [slow, quick] = await Promise.all([forked.run({ kind: 'wait', ms: 300 }), forked.run({ kind: 'echo', value: { big: 2n, list: [1, 2] } })]);
    expect(slow).toBe(300);
    expect(quick).toEqual({ big: 2n, list: [1, 2] });
  });

  it("fails the job with the child's error, names the child, and keeps serving", async () => {
    const forked = await child();
    await expect(forked.run({ kind: 'fail', message: 'no such mark' })).rejects.toThrow(/^the job child \(test\/fixtures\/job-child\.ts\): Error: no such mark\n\s+at /);
    expect(await forked.run({ kind: 'echo', value: 'still here' })).toBe('still here');
  });

  it('fails the job a dying child was running, and every later one, with its exit code', async () => {
    const forked = await child();
    await expect(forked.run({ kind: 'exit', code: 3 })).rejects.toThrow('the job child (test/fixtures/job-child.ts) exited during a job (exit code 3, signal null)');
    await expect(forked.run({ kind: 'echo', value: 1 })).rejects.toThrow('exited before the request (exit code 3');
  });

  it('stops: the child process is gone', async () => {
    const forked = await child();
    const { pid } = (await forked.run({ kind: 'pids' })) as { pid: number };
    expect(alive(pid)).toBe(true);
    await forked.stop();
    expect(alive(pid)).toBe(false);
  });

  it('leaves no child behind when its parent is killed', async () => {
    // a parent of its own, killed with SIGKILL (no cleanup of its own runs) once its child answered
    const parent = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/job-child.ts', '--parent'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      parent.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString()));
      parent.once('exit', (code) => reject(new Error(`the parent exited (${code}) before its child answered`)));
    });
    const { pid, ppid } = JSON.parse(line) as { pid: number; ppid: number };
    expect(ppid).toBe(parent.pid);
    parent.kill('SIGKILL');
    expect(await gone(pid)).toBe(true);
  });
});
