/**
 * Bundles APPSYNC_JS resolver and function code exactly as AppSync takes it: one ESM file per
 * resolver or pipeline function, `@aws-appsync/*` left external (AppSync provides those modules),
 * an inline source map without sources content, and AppSync's limit of 32,768 characters of code.
 * infra/ deploys these same files; the local runtime (local/appsync) executes them.
 */
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  REPO_ROOT,
  MARK_API_WIRING,
  functionSourceFile,
  loadWiring,
  resolverSourceFile,
  type LoadedWiring,
} from '../../infra/wiring';
import { AppSyncCodeError, checkCode } from '../appsync/static-check';

/** AppSync rejects resolver or function code longer than this many characters. */
export const APPSYNC_CODE_LIMIT = 32_768;

export interface BuiltCode {
  kind: 'resolver' | 'function';
  /** "Type.field" for a resolver, the function name for a function */
  name: string;
  /** absolute path of the bundle */
  file: string;
  /** characters of code in the bundle */
  size: number;
}

/** Where the bundle of a resolver or function of an API lands under outRoot. */
export function bundleFile(wiring: LoadedWiring, kind: BuiltCode['kind'], name: string, outRoot = join(REPO_ROOT, 'build')): string {
  const dir = resolve(outRoot, wiring.name);
  return kind === 'resolver' ? join(dir, `${name}.js`) : join(dir, 'functions', `${name}.js`);
}

/**
 * Builds every resolver and function named in the wiring description. Fails (rejects) naming the
 * resolver or function whose source is missing, does not compile, is over the size limit, or uses
 * what APPSYNC_JS does not run (local/appsync/static-check.ts: AppSync's BadRequestException).
 */
export async function buildApi(wiring: LoadedWiring, outRoot = 'build'): Promise<BuiltCode[]> {
  const jobs: { kind: BuiltCode['kind']; name: string; source: string; file: string }[] = [
    ...Object.keys(wiring.resolvers).map((name) => ({
      kind: 'resolver' as const,
      name,
      source: resolverSourceFile(wiring, name),
      file: bundleFile(wiring, 'resolver', name, outRoot),
    })),
    ...Object.keys(wiring.functions).map((name) => ({
      kind: 'function' as const,
      name,
      source: functionSourceFile(wiring, name),
      file: bundleFile(wiring, 'function', name, outRoot),
    })),
  ];
  mkdirSync(join(resolve(outRoot), wiring.name, 'functions'), { recursive: true });
  return Promise.all(
    jobs.map(async (job): Promise<BuiltCode> => {
      const label = `${wiring.name}: ${job.kind} ${job.name}`;
      if (!existsSync(job.source)) throw new Error(`${label}: source ${relative(REPO_ROOT, job.source)} does not exist`);
      let text: string;
      try {
        const result = await build({
          entryPoints: [job.source],
          bundle: true,
          format: 'esm',
          target: 'esnext',
          platform: 'neutral',
          external: ['@aws-appsync/*'],
          sourcemap: 'inline',
          sourcesContent: false,
          // Whitespace only: identifiers and syntax stay as written (AppSync's error positions and
          // the inline source map still point into readable code), and the mutation pipelines gain
          // about 3,000 characters of headroom under the 32,768 limit.
          minifyWhitespace: true,
          outfile: job.file,
          write: false,
          logLevel: 'silent',
        });
        text = result.outputFiles[0]!.text;
      } catch (err) {
        throw new Error(`${label}: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (text.length > APPSYNC_CODE_LIMIT) {
        throw new Error(`${label}: bundle is ${text.length} characters, over AppSync's limit of ${APPSYNC_CODE_LIMIT}`);
      }
      // AppSync refuses such code on save (CreateResolver/CreateFunction): refuse it here, before deploying or running it
      const problems = checkCode(text);
      if (problems.length > 0) throw new AppSyncCodeError(problems, label);
      writeFileSync(job.file, text);
      return { kind: job.kind, name: job.name, file: job.file, size: text.length };
    }),
  );
}

/** Every wiring description the build knows: mark-api's (when present) and each test fixture API's. */
export function knownWirings(): string[] {
  const files: string[] = [];
  if (existsSync(MARK_API_WIRING)) files.push(MARK_API_WIRING);
  const fixtures = join(REPO_ROOT, 'test', 'fixtures');
  if (existsSync(fixtures)) {
    for (const entry of readdirSync(fixtures, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      // a fixture API keeps its wiring either at its root or beside its resolvers (for the lint config)
      for (const candidate of [join(fixtures, entry.name, 'wiring.json'), join(fixtures, entry.name, 'resolvers', 'wiring.json')]) {
        if (existsSync(candidate)) files.push(candidate);
      }
    }
  }
  return files;
}

/** Builds every known API into outRoot; used by `npm run build` and the test global setup. */
export async function buildAll(outRoot = join(REPO_ROOT, 'build')): Promise<BuiltCode[]> {
  const built: BuiltCode[] = [];
  for (const file of knownWirings()) built.push(...(await buildApi(loadWiring(file), outRoot)));
  return built;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildAll()
    .then((built) => {
      for (const b of built) console.log(`${relative(process.cwd(), b.file)}  ${b.size} chars`);
    })
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
