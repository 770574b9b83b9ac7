/**
 * How every Lambda handler is bundled: the one home of the esbuild options that
 * infra/constructs/node-function.ts hands NodejsFunction (CDK passes them to esbuild on its command
 * line) and that bench/pipeline.ts and the tests bundle with. Plain data, no aws-cdk-lib import.
 */
import type { BuildOptions } from 'esbuild';

export const lambdaBundleOptions = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  /**
   * CommonJS, which the Lambda runtime require()s. An ESM bundle hoists every Node built-in that
   * any bundled module imports (child_process, http2, the node:process facade...) into static
   * imports evaluated at load, even for SDK code that only ever runs lazily; a CommonJS bundle
   * require()s a built-in where and when it is used (docs/PERFORMANCE.md, Pipeline).
   */
  format: 'cjs',
  minify: true,
  /**
   * The map ships beside the bundle, to map a logged stack to the sources by hand; the functions
   * do not set NODE_OPTIONS=--enable-source-maps, with which Node reads and indexes the map while
   * loading the bundle (a fifth of the cold load).
   */
  sourcemap: true,
  sourcesContent: false,
  /** ESM-first packages (Powertools, smithy) tree-shake better through their "module" entry. */
  mainFields: ['module', 'main'],
} as const satisfies BuildOptions;
