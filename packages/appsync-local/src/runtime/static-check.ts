/**
 * The check AppSync makes when resolver or function code is saved (CreateResolver, UpdateFunction,
 * EvaluateCode): code that uses a construct the APPSYNC_JS runtime does not run is refused with
 * `BadRequestException: The code contains one or more errors` and the location of each error.
 *
 * One home for the check: the build (build.ts) runs it on every bundle it
 * writes, and the sandbox (sandbox.ts) runs it on every module it loads, so `npm run build`,
 * `npm start` (and its watch mode, which rebuilds) and the tests all refuse the same code.
 *
 * What is refused:
 * - every rule of AWS's `@aws-appsync/eslint-plugin` (its `recommended` set, type-aware rules
 *   included: the bundle is type-checked as JavaScript against @aws-appsync/utils' types);
 * - the constructs on the "Supported runtime features" page (AppSync developer guide) that the
 *   plugin has no rule for: `throw` (listed as not supported beside try/catch/finally).
 */
import appsync from '@aws-appsync/eslint-plugin';
import * as tsparser from '@typescript-eslint/parser';
import { Linter, type Rule } from 'eslint';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** AppSync's answer to code it will not save. */
export const CODE_ERROR_MESSAGE = 'The code contains one or more errors';

export interface CodeProblem {
  /** 1-based line and column in the bundle ("code.js"), as AppSync reports them */
  line: number;
  column: number;
  /** the eslint rule that refused it ("@aws-appsync/no-try", "appsync-runtime/no-throw") */
  rule: string;
  message: string;
  /** where the construct is in the source the bundle was built from (its inline source map), when known */
  source?: string;
}

/** AppSync's BadRequestException for code that does not pass the save-time check. */
export class AppSyncCodeError extends Error {
  readonly errorType = 'BadRequestException';
  constructor(
    readonly problems: CodeProblem[],
    readonly module = 'code',
  ) {
    super(
      `${module}: BadRequestException: ${CODE_ERROR_MESSAGE}.\n` +
        problems.map((p) => `  code.js:${p.line}:${p.column}: ${p.message} (${p.rule})${p.source ? ` at ${p.source}` : ''}`).join('\n'),
    );
    this.name = 'AppSyncCodeError';
  }
}

// "Supported runtime features" lists `throw` as not supported; the eslint plugin has no rule for it.
const runtimeRules: Record<string, Rule.RuleModule> = {
  'no-throw': {
    meta: { type: 'problem', schema: [], docs: { description: 'throw is not supported by APPSYNC_JS' } },
    create: (context) => ({
      ThrowStatement: (node) => context.report({ node, message: 'Throw statements are not supported.' }),
    }),
  },
};

const HERE = dirname(fileURLToPath(import.meta.url));
// The virtual file sits inside the repository so that '@aws-appsync/utils' resolves to node_modules' types.
const VIRTUAL_DIR = join(HERE, '..', '..', 'build', '.appsync-check');

const compilerOptions: ts.CompilerOptions = {
  allowJs: true,
  checkJs: false,
  noEmit: true,
  target: ts.ScriptTarget.ESNext,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  // APPSYNC_JS has ECMAScript built-ins only: no DOM, no @types/node
  lib: ['lib.es2022.d.ts'],
  types: [],
  skipLibCheck: true,
};

// Declaration files (lib, @aws-appsync/utils) are parsed once per process and shared by every program.
const sourceFiles = new Map<string, ts.SourceFile | undefined>();
const baseHost = ts.createCompilerHost(compilerOptions, true);
let previous: ts.Program | undefined;

function programFor(fileName: string, code: string): ts.Program {
  const host: ts.CompilerHost = {
    ...baseHost,
    fileExists: (f) => f === fileName || baseHost.fileExists(f),
    readFile: (f) => (f === fileName ? code : baseHost.readFile(f)),
    getSourceFile(f, languageVersion) {
      if (f === fileName) return ts.createSourceFile(f, code, languageVersion, true, ts.ScriptKind.JS);
      if (!sourceFiles.has(f)) sourceFiles.set(f, baseHost.getSourceFile(f, languageVersion));
      return sourceFiles.get(f);
    },
  };
  previous = ts.createProgram({ rootNames: [fileName], options: compilerOptions, host, oldProgram: previous });
  return previous;
}

