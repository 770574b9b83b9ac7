/**
 * The project's own tree, for tests that run it from elsewhere: a copy in a temporary folder with
 * node_modules linked in (self-containment, npm start -- --watch).
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../../infra/wiring';

/** What is not the project's own source: installed, generated or run-time output (.gitignore). */
export const NOT_SOURCE = new Set(['node_modules', '.git', 'build', '.data', 'cdk.out', 'coverage', 'test-results', join('.ci', 'node')]);

/**
 * A copy of the source tree at <fresh temporary folder>/mark-api. Its node_modules links every
 * installed package to ours but the workspace packages (packages/*), which link to the copy's own,
 * as npm links them: the copy runs its own code throughout.
 */
export function copyOfTree(prefix: string): { folder: string; tree: string } {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  const tree = join(folder, 'mark-api');
  cpSync(REPO_ROOT, tree, { recursive: true, filter: (src) => !NOT_SOURCE.has(relative(REPO_ROOT, src)) });
  const workspaces = new Map(
    readdirSync(join(tree, 'packages')).map((dir) => [JSON.parse(readFileSync(join(tree, 'packages', dir, 'package.json'), 'utf8')).name as string, join(tree, 'packages', dir)]),
  );
  mkdirSync(join(tree, 'node_modules'));
  for (const entry of readdirSync(join(REPO_ROOT, 'node_modules'))) {
    symlinkSync(workspaces.get(entry) ?? join(REPO_ROOT, 'node_modules', entry), join(tree, 'node_modules', entry), 'dir');
  }
  return { folder, tree };
}
