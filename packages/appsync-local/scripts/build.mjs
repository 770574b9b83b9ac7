/**
 * Builds the installable package: JavaScript (esbuild, one ESM bundle per entry with shared chunks,
 * dependencies left as imports) beside the files the code reads at run time (the AWS schema, the
 * runtime prelude, the console's page code), and type declarations (tsc).
 *
 * In this repository the package is used from its TypeScript sources (package.json "exports"
 * points at src/index.ts: tsx, vitest, tsc and eslint need no build). A packed tarball is what
 * others install; its manifest points "exports", "types" and the command line at dist/:
 *   node scripts/build.mjs                      dist/ only
 *   node scripts/build.mjs --manifest           (prepack of `npm pack`) dist/, and the manifest rewritten
 *                                               for packing; --restore-manifest (postpack) puts it back
 *   node scripts/build.mjs --stage <dir>        a complete package in <dir> (dist/, bin/, README.md and the
 *                                               packing manifest), for `npm pack <dir>`: the tests pack this
 *                                               way, so that the repository's manifest never changes under
 *                                               test files running beside them
 * docs/ARCHITECTURE.md says why.
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const manifest = join(root, 'package.json');
const saved = join(root, 'package.repo.json');
const args = process.argv.slice(2);

if (args.includes('--restore-manifest')) {
  if (existsSync(saved)) renameSync(saved, manifest);
  process.exit(0);
}

const stageAt = args.indexOf('--stage');
const out = stageAt >= 0 ? resolve(args[stageAt + 1] ?? '') : root;
if (stageAt >= 0 && (!args[stageAt + 1] || out === root)) throw new Error('--stage takes a folder other than the package');
const dist = join(out, 'dist');

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
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', join(dist, 'types')], { stdio: 'inherit' });

/** The manifest of the packed package: entry, types and command line in dist/; nothing of the repository's. */
function packingManifest(text) {
  const pkg = JSON.parse(text);
  pkg.exports = { '.': { types: './dist/types/index.d.ts', default: './dist/index.js' } };
  pkg.types = './dist/types/index.d.ts';
  delete pkg.scripts;
  delete pkg.devDependencies;
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

if (stageAt >= 0) {
  mkdirSync(out, { recursive: true });
  cpSync(join(root, 'bin'), join(out, 'bin'), { recursive: true });
  copyFileSync(join(root, 'README.md'), join(out, 'README.md'));
  writeFileSync(join(out, 'package.json'), packingManifest(readFileSync(manifest, 'utf8')));
} else if (args.includes('--manifest')) {
  const text = readFileSync(manifest, 'utf8');
  if (!existsSync(saved)) writeFileSync(saved, text);
  writeFileSync(manifest, packingManifest(text));
}
