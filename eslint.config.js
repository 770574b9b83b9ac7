// Resolver code runs in AppSync's APPSYNC_JS runtime, so resolvers/ (and the local AppSync
// package's fixture and example APIs) are linted with the AppSync plugin's type-aware recommended rules;
// everything else runs in Node.js and gets typescript-eslint. The local AppSync package
// (packages/appsync-local) takes everything of an API's as parameters: it may import npm packages
// and its own files, never mark-api's folders.
import appsync from '@aws-appsync/eslint-plugin';
import tseslint from 'typescript-eslint';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';

const PACKAGE_ROOT = join(import.meta.dirname, 'packages', 'appsync-local');

/**
 * local/package-boundary: a relative or absolute module specifier in packages/appsync-local
 * (import, export ... from, import(), require) must resolve inside the package. Bare specifiers
 * (npm packages) are allowed.
 */
const packageBoundary = {
  meta: { type: 'problem', messages: { leaves: '"{{source}}" leaves packages/appsync-local: the package imports nothing of mark-api, it takes what it needs as parameters of its public entry.' } },
  create(context) {
    const check = (node, source) => {
      if (typeof source !== 'string' || !(source.startsWith('.') || isAbsolute(source))) return;
      const target = resolve(dirname(context.filename), source);
      if (target !== PACKAGE_ROOT && !target.startsWith(PACKAGE_ROOT + sep)) context.report({ node, messageId: 'leaves', data: { source } });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
      'CallExpression[callee.name="require"]': (node) => node.arguments[0]?.type === 'Literal' && check(node, node.arguments[0].value),
    };
  },
};

export default tseslint.config(
  { ignores: ['node_modules/**', '**/node_modules/**', 'build/**', 'cdk.out/**', '.data/**', 'coverage/**', 'resolvers/lib/graphql.ts', 'packages/appsync-local/dist/**'] },
  {
    files: ['**/*.ts', '**/*.tsx'],
    extends: [...tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['resolvers/**/*.ts', 'packages/appsync-local/test/fixtures/**/resolvers/**/*.ts', 'packages/appsync-local/examples/**/resolvers/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    extends: [appsync.configs.recommended],
  },
  {
    files: ['packages/appsync-local/**/*.ts', 'packages/appsync-local/**/*.js'],
    plugins: { local: { rules: { 'package-boundary': packageBoundary } } },
    rules: { 'local/package-boundary': 'error' },
  },
);
