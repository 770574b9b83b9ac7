/**
 * Raw bytes at a listening port (node:net), for the listener fuzz tests (issue 24, part 2): a
 * corpus of malformed request lines, targets, headers, methods, encodings, bodies and WebSocket
 * upgrades, a fast-check arbitrary that composes more of them, and a check that a port still
 * answers a well-formed request. mark-api's whole-stack fuzz (test/listener-fuzz.test.ts) uses
 * the same corpus.
 */
import { connect } from 'node:net';
import fc from 'fast-check';

export interface RawInput {
  name: string;
  bytes: Buffer;
}

export interface RawAnswer {
  /** the status of the first HTTP answer, if any came */
  status?: number;
  /** the first bytes of what came back */
  head: string;
}

const CRLF = '\r\n';
const WS_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

const raw = (name: string, text: string | Buffer): RawInput => ({ name, bytes: typeof text === 'string' ? Buffer.from(text, 'latin1') : text });
const request = (name: string, line: string, headers: string[] = ['Host: 127.0.0.1'], body: string | Buffer = '') =>
  raw(name, Buffer.concat([Buffer.from(`${line}${CRLF}${headers.join(CRLF)}${CRLF}${CRLF}`, 'latin1'), typeof body === 'string' ? Buffer.from(body, 'latin1') : body]));
const upgrade = (name: string, target: string, extra: string[] = []) =>
  request(name, `GET ${target} HTTP/1.1`, ['Host: 127.0.0.1', 'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', ...extra]);
const REALTIME = '/graphql/realtime';
const GOOD_PROTOCOLS = `Sec-WebSocket-Protocol: graphql-ws, header-${Buffer.from('{"host":"x","x-api-key":"nope"}').toString('base64url')}`;

