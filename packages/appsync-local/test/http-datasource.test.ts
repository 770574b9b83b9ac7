import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertSupportedDataSources, freePort, verifySigV4, graphqlHttpClient, httpDataSource, startAppSyncLocal, unsupportedDataSources, type AppSyncLocal, type GraphQLHttpClient } from '../src/index';

/*
 * An HTTP data source as AppSync has it (resolver-reference-http-js, tutorial-http-resolvers-js),
 * served by startAppSyncLocal against a local node:http server that records what it gets: the
 * request object's method, resourcePath, query, headers and body; ctx.result { statusCode,
 * headers, body }; a SigV4 signature (HttpConfig.AuthorizationConfig AWS_IAM), checked here by
 * signing the received request again with @smithy/signature-v4. The resolvers call util without
 * importing it, as AWS's samples do.
 */

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const credentials = { accessKeyId: 'AKIDLOCALHTTPSIGNER', secretAccessKey: 'local-http-signing-secret', sessionToken: 'local-session-token' };
const received: Received[] = [];
let backend: Server;
let backendUrl: string;
let dir: string;
let api: AppSyncLocal;
let client: GraphQLHttpClient;

const SCHEMA = `
type User { id: ID! username: String! }
input UserInput { id: ID! username: String! }
type Query {
  getUser(id: ID!): User
  signed(name: String!): String
  unreachable: String
  userName(id: ID!): String
}
type Mutation { addUser(userInput: UserInput!): User }
`;

// written after tutorial-http-resolvers-js; util is the global, never imported
const GET_USER = `
export function request(ctx) {
  return {
    method: 'GET',
    resourcePath: '/v1/users/' + ctx.args.id,
    params: {
      query: { fields: 'id,username', tag: ['a', 'b'], page: 2 },
      headers: { ...util.http.copyHeaders(ctx.request.headers), 'Content-Type': 'application/json', Host: 'evil.example' },
    },
  };
}
export function response(ctx) {
  if (ctx.error) return util.error(ctx.error.message, ctx.error.type);
  const { statusCode, body } = ctx.result;
  if (statusCode === 200) return JSON.parse(body);
  util.appendError(body, String(statusCode));
  return null;
}
`;
const ADD_USER = `
export function request(ctx) {
  return { method: 'POST', resourcePath: '/v1/users', params: { headers: { 'Content-Type': 'application/json' }, body: ctx.args.userInput } };
}
export function response(ctx) {
  if (ctx.error) return util.error(ctx.error.message, ctx.error.type);
  return ctx.result.statusCode === 201 ? JSON.parse(ctx.result.body) : util.error(ctx.result.body, 'Http' + ctx.result.statusCode);
}
`;
const SIGNED = `
export function request(ctx) {
  return { method: 'POST', resourcePath: '/signed/echo', params: { query: { name: ctx.args.name }, headers: { 'content-type': 'text/plain' }, body: 'hello ' + ctx.args.name } };
}
export function response(ctx) {
  if (ctx.error) return util.error(ctx.error.message, ctx.error.type);
  return ctx.result.headers['x-verified'] + ':' + ctx.result.body;
}
`;
const UNREACHABLE = `
export function request() { return { method: 'GET', resourcePath: '/' }; }
export function response(ctx) { if (ctx.error) util.error(ctx.error.message, ctx.error.type); return 'answered'; }
`;

// a pipeline: the function calls the HTTP data source, the resolver's after step reads ctx.prev.result
const FETCH_USER = `
export function request(ctx) { return { method: 'GET', resourcePath: '/v1/users/' + ctx.args.id }; }
export function response(ctx) {
  if (ctx.result.statusCode !== 200) util.error(ctx.result.body, 'NotFound');
  return JSON.parse(ctx.result.body);
}
`;
const USER_NAME = `
export function request() { return {}; }
export function response(ctx) { return ctx.prev.result.username.toUpperCase(); }
`;

/** The package's own SigV4 verifier (the one the GraphQL endpoint's IAM mode uses) checks what the server received. */
async function verifySignature(req: Received): Promise<boolean> {
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v ?? '')]));
  const outcome = await verifySigV4({ headers, sourceIp: '127.0.0.1', method: req.method, path: req.url, body: req.body }, credentials, { service: 'execute-api', region: 'eu-west-1' });
  return outcome.ok;
}

