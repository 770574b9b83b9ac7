import appsync from '@aws-appsync/eslint-plugin';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadWiring } from '../src/wiring';
import { AppSyncCodeError, checkCode } from '../src/runtime/static-check';
import { createSandbox } from '../src/runtime/sandbox';
import { buildApi } from '../src/build';
import { fixtureWirings } from './setup/global';

/*
 * The corpus of what AppSync refuses when code is saved ("BadRequestException: The code contains
 * one or more errors"): every construct on the "Supported runtime features" page of the AWS
 * AppSync developer guide listed as not supported (operators ++ -- ~ and in; statements catch,
 * continue, do-while, finally, for(;;), throw, try, while, labelled statements), and every rule
 * of AWS's @aws-appsync/eslint-plugin (aws/aws-appsync-community, its recommended set).
 *
 * `⟪` marks where the refused construct starts (line and column of the report).
 *
 * The plugin's type-aware rules know a method by the type of its receiver: on an untyped value
 * (ctx.args.s) they cannot tell, as in the editor; the local check runs the plugin's rules, no more.
 */
interface Case {
  name: string;
  rule: string;
  code: string;
}

const module = (body: string, top = '') => `${top}export function request(ctx) {\n  ${body}\n}\nexport function response(ctx) { return ctx.result; }\n`;

const cases: Case[] = [
  // "Supported runtime features": operators not supported
  { name: 'operator ++', rule: '@aws-appsync/no-disallowed-unary-operators', code: module('let n = ctx.args.n;\n  ⟪n++;\n  return { n };') },
  { name: 'operator --', rule: '@aws-appsync/no-disallowed-unary-operators', code: module('let n = ctx.args.n;\n  ⟪n--;\n  return { n };') },
  { name: 'operator ~', rule: '@aws-appsync/no-disallowed-unary-operators', code: module('return { n: ⟪~ctx.args.n };') },
  { name: 'operator in', rule: '@aws-appsync/no-in-operator', code: module("return { has: ⟪'n' in ctx.args };") },
  // "Supported runtime features": statements not supported
  { name: 'try / catch', rule: '@aws-appsync/no-try', code: module('⟪try { return { n: ctx.args.n.m }; } catch (e) { return { e }; }') },
  { name: 'try / finally', rule: '@aws-appsync/no-try', code: module('⟪try { return { n: ctx.args.n }; } finally { console.log(1); }') },
  { name: 'continue', rule: '@aws-appsync/no-continue', code: module('const out = [];\n  for (const x of ctx.args.list) {\n    if (x) ⟪continue;\n    out.push(x);\n  }\n  return { out };') },
  { name: 'do-while', rule: '@aws-appsync/no-while', code: module('let n = ctx.args.n;\n  ⟪do { n = n - 1; } while (n > 0);\n  return { n };') },
  { name: 'while', rule: '@aws-appsync/no-while', code: module('let n = ctx.args.n;\n  ⟪while (n > 0) { n = n - 1; }\n  return { n };') },
  { name: 'for(;;)', rule: '@aws-appsync/no-for', code: module('let n = 0;\n  ⟪for (let i = 0; i < ctx.args.n; i = i + 1) { n = n + i; }\n  return { n };') },
  { name: 'throw', rule: 'appsync-runtime/no-throw', code: module("if (!ctx.args.n) ⟪throw new Error('no n');\n  return { n: ctx.args.n };") },
  { name: 'labelled statement', rule: '@aws-appsync/no-labels', code: module('let n = 0;\n  ⟪outer: for (const x of ctx.args.list) { n = x; break outer; }\n  return { n };') },
  // @aws-appsync/eslint-plugin rules
  { name: 'async function', rule: '@aws-appsync/no-async', code: `export ⟪async function request(ctx) { return { n: ctx.args.n }; }\nexport function response(ctx) { return ctx.result; }\n` },
  { name: 'await', rule: '@aws-appsync/no-await', code: `const n = ⟪await 1;\nexport function request(ctx) { return { n }; }\nexport function response(ctx) { return ctx.result; }\n` },
  { name: 'class', rule: '@aws-appsync/no-classes', code: module('⟪class Box { constructor(v) { this.v = v; } }\n  return { box: new Box(ctx.args.n) };') },
  { name: 'generator', rule: '@aws-appsync/no-generators', code: module('⟪function* count() { return 1; }\n  return { n: count().next().value };') },
  { name: 'yield', rule: '@aws-appsync/no-yield', code: module('function* count() { ⟪yield 1; }\n  return { n: count().next().value };') },
  { name: 'regex literal', rule: '@aws-appsync/no-regex', code: module('return { ok: ⟪/^a+$/.test(ctx.args.s) };') },
  { name: 'this', rule: '@aws-appsync/no-this', code: module('return { self: ⟪this };') },
  { name: 'recursion', rule: '@aws-appsync/no-recursion', code: module('function depth(n) { return n > 0 ? ⟪depth(n - 1) + 1 : 0; }\n  return { n: depth(ctx.args.n) };') },
  { name: 'a method not implemented (String.padStart)', rule: '@aws-appsync/no-disallowed-methods', code: module("return { s: ⟪String(ctx.args.s).padStart(5, '0') };") },
  { name: 'operator instanceof', rule: '@aws-appsync/no-disallowed-binary-operators', code: module('return { isArray: ⟪ctx.args.list instanceof Array };') },
  { name: 'passing a function to a method that is not an allowed callback taker (Array.sort)', rule: '@aws-appsync/no-function-passing', code: module('return { list: ⟪[3, 1, 2].sort((a, b) => a - b) };') },
  { name: 'passing a function to a function', rule: '@aws-appsync/no-function-passing', code: module('const apply = (f, v) => f(v);\n  return { n: ⟪apply((v) => v + 1, ctx.args.n) };') },
  { name: 'Promise', rule: '@aws-appsync/no-promise', code: module('return { p: ⟪new Promise(() => 1) };') },
  { name: 'function re-assignment', rule: '@aws-appsync/no-function-reassign', code: module('function twice(v) { return v * 2; }\n  const ⟪alias = twice;\n  return { n: alias(ctx.args.n) };') },
  { name: 'returning a function', rule: '@aws-appsync/no-function-return', code: module('const adder = (a) => { ⟪return (b) => a + b; };\n  return { n: adder(1)(ctx.args.n) };') },
  { name: 'writing to ctx', rule: '@aws-appsync/no-disallowed-re-assignment', code: module('⟪ctx.arguments = { n: 1 };\n  return {};') },
];