/** The named inputs: the two of issue 24 and one or more of each class. */
export const MALFORMED_INPUTS: RawInput[] = [
  // issue 24: the web client's URIError and the real-time endpoint's TypeError
  request('target with a truncated percent-encoding', 'GET /%E0%A4%A HTTP/1.1'),
  upgrade('upgrade to //[', '//[', [`Sec-WebSocket-Key: ${WS_KEY}`, 'Sec-WebSocket-Protocol: graphql-ws']),
  // targets
  request('target //[', 'GET //[ HTTP/1.1'),
  request('target %', 'GET /% HTTP/1.1'),
  request('target /%ZZ', 'GET /%ZZ HTTP/1.1'),
  request('target /%C0%AF (overlong UTF-8)', 'GET /%C0%AF HTTP/1.1'),
  request('target /%ED%A0%80 (lone surrogate)', 'GET /%ED%A0%80 HTTP/1.1'),
  request('absolute-form target', 'GET http://[::1/graphql HTTP/1.1'),
  request('absolute-form target, good', 'GET http://example.com/graphql HTTP/1.1'),
  request('asterisk-form target on GET', 'GET * HTTP/1.1'),
  request('asterisk-form target on OPTIONS', 'OPTIONS * HTTP/1.1'),
  request('authority-form target', 'CONNECT 127.0.0.1:1 HTTP/1.1'),
  request('overlong target', `GET /${'a'.repeat(70_000)} HTTP/1.1`),
  request('target with a NUL', 'GET /\u0000 HTTP/1.1'),
  request('target with UTF-8 bytes', `GET /${Buffer.from('é\u{1F600}', 'utf8').toString('latin1')} HTTP/1.1`),
  request('graphql path with a bad query string', 'GET /graphql?%E0%A4%A=%ZZ HTTP/1.1'),
  // request lines and methods
  raw('empty line', `${CRLF}${CRLF}`),
  raw('garbage', 'not http at all\r\n\r\n'),
  raw('binary', Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0d, 0x0a, 0x0d, 0x0a])),
  raw('TLS-looking first byte then garbage', Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x02, 0x03, 0x04, 0x05])),
  request('unknown method', 'BREW / HTTP/1.1'),
  request('lower-case method', 'get / HTTP/1.1'),
  request('HTTP/2 preface', 'PRI * HTTP/2.0', ['', 'SM']),
  request('HTTP/9.9', 'GET / HTTP/9.9'),
  request('HTTP/1.0 without a host', 'GET / HTTP/1.0', []),
  // headers
  request('header without a colon', 'GET / HTTP/1.1', ['Host: 127.0.0.1', 'no colon here']),
  request('header with a NUL', 'GET / HTTP/1.1', ['Host: 127.0.0.1', 'X-A: a\u0000b']),
  request('overlong header', 'GET / HTTP/1.1', ['Host: 127.0.0.1', `X-Long: ${'b'.repeat(20_000)}`]),
  request('many headers', 'GET / HTTP/1.1', ['Host: 127.0.0.1', ...Array.from({ length: 3_000 }, (_, i) => `X-${i}: ${i}`)]),
  request('two content-lengths', 'POST /graphql HTTP/1.1', ['Host: 127.0.0.1', 'Content-Length: 2', 'Content-Length: 3', 'Content-Type: application/json'], '{}'),
  request('content-length and chunked', 'POST /graphql HTTP/1.1', ['Host: 127.0.0.1', 'Content-Length: 2', 'Transfer-Encoding: chunked'], '{}'),
  request('negative content-length', 'POST /graphql HTTP/1.1', ['Host: 127.0.0.1', 'Content-Length: -1'], '{}'),
  request('API key of invalid UTF-8', 'POST /graphql HTTP/1.1', ['Host: 127.0.0.1', 'Content-Type: application/json', 'Content-Length: 2', 'x-api-key: \u00ff\u00fe'], '{}'),
  request('authorization header of garbage', 'POST /graphql HTTP/1.1', ['Host: 127.0.0.1', 'Content-Type: application/json', 'Content-Length: 2', 'Authorization: AWS4-HMAC-SHA256 Credential=%%%/'], '{}'),
  request('X-Amz-Target of garbage', 'POST / HTTP/1.1', ['Host: 127.0.0.1', 'Content-Type: application/x-amz-json-1.1', 'Content-Length: 2', 'X-Amz-Target: \u00ff%E0%A4'], '{}'),
  // encodings and bodies
  request('bad chunk size', 'POST /graphql HTTP/1.1', ['Host: 127.0.0.1', 'Transfer-Encoding: chunked'], 'zz\r\n{}\r\n0\r\n\r\n'),
  request('unknown transfer-encoding', 'POST /graphql HTTP/1.1', ['Host: 127.0.0.1', 'Transfer-Encoding: gzip, zstd'], '{}'),
  request('gzip content-encoding of garbage', 'POST /graphql HTTP/1.1', ['Host: 127.0.0.1', 'Content-Encoding: gzip', 'Content-Type: application/json', 'Content-Length: 4', 'x-api-key: nope'], 'abcd'),
  request('truncated body', 'POST /graphql HTTP/1.1', ['Host: 127.0.0.1', 'Content-Type: application/json', 'Content-Length: 100'], '{"query":'),
  request('huge content-length', 'POST /graphql HTTP/1.1', ['Host: 127.0.0.1', 'Content-Type: application/json', 'Content-Length: 99999999999999999999'], '{}'),
  request('body of invalid UTF-8', 'POST /graphql HTTP/1.1', ['Host: 127.0.0.1', 'Content-Type: application/json', 'Content-Length: 16'], Buffer.from([0x7b, 0x22, 0x71, 0x75, 0x65, 0x72, 0x79, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0xff, 0xfe, 0x22, 0x7d])),
  request('body of invalid UTF-8 at the user pool', 'POST / HTTP/1.1', ['Host: 127.0.0.1', 'Content-Type: application/x-amz-json-1.1', 'X-Amz-Target: AWSCognitoIdentityProviderService.InitiateAuth', 'Content-Length: 6'], Buffer.from([0x7b, 0xc3, 0x28, 0xff, 0xfe, 0x7d])),
  request('user pool body nested deep', 'POST / HTTP/1.1', ['Host: 127.0.0.1', 'Content-Type: application/x-amz-json-1.1', 'X-Amz-Target: AWSCognitoIdentityProviderService.InitiateAuth', `Content-Length: ${20_000}`], `${'['.repeat(10_000)}${']'.repeat(10_000)}`),
  // upgrades
  upgrade('upgrade without a key', REALTIME, ['Sec-WebSocket-Protocol: graphql-ws']),
  upgrade('upgrade with a bad key', REALTIME, ['Sec-WebSocket-Key: !!not-base64!!', 'Sec-WebSocket-Protocol: graphql-ws']),
  upgrade('upgrade with a bad version', REALTIME, [`Sec-WebSocket-Key: ${WS_KEY}`, 'Sec-WebSocket-Version: 99', 'Sec-WebSocket-Protocol: graphql-ws']),
  upgrade('upgrade with no subprotocol', REALTIME, [`Sec-WebSocket-Key: ${WS_KEY}`]),
  upgrade('upgrade with a garbage subprotocol', REALTIME, [`Sec-WebSocket-Key: ${WS_KEY}`, 'Sec-WebSocket-Protocol: ,,, \u00ff, header-%%%']),
  upgrade('upgrade with a header subprotocol of garbage', REALTIME, [`Sec-WebSocket-Key: ${WS_KEY}`, 'Sec-WebSocket-Protocol: graphql-ws, header-!!!!']),
  upgrade('upgrade with a bad header query', `${REALTIME}?header=%E0%A4%A&payload=%%`, [`Sec-WebSocket-Key: ${WS_KEY}`, 'Sec-WebSocket-Protocol: graphql-ws']),
  upgrade('upgrade with good protocols, then garbage frames', REALTIME, [`Sec-WebSocket-Key: ${WS_KEY}`, GOOD_PROTOCOLS]),
  raw('upgrade then a bad frame', Buffer.concat([upgrade('', REALTIME, [`Sec-WebSocket-Key: ${WS_KEY}`, GOOD_PROTOCOLS]).bytes, Buffer.from([0x81, 0xfe, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00])])),
  upgrade('upgrade to an absolute-form target', `http://[${REALTIME}`, [`Sec-WebSocket-Key: ${WS_KEY}`, 'Sec-WebSocket-Protocol: graphql-ws']),
  upgrade('upgrade to *', '*', [`Sec-WebSocket-Key: ${WS_KEY}`, 'Sec-WebSocket-Protocol: graphql-ws']),
  upgrade('upgrade to another path', '/graphql', [`Sec-WebSocket-Key: ${WS_KEY}`, 'Sec-WebSocket-Protocol: graphql-ws']),
  upgrade('upgrade to %', '/%', [`Sec-WebSocket-Key: ${WS_KEY}`, 'Sec-WebSocket-Protocol: graphql-ws']),
  upgrade('h2c upgrade', '/', ['Upgrade: h2c', 'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA']),
];

