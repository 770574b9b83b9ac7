/**
 * The APPSYNC_JS sandbox: one node:vm context per resolver or function module, holding nothing but
 * ECMAScript built-ins and AppSync's runtime (prelude/), with no process, require, fetch, Buffer,
 * timers or other Node.js API reachable. String code generation (eval, new Function) is off.
 *
 * A bundle (ESM, as AppSync takes it) is turned into a CommonJS-shaped strict-mode function body
 * once, keeping its lines and columns (moduleFunctionText), and compiled once per distinct source; invoking a handler afterwards costs one
 * function call and a JSON round trip (text only: no host object crosses into the context).
 */
import { buildSync } from 'esbuild';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import ts from 'typescript';
import type { InvokeInput, InvokeOutput } from './prelude/index';
import { assertSupportedCode } from './static-check';

export type { InvokeInput, InvokeOutput };

export type LogSink = (level: string, text: string, module: string) => void;

interface PreludeEnvironment {
  console: object;
  load(moduleFunction: unknown): void;
  invokeParts(
    handler: string,
    typeName: string,
    fieldName: string,
    authType: string,
    baseJson: string,
    stashJson: string,
    prevJson: string | undefined,
    resultJson: string | undefined,
    errorJson: string | undefined,
  ): string;
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

/**
 * ESM bundle text → a compiled script evaluating to `function (exports, require, module) {...}`,
 * in strict mode ("Supported runtime features": functions run in strict mode, always).
 *
 * The bundle keeps its own lines and columns, so that a runtime error's "code.js:LINE:COL" (as
 * AppSync reports it) points into the bundle as built: each import and export declaration is
 * blanked out in place (same length, spaces), the bindings it made are set up on a header line
 * before the code (hidden by lineOffset -1), and the exports are collected on a line after it.
 */
export function moduleFunctionText(code: string): string {
  const file = ts.createSourceFile('code.js', code, ts.ScriptTarget.ESNext, true, ts.ScriptKind.JS);
  const header: string[] = [];
  const exported: string[] = [];
  const blanks: [number, number][] = [];
  const blank = (node: ts.Node) => blanks.push([node.getStart(file), node.getEnd()]);
  let imports = 0;
  for (const statement of file.statements) {
    if (ts.isImportDeclaration(statement)) {
      blank(statement);
      const from = JSON.stringify((statement.moduleSpecifier as ts.StringLiteral).text);
      const clause = statement.importClause;
      const local = `__import${++imports}`;
      header.push(`const ${local} = require(${from});`);
      if (clause?.name) header.push(`const ${clause.name.text} = ${local}.default;`);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) header.push(`const ${bindings.name.text} = ${local};`);
      if (bindings && ts.isNamedImports(bindings)) {
        for (const el of bindings.elements) header.push(`const ${el.name.text} = ${local}[${JSON.stringify((el.propertyName ?? el.name).text)}];`);
      }
    } else if (ts.isExportDeclaration(statement)) {
      if (statement.moduleSpecifier) throw new Error('re-exports from another module are not supported in a bundle');
      blank(statement);
      const clause = statement.exportClause;
      if (clause && ts.isNamedExports(clause)) {
        for (const el of clause.elements) exported.push(`exports[${JSON.stringify(el.name.text)}] = ${(el.propertyName ?? el.name).text};`);
      }
    } else if (ts.isExportAssignment(statement)) {
      throw new Error('a default export is not a resolver handler');
    } else {
      const modifiers = ts.canHaveModifiers(statement) ? ts.getModifiers(statement) : undefined;
      const exportKeyword = modifiers?.find((m) => m.kind === ts.SyntaxKind.ExportKeyword);
      if (!exportKeyword) continue;
      blank(exportKeyword);
      if (ts.isFunctionDeclaration(statement) && statement.name) exported.push(`exports.${statement.name.text} = ${statement.name.text};`);
      else if (ts.isVariableStatement(statement)) {
        for (const decl of statement.declarationList.declarations) {
          if (ts.isIdentifier(decl.name)) exported.push(`exports.${decl.name.text} = ${decl.name.text};`);
        }
      }
    }
  }
  let body = code;
  for (const [start, end] of blanks.sort((a, b) => b[0] - a[0])) {
    // keep newlines inside a blanked declaration, so that the lines after it do not move
    body = body.slice(0, start) + body.slice(start, end).replace(/[^\n]/g, ' ') + body.slice(end);
  }
  return `(function (exports, require, module) {'use strict'; ${header.join(' ')}\n${body}\n;${exported.join(' ')}\n})`;
}

function moduleScript(code: string): vm.Script {
  let script = moduleScripts.get(code);
  if (!script) {
    // the file name appears in runtime error messages, as AppSync's "code.js:line:column: ..."
    script = new vm.Script(moduleFunctionText(code), { filename: 'code.js', lineOffset: -1 });
    moduleScripts.set(code, script);
  }
  return script;
}

