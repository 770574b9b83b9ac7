/**
 * The archive's own S3 client (functions/archive/store.ts) against s3rver, and against a bare HTTP
 * server for what s3rver cannot show: S3's throttling answers, the request's headers, and the
 * SigV4 signature itself — s3rver checks the access key but never computes a v4 signature
 * (its authentication middleware: "Signature version 4 calculation is unimplemented"), so the
 * signature is checked here by an independent computation, itself checked against the example of
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html (GET Object).
 * The archive's behaviour on top of the store is in pipeline-handlers.test.ts.
 */
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveStoreFromEnv, createS3Store } from '../functions/archive/store';
import { localS3Config, s3Store, startS3rver, type LocalS3 } from '../local/services/s3rver';

const BUCKET = 'store-test';
let s3server: LocalS3;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'archive-store-'));
  s3server = await startS3rver({ directory: dir, bucket: BUCKET });
});
afterAll(async () => {
  await s3server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('against s3rver', () => {
  // Keys as marks make them: spaces, '/', '?', '&', '+', '!' and non-ASCII, each encoded once in
  // the path and signed as sent (S3 does not double-encode: sig-v4-header-based-auth.html).
  const keys = ['events/Q/1 ?&/000001-000002.jsonl', 'events/A+B!(x)*/000001-000001.jsonl', "events/Ünï'cödé ~/000003-000004.jsonl"];

  it('puts, gets, lists and deletes keys that need encoding', async () => {
    const store = s3Store(s3server.endpoint, BUCKET);
    await Promise.all(keys.map((key, i) => store.put(key, `{"n":${i}}\n`, 'application/x-ndjson')));
    expect(await Promise.all(keys.map((key) => store.get(key)))).toEqual(keys.map((_, i) => `{"n":${i}}\n`));
    expect(await store.list('events/')).toEqual({ keys: [...keys].sort(), next: undefined });
    expect(await store.list('events/Q/')).toEqual({ keys: [keys[0]], next: undefined });
    await store.delete([keys[0], keys[1], 'events/never-was']);
    expect(await store.list('events/')).toEqual({ keys: [keys[2]], next: undefined });
    expect(await store.get(keys[0])).toBeUndefined();
  });

  it("pages a listing by marker after the page's last key", async () => {
    const store = s3Store(s3server.endpoint, BUCKET);
    const many = Array.from({ length: 1_003 }, (_, i) => `page/${String(i).padStart(4, '0')}`);
    for (let i = 0; i < many.length; i += 100) await Promise.all(many.slice(i, i + 100).map((key) => store.put(key, '', 'text/plain')));
    const first = await store.list('page/');
    expect(first).toEqual({ keys: many.slice(0, 1_000), next: many[999] });
    expect(await store.list('page/', first.next)).toEqual({ keys: many.slice(1_000), next: undefined });
    await store.delete(many.slice(0, 1_000));
    await store.delete(many.slice(1_000));
    expect(await store.list('page/')).toEqual({ keys: [], next: undefined });
  });

  it("answers S3's error as an Error named by its Code, with the HTTP status", async () => {
    const wrongKey = createS3Store({ ...localS3Config, credentials: { accessKeyId: 'NOT-S3RVER', secretAccessKey: 'S3RVER' }, endpoint: s3server.endpoint, bucket: BUCKET });
    await expect(wrongKey.put('events/x', 'x', 'text/plain')).rejects.toMatchObject({ name: 'InvalidAccessKeyId', $metadata: { httpStatusCode: 403 } });
    const noBucket = s3Store(s3server.endpoint, 'no-such-bucket');
    await expect(noBucket.get('erasures/x.json')).rejects.toMatchObject({ name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } });
  });

  it('is configured from the Lambda environment: AWS_ENDPOINT_URL_S3 path-style, credentials with session token', async () => {
    const store = archiveStoreFromEnv(BUCKET, { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_ENDPOINT_URL_S3: s3server.endpoint });
    await store.put('erasures/ENV 1.json', '{"version":3}', 'application/json');
    expect(await store.get('erasures/ENV 1.json')).toBe('{"version":3}');
    expect(() => archiveStoreFromEnv(BUCKET, { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' })).toThrow(/AWS_REGION/);
  });
});

/**
 * SigV4 for S3, computed from the documentation's steps (canonical request: method, the path as
 * sent — S3's is encoded once, not normalised —, sorted query, signed headers, payload hash).
 */
function expectedSignature(request: { method: string; url: string; headers: IncomingMessage['headers'] }, secret: string): string {
  const [path, search = ''] = request.url.split('?');
  const query = search
    .split('&')
    .filter(Boolean)
    .map((pair) => (pair.includes('=') ? pair : `${pair}=`))
    .sort()
    .join('&');
  const auth = /Credential=[^/]+\/(\d{8})\/([^/]+)\/s3\/aws4_request, SignedHeaders=([^,]+), Signature=/.exec(String(request.headers.authorization))!;
  const [, day, region, signedHeaders] = auth;
  const names = signedHeaders.split(';');
  const canonical = [request.method, path, query, ...names.map((n) => `${n}:${String(request.headers[n]).trim()}`), '', signedHeaders, String(request.headers['x-amz-content-sha256'])].join('\n');
  const scope = `${day}/${region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', String(request.headers['x-amz-date']), scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const key = ['us-east-1', 's3', 'aws4_request'].reduce((k, part, i) => hmac(k, i === 0 ? region : part), hmac(`AWS4${secret}`, day));
  return createHmac('sha256', key).update(toSign).digest('hex');
}

it("the test's SigV4 computation gives the documented example's signature", () => {
  const emptyHash = createHash('sha256').update('').digest('hex');
  const example = {
    method: 'GET',
    url: '/test.txt',
    headers: {
      host: 'examplebucket.s3.amazonaws.com',
      range: 'bytes=0-9',
      'x-amz-content-sha256': emptyHash,
      'x-amz-date': '20130524T000000Z',
      authorization: 'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=',
    },
  };
  expect(expectedSignature(example, 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY')).toBe('f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
});

describe('against a bare HTTP server', () => {
  let server: Server;
  let endpoint: string;
  const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
  let answers: { status: number; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        const answer = answers.shift() ?? { status: 200, body: '' };
        res.writeHead(answer.status, { 'content-type': 'application/xml' }).end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  const store = () =>
    createS3Store({
      bucket: 'b',
      region: 'eu-west-1',
      endpoint,
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret', sessionToken: 'TOKEN' },
      retry: { maxAttempts: 3, baseDelayMs: 1, capDelayMs: 5 },
    });
  const error = (code: string) => `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code} &amp; more</Message></Error>`;

  it('signs with the session token and the payload hash; DeleteObjects carries Content-MD5 of its XML body', async () => {
    seen.length = 0;
    answers = [];
    await store().delete(['events/a&b', 'events/c']);
    const [request] = seen;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/b/?delete=');
    expect(request.body).toContain('<Quiet>true</Quiet><Object><Key>events/a&amp;b</Key></Object><Object><Key>events/c</Key></Object>');
    expect(request.headers['content-md5']).toBe(createHash('md5').update(request.body).digest('base64'));
    expect(request.headers['x-amz-content-sha256']).toBe(createHash('sha256').update(request.body).digest('hex'));
    expect(request.headers['x-amz-security-token']).toBe('TOKEN');
    expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKID\/\d{8}\/eu-west-1\/s3\/aws4_request, SignedHeaders=.*content-md5.*x-amz-security-token/);
    expect(request.headers.authorization).toContain(`Signature=${expectedSignature(request, 'secret')}`);
  });

  it('signs the path as sent, each key encoded once (no double encoding), and the listing query', async () => {
    seen.length = 0;
    answers = [];
    await store().put("events/Q/1 ?&+!'()*Ü/000001-000002.jsonl", 'x', 'text/plain');
    await store().list('events/Q 1/', 'events/Q 1/000001-000002.jsonl');
    expect(seen.map((r) => r.url)).toEqual([
      '/b/events/Q/1%20%3F%26%2B%21%27%28%29%2A%C3%9C/000001-000002.jsonl',
      '/b/?prefix=events%2FQ%201%2F&marker=events%2FQ%201%2F000001-000002.jsonl',
    ]);
    for (const request of seen) expect(request.headers.authorization).toContain(`Signature=${expectedSignature(request, 'secret')}`);
  });

  it('retries throttling and server errors, three attempts in all, and not a client error', async () => {
    seen.length = 0;
    answers = [{ status: 503, body: error('SlowDown') }, { status: 500, body: error('InternalError') }];
    await store().put('events/x', 'x', 'text/plain');
    expect(seen.map((r) => r.method)).toEqual(['PUT', 'PUT', 'PUT']);

    seen.length = 0;
    answers = [503, 503, 503].map((status) => ({ status, body: error('SlowDown') }));
    await expect(store().put('events/x', 'x', 'text/plain')).rejects.toMatchObject({ name: 'SlowDown', message: 'SlowDown & more', $metadata: { httpStatusCode: 503 } });
    expect(seen).toHaveLength(3);

    seen.length = 0;
    answers = [{ status: 403, body: error('AccessDenied') }];
    await expect(store().get('erasures/x.json')).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect(seen).toHaveLength(1);
  });

  it('reports a key DeleteObjects could not delete (Quiet answers list only the failures)', async () => {
    answers = [{ status: 200, body: '<DeleteResult><Error><Key>events/a</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error></DeleteResult>' }];
    await expect(store().delete(['events/a', 'events/b'])).rejects.toMatchObject({ name: 'AccessDenied', message: expect.stringContaining('DeleteObjects failed for 1 objects') });
  });
});
