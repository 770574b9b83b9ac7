/**
 * The reference web client (web/) on this machine: `buildWebClient` bundles it with esbuild from
 * node_modules into build/web/ (`npm run build:web`; nothing comes from a CDN, nothing is fetched at
 * run time), and `serveWebClient` serves that folder on an origin of its own (`npm start`) with
 * the client configuration file beside it, read afresh at every request — the page fetches it at
 * startup, so the same build points at AWS when that file is a deployed stack's.
 *
 * To host it against a deployed stack, any static host will do: the files of build/web/ plus the
 * amplify-config.json that `npm run client-config` writes, side by side.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { decodedPath, guardRequests } from 'appsync-local';
import { REPO_ROOT } from '../infra/wiring';

export const WEB_SOURCE_DIR = join(REPO_ROOT, 'web');
export const WEB_BUILD_DIR = join(REPO_ROOT, 'build', 'web');
/** npm start's web client port when it is free, beside the endpoint (4000) and the user pool (4001). */
export const DEFAULT_WEB_PORT = 4002;
/** The name the page fetches its configuration by (web/src/ui/main.ts). */
export const WEB_CONFIG_NAME = 'amplify-config.json';

export interface BuiltWebFile {
  file: string;
  bytes: number;
}

/** Bundles web/src/ui/main.ts into app.js (with its source map) and copies web/static/ beside it. */
export async function buildWebClient(outDir = WEB_BUILD_DIR): Promise<BuiltWebFile[]> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [join(WEB_SOURCE_DIR, 'src', 'ui', 'main.ts')],
    outfile: join(outDir, 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    sourcemap: 'linked',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const staticDir = join(WEB_SOURCE_DIR, 'static');
  for (const name of readdirSync(staticDir)) copyFileSync(join(staticDir, name), join(outDir, name));
  return readdirSync(outDir).map((name) => ({ file: join(outDir, name), bytes: statSync(join(outDir, name)).size }));
}

export interface WebClientServer {
  /** the page's address, e.g. http://127.0.0.1:4002/ */
  url: string;
  /** scheme://host:port, what the user pool must allow (startStack's allowedOrigins) */
  origin: string;
  stop(): Promise<void>;
}

export interface WebClientServerOptions {
  /** the built client (default build/web/) */
  root?: string;
  /** the client configuration file served as /amplify-config.json */
  configFile: string;
  /** default: a free port */
  port?: number;
  host?: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
};

/**
 * What the page may load: its own files only (no CDN), and connect to the API, the real-time
 * endpoint and the user pool wherever the configuration puts them.
 */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' https: http: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Serves a built web client and its configuration file (GET and HEAD only; the folder's own files only). */
export async function serveWebClient(options: WebClientServerOptions): Promise<WebClientServer> {
  const root = resolve(options.root ?? WEB_BUILD_DIR);
  const answer = (request: IncomingMessage, response: ServerResponse) => {
    const send = (status: number, type: string, body: Buffer | string, extra: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...SECURITY_HEADERS, ...extra });
      response.end(request.method === 'HEAD' ? undefined : body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(405, 'text/plain; charset=utf-8', 'GET or HEAD only\n', { allow: 'GET, HEAD' });
    // decodedPath refuses an unreadable target or encoding (`/%E0%A4%A`) as 400, through the guard
    const path = decodedPath(request.url);
    const name = path === '/' ? 'index.html' : path.slice(1);
    try {
      if (name === WEB_CONFIG_NAME) return send(200, TYPES['.json']!, readFileSync(options.configFile), { 'cache-control': 'no-store' });
      // a name in the folder itself: no sub-paths, no way out of it
      if (name !== basename(name) || !readdirSync(root).includes(name)) return send(404, 'text/plain; charset=utf-8', 'not found\n');
      return send(200, TYPES[extname(name)] ?? 'application/octet-stream', readFileSync(join(root, name)), { 'cache-control': 'no-cache' });
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      return send(missing ? 404 : 500, 'text/plain; charset=utf-8', missing ? `${name === WEB_CONFIG_NAME ? 'no client configuration yet' : 'not built yet (npm run build:web)'}\n` : 'server error\n');
    }
  };
  const server = createServer(guardRequests(answer, { name: 'web client' }));
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, host, () => done());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url: `${origin}/`,
    origin,
    stop: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  buildWebClient()
    .then((files) => {
      for (const f of files) console.log(`${relative(process.cwd(), f.file)}  ${f.bytes} bytes`);
      console.log(`web client built in ${Math.round(performance.now() - started)} ms`);
    })
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
