/**
 * AppSync's execution limit: "AWS AppSync endpoints and quotas" (https://docs.aws.amazon.com/general/latest/gr/appsync.html)
 * gives a request 30 seconds; past it the answer is an ExecutionTimeout error with null data.
 */
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { directRuntime } from './support/direct-runtime';
import { startTestApi } from './support/api';

const WIRING = new URL('./fixtures/server-api/wiring.json', import.meta.url).pathname;

describe("AppSync's execution limit (30 s)", () => {
  it('answers ExecutionTimeout when the resolvers run past it', async () => {
    let release: () => void = () => {};
    const hanging = new Promise<void>((resolve) => (release = resolve));
    const slow = await startTestApi({
      label: 'timeout',
      wiringFile: WIRING,
      // the same mechanism as the deployed 30 s, shortened so the test does not wait it out
      limits: { requestTimeoutMs: 300 },
      runtime: () =>
        directRuntime({
          'Query.note': async () => {
            await hanging;
            return { data: null, errors: [] };
          },
        }),
    });
    try {
      const started = performance.now();
      const res = await slow.gql('{ note(id: "n") { id } }');
      expect(res.body).toEqual({ data: null, errors: [{ path: null, data: null, errorType: 'ExecutionTimeout', errorInfo: null, locations: null, message: 'Execution timed out.' }] });
      expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    } finally {
      release();
      await slow.stop();
    }
  });
});
