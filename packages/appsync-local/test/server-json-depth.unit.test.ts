/** nestingPastAt: the pre-parse check that refuses deeply nested variables (issue 10, defect 9). */
import { describe, expect, it } from 'vitest';
import { nestingPastAt } from '../src/server/json-depth';

/** `[[[…1…]]]`, `depth` levels deep. */
const deeplyNestedJson = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

describe('nestingPastAt', () => {
  it('is null for a text within the bound', () => {
    expect(nestingPastAt('{"query":"{ a { b } }","variables":{"x":[[1]]}}', 4)).toBeNull();
    expect(nestingPastAt('1', 0)).toBeNull();
  });

  it('names the keys leading to the first place past the bound', () => {
    expect(nestingPastAt(`{"query":"q","variables":{"deep":${deeplyNestedJson(100_000)}}}`, 66)).toEqual(['variables', 'deep']);
    expect(nestingPastAt('{"a":{"b":{"c":{}}}}', 3)).toEqual(['a', 'b', 'c']);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(nestingPastAt(`{"query":"${'{'.repeat(1000)} \\" ${'['.repeat(1000)}"}`, 1)).toBeNull();
    expect(nestingPastAt('{"k\\"ey":[[]]}', 2)).toEqual(['k"ey']);
  });
});