const METHODS = ['GET', 'POST', 'PUT', 'OPTIONS', 'HEAD', 'DELETE', 'PATCH', 'CONNECT', 'TRACE', 'BREW', 'get', ''];
const TARGETS = ['/', '/graphql', REALTIME, '/health', '/console/app.js', '/amplify-config.json', '//[', '/%', '/%E0%A4%A', '*', 'http://[', 'http://x/%', '/?%', '/\u00ff', ''];
const VERSIONS = ['HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1x', ''];
const HEADERS = [
  'Host: 127.0.0.1',
  'Connection: Upgrade',
  'Upgrade: websocket',
  'Sec-WebSocket-Version: 13',
  `Sec-WebSocket-Key: ${WS_KEY}`,
  'Sec-WebSocket-Protocol: graphql-ws',
  'Sec-WebSocket-Protocol: header-%%%',
  'Content-Type: application/json',
  'Content-Type: application/x-amz-json-1.1',
  'X-Amz-Target: AWSCognitoIdentityProviderService.InitiateAuth',
  'X-Amz-Target: AWSCognitoIdentityProviderService.AdminAddUserToGroup',
  'Content-Length: 5',
  'Content-Length: -5',
  'Transfer-Encoding: chunked',
  'x-api-key: da2-x',
  'Authorization: AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=00',
  'Authorization: Bearer a.b.c',
  'Origin: http://evil.example',
  'Expect: 100-continue',
  'bad header',
];
const BODIES = ['', '{}', '{"query":"{', '{"query":"query { __typename }"}', '\u00ff\u00fe', 'zz\r\n', '0\r\n\r\n', '{"AuthFlow":"USER_SRP_AUTH","AuthParameters":{"USERNAME":"\u00ff"}}'];

/** Request-like byte strings composed from the pieces above, and bytes of no shape at all. */
export const rawInputs: fc.Arbitrary<RawInput> = fc.oneof(
  fc
    .record({
      method: fc.constantFrom(...METHODS),
      target: fc.oneof(fc.constantFrom(...TARGETS), fc.string({ maxLength: 40 }).map((s) => `/${encodeURIComponent(s).replace(/%[0-9A-F]{2}$/, '%E')}`)),
      version: fc.constantFrom(...VERSIONS),
      headers: fc.subarray(HEADERS, { maxLength: 8 }),
      body: fc.constantFrom(...BODIES),
    })
    .map(({ method, target, version, headers, body }) => raw(`${method} ${target} ${version} [${headers.join('; ')}] ${JSON.stringify(body)}`, `${method} ${target} ${version}${CRLF}${headers.join(CRLF)}${CRLF}${CRLF}${body}`)),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => raw(`bytes ${Buffer.from(bytes).toString('hex').slice(0, 40)}`, Buffer.from(bytes))),
);

/**
 * Sends the bytes, half-closes (unless `halfClose` is false: some servers, s3rver's, answer no
 * half-closed connection), and returns what came back within `waitMs`, when the server closed, or
 * (not half-closed) as soon as a status line came. Never rejects: a reset is an answer too.
 */
export function sendRaw(port: number, bytes: Buffer, waitMs = 500, host = '127.0.0.1', halfClose = true): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect({ port, host });
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      const head = Buffer.concat(chunks).subarray(0, 200).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1];
      resolve({ status: status ? Number(status) : undefined, head });
    };
    const timer = setTimeout(done, waitMs);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (!halfClose && /^HTTP\/1\.[01] \d{3}/.test(Buffer.concat(chunks).toString('latin1'))) done();
    });
    socket.on('error', done);
    socket.on('close', done);
    socket.on('connect', () => (halfClose ? socket.end(bytes) : socket.write(bytes)));
  });
}

/** The status a well-formed `GET path` gets from the port within timeoutMs, or throws. */
export async function answersAt(port: number, path = '/', timeoutMs = 5_000): Promise<number> {
  const answer = await sendRaw(port, Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`), timeoutMs, '127.0.0.1', false);
  if (answer.status === undefined) throw new Error(`port ${port} did not answer GET ${path} (got ${JSON.stringify(answer.head.slice(0, 60))})`);
  return answer.status;
}
