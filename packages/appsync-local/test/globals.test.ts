import { describe, expect, it } from 'vitest';
import { createSandbox } from '../src/runtime/sandbox';
import { checkCode } from '../src/runtime/static-check';

/*
 * util, extensions and runtime are globals of APPSYNC_JS code, as well as the exports of
 * '@aws-appsync/utils': the package's lib/index.d.ts declares them in `declare global`, and AWS's
 * samples (aws-samples/aws-appsync-resolver-samples) call util without importing it.
 */
const invoke = (code: string, typeName = 'Query', handler: 'request' | 'response' = 'request') =>
  createSandbox(code).invoke({ handler, ctx: { arguments: { id: 'a' } }, typeName, fieldName: 'f', authType: 'API Key Authorization' });

describe('the APPSYNC_JS globals', () => {
  it('util, extensions and runtime are there without an import, and are the imported objects', () => {
    const code = `import * as utils from '@aws-appsync/utils';
export function request(ctx) {
  return [util.base64Encode(ctx.args.id), typeof extensions.setSubscriptionFilter, typeof runtime.earlyReturn,
    util === utils.util, extensions === utils.extensions, runtime === utils.runtime];
}
export function response(ctx) { return ctx.result; }`;
    expect(invoke(code)).toMatchObject({ status: 'return', value: ['YQ==', 'function', 'function', true, true, true] });
  });

  it('code that uses them unimported passes the save-time check and runs: util.error, runtime.earlyReturn', () => {
    const code = `export function request(ctx) { if (ctx.args.id === 'a') util.error('no a', 'Bad'); return {}; }
export function response(ctx) { return ctx.result; }`;
    expect(checkCode(code)).toEqual([]);
    expect(invoke(code)).toMatchObject({ status: 'error', errors: [{ message: 'no a', errorType: 'Bad' }] });
    expect(invoke(`export function request() { runtime.earlyReturn({ early: true }); } export function response() {}`)).toMatchObject({ status: 'earlyReturn', value: { early: true } });
  });

  it('cannot be replaced by resolver code (strict mode: a TypeError), so one handler cannot break the next', () => {
    const out = invoke(`export function request() { util = {}; return 1; } export function response() {}`);
    expect(out).toMatchObject({ status: 'runtimeError' });
    expect((out as { message: string }).message).toMatch(/TypeError: Cannot assign to read only property 'util'/);
  });
});
