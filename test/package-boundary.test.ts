/**
 * The local AppSync package imports nothing of mark-api (issue 18): eslint.config.js's rule
 * `local/package-boundary` fails `eslint .` (and so `npm test`) when a file under
 * packages/appsync-local names a path outside the package. Shown here on copies of a real package
 * file, linted with the repository's own configuration as `npm test` lints it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../infra/wiring';

const FILE = join(REPO_ROOT, 'packages', 'appsync-local', 'src', 'app.ts');
const original = readFileSync(FILE, 'utf8');
/** `levels` folders up from src/: the samples are put together here so that this file never spells a path out of the tree (test/self-contained.test.ts). */
const up = (levels: number, rest: string) => `${'../'.repeat(levels)}${rest}`;
const eslint = new ESLint({ cwd: REPO_ROOT });

async function boundaryMessages(text: string, filePath = FILE): Promise<string[]> {
  const [result] = await eslint.lintText(text, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'local/package-boundary').map((m) => m.message);
}

describe('the package boundary lint rule', () => {
  it('passes the package file as it is', async () => {
    expect(await boundaryMessages(original)).toEqual([]);
  });

  it.each([
    ['an import of mark-api code', (p: string) => `import { tables } from '${p}';\nexport const t = tables;\n`, up(3, 'infra/tables')],
    ['a re-export', (p: string) => `export { STAFF_GROUP } from '${p}';\n`, up(3, 'resolvers/lib/roles')],
    ['a dynamic import', (p: string) => `export const load = () => import('${p}');\n`, up(3, 'local/stack')],
    ['a path out of the repository', (p: string) => `import '${p}';\n`, up(4, 'elsewhere/module')],
  ])('fails on %s added to a copy of src/app.ts', async (_label, statement, source) => {
    const line = statement(source);
    const messages = await boundaryMessages(`${original}\n${line}`);
    expect(messages).toEqual([expect.stringContaining(`"${source}" leaves packages/appsync-local`)]);
  });

  it('leaves imports within the package and of npm packages alone, and files outside the package', async () => {
    expect(await boundaryMessages(`${original}\nimport { createSandbox } from './runtime/sandbox';\nimport { parse } from 'graphql';\nexport { createSandbox, parse };\n`)).toEqual([]);
    expect(await boundaryMessages(`import { tables } from '${up(1, 'infra/tables')}';\nexport const t = tables;\n`, join(REPO_ROOT, 'local', 'x.ts'))).toEqual([]);
  });
});