beforeAll(async () => {
  backend = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const got: Received = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(got);
      const path = new URL(got.url, 'http://x').pathname;
      if (path === '/v1/users/1') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: '1', username: 'nadia' }));
      if (path === '/v1/users' && got.method === 'POST') return res.writeHead(201, { 'content-type': 'application/json' }).end(got.body);
      if (path === '/signed/echo') return res.writeHead(200, { 'x-verified': String(await verifySignature(got)) }).end(got.body);
      if (path === '/slow') return; // never answers
      if (path === '/big') return res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(64 * 1024));
      if (path === '/big-chunked') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        for (let i = 0; i < 16; i++) res.write('y'.repeat(4096));
        return res.end();
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`no user at ${path}`);
    });
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;

  dir = mkdtempSync(join(tmpdir(), 'appsync-local-http-'));
  const apiDir = join(dir, 'http-api');
  mkdirSync(apiDir);
  const closedPort = await freePort();
  writeFileSync(join(apiDir, 'schema.graphql'), SCHEMA);
  writeFileSync(
    join(apiDir, 'wiring.json'),
    JSON.stringify({
      name: 'http-api',
      dataSources: {
        Users: { type: 'HTTP', endpoint: backendUrl },
        SignedApi: { type: 'HTTP', endpoint: backendUrl, authorizationConfig: { authorizationType: 'AWS_IAM', awsIamConfig: { signingRegion: 'eu-west-1', signingServiceName: 'execute-api' } } },
        Down: { type: 'HTTP', endpoint: `http://127.0.0.1:${closedPort}` },
      },
      functions: { fetchUser: { dataSource: 'Users' } },
      resolvers: {
        'Query.getUser': { dataSource: 'Users' },
        'Query.userName': { pipeline: ['fetchUser'] },
        'Mutation.addUser': { dataSource: 'Users' },
        'Query.signed': { dataSource: 'SignedApi' },
        'Query.unreachable': { dataSource: 'Down' },
      },
    }),
  );
  writeFileSync(join(apiDir, 'Query.getUser.ts'), GET_USER);
  writeFileSync(join(apiDir, 'Mutation.addUser.ts'), ADD_USER);
  writeFileSync(join(apiDir, 'Query.signed.ts'), SIGNED);
  writeFileSync(join(apiDir, 'Query.unreachable.ts'), UNREACHABLE);
  mkdirSync(join(apiDir, 'functions'));
  writeFileSync(join(apiDir, 'functions', 'fetchUser.ts'), FETCH_USER);
  writeFileSync(join(apiDir, 'Query.userName.ts'), USER_NAME);
  api = await startAppSyncLocal({ wiringFile: join(apiDir, 'wiring.json'), buildRoot: join(dir, 'build'), httpSigningCredentials: credentials });
  client = graphqlHttpClient(api.graphqlUrl);
}, 120_000);

