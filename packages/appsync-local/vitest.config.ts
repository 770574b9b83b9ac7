import { defineConfig } from 'vitest/config';

/** The package's own suite: its runtime, endpoints, user pool and fixture APIs, on one DynamoDB Local. */
export default defineConfig({
  test: {
    name: 'appsync-local',
    root: import.meta.dirname,
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/global.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
