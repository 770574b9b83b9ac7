import kinesalite from 'kinesalite';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Server } from 'node:http';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  ResourceInUseException,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { localAwsConfig, freePort, guardServer } from 'appsync-local';

export interface KinesaliteOptions {
  /** Keep the streams in memory (tests). Otherwise LevelDB files persist under dataDir. */
  inMemory?: boolean;
  /** LevelDB folder when not in memory (default .data/kinesis). */
  dataDir?: string;
  port?: number;
  /** Stream to create (idempotent) once the server listens. */
  streamName?: string;
  shardCount?: number;
}

export interface Kinesalite {
  endpoint: string;
  port: number;
  streamName?: string;
  /** Where the LevelDB files are, or undefined when in memory. */
  path?: string;
  stop(): Promise<void>;
}

/**
 * A Kinesis client for kinesalite. The SDK's Kinesis client defaults to NodeHttp2Handler (it
 * needs HTTP/2 for SubscribeToShard), and kinesalite is a plain node:http server: HTTP/1.1 only.
 */
export function kinesisClient(endpoint: string): KinesisClient {
  return new KinesisClient({
    ...localAwsConfig,
    endpoint,
    maxAttempts: 3,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 2_000, requestTimeout: 10_000 }),
  });
}

/**
 * Starts kinesalite in this process (it is a node:http server over LevelDB, or memdown in
 * memory) on a free port and creates the stream if asked, waiting until it is ACTIVE.
 */
export async function startKinesalite(options: KinesaliteOptions = {}): Promise<Kinesalite> {
  const port = options.port ?? (await freePort());
  let path: string | undefined;
  if (!options.inMemory) {
    path = resolve(options.dataDir ?? '.data/kinesis');
    mkdirSync(path, { recursive: true });
  }
  // Stream state transitions are instant-ish so that tests do not wait half a second each.
  const server: Server = kinesalite({ path, createStreamMs: 10, deleteStreamMs: 10, updateStreamMs: 10, shardLimit: 100 });
  guardServer(server, { name: 'kinesalite' });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(port, '127.0.0.1', () => res());
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise<void>((res, rej) => {
      // Idle keep-alive sockets would otherwise hold close() open.
      (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
      server.close((err) => (err ? rej(err) : res()));
    });
  if (options.streamName) {
    try {
      await ensureStream(endpoint, options.streamName, options.shardCount ?? 1);
    } catch (err) {
      await stop();
      throw err;
    }
  }
  return { endpoint, port, streamName: options.streamName, path, stop };
}

/** Creates the stream unless it exists, then waits until it is ACTIVE. */
export async function ensureStream(endpoint: string, streamName: string, shardCount = 1): Promise<void> {
  const client = kinesisClient(endpoint);
  try {
    try {
      await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }));
    } catch (err) {
      if (!(err instanceof ResourceInUseException)) throw err;
    }
    const deadline = Date.now() + 10_000;
    for (;;) {
      const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
      if (summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
      if (Date.now() > deadline) throw new Error(`Kinesis stream ${streamName} not ACTIVE after 10 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    client.destroy();
  }
}