afterAll(async () => {
  client?.close();
  await api?.stop();
  backend?.closeAllConnections();
  await new Promise((resolve) => backend?.close(resolve));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const query = (q: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  client.post(JSON.stringify({ query: q, variables }), { 'x-api-key': api.apiKey, ...headers });

describe('an HTTP data source', () => {
  it('GET: the endpoint gets method, resource path, query and headers; the response handler reads ctx.result', async () => {
    received.length = 0;
    const res = await query('query { getUser(id: "1") { id username } }', {}, { 'x-client-tag': 'tag-7' });
    expect(res.body).toEqual({ data: { getUser: { id: '1', username: 'nadia' } } });
    expect(received).toHaveLength(1);
    const [got] = received;
    expect(got!.method).toBe('GET');
    expect(got!.url).toBe('/v1/users/1?fields=id%2Cusername&tag=a&tag=b&page=2');
    expect(got!.headers['content-type']).toBe('application/json');
    // forwarded by util.http.copyHeaders; a request cannot set Host (resolver-reference-http-js)
    expect(got!.headers['x-client-tag']).toBe('tag-7');
    expect(got!.headers.host).toBe(new URL(backendUrl).host);
    expect(got!.body).toBe('');
  });

  it('a status that is not 200 is ctx.result, not ctx.error: the handler turns it into an error of its own', async () => {
    const res = await query('query { getUser(id: "2") { id } }');
    expect(res.body.data).toEqual({ getUser: null });
    expect(res.body.errors).toEqual([expect.objectContaining({ message: 'no user at /v1/users/2', errorType: '404', path: ['getUser'] })]);
  });

  it('POST: an object body is sent as its JSON', async () => {
    received.length = 0;
    const res = await query('mutation { addUser(userInput: { id: "2", username: "shaggy" }) { id username } }');
    expect(res.body).toEqual({ data: { addUser: { id: '2', username: 'shaggy' } } });
    expect(received[0]!.method).toBe('POST');
    expect(JSON.parse(received[0]!.body)).toEqual({ id: '2', username: 'shaggy' });
    expect(received[0]!.headers['content-length']).toBe(String(Buffer.byteLength(received[0]!.body)));
  });

  it('AWS_IAM: the request is SigV4-signed for the configured region and service, and the signature verifies', async () => {
    received.length = 0;
    const res = await query('query { signed(name: "ann") }');
    expect(res.body).toEqual({ data: { signed: 'true:hello ann' } });
    const headers = received[0]!.headers;
    expect(headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDLOCALHTTPSIGNER\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=/);
    expect(headers['x-amz-security-token']).toBe('local-session-token');
    // the check is real: the same request with another body does not verify
    expect(await verifySignature({ ...received[0]!, body: 'hello bob' })).toBe(false);
  });

  it('AWS_IAM: query values with spaces, plus signs and reserved characters are sent as they are signed (RFC 3986, a space is %20)', async () => {
    for (const name of ['ann lee', 'a+b', "o'neil (x)*!", 'é ß/?&=']) {
      received.length = 0;
      const res = await query('query signed($name: String!) { signed(name: $name) }', { name });
      expect(res.body).toEqual({ data: { signed: `true:hello ${name}` } });
      expect(received[0]!.url).not.toContain('+');
    }
    // the verifier reads "+" as a plus, as AWS does: the same signature over "a%20b" does not vouch for "a+b"
    received.length = 0;
    await query('query { signed(name: "ann lee") }');
    const got = received[0]!;
    expect(await verifySignature(got)).toBe(true);
    expect(await verifySignature({ ...got, url: got.url.replace('%20', '+') })).toBe(false);
  });

  it('in a pipeline: a function calls the HTTP data source and the next step reads its result', async () => {
    expect((await query('query { userName(id: "1") }')).body).toEqual({ data: { userName: 'NADIA' } });
    const missing = await query('query { userName(id: "9") }');
    expect(missing.body.errors[0]).toMatchObject({ message: 'no user at /v1/users/9', errorType: 'NotFound' });
  });

  it('no connection: ctx.error says so, and the field gets the error the handler raises', async () => {
    const res = await query('query { unreachable }');
    expect(res.body.data).toEqual({ unreachable: null });
    expect(res.body.errors[0]).toMatchObject({ errorType: 'Http:HttpRequestException' });
    expect(res.body.errors[0].message).toMatch(/^com\.amazonaws\.deepdish\.http\.HttpRequestException: .*127\.0\.0\.1/);
  });
});

describe('the HTTP data source alone', () => {
  it('an endpoint that does not answer in time is ctx.error Http:ExecutionTimeoutException', async () => {
    const ds = httpDataSource({ name: 'Slow', endpoint: backendUrl, timeoutMs: 300 });
    const started = Date.now();
    const answer = await ds.execute({ method: 'GET', resourcePath: '/slow' }, { typeName: 'Query', fieldName: 'f' });
    expect(answer.error).toMatchObject({ type: 'Http:ExecutionTimeoutException' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a response body past the local cap is not read: ctx.error Http:ResponseTooLarge, declared length or not', async () => {
    const ds = httpDataSource({ name: 'Big', endpoint: backendUrl, maxResponseBytes: 32 * 1024 });
    const ctx = { typeName: 'Query', fieldName: 'f' };
    expect((await ds.execute({ method: 'GET', resourcePath: '/big' }, ctx)).error).toMatchObject({ type: 'Http:ResponseTooLarge' });
    expect((await ds.execute({ method: 'GET', resourcePath: '/big-chunked' }, ctx)).error).toMatchObject({ type: 'Http:ResponseTooLarge' });
    // under the cap, the same body is read whole
    const whole = await httpDataSource({ name: 'Big', endpoint: backendUrl, maxResponseBytes: 128 * 1024 }).execute({ method: 'GET', resourcePath: '/big-chunked' }, ctx);
    expect((whole.result as { body: string }).body).toHaveLength(16 * 4096);
  });

  it('a request object AppSync would not send is ctx.error MappingTemplate, and nothing is sent', async () => {
    received.length = 0;
    const ds = httpDataSource({ name: 'Users', endpoint: backendUrl });
    const ctx = { typeName: 'Query', fieldName: 'f' };
    expect((await ds.execute({ method: 'FETCH', resourcePath: '/' }, ctx)).error).toMatchObject({ type: 'MappingTemplate', message: expect.stringContaining('GET, POST, PUT, DELETE, PATCH') });
    expect((await ds.execute({ method: 'GET' }, ctx)).error).toMatchObject({ type: 'MappingTemplate', message: expect.stringContaining('resourcePath') });
    expect((await ds.execute({ method: 'GET', resourcePath: '/', params: { headers: 'x' } }, ctx)).error).toMatchObject({ type: 'MappingTemplate' });
    expect(received).toHaveLength(0);
  });

  it('AWS_IAM: a resolver’s own Authorization or X-Amz-* headers, in any case, give way to the signer’s', async () => {
    const ds = httpDataSource({ name: 'Signed', endpoint: backendUrl, credentials, authorizationConfig: { authorizationType: 'AWS_IAM', awsIamConfig: { signingRegion: 'eu-west-1', signingServiceName: 'execute-api' } } });
    for (const headers of [{ Authorization: 'Bearer mine', 'X-Amz-Date': '20000101T000000Z' }, { AUTHORIZATION: 'Bearer mine', 'x-AMZ-security-TOKEN': 'forged', 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' }]) {
      received.length = 0;
      const answer = await ds.execute({ method: 'POST', resourcePath: '/signed/echo', params: { headers, body: 'hi' } }, { typeName: 'Query', fieldName: 'f' });
      expect((answer.result as { headers: Record<string, string> }).headers['x-verified']).toBe('true');
      const got = received[0]!.headers;
      expect(got.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDLOCALHTTPSIGNER\/[^,]*, SignedHeaders=[^,]*, Signature=[0-9a-f]{64}$/);
      expect(got['x-amz-date']).not.toContain('20000101');
      expect(got['x-amz-security-token']).toBe('local-session-token');
    }
  });

  it('AWS_IAM without credentials to sign with: ctx.error naming how to give them, nothing sent unsigned', async () => {
    received.length = 0;
    const ds = httpDataSource({ name: 'Signed', endpoint: backendUrl, authorizationConfig: { authorizationType: 'AWS_IAM', awsIamConfig: { signingRegion: 'us-east-1', signingServiceName: 'states' } } });
    const answer = await ds.execute({ method: 'GET', resourcePath: '/v1/users/1' }, { typeName: 'Query', fieldName: 'f' });
    expect(answer.error?.message).toMatch(/signs its requests \(AWS_IAM\).*httpSigningCredentials/);
    expect(received).toHaveLength(0);
  });

  it('an endpoint that is not http(s), or another authorizationType, is refused when the data source is made, and at start', () => {
    expect(() => httpDataSource({ name: 'Ftp', endpoint: 'ftp://example.com' })).toThrow('data source Ftp: endpoint ftp://example.com/ is not http:// or https://');
    const wiring = {
      dataSources: {
        Ftp: { type: 'HTTP', endpoint: 'ftp://example.com' },
        Nowhere: { type: 'HTTP', endpoint: 'not a url' },
        Odd: { type: 'HTTP', endpoint: 'https://example.com', authorizationConfig: { authorizationType: 'API_KEY' } },
        Fine: { type: 'HTTP', endpoint: 'https://example.com:8443' },
      },
    };
    expect(() => assertSupportedDataSources(wiring)).toThrow(
      [
        'data source Ftp: endpoint ftp://example.com/ is not http:// or https://',
        'data source Nowhere: endpoint "not a url" is not a URL (HttpConfig.Endpoint: "https://host[:port]")',
        'data source Odd: authorizationType API_KEY is not AWS_IAM, the one HTTP data sources have',
      ].join('\n'),
    );
  });
});

describe('data sources the local runtime does not run', () => {
  it('are listed by name and type, and an API with one is refused at start in one line per data source', async () => {
    const wiring = { dataSources: { Books: { type: 'AMAZON_RDS' }, Search: { type: 'AMAZON_OPENSEARCH_SERVICE' }, None: { type: 'NONE' } } };
    expect(unsupportedDataSources(wiring).map((u) => [u.name, u.type])).toEqual([
      ['Books', 'AMAZON_RDS'],
      ['Search', 'AMAZON_OPENSEARCH_SERVICE'],
    ]);
    const apiDir = join(dir, 'rds-api');
    mkdirSync(apiDir);
    writeFileSync(join(apiDir, 'schema.graphql'), 'type Query { book: String }');
    writeFileSync(join(apiDir, 'wiring.json'), JSON.stringify({ dataSources: { Books: { type: 'AMAZON_RDS' } }, functions: {}, resolvers: { 'Query.book': { dataSource: 'Books' } } }));
    writeFileSync(join(apiDir, 'Query.book.ts'), "export function request() { return {}; } export function response(ctx) { return ctx.result; }");
    await expect(startAppSyncLocal({ wiringFile: join(apiDir, 'wiring.json'), buildRoot: join(dir, 'build') })).rejects.toThrow(
      /^data source Books has type AMAZON_RDS, which appsync-local does not run \(it runs AMAZON_DYNAMODB, NONE, AWS_LAMBDA, HTTP\)$/,
    );
  });
});
