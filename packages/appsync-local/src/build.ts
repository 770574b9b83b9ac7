/**
 * Bundles APPSYNC_JS resolver and function code exactly as AppSync takes it: one ESM file per
 * resolver or pipeline function, `@aws-appsync/*` left external (AppSync provides those modules),
 * an inline source map without sources content, and AppSync's limit of 32,768 characters of code.
 * A deployment deploys these same files; the local runtime (runtime/) executes them.
 */
import { build } from 'esbuild';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { functionSourceFile, resolverSourceFile, type LoadedWiring } from './wiring';
import { AppSyncCodeError, checkCode } from './runtime/static-check';

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
export function bundleFile(wiring: Pick<LoadedWiring, 'name'>, kind: BuiltCode['kind'], name: string, outRoot: string): string {
  const dir = resolve(outRoot, wiring.name);
  return kind === 'resolver' ? join(dir, `${name}.js`) : join(dir, 'functions', `${name}.js`);
}

/**
 * Builds every resolver and function named in the wiring description. Fails (rejects) naming the
 * resolver or function whose source is missing, does not compile, is over the size limit, or uses
 * what APPSYNC_JS does not run (runtime/static-check.ts: AppSync's BadRequestException). The
 * bundles land in <outRoot>/<wiring.name>/ (bundleFile).
 */
export async function buildApi(wiring: LoadedWiring, outRoot: string): Promise<BuiltCode[]> {
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
      if (!existsSync(job.source)) throw new Error(`${label}: source ${relative(process.cwd(), job.source)} does not exist`);
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
