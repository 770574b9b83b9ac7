import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateExpression } from '../src/runtime/sandbox';
import { PACKAGE_ROOT } from './support/paths';

// Outputs recorded from AWS AppSync (EvaluateCode, APPSYNC_JS 1.0.0); every one must match.
const vectorsFile = join(PACKAGE_ROOT, 'test', 'fixtures', 'recorded', 'appsync-js-vectors.json');
const { vectors } = JSON.parse(readFileSync(vectorsFile, 'utf8')) as { vectors: { expr: string; expected: unknown }[] };

describe('APPSYNC_JS conformance vectors', () => {
  it('has vectors to check', () => {
    expect(vectors.length).toBeGreaterThan(0);
  });

  it.each(vectors.map((v) => [v.expr, v.expected] as const))('%s', (expr, expected) => {
    // evaluated inside the sandbox, with util and ddb bound as in the recording
    expect(evaluateExpression(expr)).toEqual(expected);
  });
});
