/**
 * Crash test: the pollers run in a child process that is killed with SIGKILL (no clean stop, no
 * last checkpoint) in the middle of a stream, then started again. Every event must end up
 * archived exactly once by key, none missing, and the restart must resume from the checkpoints
 * rather than start over.
 */
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { eventKey } from '../functions/archive/keys';
import { dynamoDbClient } from 'appsync-local';
import { ensureTables } from '../local/services/tables';
import { kinesisClient, startKinesalite, type Kinesalite } from '../local/services/kinesalite';
import { s3Client, startS3rver, type LocalS3 } from '../local/services/s3rver';
import { uniquePrefix } from './support/prefix';
import { listKeys, markEvents, putEvents, readArchive, scanAll } from './support/pipeline-fixtures';

const RELAY_BATCH = 10;

let dataDir: string;
let kinesalite: Kinesalite;
let s3server: LocalS3;
let kinesis: KinesisClient;
let s3: S3Client;
let dynamodb: DynamoDBClient;
let env: Record<string, string>;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pipeline-crash-'));
  // The services live in this process: only the pollers die.
  [kinesalite, s3server] = await Promise.all([
    startKinesalite({ inMemory: true, streamName: 'crash-events' }),
    startS3rver({ directory: join(dataDir, 's3'), bucket: 'crash-archive' }),
  ]);
  kinesis = kinesisClient(kinesalite.endpoint);
  s3 = s3Client(s3server.endpoint);
  dynamodb = dynamoDbClient(inject('dynamodbEndpoint'));
  env = await ensureTables(dynamodb, uniquePrefix('crash'));
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  kinesis?.destroy();
  s3?.destroy();
  dynamodb?.destroy();
  await kinesalite?.stop();
  await s3server?.stop();
  if (!process.env.KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
});

function startChild(drainAndExit: boolean) {
  const config = {
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    env,
    dataDir: join(dataDir, 'pipeline'),
    kinesis: { endpoint: kinesalite.endpoint, streamName: 'crash-events' },
    s3: { endpoint: s3server.endpoint, bucket: 'crash-archive' },
    batchSize: { relay: RELAY_BATCH, eraser: 100, archive: 10 },
    pollIntervalMs: 20,
    drainAndExit,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/pipeline-child.ts', JSON.stringify(config)], {
    cwd: join(import.meta.dirname, '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const printed = (line: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => (output.split('\n').includes(line) ? resolve() : undefined);
      child.stdout!.on('data', check);
      check();
      exited.then((code) => reject(new Error(`child exited (${code}) before "${line}":\n${output}`)));
    });
  return { child, exited, printed, output: () => output };
}

/**
 * Events archived so far, counted while the child is writing. s3rver writes an object's metadata
 * file in place, so a ListObjects racing puts fails with InternalError more often than not; its
 * folder is read instead (one "<key>._S3rver_object" file per object, its body: a batch's lines;
 * a file being written may end in a partial line, which is not counted).
 */
function archivedSoFar(): number {
  const root = join(dataDir, 's3', 'crash-archive');
  if (!existsSync(join(root, 'events'))) return 0;
  const archived = new Set<string>();
  for (const name of readdirSync(join(root, 'events'), { recursive: true })) {
    const file = String(name);
    if (!file.endsWith('._S3rver_object')) continue;
    for (const text of readFileSync(join(root, 'events', file), 'utf8').split('\n')) {
      try {
        const line = JSON.parse(text) as { mark: string; version: number };
        archived.add(eventKey(line.mark, line.version));
      } catch {
        // an empty or partial line
      }
    }
  }
  return archived.size;
}

/** Events in the archive once nothing writes to it, through the S3 API. */
async function archivedCount(): Promise<number> {
  return (await listKeys(s3, 'crash-archive', 'events/')).length;
}

async function kinesisRecordCount(): Promise<number> {
  let count = 0;
  for (const shard of (await kinesis.send(new ListShardsCommand({ StreamName: 'crash-events' }))).Shards ?? []) {
    let iterator = (await kinesis.send(new GetShardIteratorCommand({ StreamName: 'crash-events', ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    for (;;) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      count += page.Records?.length ?? 0;
      if (!page.Records?.length) break;
      iterator = page.NextShardIterator;
    }
  }
  return count;
}

it('resumes from its checkpoints after a SIGKILL: every event archived once by key, none missing', async () => {
  const events = Array.from({ length: 30 }, (_, i) => markEvents(`CRASH ${i}`, 1, 40)).flat();
  const half = events.length / 2;
  await putEvents(dynamodb, env.MARK_EVENTS_TABLE, events.slice(0, half));

  const first = startChild(false);
  await first.printed('ready');
  // The rest is committed while the first pollers run.
  await putEvents(dynamodb, env.MARK_EVENTS_TABLE, events.slice(half));
  const deadline = Date.now() + 60_000;
  let before = 0;
  while ((before = archivedSoFar()) < events.length / 5) {
    if (Date.now() > deadline) throw new Error(`archive stalled at ${before}:\n${first.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  first.child.kill('SIGKILL');
  expect(await first.exited).toBe(null);
  expect(first.child.signalCode).toBe('SIGKILL');
  // Let the aborted request settle before listing.
  await new Promise((r) => setTimeout(r, 200));
  const atKill = await archivedCount();
  // Killed mid-stream, not after the fact.
  expect(atKill).toBeLessThan(events.length);
  for (const name of ['relay', 'archive']) expect(existsSync(join(dataDir, 'pipeline', 'pollers', `${name}.json`))).toBe(true);
  const relayCheckpoint = JSON.parse(readFileSync(join(dataDir, 'pipeline', 'pollers', 'relay.json'), 'utf8'));
  expect(Object.keys(relayCheckpoint.shards).length).toBeGreaterThan(0);

  const second = startChild(true);
  await second.printed('drained');
  expect(await second.exited).toBe(0);

  const items = await scanAll(dynamodb, env.MARK_EVENTS_TABLE);
  expect(items).toHaveLength(events.length);
  const archived = await readArchive(s3, 'crash-archive', 'events/', { dynamodb, table: env.MARK_ARCHIVE_KEYS_TABLE });
  expect(archived.size).toBe(events.length);
  for (const item of items) expect(archived.get(eventKey(item.mark as string, item.version as number))).toEqual(item);
  // The relay resumed where it had checkpointed: at most the one batch in flight at the kill
  // went to Kinesis twice.
  const relayed = await kinesisRecordCount();
  expect(relayed).toBeGreaterThanOrEqual(events.length);
  expect(relayed).toBeLessThanOrEqual(events.length + RELAY_BATCH);
}, 240_000);
