import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from './support/paths';
import { evaluateExpression } from '../src/runtime/sandbox';
import { runTimeVectors, timeErrors, timeVectors } from './support/time-vectors';

// Every example with an input and an output on AWS's util.time pages (each vector names its page).
describe('util.time and Date conformance vectors', () => {
  it.each(timeVectors.map((v) => [v.expr, v] as const))('%s', (_expr, v) => {
    expect(evaluateExpression(v.expr, v.now === undefined ? {} : { clock: () => v.now! })).toEqual(v.expected);
  });

  it.each(timeErrors.map((v) => [v.expr, v] as const))('%s is an error', (_expr, v) => {
    expect(() => evaluateExpression(v.expr)).toThrow(v.error);
  });

  it('gives the same answers in a process whose TZ is Asia/Kolkata (+05:30) and in one whose TZ is America/St_Johns (-03:30/-02:30)', async () => {
    const child = join(PACKAGE_ROOT, 'test', 'support', 'time-vectors-child.ts');
    for (const tz of ['Asia/Kolkata', 'America/St_Johns']) {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', child], { cwd: PACKAGE_ROOT, env: { ...process.env, TZ: tz } });
      const answer = JSON.parse(stdout) as { tz: string; offset: number; results: ReturnType<typeof runTimeVectors> };
      // the child really ran in a zone with a non-zero offset
      expect(answer.offset).not.toBe(0);
      expect(answer.results.filter((r) => JSON.stringify(r.actual) !== JSON.stringify(r.expected))).toEqual([]);
      expect(answer.results).toHaveLength(timeVectors.length);
    }
  });
});
