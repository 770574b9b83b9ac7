/**
 * npm run verify and npm run rebuild on the local stack: a seeded store with histories of every
 * event type verifies clean; one view and one snapshot corrupted directly in DynamoDB Local are
 * reported, exactly, by field name and never by value, with a non-zero exit; a rebuild with a
 * changed fold (injected) makes views stale, and the real rebuild, killed and resumed from its
 * checkpoint while commands keep arriving, brings verify back to nothing. Without --endpoint,
 * verify, rebuild and seed act on the stack npm start runs on a data folder (its stack.json,
 * local/stack-file.ts) on whatever port it took, and refuse a folder held by a stack they cannot reach.
 */
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../infra/wiring';
import { rebuildStore } from '../local/ops/rebuild';
import { verifyStore } from '../local/ops/verify';
import type { Evolve } from '../local/ops/check';
import { seed } from '../local/seed';
import { compact, evolve, isLive, type MarkState } from '../resolvers/lib/state';
import { command, entitlementInput, ok, storedView } from './support/marks';
import { startTestStack, type TestStack } from './support/stack';
import { DataFolderInUse, holdStackFile, readRunningStack, stackFileOf } from '../local/stack-file';
import { DEFAULT_PORT } from '../local/stack';

let stack: TestStack;
let dir: string;
const tables = () => ({ marks: stack.env.MARKS_TABLE!, events: stack.env.MARK_EVENTS_TABLE!, snapshots: stack.env.MARK_SNAPSHOTS_TABLE! });
const verify = () => verifyStore({ client: stack.dynamodb, tables: tables(), segments: 3, pageSize: 2 });
const ENTITLED = ['VER 1', 'VER 2', 'VER 3'];
const EVENT_TIME = '2025-06-01T12:00:00.000Z';

/** Runs an ops command line against the stack's tables; resolves with its exit code and output. */
function ops(script: 'verify' | 'rebuild', args: string[], onStart?: (child: ChildProcess) => void): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `local/ops/${script}.ts`, '--endpoint', stack.dynamodbEndpoint, '--table-prefix', stack.tablePrefix, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
    onStart?.(child);
  });
}

/** Runs a tool's command line as a user would (no --endpoint). */
function tool(file: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: REPO_ROOT, env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', MARK_API_URL: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The pid of a process that has exited (what a stack killed with -9 leaves in its file). */
function deadPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', '0']);
    child.on('error', reject);
    child.on('exit', () => resolve(child.pid!));
  });
}

/** An entitled mark through every entitlement event, past a snapshot; eventTime on the first. */
async function entitledHistory(mark: string): Promise<void> {
  await ok(stack, 'createEntitlement', entitlementInput(mark, { eventTime: EVENT_TIME }));
  let version = 1;
  const next = async (name: string, input: Record<string, unknown>) => {
    await ok(stack, name, { mark, expectedVersion: version, ...input });
    version += 1;
  };
  await next('extendEntitlement', { expiryTime: '2099-01-01T00:00:00.000Z' });
  await next('issueDuplicateCertificate', {});
  while (version < 12) {
    await next(version % 2 ? 'changeAddress' : 'changeNominee', version % 2 ? { address: { addLine1: `${version} High Street`, postTown: 'Swansea', postcode: 'SA1 1AA' } } : { nomineeName: `Nominee ${version}` });
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ops-rebuild-'));
  stack = await startTestStack({ label: 'opsverify' });
  await seed({ count: 5, url: stack.graphqlUrl, credentials: stack.iam, concurrency: 2 });
  for (const mark of ENTITLED) await entitledHistory(mark);
  // an available mark locked, unlocked, forgotten and released again
  await ok(stack, 'releaseMark', { mark: 'VER 9', price: 400 });
  await ok(stack, 'lockMark', { mark: 'VER 9', expectedVersion: 1 });
  await ok(stack, 'unlockMark', { mark: 'VER 9', expectedVersion: 2 });
  await ok(stack, 'forgetMark', { mark: 'VER 9', expectedVersion: 3 });
  await ok(stack, 'releaseMark', { mark: 'VER 9', price: 500 });
}, 300_000);

