import S3rver from 's3rver';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { localAwsConfig, freePort, guardServer } from 'appsync-local';

export interface S3rverOptions {
  /** Folder holding the buckets' files (default .data/s3). */
  directory?: string;
  port?: number;
  /** Bucket to create (idempotent) before the server listens. */
  bucket?: string;
}

export interface LocalS3 {
  endpoint: string;
  port: number;
  directory: string;
  bucket?: string;
  stop(): Promise<void>;
}

/** s3rver knows one account, whose access key is S3RVER; any other key is refused. */
export const localS3Config = {
  region: localAwsConfig.region,
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
};

/**
 * An S3 client for s3rver: path-style addressing (no bucket subdomains on 127.0.0.1), and
 * checksums only where the operation demands them — s3rver predates the SDK's default CRC32
 * flexible checksums and has no use for them.
 */
export function s3Client(endpoint: string): S3Client {
  return new S3Client({
    ...localS3Config,
    endpoint,
    forcePathStyle: true,
    maxAttempts: 3,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Starts s3rver in this process with its files under `directory`, creating the bucket. */
export async function startS3rver(options: S3rverOptions = {}): Promise<LocalS3> {
  const port = options.port ?? (await freePort());
  const directory = resolve(options.directory ?? '.data/s3');
  mkdirSync(directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    silent: true,
    directory,
    // The SDK signs headers (x-amz-checksum-*, x-amz-sdk-*) s3rver's v4 canonicalisation may
    // not reproduce; the access key is still checked.
    allowMismatchedSignatures: true,
    vhostBuckets: false,
    configureBuckets: options.bucket ? [{ name: options.bucket }] : [],
  });
  await server.run();
  if (server.httpServer) guardServer(server.httpServer, { name: 's3rver' });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    directory,
    bucket: options.bucket,
    async stop() {
      (server.httpServer as { closeAllConnections?: () => void } | undefined)?.closeAllConnections?.();
      await server.close();
    },
  };
}
