import { defineConfig } from 'vitest/config';

/**
 * `npm run test:reliability` (issue 7, Build 3): races, a model-based random workload, kill -9 of
 * the pollers and of DynamoDB Local under load, a corpus of malformed inputs, and auth. The run
 * shares one in-memory DynamoDB Local (test/setup/global.ts); the crash test starts a persistent
 * one of its own, since it kills it. Each file prints its counts when it ends.
 *
 * `npm run test:reliability` runs the files under test/reliability/attacks/ last, one at a time and
 * alone (a second vitest run, --no-file-parallelism): their figure is a well-behaved client's p99
 * under each attack, what the endpoint makes it wait (issues 20 and 24), and beside another file
 * (the crash test's kill -9 and restarts) on two cores it measured the neighbour instead.
 */
export default defineConfig({
  test: {
    include: ['test/reliability/**/*.test.ts'],
    globalSetup: ['test/setup/global.ts'],
    testTimeout: 240_000,
    hookTimeout: 120_000,
    // Two cores shared with the rest of the machine: two files at a time, as the main suite.
    maxWorkers: 2,
    // The counts are part of the output: let console.log of afterAll through.
    silent: false,
  },
});