afterAll(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run verify', () => {
  it('finds no difference on a seeded store with histories of every event type', async () => {
    const report = await verify();
    expect(report.differences).toEqual([]);
    expect(report.marks).toBe(5 + ENTITLED.length + 1);
    const cli = await ops('verify', ['--segments', '2']);
    expect(cli.stdout).toContain(`verify: ${report.marks} marks, ${report.events} events, ${report.snapshots} snapshots checked: no difference`);
    expect(cli.code).toBe(0);
  });

  it('reports exactly a corrupted view and a corrupted snapshot, by field name and never by value, and exits non-zero', async () => {
    const secret = 'Corrupted Nominee Name';
    await stack.dynamodb.send(
      new UpdateItemCommand({ TableName: stack.env.MARKS_TABLE, Key: { mark: { S: 'VER 1' } }, UpdateExpression: 'SET entitlement.nomineeName = :n', ExpressionAttributeValues: { ':n': { S: secret } } }),
    );
    await stack.dynamodb.send(
      new UpdateItemCommand({ TableName: stack.env.MARK_SNAPSHOTS_TABLE, Key: { mark: { S: 'VER 2' }, version: { N: '10' } }, UpdateExpression: 'SET price = :p', ExpressionAttributeValues: { ':p': { N: '123456' } } }),
    );
    const report = await verify();
    expect(report.differences).toEqual([
      { mark: 'VER 1', version: 12, item: 'view', field: 'entitlement.nomineeName' },
      { mark: 'VER 2', version: 10, item: 'snapshot', field: 'price' },
    ]);
    const cli = await ops('verify', []);
    expect(cli.code).toBe(1);
    expect(cli.stdout.trim().split('\n')).toEqual([
      'VER 1  v12  view  entitlement.nomineeName',
      'VER 2  v10  snapshot  price',
      expect.stringMatching(/checked: 2 differences in 2 marks$/),
    ]);
    expect(cli.stdout + cli.stderr).not.toContain(secret);
    expect(cli.stdout + cli.stderr).not.toContain('123456');
  });

  it('refuses a bad flag with a clear message and exit status 2', async () => {
    const cli = await ops('verify', ['--segments', 'many']);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('--segments must be a whole number from 1 to 1000, not "many"');
  });
});

