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
    ['an import of mark-api code', `import { tables } from '../../../infra/tables';\nexport const t = tables;\n`, '../../../infra/tables'],
    ['a re-export', `export { STAFF_GROUP } from '../../../resolvers/lib/roles';\n`, '../../../resolvers/lib/roles'],
    ['a dynamic import', `export const load = () => import('../../../local/stack');\n`, '../../../local/stack'],
    ['a path up and back into the repository', `import '../../../../test/support/marks';\n`, '../../../../test/support/marks'],
  ])('fails on %s added to a copy of src/app.ts', async (_label, line, source) => {
    const messages = await boundaryMessages(`${original}\n${line}`);
    expect(messages).toEqual([expect.stringContaining(`"${source}" leaves packages/appsync-local`)]);
  });

  it('leaves imports within the package and of npm packages alone, and files outside the package', async () => {
    expect(await boundaryMessages(`${original}\nimport { createSandbox } from './runtime/sandbox';\nimport { parse } from 'graphql';\nexport { createSandbox, parse };\n`)).toEqual([]);
    expect(await boundaryMessages(`import { tables } from '../infra/tables';\nexport const t = tables;\n`, join(REPO_ROOT, 'local', 'x.ts'))).toEqual([]);
  });
});
