import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadWiring } from '../src/wiring';
import { APPSYNC_CODE_LIMIT, buildApi } from '../src/build';

// A throw-away API in a temporary folder: the bundler must treat it exactly as a real one.
const dir = mkdtempSync(join(tmpdir(), 'appsync-build-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function api(name: string, resolverCode: string, functionCode?: string) {
  const root = join(dir, name);
  mkdirSync(join(root, 'functions'), { recursive: true });
  writeFileSync(join(root, 'schema.graphql'), 'type Query { f: String }\n');
  writeFileSync(join(root, 'helper.ts'), 'export const greet = (who: string) => `hello ${who}`;\n');
  writeFileSync(join(root, 'Query.f.ts'), resolverCode);
  const wiring = functionCode
    ? { dataSources: { None: { type: 'NONE' } }, functions: { fn: { dataSource: 'None' } }, resolvers: { 'Query.f': { pipeline: ['fn'] } } }
    : { dataSources: { None: { type: 'NONE' } }, functions: {}, resolvers: { 'Query.f': { dataSource: 'None' } } };
  if (functionCode) writeFileSync(join(root, 'functions', 'fn.ts'), functionCode);
  writeFileSync(join(root, 'wiring.json'), JSON.stringify(wiring));
  return loadWiring(join(root, 'wiring.json'));
}

const handlers = `import { util } from '@aws-appsync/utils';
import { greet } from './helper';
export function request() { return { payload: greet(util.autoId()) }; }
export function response(ctx: { result: unknown }) { return ctx.result; }
`;

describe('buildApi', () => {
  it('bundles resolvers and functions as ESM with @aws-appsync/* external and an inline source map without sources', async () => {
    const wiring = api('small', handlers, handlers.replace('./helper', '../helper'));
    const built = await buildApi(wiring, join(dir, 'out'));
    expect(built.map((b) => [b.kind, b.name])).toEqual([['resolver', 'Query.f'], ['function', 'fn']]);
    const resolver = built[0]!;
    expect(resolver.file).toBe(join(dir, 'out', 'small', 'Query.f.js'));
    expect(built[1]!.file).toBe(join(dir, 'out', 'small', 'functions', 'fn.js'));
    const text = readFileSync(resolver.file, 'utf8');
    expect(resolver.size).toBe(text.length);
    expect(text).toMatch(/import ?\{ ?util ?\} ?from ?"@aws-appsync\/utils";/);
    expect(text).toMatch(/export ?\{[^}]*request[^}]*\}/);
    expect(text).toContain('hello '); // the helper is bundled in
    const map = /sourceMappingURL=data:application\/json;base64,(\S+)/.exec(text);
    expect(map).not.toBeNull();
    const sourceMap = JSON.parse(Buffer.from(map![1]!, 'base64').toString('utf8')) as { sourcesContent?: unknown };
    expect(sourceMap.sourcesContent).toBeUndefined();
  });

  it(`fails a bundle over ${APPSYNC_CODE_LIMIT} characters, naming the resolver`, async () => {
    const big = `${handlers}export const padding = ${JSON.stringify('x'.repeat(APPSYNC_CODE_LIMIT))};\n`;
    await expect(buildApi(api('big', big), join(dir, 'out'))).rejects.toThrow(/big: resolver Query\.f: bundle is \d+ characters, over AppSync's limit of 32768/);
  });

  it('fails on code that does not compile, naming the resolver', async () => {
    await expect(buildApi(api('broken', 'export function request( {'), join(dir, 'out'))).rejects.toThrow(/broken: resolver Query\.f: /);
  });
});