describe('npm run rebuild', () => {
  /** A fold as an earlier release might have had it: it kept no eventTime. */
  const evolveWithoutEventTime: Evolve = (state, event) => {
    const next = evolve(state, event);
    return isLive(next) ? compact<MarkState>({ ...next, eventTime: undefined }) : next;
  };

  it('--dry-run lists what would change and writes nothing', async () => {
    const before = await verify();
    const dry = await rebuildStore({ client: stack.dynamodb, tables: tables(), segments: 2, dryRun: true });
    expect(dry.differences).toEqual(before.differences);
    expect(dry.rewritten).toBe(2);
    expect((await verify()).differences).toEqual(before.differences);
  });

  it('with a changed fold, rewrites the views and snapshots it disagrees with (and only those)', async () => {
    const changed = await rebuildStore({ client: stack.dynamodb, tables: tables(), segments: 2, evolve: evolveWithoutEventTime });
    // the three entitled marks had an eventTime; VER 1's and VER 2's corruption is repaired on the way
    expect(changed.rewritten).toBe(ENTITLED.length);
    expect(await verifyStore({ client: stack.dynamodb, tables: tables(), segments: 2, evolve: evolveWithoutEventTime })).toMatchObject({ differences: [] });
    const stale = (await verify()).differences;
    expect(new Set(stale.map((d) => `${d.mark} ${d.field}`))).toEqual(new Set(ENTITLED.map((m) => `${m} eventTime`)));
    // idempotent: a second run finds nothing to write
    expect(await rebuildStore({ client: stack.dynamodb, tables: tables(), segments: 2, evolve: evolveWithoutEventTime })).toMatchObject({ rewritten: 0 });
  });

  it('the real fold, killed and resumed from its checkpoint under concurrent commands, leaves verify with nothing', async () => {
    const checkpoint = join(dir, 'rebuild.json');
    let commands = 0;
    let running = true;
    let conflicts = 0;
    // commands keep landing on the stale marks: each evolves from the view it loaded, so rebuild
    // must redo what they touch, and a command that loaded a view the rebuild then rewrote must
    // fail (ConcurrentModification, as against any other writer) rather than write its stale fold
    const traffic = (async () => {
      while (running) {
        for (const mark of ENTITLED) {
          const view = await storedView(stack, mark);
          const outcome = await command(stack, 'changeNominee', { mark, expectedVersion: view!.version, nomineeName: `Nominee ${commands}` });
          if (outcome.error?.errorType === 'ConcurrentModification') conflicts += 1;
          else expect(outcome.errors).toEqual([]);
          commands += 1;
        }
      }
    })();
    try {
      const args = ['--checkpoint', checkpoint, '--segments', '2', '--page-size', '1'];
      // slow (2 marks a second) so that it is killed part-way, after its checkpoint shows progress
      const killed = await ops('rebuild', [...args, '--rate', '2'], (child) => {
        const poll = setInterval(() => {
          if (!existsSync(checkpoint)) return;
          const saved = JSON.parse(readFileSync(checkpoint, 'utf8')) as { marksDone: number };
          if (saved.marksDone >= 2) {
            clearInterval(poll);
            child.kill('SIGKILL');
          }
        }, 50);
        child.on('exit', () => clearInterval(poll));
      });
      expect(killed.signal).toBe('SIGKILL');
      const saved = JSON.parse(readFileSync(checkpoint, 'utf8')) as { marksDone: number; positions: { done: boolean }[] };
      expect(saved.marksDone).toBeGreaterThanOrEqual(2);
      expect(saved.marksDone).toBeLessThan(5 + ENTITLED.length + 1);

      const resumed = await ops('rebuild', args);
      expect(resumed.stderr).not.toContain('npm run rebuild:');
      expect(resumed.code).toBe(0);
      expect(resumed.stdout).toMatch(new RegExp(`resumed from a checkpoint with ${saved.marksDone} marks already done; \\d+ marks read`));
      const read = Number(/(\d+) marks read/.exec(resumed.stdout)![1]);
      expect(read).toBeLessThan(5 + ENTITLED.length + 1);
      expect(existsSync(checkpoint)).toBe(false);
    } finally {
      running = false;
      await traffic;
    }
    expect(commands).toBeGreaterThan(conflicts);
    // the marks the killed run had not reached were rewritten by the resumed one; what commands
    // touched after their mark was rebuilt evolved from a correct view
    expect((await verify()).differences).toEqual([]);
  });
});