// the plugin's own "recommended" set: every rule AWS recommends for APPSYNC_JS code
const recommendedRules = (appsync.configs as Record<string, Linter.Config>).recommended!.rules!;

// its own cwd: the virtual files live in the package, whatever the process's working directory (a
// flat config matches no file outside its cwd)
const linter = new Linter({ configType: 'flat', cwd: VIRTUAL_DIR });
const results = new Map<string, CodeProblem[]>();
let sequence = 0;

/** The problems AppSync would report for this module (ESM text, as built); [] when it passes. Cached by text. */
export function checkCode(code: string): CodeProblem[] {
  const cached = results.get(code);
  if (cached) return cached;
  // a fresh name per distinct text: the parser keys its program lookup by file name
  const fileName = join(VIRTUAL_DIR, `code-${++sequence}.js`);
  const program = programFor(fileName, code);
  const messages = linter.verify(
    code,
    [
      {
        files: ['**/*.js'],
        plugins: { '@aws-appsync': appsync as never, 'appsync-runtime': { rules: runtimeRules } },
        languageOptions: {
          sourceType: 'module',
          parser: tsparser as never,
          parserOptions: { programs: [program] },
        },
        rules: { ...recommendedRules, 'appsync-runtime/no-throw': 2 },
      },
    ],
    fileName,
  );
  const lookup = messages.length > 0 ? sourceMapLookup(code) : undefined;
  const problems = messages.map((m) => {
    const problem: CodeProblem = { line: m.line, column: m.column, rule: m.ruleId ?? 'syntax', message: m.message };
    const source = lookup?.(m.line, m.column);
    if (source) problem.source = source;
    return problem;
  });
  results.set(code, problems);
  return problems;
}

/** Throws AppSync's BadRequestException (AppSyncCodeError) when the module would not be saved. */
export function assertSupportedCode(code: string, module?: string): void {
  const problems = checkCode(code);
  if (problems.length > 0) throw new AppSyncCodeError(problems, module);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * (bundle line, column) → "source:line:column" through the bundle's inline source map (the build
 * writes one), so that a refusal names the line the developer wrote as well as AppSync's location.
 */
function sourceMapLookup(code: string): ((line: number, column: number) => string | undefined) | undefined {
  const match = /\/\/# sourceMappingURL=data:application\/json;base64,(\S+)\s*$/.exec(code);
  if (!match) return undefined;
  let map: { sources: string[]; mappings: string };
  try {
    map = JSON.parse(Buffer.from(match[1]!, 'base64').toString('utf8')) as typeof map;
  } catch {
    return undefined;
  }
  // segments per generated line: [generatedColumn, sourceIndex, sourceLine, sourceColumn], all 0-based
  const lines: number[][][] = [];
  const state = [0, 0, 0, 0];
  for (const lineText of map.mappings.split(';')) {
    state[0] = 0;
    const segments: number[][] = [];
    for (const segment of lineText.split(',')) {
      if (!segment) continue;
      const values: number[] = [];
      let value = 0;
      let shift = 0;
      for (const char of segment) {
        const digit = B64.indexOf(char);
        value += (digit & 31) << shift;
        if (digit & 32) shift += 5;
        else {
          values.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      values.forEach((v, i) => (state[i] = state[i]! + v));
      if (values.length >= 4) segments.push([state[0]!, state[1]!, state[2]!, state[3]!]);
    }
    lines.push(segments);
  }
  return (line, column) => {
    const segments = lines[line - 1] ?? [];
    const found = segments.filter((s) => s[0]! <= column - 1).at(-1);
    if (!found) return undefined;
    return `${map.sources[found[1]!]}:${found[2]! + 1}:${found[3]! + 1}`;
  };
}
