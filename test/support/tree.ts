/**
 * The project's own tree, for tests that run it from elsewhere: a copy in a temporary folder with
 * node_modules linked in (self-containment, npm start -- --watch).
 */
import { cpSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../../infra/wiring';

/** What is not the project's own source: installed, generated or run-time output (.gitignore). */
export const NOT_SOURCE = new Set(['node_modules', '.git', 'build', '.data', 'cdk.out', 'coverage', 'test-results', join('.ci', 'node')]);

/** A copy of the source tree at <fresh temporary folder>/mark-api, node_modules a link to ours. */
export function copyOfTree(prefix: string): { folder: string; tree: string } {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  const tree = join(folder, 'mark-api');
  cpSync(REPO_ROOT, tree, { recursive: true, filter: (src) => !NOT_SOURCE.has(relative(REPO_ROOT, src)) });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(tree, 'node_modules'), 'dir');
  return { folder, tree };
}
