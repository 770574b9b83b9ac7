/**
 * The listeners guardRequests runs inside its guard stay the handler's own (review of issue 24,
 * part 2): `removeListener(event, listener)` and `off` remove them (a stream's unpipe, raw-body's
 * cleanup), `once` ones fire once, `listeners()` names them; only the first failure on a request
 * answers it, later ones are logged; a listener that throws (or rejects) in data, end or error
 * answers 500 or 400 and the server keeps serving.
 */
import { createServer, IncomingMessage, ServerResponse, type Server } from 'node:http';
import { connect, Socket, type AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { decodedPath, guardRequests } from '../src/index';
import { answersAt, sendRaw } from './support/raw-requests';

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

/** A request and its response with no connection under them: events are emitted by the test. */
function guarded(handler: Handler, logged: string[] = []) {
  const req = new IncomingMessage(new Socket());
  req.method = 'POST';
  const res = new ServerResponse(req);
  guardRequests(handler, { name: 'unit', log: (message) => logged.push(message) })(req, res);
  return { req, res, logged };
}

async function serve(handler: Handler, logged: string[]): Promise<{ server: Server; port: number }> {
  const server = createServer(guardRequests(handler, { name: 'unit server', log: (message) => logged.push(message) }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

function stop(server: Server): void {
  server.closeAllConnections();
  server.close();
}

describe('the listeners a guarded handler hangs on its request', () => {
  it('are removed by removeListener/off with the original, and listeners() names the original', () => {
    const calls: string[] = [];
    const onData = (chunk: unknown) => calls.push(`data ${String(chunk)}`);
    const onClose = () => calls.push('close');
    let before = 0;
    const { req } = guarded((req) => {
      before = req.listenerCount('data');
      req.on('data', onData);
      req.addListener('close', onClose);
    });
    expect(req.listeners('data')).toContain(onData);
    expect(req.listenerCount('data', onData)).toBe(1);
    req.emit('data', 'a');
    req.removeListener('data', onData);
    req.emit('data', 'b');
    expect(req.listenerCount('data')).toBe(before);
    req.off('close', onClose);
    req.emit('close');
    expect(calls).toEqual(['data a']);
    expect(req.listeners('close')).not.toContain(onClose);
  });

  it('fire once when registered with once or prependOnceListener, and a once listener removed before it fires never does', () => {
    const calls: string[] = [];
    const onEnd = () => calls.push('end');
    const first = () => calls.push('first');
    const never = () => calls.push('never');
    const { req } = guarded((req) => {
      req.on('end', () => calls.push('on'));
      req.once('end', onEnd);
      req.prependOnceListener('end', first);
      req.once('aborted', never);
      req.removeListener('aborted', never);
    });
    req.emit('end');
    req.emit('end');
    req.emit('aborted');
    // prepended runs first; the once listeners ran once and are gone, the `on` one stays
    expect(calls).toEqual(['first', 'on', 'end', 'on']);
    expect(req.listeners('end')).not.toContain(onEnd);
    expect(req.listeners('end')).not.toContain(first);
    expect(req.listenerCount('aborted')).toBe(0);
  });

  it('leave nothing behind after a pipe is undone (the leak of the reviewed version)', () => {
    const dest = new PassThrough();
    const counts: Record<string, number> = {};
    const { req } = guarded((req) => {
      for (const event of ['data', 'end', 'error', 'close']) counts[event] = req.listenerCount(event);
      req.pipe(dest);
    });
    expect(req.listenerCount('data')).toBeGreaterThan(counts.data!);
    req.unpipe(dest);
    for (const event of ['data', 'end', 'error', 'close']) expect(req.listenerCount(event), event).toBe(counts[event]);
  });

  it('are guarded when hung after the handler returned (after an await)', async () => {
    let hung!: () => void;
    const ready = new Promise<void>((resolve) => (hung = resolve));
    const { req, res, logged } = guarded(async (req) => {
      await Promise.resolve();
      req.on('data', () => {
        throw new Error('late listener');
      });
      hung();
    });
    await ready;
    expect(() => req.emit('data', 'x')).not.toThrow();
    expect(res.statusCode).toBe(500);
    expect(logged).toEqual(['unit: POST request failed (500)']);
  });

  it('answer once when two of them throw: the first failure answers, the second is logged', () => {
    const { req, res, logged } = guarded((req) => {
      req.on('data', () => {
        throw new Error('one');
      });
      req.on('data', () => {
        throw new Error('two');
      });
    });
    const writeHead = res.writeHead.bind(res);
    let answers = 0;
    res.writeHead = ((...args: Parameters<typeof res.writeHead>) => {
      answers += 1;
      return writeHead(...args);
    }) as typeof res.writeHead;
    req.emit('data', 'x');
    req.emit('data', 'y');
    expect(answers).toBe(1);
    expect(res.statusCode).toBe(500);
    expect(res.destroyed).toBe(false);
    // two emits, two throwing listeners each: four failures, one answer
    expect(logged).toEqual([
      'unit: POST request failed (500)',
      'unit: POST request failed again after its failure was answered',
      'unit: POST request failed again after its failure was answered',
      'unit: POST request failed again after its failure was answered',
    ]);
  });

  it('leave other events and non-function arguments to EventEmitter', () => {
    const onFinish = () => {};
    const { req } = guarded((req) => {
      req.on('custom', onFinish);
    });
    expect(req.rawListeners('custom')).toEqual([onFinish]);
    expect(() => req.on('data', 42 as unknown as () => void)).toThrow(TypeError);
  });
});

describe('a guarded server whose request listeners throw', () => {
  const post = (path: string, body = 'abc') => Buffer.from(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`);

  it.each([
    ['a data listener throws', '/data', 500, 'unit server: POST request failed (500)'],
    ['an end listener cannot read the target', '/%E0%A4%A', 400, expect.stringMatching(/^unit server: POST request refused \(400\): request-target with a malformed/)],
    ['an async end listener rejects', '/async-end', 500, 'unit server: POST request failed (500)'],
    ['two data listeners throw', '/two', 500, 'unit server: POST request failed (500)'],
  ] as const)('%s: answers %s once and keeps serving', async (_name, path, status, line) => {
    const logged: string[] = [];
    const { server, port } = await serve((req, res) => {
      if (req.url === '/fine') {
        res.end('ok');
        return;
      }
      req.on('data', () => {
        if (req.url === '/data' || req.url === '/two') throw new Error('data listener');
      });
      if (req.url === '/two')
        req.on('data', () => {
          throw new Error('second data listener');
        });
      req.once('end', async () => {
        if (req.url === '/async-end') throw new Error('async end listener');
        decodedPath(req.url);
        res.end('read');
      });
    }, logged);
    try {
      const answer = await sendRaw(port, post(path));
      expect(answer.status).toBe(status);
      expect(answer.head.match(/HTTP\/1\.1 /g)).toHaveLength(1);
      expect(logged[0]).toEqual(line);
      if (path === '/two') expect(logged.slice(1)).toEqual(['unit server: POST request failed again after its failure was answered']);
      else expect(logged).toHaveLength(1);
      expect(await answersAt(port, '/fine')).toBe(200);
    } finally {
      stop(server);
    }
  });

  it('an error listener that rethrows a reset request’s error is logged once and the server keeps serving', async () => {
    const logged: string[] = [];
    const { server, port } = await serve((req, res) => {
      req.once('error', (error) => {
        throw error;
      });
      req.on('data', () => {});
      req.on('end', () => res.end('read'));
    }, logged);
    try {
      await new Promise<void>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc');
          setTimeout(() => {
            socket.resetAndDestroy();
            resolve();
          }, 50);
        });
      });
      await expect.poll(() => logged).toEqual(['unit server: POST request failed (500)']);
      expect(await answersAt(port, '/')).toBe(200);
    } finally {
      stop(server);
    }
  });
});
