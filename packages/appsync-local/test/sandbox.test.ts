import { describe, expect, it } from 'vitest';
import { createSandbox, evaluateExpression as run } from '../src/runtime/sandbox';

const invoke = (code: string, handler: 'request' | 'response' = 'request', ctx: Record<string, unknown> = {}) =>
  createSandbox(code).invoke({ handler, ctx, typeName: 'Query', fieldName: 'f', authType: 'API Key Authorization' });

describe('the APPSYNC_JS sandbox', () => {
  it('has no Node.js globals', () => {
    expect(run('[typeof process, typeof fetch, typeof Buffer, typeof setTimeout, typeof setImmediate, typeof queueMicrotask, typeof global, typeof WebAssembly, typeof globalThis.require]')).toEqual(
      Array(9).fill('undefined'),
    );
  });

  it('reaching for process, fetch or a module other than @aws-appsync/* is an error, not a crash', () => {
    expect(() => run('process.env')).toThrow(/ReferenceError: process is not defined/);
    expect(() => run('fetch("http://127.0.0.1")')).toThrow(/ReferenceError: fetch is not defined/);
    // the module's own require (what esbuild's CommonJS form calls) knows only the two AppSync modules
    expect(() => run('require("node:fs")')).toThrow(/Cannot find module 'node:fs'/);
    // an import of anything else fails when the code is loaded (AppSync rejects such code when it is saved)
    expect(() => invoke(`import fs from 'node:fs'; export function request() { return fs.readFileSync('/etc/hostname'); } export function response() {}`)).toThrow(
      /could not be loaded: .*Cannot find module 'node:fs'/,
    );
  });

  it('cannot climb out through constructors: string code generation is off and no host object is handed in', () => {
    expect(() => run('util.autoId.constructor("return process")()')).toThrow(/Code generation from strings disallowed/);
    expect(() => run('(() => 0).constructor("return 1")()')).toThrow(/Code generation from strings disallowed/);
    expect(() => run('eval("1 + 1")')).toThrow(/Code generation from strings disallowed/);
    // the ctx is built inside the sandbox from JSON, so its prototype chain is the sandbox's own
    // (Object.getPrototypeOf is refused by AppSync's check, so the climb goes through .constructor)
    const out = invoke(`export function request(ctx) { return ctx.args.constructor.constructor === Function; } export function response() {}`, 'request', { arguments: { a: 1 } });
    expect(out).toMatchObject({ status: 'return', value: true });
  });

  it('a module gets a fresh global: one resolver cannot see what another left behind', () => {
    const writer = invoke(`export function request() { globalThis.leak = 42; return globalThis.leak; } export function response() {}`);
    expect(writer).toMatchObject({ status: 'return', value: 42 });
    expect(invoke(`export function request() { return typeof globalThis.leak; } export function response() {}`)).toMatchObject({ value: 'undefined' });
  });

  it('runtime errors carry AppSync-style messages with a code.js position', () => {
    const out = invoke(`export function request(ctx) { return ctx.args.missing.deeper; } export function response() {}`);
    expect(out.status).toBe('runtimeError');
    expect(out.status === 'runtimeError' && out.message).toMatch(/^code\.js:\d+:\d+: TypeError: /);
  });

  // "Supported runtime features" (AppSync developer guide), Strict mode: "functions run in strict
  // mode by default ... This cannot be changed."
  it('runs in strict mode: an undeclared assignment and a write to the frozen ctx.env are errors', () => {
    const undeclared = invoke(`export function request() { undeclared = 5; return 1; } export function response() {}`);
    expect(undeclared).toMatchObject({ status: 'runtimeError', message: expect.stringMatching(/^code\.js:1:\d+: ReferenceError: undeclared is not defined$/) });
    const env = invoke(`export function request(ctx) { const env = ctx.env; env.TABLE = 'other'; return env.TABLE; } export function response() {}`, 'request', { env: { TABLE: 't' } });
    expect(env).toMatchObject({ status: 'runtimeError', message: expect.stringMatching(/TypeError: Cannot assign to read only property 'TABLE'/) });
    // a sloppy-mode feature that strict mode refuses at compile time: AppSync's check refuses it on save
    expect(() => invoke(`export function request() { return 010; } export function response() {}`)).toThrow(/BadRequestException: [^\n]*\n.*[Oo]ctal/);
  });

  it("a runtime error's code.js:LINE:COL is the bundle's own line and column", () => {
    const code = [
      "import { util } from '@aws-appsync/utils';",
      'export function request(ctx) {',
      '  const id = util.autoId();',
      '  return { id, deep: ctx.args.missing.deeper };',
      '}',
      'export function response(ctx) { return ctx.result; }',
    ].join('\n');
    const column = code.split('\n')[3]!.indexOf('deeper') + 1; // V8 names the property read
    const out = invoke(code);
    expect(out).toMatchObject({ status: 'runtimeError', message: expect.stringMatching(new RegExp(`^code\\.js:4:${column}: TypeError: `)) });
    // one line, as the build writes bundles (whitespace minified): the column counts from the line's start
    const oneLine = `import{util}from"@aws-appsync/utils";function request(ctx){return{id:util.autoId(),deep:ctx.args.missing.deeper}}function response(ctx){return ctx.result}export{request,response};`;
    const out1 = invoke(oneLine);
    expect(out1).toMatchObject({ status: 'runtimeError', message: expect.stringMatching(new RegExp(`^code\\.js:1:${oneLine.indexOf('deeper') + 1}: TypeError: `)) });
  });

  it('a handler may not be async: refused when loaded (no-async), and a thenable result is a runtime error', () => {
    expect(() => invoke(`export async function request() { return 1; } export function response() {}`)).toThrow(
      /BadRequestException: The code contains one or more errors\.\n  code\.js:1:8: Async functions are not supported/,
    );
    const out = invoke(`export function request() { return { then: 1 > 0 ? (r) => r : null }; } export function response() {}`);
    expect(out.status === 'runtimeError' && out.message).toMatch(/returned a Promise/);
  });

  it('console goes to the host log sink, not to the process', () => {
    const lines: string[] = [];
    const sandbox = createSandbox(`export function request() { console.log('hello', { a: 1 }); return null; } export function response() {}`, {
      name: 'logger',
      onLog: (level, text, module) => lines.push(`${module} ${level} ${text}`),
    });
    sandbox.invoke({ handler: 'request', ctx: {}, typeName: 'Query', fieldName: 'f', authType: 'API Key Authorization' });
    expect(lines).toEqual(['logger log hello {"a":1}']);
  });
});