/** The code without its marker, and the 1-based line and column of the marker. */
function located(code: string): { code: string; line: number; column: number } {
  const at = code.indexOf('⟪');
  const before = code.slice(0, at).split('\n');
  return { code: code.replace('⟪', ''), line: before.length, column: before.at(-1)!.length + 1 };
}

const dir = mkdtempSync(join(tmpdir(), 'appsync-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let apis = 0;
function api(resolverCode: string) {
  const root = join(dir, `api${++apis}`);
  mkdirSync(join(root, 'functions'), { recursive: true });
  writeFileSync(join(root, 'schema.graphql'), 'type Query { f: String }\n');
  writeFileSync(join(root, 'Query.f.ts'), `// @ts-nocheck -- the corpus is plain JavaScript\n${resolverCode}`);
  writeFileSync(join(root, 'wiring.json'), JSON.stringify({ dataSources: { None: { type: 'NONE' } }, functions: {}, resolvers: { 'Query.f': { dataSource: 'None' } } }));
  return loadWiring(join(root, 'wiring.json'));
}

const refusal = (fn: () => unknown): AppSyncCodeError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppSyncCodeError) return err;
    throw err;
  }
  throw new Error('the code was accepted');
};

describe('the save-time check: what AppSync refuses is refused at load and at build', () => {
  it('the corpus has a case for every rule of @aws-appsync/eslint-plugin', () => {
    const covered = new Set(cases.map((c) => c.rule.replace('@aws-appsync/', '')));
    expect(Object.keys(appsync.rules!).filter((rule) => !covered.has(rule))).toEqual([]);
  });

  it.each(cases)('$name: refused when loaded, with AppSync\'s error and the location', ({ rule, code }) => {
    const { code: text, line, column } = located(code);
    const error = refusal(() => createSandbox(text, { name: 'corpus' }));
    expect(error.message).toMatch(/^corpus: BadRequestException: The code contains one or more errors\./);
    expect(error.problems).toContainEqual(expect.objectContaining({ rule, line, column }));
    expect(error.message).toContain(`code.js:${line}:${column}: `);
  });

  it.each(cases)('$name: refused by the build, naming the resolver and the source line', async ({ rule, code }) => {
    const { code: text, line } = located(code);
    const wiring = api(text);
    const failure = await buildApi(wiring, join(dir, 'out')).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(AppSyncCodeError);
    const error = failure as AppSyncCodeError;
    expect(error.message).toMatch(new RegExp(`^${wiring.name}: resolver Query\\.f: BadRequestException: The code contains one or more errors\\.`));
    const problem = error.problems.find((p) => p.rule === rule);
    expect(problem).toBeDefined();
    // the source file carries one comment line above the corpus code
    expect(problem!.source).toMatch(new RegExp(`Query\\.f\\.ts:${line + 1}:\\d+$`));
  });

  it('a resolver using only supported features loads and runs', () => {
    // one of each feature the "Supported runtime features" page lists as supported
    const code = `import { util } from '@aws-appsync/utils';
export function request(ctx) {
  const { list = [], extra, ...rest } = ctx.args;
  let total = 0;
  for (const n of list) total += n;
  const keys = [];
  for (const k in rest) keys.push(k);
  let kind;
  switch (typeof extra) {
    case 'string': kind = 's'; break;
    default: kind = 'other';
  }
  const label = \`total \${total}\${extra?.length ?? ''}\`;
  const doubled = list.map((n) => n * 2).filter((n) => n > 2);
  const sum = (...xs) => xs.reduce((a, b) => a + b, 0);
  const bits = (total & 6) | 1;
  const merged = Object.assign({}, { a: 1 }, { b: 2 });
  return {
    payload: { total, keys, kind, label, doubled, sum: sum(1, 2, 3), bits, has: Object.hasOwn(rest, 'x'), merged, spread: [...list, ...doubled],
      id: util.autoId().length, undef: void 0 === undefined, del: delete merged.a },
  };
}
export function response(ctx) { return ctx.result; }
`;
    expect(checkCode(code)).toEqual([]);
    const out = createSandbox(code).invoke({
      handler: 'request',
      ctx: { arguments: { list: [1, 2, 3], extra: 'xy', x: true } },
      typeName: 'Query',
      fieldName: 'f',
      authType: 'API Key Authorization',
    });
    expect(out).toMatchObject({
      status: 'return',
      value: {
        payload: { total: 6, keys: ['x'], kind: 's', label: 'total 62', doubled: [4, 6], sum: 6, bits: 7, has: true, merged: { b: 2 }, spread: [1, 2, 3, 4, 6], id: 36, undef: true, del: true },
      },
    });
  });

  it("the fixture APIs' resolvers and functions pass the check (the build refuses nothing they use)", async () => {
    const built = (await Promise.all(fixtureWirings().map((file) => buildApi(loadWiring(file), join(dir, 'all'))))).flat();
    expect(built.length).toBeGreaterThan(10);
  });
});
