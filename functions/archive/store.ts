/**
 * The archive's S3 bucket, as the archive sees it: exactly the four calls it makes (GetObject of an
 * erasure marker, PutObject of a run, ListObjects v1 by prefix and marker, DeleteObjects), over
 * SigV4 (`@smithy/signature-v4`) and node:http(s) keep-alive, without `@aws-sdk/client-s3`.
 *
 * Why: the SDK's S3 client made up most of the archive's bundle (336 KiB, of it about 65 KiB of
 * operation schemas and 18 KiB of endpoint rules evaluated at load) and held its cold init at
 * ~83 ms against the 60 ms target (issue 20; docs/PERFORMANCE.md, cold start). The local pipeline
 * and the tests use this same store against s3rver, so what is deployed is what is tested.
 *
 * S3 specifics (Amazon S3 API Reference):
 * - "Signature Calculations for the Authorization Header: Transferring Payload in a Single Chunk"
 *   (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html): the
 *   canonical URI is the URI-encoded path, encoded once and not normalised (S3, unlike other
 *   services, is not double-encoded: `uriEscapePath: false`, the key encoded here); every request
 *   carries x-amz-content-sha256, the hex SHA-256 of its payload (the signer's `applyChecksum`).
 * - DeleteObjects (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html): POST
 *   /?delete with a <Delete> XML body; "The Content-MD5 or x-amz-sdk-checksum-algorithm header is
 *   required for all Multi-Object Delete requests" — Content-MD5 here, which s3rver accepts too.
 * - ListObjects (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjects.html): NextMarker
 *   is returned only with a delimiter; without one the next page starts after the last key.
 * - Error responses (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html): an XML
 *   <Error> with Code and Message; it becomes an Error whose `name` is the Code, as the SDK's.
 */
import { createHash, createHmac } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import { SignatureV4 } from '@smithy/signature-v4';
import { credentialsFromEnvironment, type EnvironmentCredentials } from '../lib/lambda-credentials';
import { backoffDelay, sleep, type BackoffOptions } from '../lib/retry';

export interface ArchiveListing {
  keys: string[];
  /** Where the next page starts (ListObjects' Marker), or undefined after the last page. */
  next?: string;
}

/** The archive's bucket: the only calls the archive makes. */
export interface ArchiveStore {
  /** The object's body as text, or undefined when there is no such key (NoSuchKey). */
  get(key: string): Promise<string | undefined>;
  put(key: string, body: string, contentType: string): Promise<void>;
  /** One page (up to 1,000 keys) of the keys under prefix after marker, in key order. */
  list(prefix: string, marker?: string): Promise<ArchiveListing>;
  /** Deletes up to 1,000 keys at once; a key that is not there counts as deleted. */
  delete(keys: string[]): Promise<void>;
}

export interface S3StoreOptions {
  bucket: string;
  region: string;
  credentials: EnvironmentCredentials | (() => Promise<EnvironmentCredentials>);
  /** An S3-compatible endpoint (an emulator), addressed path-style; otherwise AWS, virtual-hosted. */
  endpoint?: string;
  /** Attempts of a request that failed with a throttling or server error, the first included. */
  retry?: BackoffOptions;
}

/** An S3 error answer (or a failed connection), shaped as the SDK's errors are. */
export class S3Error extends Error {
  readonly $metadata: { httpStatusCode?: number };
  constructor(code: string, message: string, status: number | undefined) {
    super(message || code);
    this.name = code;
    this.$metadata = { httpStatusCode: status };
  }
}

/**
 * As the SDK's standard retry mode: throttling (SlowDown and the like, 429, 503) and server errors
 * (5xx, InternalError) and a dropped connection are retried with full-jitter backoff, three
 * attempts in all. What still fails reaches the archive, which reports the batch's earliest failed
 * record so that the event source mapping delivers it again.
 */
const standardRetry: BackoffOptions = { maxAttempts: 3, baseDelayMs: 100, capDelayMs: 20_000 };
const transientCodes = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestTimeout', 'RequestTimeTooSkewed', 'InternalError', 'ServiceUnavailable', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED']);
function transient(err: unknown): boolean {
  const { name, $metadata } = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = $metadata?.httpStatusCode;
  return transientCodes.has(name ?? '') || status === 429 || (status !== undefined && status >= 500);
}

/** node:crypto's SHA-256 (or its HMAC, given a secret) as the signer's Checksum interface. */
type SourceData = string | ArrayBuffer | ArrayBufferView;
function bytes(data: SourceData): string | Uint8Array {
  if (typeof data === 'string') return data;
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
}
class Sha256 {
  private hash;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh() {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(this.secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

/** RFC 3986 encoding of one path segment or query value, as SigV4 and S3 expect it. */
function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const xmlEntities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function xmlText(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_, entity: string) =>
    entity.startsWith('#x') ? String.fromCodePoint(parseInt(entity.slice(2), 16)) : entity.startsWith('#') ? String.fromCodePoint(Number(entity.slice(1))) : xmlEntities[entity],
  );
}
function xmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${Object.keys(xmlEntities).find((k) => xmlEntities[k] === c)};`);
}
/** The text of every <tag> element in xml, in document order (S3's answers do not nest a tag in itself). */
function xmlAll(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1]);
}
function xmlFirst(xml: string, tag: string): string | undefined {
  const found = xmlAll(xml, tag)[0];
  return found === undefined ? undefined : xmlText(found);
}

interface Answer {
  status: number;
  body: string;
}

export function createS3Store(options: S3StoreOptions): ArchiveStore {
  const { bucket, region } = options;
  const retry = options.retry ?? standardRetry;
  const base = options.endpoint ? new URL(options.endpoint) : new URL(`https://${bucket}.s3.${region}.amazonaws.com`);
  const pathStyle = Boolean(options.endpoint);
  const secure = base.protocol === 'https:';
  const transport = secure ? https : http;
  const agent = new transport.Agent({ keepAlive: true, maxSockets: 50 });
  const credentials = options.credentials;
  const signer = new SignatureV4({
    service: 's3',
    region,
    credentials: typeof credentials === 'function' ? credentials : async () => credentials,
    sha256: Sha256,
    uriEscapePath: false,
  });
  const basePath = base.pathname.replace(/\/$/, '');

