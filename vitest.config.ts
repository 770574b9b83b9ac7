import { defineConfig } from 'vitest/config';

/**
 * `vitest run`: two projects, each with its own DynamoDB Local — mark-api's suites (test/) and the
 * local AppSync package's own (packages/appsync-local, its vitest.config.ts).
 */
export default defineConfig({
  test: {
    // Two cores: files run in parallel two at a time; each file uses its own table prefix.
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: 'mark-api',
          include: ['test/**/*.test.ts'],
          exclude: ['test/reliability/**', 'node_modules/**'],
          globalSetup: ['test/setup/global.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      'packages/appsync-local',
    ],
  },
});
