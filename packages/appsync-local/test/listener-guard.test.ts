/**
 * Listeners that survive any input (issue 24, part 2). An exception in a request, upgrade or
 * message handler answers that one request — 400 for a target or encoding that cannot be read,
 * 500 otherwise, in the listener's error shape — and the process keeps serving. Raw bytes
 * (node:net) of every malformed class go to the endpoint's port (HTTP, TLS sniffing, real-time
 * upgrades) and the user pool's; after each, both still answer a well-formed request.
 */
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { guardRequests, guardServer, guardUpgrades, requestTarget, decodedPath } from '../src/index';
import { startTestApi, type TestApi } from './support/api';
import { directRuntime } from './support/direct-runtime';
import { answersAt, MALFORMED_INPUTS, rawInputs, sendRaw } from './support/raw-requests';

const WIRING = new URL('./fixtures/server-api/wiring.json', import.meta.url).pathname;

let api: TestApi;
let apiPort: number;
let poolPort: number;

beforeAll(async () => {
  api = await startTestApi({
    label: 'guard',
    wiringFile: WIRING,
    runtime: () => directRuntime({ 'Query.note': async (input) => ({ data: { id: String(input.arguments.id), text: 't', required: 'r' }, errors: [] }) }),
  });
  apiPort = api.server.port;
  poolPort = Number(new URL(api.userPool.endpoint).port);
});

afterAll(async () => {
  await api?.stop();
});

async function bothAnswer(): Promise<void> {
  expect(await answersAt(apiPort, '/health')).toBe(200);
  // the user pool answers GET with its own refusal: an answer is what is checked
  expect(await answersAt(poolPort, '/')).toBeGreaterThanOrEqual(400);
}

async function serve(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('the guard', () => {
  it('answers a handler that throws with 500, one that cannot read the target with 400, and keeps serving', async () => {
    const logged: string[] = [];
    const server = createServer(
      guardRequests(
        (req, res) => {
          if (req.url === '/throw') throw new Error('boom');
          if (req.url === '/reject') return Promise.reject(new Error('async boom'));
          decodedPath(req.url);
          res.end('ok');
        },
        { name: 'test server', log: (message) => logged.push(message) },
      ),
    );
    const port = await serve(server);
    try {
      expect((await sendRaw(port, Buffer.from('GET /throw HTTP/1.1\r\nHost: x\r\n\r\n'))).status).toBe(500);
      expect((await sendRaw(port, Buffer.from('GET /reject HTTP/1.1\r\nHost: x\r\n\r\n'))).status).toBe(500);
      expect((await sendRaw(port, Buffer.from('GET /%E0%A4%A HTTP/1.1\r\nHost: x\r\n\r\n'))).status).toBe(400);
      expect((await sendRaw(port, Buffer.from('GET * HTTP/1.1\r\nHost: x\r\n\r\n'))).status).toBe(400);
      expect(await answersAt(port, '/fine')).toBe(200);
      expect(logged).toEqual([
        'test server: GET request failed (500)',
        'test server: GET request failed (500)',
        expect.stringMatching(/^test server: GET request refused \(400\): request-target with a malformed percent-encoding/),
        expect.stringMatching(/^test server: GET request refused \(400\): unreadable request-target "\*"/),
      ]);
    } finally {
      server.close();
    }
  });

  it('wraps the listeners a server already has (a library’s) and its upgrade handlers', async () => {
    const server = createServer((req) => {
      if (req.url === '/lib-throws') throw new TypeError('library bug');
    });
    server.on('upgrade', () => {
      throw new Error('upgrade bug');
    });
    guardServer(server, { name: 'library server', log: () => {} });
    const port = await serve(server);
    try {
      expect((await sendRaw(port, Buffer.from('GET /lib-throws HTTP/1.1\r\nHost: x\r\n\r\n'))).status).toBe(500);
      expect((await sendRaw(port, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'))).status).toBe(500);
      expect(guardUpgrades).toBeTypeOf('function');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('runs the listeners a handler hangs on its request inside the guard: a library that rethrows a reset request’s error', async () => {
    const logged: string[] = [];
    // kinesalite's way of reading a body
    const server = createServer(
      guardRequests(
        (req, res) => {
          req.on('error', (error) => {
            throw error;
          });
          req.on('data', () => {});
          req.on('end', () => res.end('read'));
        },
        { name: 'rethrowing server', log: (message) => logged.push(message) },
      ),
    );
    const port = await serve(server);
    try {
      // a body announced longer than sent, then a reset: the request errors with "aborted"
      await new Promise<void>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc');
          setTimeout(() => {
            socket.resetAndDestroy();
            resolve();
          }, 50);
        });
      });
      await expect.poll(() => logged).toEqual(['rethrowing server: POST request failed (500)']);
      expect(await answersAt(port, '/')).toBe(200);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('reads request-targets without throwing: origin-form (even //[), absolute-form, and nothing else', () => {
    expect(requestTarget('//[')?.pathname).toBe('//[');
    expect(requestTarget('/graphql/realtime?header=e30=')?.searchParams.get('header')).toBe('e30=');
    expect(requestTarget('http://example.com/a')?.pathname).toBe('/a');
    expect(requestTarget('http://[')).toBeNull();
    expect(requestTarget('*')).toBeNull();
    expect(requestTarget('')).toBeNull();
    expect(() => decodedPath('/%E0%A4%A')).toThrow(/malformed percent-encoding/);
  });
});

describe('the endpoint and the user pool under malformed input', () => {
  it('answer the two requests of issue 24 and keep serving', async () => {
    const [percent, bracket] = MALFORMED_INPUTS;
    expect((await sendRaw(apiPort, percent!.bytes)).status).toBe(404);
    // the upgrade to //[ is not the real-time path: refused as any other path is
    expect((await sendRaw(apiPort, bracket!.bytes)).status).toBe(404);
    await bothAnswer();
  });

  it.each(MALFORMED_INPUTS.map((input) => [input.name, input] as const))('%s: both ports still answer', async (_name, input) => {
    await Promise.all([sendRaw(apiPort, input.bytes, 300), sendRaw(poolPort, input.bytes, 300)]);
    await bothAnswer();
  });

  it('answers malformed start messages with errors on that connection, and keeps the connection', async () => {
    const header = Buffer.from(JSON.stringify({ host: `127.0.0.1:${apiPort}`, 'x-api-key': api.apiKey })).toString('base64url');
    const socket = new WebSocket(api.realtimeUrl, ['graphql-ws', `header-${header}`]);
    const messages: Array<{ type: string }> = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data)) as { type: string }));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    // starts whose payload and authorization are not objects: answered, the connection kept
    socket.send(JSON.stringify({ type: 'start', id: 'x', payload: 42 }));
    socket.send(JSON.stringify({ type: 'start', id: 'y', payload: { data: '{"query": 1}', extensions: { authorization: 'not an object' } } }));
    socket.send(JSON.stringify({ type: 'connection_init' }));
    await expect.poll(() => messages.filter((m) => m.type === 'error').length).toBe(2);
    expect(messages.some((m) => m.type === 'connection_ack')).toBe(true);
    socket.close();
    await bothAnswer();
  });

  it('fast-check: composed requests and random bytes never stop either port', async () => {
    await fc.assert(
      fc.asyncProperty(rawInputs, async (input) => {
        await Promise.all([sendRaw(apiPort, input.bytes, 200), sendRaw(poolPort, input.bytes, 200)]);
        await bothAnswer();
      }),
      { numRuns: 60, seed: 24 },
    );
  });
});