  function objectPath(key = ''): string {
    const encodedKey = key.split('/').map(uriEncode).join('/');
    return pathStyle ? `${basePath}/${uriEncode(bucket)}/${encodedKey}` : `${basePath}/${encodedKey}`;
  }

  async function once(method: string, path: string, query: Record<string, string>, headers: Record<string, string>, body?: string): Promise<Answer> {
    const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
    const request = {
      method,
      protocol: base.protocol,
      hostname: base.hostname,
      port: base.port ? Number(base.port) : undefined,
      path,
      query,
      headers: { host: base.host, ...headers, ...(payload ? { 'content-length': String(payload.length) } : {}) },
      body: payload,
    };
    const signed = await signer.sign(request);
    const search = Object.entries(query)
      .map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`)
      .join('&');
    return new Promise<Answer>((resolve, reject) => {
      const req = transport.request(
        { method, hostname: base.hostname, port: base.port || undefined, path: search ? `${path}?${search}` : path, headers: signed.headers, agent, timeout: 30_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new S3Error('RequestTimeout', `S3 ${method} ${path}: no answer within 30 s`, undefined)));
      req.on('error', (err: NodeJS.ErrnoException) => reject(err instanceof S3Error ? err : new S3Error(err.code ?? 'NetworkingError', err.message, undefined)));
      req.end(payload);
    });
  }

  /** One S3 call: a 2xx answer, or a thrown S3Error after the retries. */
  async function call(method: string, path: string, query: Record<string, string>, headers: Record<string, string>, body?: string): Promise<Answer> {
    for (let attempt = 0; ; attempt++) {
      try {
        const answer = await once(method, path, query, headers, body);
        if (answer.status >= 200 && answer.status < 300) return answer;
        throw new S3Error(xmlFirst(answer.body, 'Code') ?? `Http${answer.status}`, xmlFirst(answer.body, 'Message') ?? '', answer.status);
      } catch (err) {
        if (attempt + 1 >= retry.maxAttempts || !transient(err)) throw err;
        await sleep(backoffDelay(attempt, retry));
      }
    }
  }

  return {
    async get(key) {
      try {
        return (await call('GET', objectPath(key), {}, {})).body;
      } catch (err) {
        if ((err as Error).name === 'NoSuchKey') return undefined;
        throw err;
      }
    },

    async put(key, body, contentType) {
      await call('PUT', objectPath(key), {}, { 'content-type': contentType }, body);
    },

    async list(prefix, marker) {
      const query: Record<string, string> = { prefix };
      if (marker !== undefined) query.marker = marker;
      const { body } = await call('GET', objectPath(), query, {});
      const keys = xmlAll(body, 'Contents').map((contents) => xmlFirst(contents, 'Key')!);
      const truncated = xmlFirst(body, 'IsTruncated') === 'true';
      return { keys, next: truncated && keys.length ? (xmlFirst(body, 'NextMarker') ?? keys[keys.length - 1]) : undefined };
    },

    async delete(keys) {
      const body = `<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet>${keys
        .map((key) => `<Object><Key>${xmlEscape(key)}</Key></Object>`)
        .join('')}</Delete>`;
      const md5 = createHash('md5').update(body, 'utf8').digest('base64');
      const answer = await call('POST', objectPath(), { delete: '' }, { 'content-type': 'application/xml', 'content-md5': md5 }, body);
      // Quiet mode lists only the keys that failed, each as an <Error> in the 200 answer.
      const errors = xmlAll(answer.body, 'Error');
      if (errors.length) {
        const code = xmlFirst(errors[0], 'Code') ?? 'InternalError';
        throw new S3Error(code, `DeleteObjects failed for ${errors.length} objects: ${code} ${xmlFirst(errors[0], 'Message') ?? ''}`, answer.status);
      }
    },
  };
}

/**
 * The archive's store in Lambda: credentials from the environment (lambda-credentials.ts), region
 * from AWS_REGION, and AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL (an emulator) addressed path-style,
 * since emulators on 127.0.0.1 have no bucket subdomains; otherwise AWS, virtual-hosted.
 */
export function archiveStoreFromEnv(bucket: string, env: NodeJS.ProcessEnv = process.env): ArchiveStore {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new Error('no AWS_REGION in the environment: the Lambda runtime sets it');
  return createS3Store({
    bucket,
    region,
    endpoint: env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined,
    // read per request, as the SDK's provider does: the runtime may refresh them
    credentials: async () => credentialsFromEnvironment(env),
  });
}
