/**
 * Where the wiring finds resolver and function code: `Type.field.ts` or `.js` (plain ESM, as AppSync
 * takes it, the way AWS's samples are written), `functions/name.ts` or `.js`, or the file a
 * resolver or function names with `code`. The build bundles either language the same way.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { functionSourceFile, loadWiring, resolverSourceFile } from '../src/wiring';
import { buildApi } from '../src/build';
import { createSandbox } from '../src/runtime/sandbox';

const dir = mkdtempSync(join(tmpdir(), 'appsync-wiring-code-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const JS = `import { util } from '@aws-appsync/utils';
export function request(ctx) { return { payload: util.str.toUpper(ctx.args.name) }; }
export function response(ctx) { return ctx.result; }
`;

/** An API folder: files (relative path → text) and its wiring. */
function api(name: string, files: Record<string, string>, wiring: Record<string, unknown>) {
  const root = join(dir, name);
  mkdirSync(root, { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), text);
  }
  writeFileSync(join(root, 'wiring.json'), JSON.stringify({ dataSources: { None: { type: 'NONE' } }, functions: {}, ...wiring }));
  return root;
}

describe('resolver and function code', () => {
  it('is found as .js by the naming convention, and bundled as .ts is', async () => {
    const root = api('plain-js', { 'Query.hello.js': JS, 'functions/shout.js': JS }, { functions: { shout: { dataSource: 'None' } }, resolvers: { 'Query.hello': { pipeline: ['shout'] } } });
    const wiring = loadWiring(join(root, 'wiring.json'));
    expect(resolverSourceFile(wiring, 'Query.hello')).toBe(join(root, 'Query.hello.js'));
    expect(functionSourceFile(wiring, 'shout')).toBe(join(root, 'functions', 'shout.js'));
    const built = await buildApi(wiring, join(dir, 'out'));
    expect(built.map((b) => b.name)).toEqual(['Query.hello', 'shout']);
    const text = readFileSync(built[0].file, 'utf8');
    expect(text).toContain('from"@aws-appsync/utils"');
    // the bundle loads in the runtime's sandbox like any other
    expect(() => createSandbox(text, { name: 'plain-js/Query.hello' })).not.toThrow();
  });

  it('is the file a resolver or function names with "code", relative to the wiring', async () => {
    const root = api('named', { 'src/hello.js': JS, 'src/steps/shout.ts': JS.replace('(ctx)', '(ctx: { args: { name: string } })') }, {
      functions: { shout: { dataSource: 'None', code: 'src/steps/shout.ts' } },
      resolvers: { 'Query.hello': { pipeline: ['shout'], code: 'src/hello.js' } },
    });
    const wiring = loadWiring(join(root, 'wiring.json'));
    expect(resolverSourceFile(wiring, 'Query.hello')).toBe(join(root, 'src', 'hello.js'));
    expect(functionSourceFile(wiring, 'shout')).toBe(join(root, 'src', 'steps', 'shout.ts'));
    expect(await buildApi(wiring, join(dir, 'out'))).toHaveLength(2);
  });

  it('is refused when both Type.field.ts and .js exist: which one runs must not be a guess', async () => {
    const root = api('both', { 'Query.hello.js': JS, 'Query.hello.ts': JS }, { resolvers: { 'Query.hello': { dataSource: 'None' } } });
    await expect(buildApi(loadWiring(join(root, 'wiring.json')), join(dir, 'out'))).rejects.toThrow(
      `wiring: both ${join(root, 'Query.hello.ts')} and ${join(root, 'Query.hello.js')} exist: keep one, or name it with "code"`,
    );
  });

  it('must be a .ts or .js file when named', () => {
    const root = api('named-wrong', {}, { resolvers: { 'Query.hello': { dataSource: 'None', code: 'hello.vtl' } } });
    expect(() => loadWiring(join(root, 'wiring.json'))).toThrow('wiring: Query.hello: "code" must name a .ts or .js file, relative to the wiring file');
  });

  it('names the file it looked for when there is none', async () => {
    const root = api('missing', {}, { resolvers: { 'Query.hello': { dataSource: 'None' } } });
    await expect(buildApi(loadWiring(join(root, 'wiring.json')), join(dir, 'out'))).rejects.toThrow('resolver Query.hello: source');
  });
});