/**
 * One handler call with ctx given as JSON texts (see invokeJson): the parts of ctx that are the same
 * for every step of a resolution are serialised once, and the stash and prev.result travel from
 * step to step as text, parsed only inside the sandbox.
 */
export interface JsonInvokeInput {
  handler: 'request' | 'response';
  typeName: string;
  fieldName: string;
  authType: string;
  /** JSON of { arguments, identity, source, env, info, request } */
  baseJson: string;
  stashJson: string;
  /** JSON of ctx.prev.result; '' when it is undefined; omitted when the handler has no ctx.prev.result */
  prevJson?: string;
  /** JSON of ctx.result / ctx.error; omitted when absent */
  resultJson?: string;
  errorJson?: string;
}

/** InvokeOutput with value and stash left as JSON text ('' for an undefined value). */
export type JsonInvokeOutput = Omit<InvokeOutput, 'value' | 'stash'> & { status: InvokeOutput['status']; skipTo?: string; message?: string; valueJson: string; stashJson: string };

export interface Sandbox {
  /** Calls request or response of the module with the given context (JSON-serialisable data only). */
  invoke(input: InvokeInput): InvokeOutput;
  /** The same call with ctx as JSON texts: nothing but strings crosses into or out of the sandbox. */
  invokeJson(input: JsonInvokeInput): JsonInvokeOutput;
}

/** A fresh isolated context running one APPSYNC_JS module (ESM source text, as built). */
export function createSandbox(code: string, options: { name?: string; onLog?: LogSink; clock?: () => number } = {}): Sandbox {
  const name = options.name ?? 'code';
  // AppSync checks code when it is saved; a bundle it would refuse never runs here either
  assertSupportedCode(code, name);
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
    now: options.clock ?? Date.now,
  });
  (vm.runInContext('globalThis', context) as Record<string, unknown>).console = env.console;
  try {
    env.load(moduleScript(code).runInContext(context));
  } catch (err) {
    throw new Error(`${name}: the code could not be loaded: ${err instanceof Error ? err.message : String(err)}`);
  }
  const sandbox: Sandbox = {
    // Whole-ctx calls (tests, evaluateExpression) go through the same JSON-text entry the runtime
    // uses, so there is one way into the sandbox.
    invoke(input) {
      const { stash, prev, result, error, ...base } = input.ctx;
      const out = sandbox.invokeJson({
        handler: input.handler,
        typeName: input.typeName,
        fieldName: input.fieldName,
        authType: input.authType,
        baseJson: JSON.stringify(base),
        stashJson: JSON.stringify(stash ?? {}),
        prevJson: prev === undefined ? undefined : (JSON.stringify((prev as { result?: unknown }).result) ?? ''),
        resultJson: result === undefined ? undefined : JSON.stringify(result),
        errorJson: error === undefined ? undefined : JSON.stringify(error),
      });
      const { valueJson, stashJson, ...header } = out;
      return { ...header, value: valueJson === '' ? undefined : JSON.parse(valueJson), stash: JSON.parse(stashJson) } as InvokeOutput;
    },
    invokeJson(input) {
      const text = env.invokeParts(
        input.handler,
        input.typeName,
        input.fieldName,
        input.authType,
        input.baseJson,
        input.stashJson,
        input.prevJson,
        input.resultJson,
        input.errorJson,
      );
      if (typeof text !== 'string') throw new Error(`${name}: the runtime answered ${typeof text}, not JSON text`);
      // JSON.stringify never writes a raw newline, so the two newlines are the separators
      const first = text.indexOf('\n');
      const second = text.indexOf('\n', first + 1);
      const header = JSON.parse(text.slice(0, first)) as JsonInvokeOutput;
      header.valueJson = text.slice(first + 1, second);
      header.stashJson = text.slice(second + 1) || '{}';
      return header;
    },
  };
  return sandbox;
}

/**
 * Evaluates one expression in a fresh sandbox with `util`, `runtime`, `extensions` and `ddb` (the module
 * '@aws-appsync/utils/dynamodb') in scope, as AppSync's EvaluateCode would; used by the
 * conformance test. Runtime errors are thrown as Error.
 */
export function evaluateExpression(expression: string, options: { clock?: () => number } = {}): unknown {
  const code = [
    "import { util, runtime, extensions } from '@aws-appsync/utils';",
    "import * as ddb from '@aws-appsync/utils/dynamodb';",
    `export function request() { return (${expression}); }`,
    'export function response(ctx) { return ctx.result; }',
  ].join('\n');
  const out = createSandbox(code, { name: 'expression', clock: options.clock }).invoke({
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
