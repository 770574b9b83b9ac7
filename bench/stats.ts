/**
 * The statistics every benchmark prints: nearest-rank quantiles (the value a reader could find in
 * the sorted samples, never an interpolation), medians, p99s and ratios to a baseline. One home:
 * bench/*.ts and the tests import these.
 */

/** The q-quantile (0 < q <= 1) by nearest rank: the smallest sample with at least q of them at or below it. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  if (!(q > 0 && q <= 1)) throw new RangeError(`quantile: q must be in (0, 1], not ${q}`);
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);
export const p99 = (values: readonly number[]): number => quantile(values, 0.99);

export interface Summary {
  n: number;
  median: number;
  p99: number;
  max: number;
}

/** n, median, p99 and max of some samples (NaN for none). */
export function summarize(values: readonly number[]): Summary {
  return { n: values.length, median: median(values), p99: p99(values), max: values.length ? Math.max(...values) : Number.NaN };
}

/** value / baseline; NaN when the baseline is 0 or either is not a number. */
export function ratio(value: number, baseline: number): number {
  return Number.isFinite(value) && Number.isFinite(baseline) && baseline !== 0 ? value / baseline : Number.NaN;
}

/** A figure for a table: 3 significant digits, thousands separated ("1,234", "12.3", "0.482"). */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Wall-clock milliseconds of an async call. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}
