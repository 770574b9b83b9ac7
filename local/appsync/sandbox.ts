/**
 * The APPSYNC_JS sandbox: one node:vm context per resolver or function module, holding nothing but
 * ECMAScript built-ins and AppSync's runtime (prelude/), with no process, require, fetch, Buffer,
 * timers or other Node.js API reachable. String code generation (eval, new Function) is off.
 *
 * A bundle (ESM, as AppSync takes it) is turned into a CommonJS-shaped function body once, with
 * esbuild, and compiled once per distinct source; invoking a handler afterwards costs one
 * function call and a JSON round trip.
 */
import { buildSync, transformSync } from 'esbuild';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import type { InvokeInput, InvokeOutput } from './prelude/index';

export type { InvokeInput, InvokeOutput };

export type LogSink = (level: string, text: string, module: string) => void;

interface PreludeEnvironment {
  console: object;
  load(moduleFunction: unknown): void;
  invoke(inputJson: string): string;
}

let preludeScript: vm.Script | undefined;

/** The runtime library, bundled from TypeScript once per process. */
function prelude(): vm.Script {
  if (!preludeScript) {
    const entry = join(dirname(fileURLToPath(import.meta.url)), 'prelude', 'index.ts');
    const result = buildSync({
      entryPoints: [entry],
      bundle: true,
      format: 'iife',
      globalName: '__appsyncRuntime',
      platform: 'neutral',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    });
    const text = result.outputFiles[0]!.text;
    // evaluated inside a function so that no global is left behind for resolver code to find
    preludeScript = new vm.Script(`(function () {\n${text}\nreturn __appsyncRuntime;\n})()`, { filename: 'appsync-runtime.js' });
  }
  return preludeScript;
}

const moduleScripts = new Map<string, vm.Script>();

/** ESM bundle text → a compiled script evaluating to `function (exports, require, module) {...}`. */
function moduleScript(code: string): vm.Script {
  let script = moduleScripts.get(code);
  if (!script) {
    const body = transformSync(code, { format: 'cjs', loader: 'js', target: 'esnext', sourcemap: false, logLevel: 'silent' }).code;
    // the file name appears in runtime error messages, as AppSync's "code.js:line:column: ..."
    script = new vm.Script(`(function (exports, require, module) {\n${body}\n})`, { filename: 'code.js' });
    moduleScripts.set(code, script);
  }
  return script;
}

export interface Sandbox {
  /** Calls request or response of the module with the given context (JSON-serialisable data only). */
  invoke(input: InvokeInput): InvokeOutput;
}

/** A fresh isolated context running one APPSYNC_JS module (ESM source text, as built). */
export function createSandbox(code: string, options: { name?: string; onLog?: LogSink } = {}): Sandbox {
  const name = options.name ?? 'code';
  const context = vm.createContext(Object.create(null) as object, {
    name: `appsync:${name}`,
    codeGeneration: { strings: false, wasm: false },
  });
  // V8 puts a few non-ECMAScript objects in every context; APPSYNC_JS has none of them
  vm.runInContext('delete globalThis.WebAssembly; delete globalThis.SharedArrayBuffer; delete globalThis.Atomics;', context);
  const runtime = prelude().runInContext(context) as { create(host: unknown): PreludeEnvironment };
  const onLog = options.onLog;
  const env = runtime.create({
    randomHex: (bytes: number) => randomBytes(bytes).toString('hex'),
    log: (level: string, text: string) => onLog?.(String(level), String(text), name),
  });
  (vm.runInContext('globalThis', context) as Record<string, unknown>).console = env.console;
  try {
    env.load(moduleScript(code).runInContext(context));
  } catch (err) {
    throw new Error(`${name}: the code could not be loaded: ${err instanceof Error ? err.message : String(err)}`);
  }
  return {
    invoke(input) {
      return JSON.parse(env.invoke(JSON.stringify(input))) as InvokeOutput;
    },
  };
}

/**
 * Evaluates one expression in a fresh sandbox with `util` and `ddb` (the module
 * '@aws-appsync/utils/dynamodb') in scope, as AppSync's EvaluateCode would; used by the
 * conformance test. Runtime errors are thrown as Error.
 */
export function evaluateExpression(expression: string): unknown {
  const code = [
    "import { util } from '@aws-appsync/utils';",
    "import * as ddb from '@aws-appsync/utils/dynamodb';",
    `export function request() { return (${expression}); }`,
    'export function response(ctx) { return ctx.result; }',
  ].join('\n');
  const out = createSandbox(code, { name: 'expression' }).invoke({
    handler: 'request',
    ctx: {},
    typeName: 'Query',
    fieldName: 'expression',
    authType: 'API Key Authorization',
  });
  if (out.status === 'runtimeError') throw new Error(out.message);
  if (out.status === 'error') throw new Error(out.errors.at(-1)?.message ?? 'util.error');
  return out.value;
}
