/**
 * Hostile documents of issue 10 (a black-box probe) and issue 20, shared by
 * test/server-limits.test.ts and the reliability file test/reliability/attacks/hostile.test.ts (whose
 * attacker, test/support/hostile-load.ts, sends them).
 */

/** `fragment M0 on T { ...M1 ...M1 } … fragment M{levels} on T { <leaf> }`: 2^levels spreads. */
export function fragmentChain(levels: number, type: string, leaf: string): string {
  const fragments: string[] = [];
  for (let i = 0; i < levels; i++) fragments.push(`fragment M${i} on ${type} { ...M${i + 1} ...M${i + 1} }`);
  fragments.push(`fragment M${levels} on ${type} { ${leaf} }`);
  return fragments.join('\n');
}

export const fragmentChainQuery = (mark: string, levels = 30) => `query { getMark(mark: ${JSON.stringify(mark)}) { ...M0 } }\n${fragmentChain(levels, 'Mark', 'mark version')}`;

export const fragmentChainSubscription = (mark: string, levels = 30) =>
  `subscription { onMarkEvent(mark: ${JSON.stringify(mark)}) { ...M0 } }\n${fragmentChain(levels, 'MarkEvent', 'mark version')}`;

/**
 * Aliases fanned out through fragments: listMarks { items { ...F0 } } where each level selects
 * `width` aliased copies of the next; width^3 fields from a document of a few KB.
 */
export function aliasFanOutQuery(width = 40): string {
  const copies = (field: string, next: string) => Array.from({ length: width }, (_, i) => `a${i}: ${field} { ...${next} }`).join(' ');
  return [
    'query { listMarks { items { ...F0 } } }',
    `fragment F0 on Mark { ${copies('entitlement', 'F1')} }`,
    `fragment F1 on Entitlement { ${copies('address', 'F2')} }`,
    `fragment F2 on Address { ${Array.from({ length: width }, (_, i) => `p${i}: postTown`).join(' ')} }`,
  ].join('\n');
}

/**
 * `count` aliases of getMark on one mark (`a0: getMark(mark: $mark) { mark } …`): a document
 * within every limit of the document itself (up to 5,000 aliases it selects at most
 * MAX_EXPANDED_FIELDS, 10,000 fields), which asks for `count` resolvers. Past the API's
 * resolverCountLimit (100 as deployed) the endpoint answers the first ones and refuses the rest
 * as ResolverCountLimitExceeded, each beside the data (issue 20, part 5).
 */
export const aliasedGetMarks = (count: number) =>
  `query Aliases($mark: ID!) { ${Array.from({ length: count }, (_, i) => `a${i}: getMark(mark: $mark) { mark }`).join(' ')} }`;

/**
 * The JSON text of a value nested `depth` arrays deep (written as text: JSON.stringify itself
 * recurses and would overflow before the server sees it).
 */
export const deeplyNestedJson = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

/** A POST /graphql body whose variable `deep` is nested `depth` levels. */
export const deepVariablesBody = (query: string, depth: number) => `{"query":${JSON.stringify(query)},"variables":{"deep":${deeplyNestedJson(depth)}}}`;
