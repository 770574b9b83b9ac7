/**
 * Builds the installable package into dist/: JavaScript (esbuild, one ESM bundle per entry with
 * shared chunks, dependencies left as imports) beside the files the code reads at run time (the
 * AWS schema, the runtime prelude, the console's page code), and type declarations (tsc).
 *
 * In this repository the package is used from its TypeScript sources (package.json "exports"
 * points at src/index.ts: tsx, vitest, tsc and eslint need no build). A packed tarball is what
 * others install, so `npm pack` runs this with --manifest first (prepack): the manifest then points
 * "exports", "types" and the command line at dist/; --restore-manifest (postpack) puts the
 * repository's back. docs/ARCHITECTURE.md says why.
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
const manifest = join(root, 'package.json');
const saved = join(root, 'package.repo.json');

if (process.argv.includes('--restore-manifest')) {
  if (existsSync(saved)) renameSync(saved, manifest);
  process.exit(0);
}

rmSync(dist, { recursive: true, force: true });
await build({
  entryPoints: { index: join(root, 'src/index.ts'), cli: join(root, 'src/cli.ts') },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  packages: 'external',
  outdir: dist,
  logLevel: 'warning',
});
// read beside the code at run time (new URL(..., import.meta.url)); the bundles sit in dist/ itself
copyFileSync(join(root, 'src/server/aws-schema.graphql'), join(dist, 'aws-schema.graphql'));
cpSync(join(root, 'src/runtime/prelude'), join(dist, 'prelude'), { recursive: true });
for (const file of ['app.js', 'realtime.js']) copyFileSync(join(root, 'src/console', file), join(dist, file));

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });

if (process.argv.includes('--manifest')) {
  const text = readFileSync(manifest, 'utf8');
  if (!existsSync(saved)) writeFileSync(saved, text);
  const pkg = JSON.parse(text);
  pkg.exports = { '.': { types: './dist/types/index.d.ts', default: './dist/index.js' } };
  pkg.types = './dist/types/index.d.ts';
  delete pkg.scripts;
  delete pkg.devDependencies;
  writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
}
