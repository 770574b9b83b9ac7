/**
 * kill -9 under load: a steady stream of mutations through the API while the pollers (a child
 * process) and DynamoDB Local (a Java child, persisting to a temporary folder) are killed with
 * SIGKILL and started again. Every command carries a commandId and is retried until it gets an
 * answer, as a client would. Afterwards: every acknowledged mutation has its event in MarkEvents
 * (lost = 0), each stream is contiguous with view == fold(events), and once the pipeline has
 * drained the archive holds exactly one object per event, equal to it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { eventKey } from '../../functions/archive/keys';
import { fold } from '../../resolvers/lib/state';
import { startDynamoDbLocal, type DynamoDbLocal } from 'appsync-local';
import { startKinesalite, type Kinesalite } from '../../local/services/kinesalite';
import { s3Client, startS3rver, type LocalS3 } from '../../local/services/s3rver';
import { startTestStack, type TestStack } from '../support/stack';
import { command, entitlementInput, storedEvents, storedView } from '../support/marks';
import { listKeys, readArchive, scanAll } from '../support/pipeline-fixtures';
import { Tally, missingAcknowledged, type Acknowledged } from '../support/reliability';

const WORKERS = 12;
const STREAM = 'crash-events';
const BUCKET = 'crash-archive';
const DOMAIN_ERRORS = new Set(['ConcurrentModification', 'MarkNotFound', 'MarkAlreadyExists', 'MarkNotAvailable', 'MarkLocked', 'ValidationError']);

let dataDir: string;
let dynamodb: DynamoDbLocal;
let kinesalite: Kinesalite;
let s3server: LocalS3;
let s3: S3Client;
let stack: TestStack;
const children: ChildProcess[] = [];
const tally = new Tally('crash');
const acknowledged: Acknowledged[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'reliability-crash-'));
  [dynamodb, kinesalite, s3server] = await Promise.all([
    startDynamoDbLocal({ dataDir: join(dataDir, 'dynamodb') }),
    startKinesalite({ inMemory: true, streamName: STREAM }),
    startS3rver({ directory: join(dataDir, 's3'), bucket: BUCKET }),
  ]);
  s3 = s3Client(s3server.endpoint);
  stack = await startTestStack({ label: 'relcrash', dynamodbEndpoint: dynamodb.endpoint });
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  tally.print();
  s3?.destroy();
  await stack?.stop().catch(() => {});
  await kinesalite?.stop();
  await s3server?.stop();
  await dynamodb?.stop();
  if (!process.env.KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
});

/** The pollers in a process of their own (test/fixtures/pipeline-child.ts), printing "ready". */
function startPollers() {
  const config = {
    dynamodbEndpoint: dynamodb.endpoint,
    env: stack.env,
    dataDir: join(dataDir, 'pipeline'),
    kinesis: { endpoint: kinesalite.endpoint, streamName: STREAM },
    s3: { endpoint: s3server.endpoint, bucket: BUCKET },
    batchSize: { relay: 25, eraser: 100, archive: 25 },
    pollIntervalMs: 50,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/pipeline-child.ts', JSON.stringify(config)], {
    cwd: join(import.meta.dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    const check = () => (output.split('\n').includes('ready') ? resolve() : undefined);
    child.stdout!.on('data', check);
    exited.then(() => reject(new Error(`pollers exited before ready:\n${output}`)));
  });
  return { child, ready, exited, output: () => output };
}

async function kill(child: ChildProcess, exited: Promise<void>) {
  child.kill('SIGKILL');
  await exited;
  expect(child.signalCode).toBe('SIGKILL');
  tally.add('kills');
}

/** DynamoDB Local again, on the same port and data folder (the port may linger a moment). */
async function restartDynamoDb(): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      dynamodb = await startDynamoDbLocal({ dataDir: join(dataDir, 'dynamodb'), port: dynamodb.port });
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

async function killDynamoDb(): Promise<void> {
  const pid = dynamodb.pid;
  process.kill(pid, 'SIGKILL');
  // gone when signal 0 fails
  await expect.poll(() => { try { process.kill(pid, 0); return true; } catch { return false; } }, { timeout: 10_000, interval: 50 }).toBe(false);
  tally.add('kills');
}

/**
 * A client's loop on one mark: create it, then change it command after command, each with a
 * commandId of its own, resent unchanged until an answer comes (an outage gives errors that are
 * not domain errors). A domain error would mean a retry was not recognised: it is recorded.
 */
