/** Sorted keys: the one canonical form of JSON data the API answers and idempotency hashes. Its own module so that a bundle needing only this does not carry the output shaping. */

/**
 * A copy of plain JSON data with every object's keys in sorted order: DynamoDB returns map members
 * in any order, and a retried command must answer the very same `data` text. Iterative (APPSYNC_JS
 * forbids recursion): the work list grows while for-of walks it.
 */
export function withSortedKeys(value: unknown): unknown {
  const root: Record<string, unknown> = { value };
  const work: { parent: Record<string, unknown>; key: string }[] = [{ parent: root, key: 'value' }];
  for (const item of work) {
    const member = item.parent[item.key];
    if (member && typeof member === 'object' && !Array.isArray(member)) {
      const copy: Record<string, unknown> = {};
      for (const key of Object.keys(member).sort()) {
        copy[key] = (member as Record<string, unknown>)[key];
        work.push({ parent: copy, key });
      }
      item.parent[item.key] = copy;
    }
  }
  return root.value;
}
