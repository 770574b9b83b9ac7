/**
 * The project reads nothing outside its own tree (issue 11): a clone with nothing beside it
 * passes. Two proofs: no path written in the code leads out of the tree, and the tests that read
 * recorded data pass when run from a copy of the tree in a fresh temporary folder (nothing beside
 * it, so no ../shared), with node_modules linked in (the workspace package from the copy).
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../infra/wiring';
import { NOT_SOURCE, copyOfTree } from './support/tree';
const CODE = new Set(['.ts', '.js', '.mjs', '.cjs', '.json', '.yml', '.yaml', '.sh', '.graphql']);

function sourceFiles(dir = REPO_ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (NOT_SOURCE.has(relative(REPO_ROOT, path))) return [];
    return entry.isDirectory() ? sourceFiles(path) : [path];
  });
}

const SELF = new URL(import.meta.url).pathname;
const isInside = (path: string) => path === REPO_ROOT || path.startsWith(REPO_ROOT + sep);

/**
 * Paths in a file's code that lead out of the tree: a quoted relative path ('../x', './x', '..')
 * where code takes a path (import, require, new URL(p, import.meta.url), join/resolve and the fs
 * calls), resolved from the file's folder as those read it; and any mention of a shared folder
 * beside the project. A relative path that is only data (a hostile input in a test corpus) is not
 * a read.
 */
const PATH_TAKER = /(?:\bfrom\s+|\bimport\(\s*|\brequire\(\s*|\bURL\(\s*|\b(?:join|resolve|readFileSync|existsSync|readdirSync|statSync|cpSync)\([^()'"`]*?)['"`](\.\.?(?:\/[^'"`\s]*)?)['"`]/g;

export function pathsLeavingTree(file: string, text: string): string[] {
  const found: string[] = [];
  for (const [, literal] of text.matchAll(PATH_TAKER)) {
    if (!isInside(resolve(dirname(file), literal))) found.push(literal);
  }
  for (const [match] of text.matchAll(/\.\.\/shared\b|['"]\.\.['"]\s*,\s*['"]shared['"]|\/work\/shared\b/g)) found.push(match);
  return found;
}

describe('the tree reads nothing outside itself', () => {
  it('writes no path that leads out of the tree', () => {
    // this file is left out: it holds the examples of what the scan catches
    const files = sourceFiles().filter((f) => (CODE.has(extname(f)) || f.endsWith(join('.ci', 'run'))) && f !== SELF);
    // the scan must see the code it guards: the wiring, the tests and the local stack
    expect(files.map((f) => relative(REPO_ROOT, f))).toEqual(expect.arrayContaining(['resolvers/wiring.json', 'test/support/marks.ts', 'local/stack.ts', '.ci/run']));
    // and it reads the paths in them (every relative import is one)
    expect(files.reduce((n, f) => n + [...readFileSync(f, 'utf8').matchAll(PATH_TAKER)].length, 0)).toBeGreaterThan(200);
    const leaving = files.flatMap((f) => pathsLeavingTree(f, readFileSync(f, 'utf8')).map((p) => `${relative(REPO_ROOT, f)}: ${p}`));
    expect(leaving).toEqual([]);
  });

  it('catches a path out of the tree when there is one', () => {
    const file = join(REPO_ROOT, 'test', 'x.test.ts');
    // the folder's name is put together here so that the tree itself never spells a read of it
    const outside = ['sha', 'red'].join('');
    expect(pathsLeavingTree(file, `readFileSync(new URL('../../${outside}/fixtures/a.json', import.meta.url))`)).toHaveLength(2);
    expect(pathsLeavingTree(file, `join(REPO_ROOT, '..', '${outside}', 'a.json')`)).toEqual([`'..', '${outside}'`]);
    expect(pathsLeavingTree(file, `import { x } from '../../outside/stack';`)).toEqual(['../../outside/stack']);
    expect(pathsLeavingTree(file, `import { x } from '../local/stack';`)).toEqual([]);
    expect(pathsLeavingTree(file, `command('releaseMark', { mark: '../../etc/passwd' })`)).toEqual([]);
  });

  describe('from a copy with nothing beside it', () => {
    let copy = '';
    afterAll(() => void (copy && rmSync(copy, { recursive: true, force: true })));

    it('passes the tests that read the recorded AppSync vectors and the original request', async () => {
      const { folder, tree } = copyOfTree('mark-api-alone-');
      copy = folder;
      expect(readdirSync(copy)).toEqual(['mark-api']);
      const reportFile = join(copy, 'report.json');
      await promisify(execFile)(
        join(tree, 'node_modules', '.bin', 'vitest'),
        ['run', 'packages/appsync-local/test/conformance.test.ts', 'test/mark-validation.test.ts', '--reporter', 'json', '--outputFile', reportFile],
        { cwd: tree, maxBuffer: 64 * 1024 * 1024, timeout: 300_000 },
      );
      const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { success: boolean; numPassedTests: number; numFailedTests: number; testResults: { name: string }[] };
      expect(report.testResults.map((r) => relative(tree, r.name)).sort()).toEqual(['packages/appsync-local/test/conformance.test.ts', 'test/mark-validation.test.ts']);
      expect(report.numFailedTests).toBe(0);
      expect(report.numPassedTests).toBeGreaterThan(10);
      expect(report.success).toBe(true);
    }, 360_000);
  });
});