function worker(index: number, running: () => boolean, unexpected: string[]) {
  const mark = `K${index} ${process.pid % 1000}`;
  const available = index % 2 === 0;
  let version = 0;
  let n = 0;
  const next = (): { name: string; input: Record<string, unknown> } => {
    n += 1;
    const commandId = `w${index}-${n}`;
    if (version === 0) {
      return available
        ? { name: 'releaseMark', input: { mark, price: index, commandId } }
        : { name: 'createEntitlement', input: { ...entitlementInput(mark), commandId } };
    }
    const common = { mark, expectedVersion: version, commandId };
    if (available) return version % 2 === 1 ? { name: 'lockMark', input: common } : { name: 'unlockMark', input: common };
    return version % 2 === 1
      ? { name: 'changeNominee', input: { ...common, nomineeName: `Nominee ${n}` } }
      : { name: 'changeAddress', input: { ...common, address: { addLine1: `${n} Kill Street`, postTown: 'Leeds', postcode: 'LS1 1AA' } } };
  };
  return (async () => {
    while (running()) {
      const { name, input } = next();
      for (let attempt = 0; ; attempt += 1) {
        tally.attempted += 1;
        if (attempt > 0) tally.add('retries');
        const outcome = await command(stack, name, input).catch((err: Error) => ({ data: null, error: { message: String(err), errorType: 'Network' }, errors: [] }));
        if (outcome.data) {
          tally.acknowledged += 1;
          acknowledged.push({ mark, version: outcome.data.version, type: outcome.data.type, commandId: outcome.data.commandId });
          expect(outcome.data.version).toBe(version + 1);
          version = outcome.data.version;
          break;
        }
        if (outcome.error && DOMAIN_ERRORS.has(outcome.error.errorType ?? '')) {
          unexpected.push(`${name} ${JSON.stringify(input)} attempt ${attempt}: ${outcome.error.errorType} ${outcome.error.message}`);
          return mark;
        }
        tally.add('transientErrors');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return mark;
  })();
}

async function acknowledgedAtLeast(count: number, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (tally.acknowledged < count) {
    if (Date.now() > deadline) throw new Error(`load stalled at ${tally.acknowledged} acknowledged (waiting for ${count})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('kill -9 of the pollers and DynamoDB Local mid-load: nothing acknowledged is lost, the archive converges', async () => {
  let pollers = startPollers();
  await pollers.ready;
  let running = true;
  const unexpected: string[] = [];
  const load = Promise.all(Array.from({ length: WORKERS }, (_, i) => worker(i, () => running, unexpected)));

  try {
    // 1. Both die in the middle of the load: the pollers first, then DynamoDB Local.
    await acknowledgedAtLeast(150);
    await kill(pollers.child, pollers.exited);
    await acknowledgedAtLeast(tally.acknowledged + 60);
    const atKill = tally.acknowledged;
    await killDynamoDb();
    await new Promise((r) => setTimeout(r, 1_000));
    // Nothing is acknowledged while DynamoDB is down.
    expect(tally.acknowledged - atKill).toBeLessThanOrEqual(WORKERS);
    await restartDynamoDb();
    pollers = startPollers();
    await pollers.ready;

    // 2. DynamoDB Local dies again under the running pollers, which must ride out the outage.
    await acknowledgedAtLeast(tally.acknowledged + 150);
    await killDynamoDb();
    await new Promise((r) => setTimeout(r, 1_000));
    await restartDynamoDb();
    await acknowledgedAtLeast(tally.acknowledged + 150);
  } finally {
    running = false;
    await load;
  }
  // Nothing acknowledged is lost; each stream is whole and its view is its fold.
  const missing = await missingAcknowledged(stack, acknowledged);
  tally.lost = missing.length;
  expect(missing).toEqual([]);
  // Every resent command was recognised as a retry (a lost write would show here as a conflict).
  expect(unexpected).toEqual([]);
  expect(tally.extra.transientErrors ?? 0).toBeGreaterThan(0);
  const marks = [...new Set(acknowledged.map((a) => a.mark))];
  expect(marks).toHaveLength(WORKERS);
  for (const mark of marks) {
    const events = await storedEvents(stack, mark);
    expect(events.map((e) => e.version)).toEqual(events.map((_, i) => i + 1));
    expect(events.length).toBe(Math.max(...acknowledged.filter((a) => a.mark === mark).map((a) => a.version)));
    expect(await storedView(stack, mark)).toEqual(fold(events));
  }

  // The archive converges: one object per event, each equal to its MarkEvents item less commandHash
  // (the server's idempotency check, a hash of input with personal data: it goes nowhere downstream).
  const items = await scanAll(stack.dynamodb, stack.env.MARK_EVENTS_TABLE);
  const deadline = Date.now() + 120_000;
  let keys: string[] = [];
  while ((keys = await listKeys(s3, BUCKET, 'events/').catch(() => keys)).length < items.length) {
    if (Date.now() > deadline) throw new Error(`archive stalled at ${keys.length} of ${items.length} objects:\n${pollers.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  await kill(pollers.child, pollers.exited);
  const archived = await readArchive(s3, BUCKET);
  expect([...archived.keys()].sort()).toEqual(items.map((item) => eventKey(item.mark as string, item.version as number)).sort());
  for (const item of items) expect(archived.get(eventKey(item.mark as string, item.version as number))).toEqual({ ...item, commandHash: undefined });
  tally.add('archived', archived.size);
}, 300_000);
