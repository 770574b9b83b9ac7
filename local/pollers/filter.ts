/**
 * The part of Lambda's event filtering the local mappings need: a pattern is an object whose
 * leaves are arrays of allowed values; a record matches when every leaf's field holds one of
 * them (https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html).
 * Content filters ({ prefix }, { numeric }, { exists }...) are not used here and are refused
 * rather than silently mismatched.
 */
export type FilterPattern = { readonly [key: string]: FilterPattern | readonly (string | number | boolean | null)[] };

export function matchesFilter(record: unknown, pattern: FilterPattern): boolean {
  for (const [key, expected] of Object.entries(pattern)) {
    const actual = typeof record === 'object' && record !== null ? (record as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(expected)) {
      for (const value of expected) {
        if (typeof value === 'object' && value !== null) throw new Error(`filter: content filter ${JSON.stringify(value)} is not supported locally`);
      }
      if (!expected.includes(actual as string)) return false;
    } else if (!matchesFilter(actual, expected as FilterPattern)) {
      return false;
    }
  }
  return true;
}
