/**
 * Builds the console (GraphiQL 3 + React 18) with esbuild from node_modules, in memory: the
 * machine may have no network, so nothing comes from a CDN. Built once per process, on first use.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { REALTIME_PATH } from '../realtime/protocol';

export interface ConsoleAssets {
  js: string;
  css: string;
}

let pending: Promise<ConsoleAssets> | undefined;

export function consoleAssets(): Promise<ConsoleAssets> {
  pending ??= bundle().catch((err) => {
    pending = undefined;
    throw err;
  });
  return pending;
}

async function bundle(): Promise<ConsoleAssets> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./app.js', import.meta.url))],
    bundle: true,
    write: false,
    outdir: '/console',
    format: 'esm',
    target: 'es2020',
    minify: true,
    loader: { '.woff2': 'dataurl', '.woff': 'dataurl', '.png': 'dataurl', '.svg': 'dataurl' },
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const file = (ext: string) => result.outputFiles.find((f) => f.path.endsWith(ext))?.text ?? '';
  return { js: file('.js'), css: file('.css') };
}

const escapeJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/** A ready operation of the console: one GraphiQL tab (variables as JSON text). */
export interface ConsoleTab {
  query: string;
  variables?: string;
}

/** What the console shows beside the API: its title, ready operations, and the pool users sign in to. */
export interface ConsoleOptions {
  title?: string;
  tabs?: ConsoleTab[];
  userPool?: { endpoint: string; clientId: string };
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function consoleHtml(config: { graphqlPath: string; apiKey: string; realtimePath?: string } & ConsoleOptions): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(config.title ?? 'Local AppSync console')}</title>
<link rel="stylesheet" href="/console/app.css">
<style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="graphiql">Loading the console…</div>
<script>window.APPSYNC_LOCAL_CONSOLE = ${escapeJson({ realtimePath: REALTIME_PATH, ...config })};</script>
<script type="module" src="/console/app.js"></script>
</body>
</html>`;
}
