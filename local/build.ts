/**
 * `npm run build`: mark-api's resolver and function bundles, built by the package's build
 * (packages/appsync-local: esbuild as AppSync takes the code, the 32,768-character limit and
 * AppSync's save-time check) into build/mark-api/ — the files infra/ deploys and the local stack runs.
 */
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApi, type BuiltCode } from 'appsync-local';
import { loadMarkApiWiring, REPO_ROOT } from '../infra/wiring';

export const BUILD_ROOT = join(REPO_ROOT, 'build');

export function buildMarkApi(outRoot = BUILD_ROOT): Promise<BuiltCode[]> {
  return buildApi(loadMarkApiWiring(), outRoot);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildMarkApi()
    .then((built) => {
      for (const b of built) console.log(`${relative(process.cwd(), b.file)}  ${b.size} chars`);
    })
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
