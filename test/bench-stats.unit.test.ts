/** The statistics helpers every benchmark prints with (bench/stats.ts). */
import { describe, expect, it } from 'vitest';
import { formatNumber, median, p99, quantile, ratio, summarize } from '../bench/stats';

describe('bench statistics', () => {
  it('takes quantiles by nearest rank, whatever the order of the samples', () => {
    const samples = [5, 1, 4, 2, 3];
    expect(median(samples)).toBe(3);
    expect(quantile(samples, 0.2)).toBe(1);
    expect(quantile(samples, 0.21)).toBe(2);
    expect(quantile(samples, 1)).toBe(5);
    expect(samples).toEqual([5, 1, 4, 2, 3]); // not sorted in place
  });

  it('gives the lower middle as the median of an even count, and one sample for one', () => {
    expect(median([4, 1, 3, 2])).toBe(2);
    expect(median([7])).toBe(7);
    expect(p99([7])).toBe(7);
  });

  it('p99 of 1..1000 is 990, of 1..100 is 99, and of 1..50 the largest', () => {
    const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
    expect(p99(range(1000))).toBe(990);
    expect(p99(range(100))).toBe(99);
    expect(p99(range(50))).toBe(50);
  });

  it('answers NaN for no samples and refuses a q outside (0, 1]', () => {
    expect(median([])).toBeNaN();
    expect(summarize([])).toEqual({ n: 0, median: NaN, p99: NaN, max: NaN });
    expect(() => quantile([1], 0)).toThrow(RangeError);
    expect(() => quantile([1], 1.5)).toThrow(RangeError);
  });

  it('summarizes n, median, p99 and max', () => {
    expect(summarize([3, 1, 2, 100])).toEqual({ n: 4, median: 2, p99: 100, max: 100 });
  });

  it('divides by the baseline, NaN for a zero or missing baseline', () => {
    expect(ratio(6, 4)).toBe(1.5);
    expect(ratio(1, 0)).toBeNaN();
    expect(ratio(NaN, 2)).toBeNaN();
    expect(ratio(2, Infinity)).toBeNaN();
  });

  it('formats figures to about three significant digits', () => {
    expect(formatNumber(1234.5)).toBe('1,235');
    expect(formatNumber(12.345)).toBe('12.3');
    expect(formatNumber(1.2345)).toBe('1.23');
    expect(formatNumber(0.12345)).toBe('0.123');
    expect(formatNumber(NaN)).toBe('–');
  });
});