describe('the tools act on the stack that runs (issue 27, part 3)', () => {
  it('verify, rebuild and seed find the stack npm start holds a data folder with, on a port other than 4000', async () => {
    expect(new URL(stack.graphqlUrl).port).not.toBe(String(DEFAULT_PORT));
    const dataDir = join(dir, 'data-running');
    // what npm start does (local/main.ts): take the folder, then say where each part listens
    const lease = holdStackFile(dataDir, false);
    try {
      expect(readRunningStack(dataDir)).toMatchObject({ pid: process.pid, dataDir });
      lease.update({ graphqlUrl: stack.graphqlUrl, dynamodbEndpoint: stack.dynamodbEndpoint, userPoolEndpoint: stack.userPool.endpoint, tablePrefix: stack.tablePrefix });
      // a second npm start on the folder is refused before it opens anything
      writeFileSync(stackFileOf(dataDir), JSON.stringify({ ...readRunningStack(dataDir), pid: process.ppid }));
      expect(() => holdStackFile(dataDir, false)).toThrow(DataFolderInUse);
      const second = await tool('local/main.ts', ['--port', '0', '--in-memory', '--data-dir', dataDir]);
      expect(second.code).toBe(2);
      expect(second.stderr).toContain(`the data folder ${dataDir} is in use by another npm start (pid ${process.ppid}, ${stack.graphqlUrl})`);
      writeFileSync(stackFileOf(dataDir), JSON.stringify({ ...readRunningStack(dataDir), pid: process.pid }));

      const before = await verify();
      const seeded = await tool('local/seed.ts', ['--count', '2', '--concurrency', '1', '--data-dir', dataDir]);
      expect(seeded.stderr).toContain(`seed: the local stack at ${stack.graphqlUrl} (npm start, pid ${process.pid})`);
      expect(seeded.code).toBe(0);
      const released = /released 2 marks, e\.g\. (.+)$/m.exec(seeded.stdout)![1]!.split(', ');
      for (const mark of released) expect(await storedView(stack, mark)).toMatchObject({ status: 'MARK_AVAILABLE', version: 1 });

      // no --endpoint and no --table-prefix: both come from the running stack's file
      const verified = await tool('local/ops/verify.ts', ['--data-dir', dataDir]);
      expect(verified.stderr).toContain(`verify: the running local stack's DynamoDB on ${stack.dynamodbEndpoint} (npm start, pid ${process.pid})`);
      expect(verified.stdout).toContain(`verify: ${before.marks + 2} marks,`);
      expect(verified.code).toBe(0);
      const rebuilt = await tool('local/ops/rebuild.ts', ['--data-dir', dataDir, '--dry-run']);
      expect(rebuilt.stderr + rebuilt.stdout).toContain(`the running local stack's DynamoDB on ${stack.dynamodbEndpoint}`);
      expect(rebuilt.code).toBe(0);
      // nothing of a second DynamoDB Local was started on the folder
      expect(existsSync(join(dataDir, 'dynamodb'))).toBe(false);
    } finally {
      lease.release();
    }
    expect(existsSync(stackFileOf(dataDir))).toBe(false);
  }, 120_000);

  it('a folder held by a live stack that does not answer is refused with what to do; a dead one\'s file is ignored', async () => {
    const dataDir = join(dir, 'data-hung');
    const lease = holdStackFile(dataDir, false);
    try {
      // a live pid (this test's) whose endpoints are closed ports: hung, or stopping
      lease.update({ graphqlUrl: 'http://127.0.0.1:1/graphql', dynamodbEndpoint: 'http://127.0.0.1:1', tablePrefix: '' });
      const verified = await tool('local/ops/verify.ts', ['--data-dir', dataDir]);
      expect(verified.code).toBe(2);
      expect(verified.stderr).toContain(`the data folder ${dataDir} is in use by npm start (pid ${process.pid}`);
      expect(verified.stderr).toContain(`Stop it (kill ${process.pid}) and run this again`);
      expect(existsSync(join(dataDir, 'dynamodb'))).toBe(false);
      // still starting: it has not said where it listens yet
      writeFileSync(stackFileOf(dataDir), JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString(), dataDir, inMemory: false }));
      const early = await tool('local/seed.ts', ['--count', '1', '--data-dir', dataDir]);
      expect(early.code).toBe(2);
      expect(early.stderr).toContain('is still starting: run this again once it prints "mark-api is running locally"');
      // a stack killed with -9 left its file: ignored, and a new npm start takes the folder over
      writeFileSync(stackFileOf(dataDir), JSON.stringify({ pid: await deadPid(), startedAt: new Date().toISOString(), dataDir, inMemory: false, graphqlUrl: stack.graphqlUrl }));
      expect(readRunningStack(dataDir)).toBeUndefined();
      const none = await tool('local/seed.ts', ['--count', '1', '--data-dir', dataDir]);
      expect(none.code).toBe(2);
      expect(none.stderr).toContain(`no local stack is running on ${dataDir}`);
      holdStackFile(dataDir, false).release();
      expect(existsSync(stackFileOf(dataDir))).toBe(false);
    } finally {
      lease.release();
    }
  }, 120_000);
});
