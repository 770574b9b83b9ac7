// Resolver code runs in AppSync's APPSYNC_JS runtime, so resolvers/ is linted with the AppSync
// plugin's type-aware recommended rules; everything else runs in Node.js and gets typescript-eslint.
import appsync from '@aws-appsync/eslint-plugin';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'build/**', 'cdk.out/**', '.data/**', 'coverage/**', 'resolvers/lib/graphql.ts', 'local/console/dist/**'] },
  {
    files: ['**/*.ts', '**/*.tsx'],
    extends: [...tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['resolvers/**/*.ts', 'test/fixtures/**/resolvers/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    extends: [appsync.configs.recommended],
  },
);
