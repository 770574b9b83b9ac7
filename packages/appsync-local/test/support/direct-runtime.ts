/**
 * A ResolverRuntime whose fields are plain async functions: it lets the endpoint's tests
 * (test/server-*.test.ts of the package) drive every server path (errors, scalars, selections) without
 * depending on APPSYNC_JS code. The data they write still goes to the real DynamoDB Local.
 */
import type { ResolveInput, ResolveOutcome, ResolverRuntime } from '../../src/runtime/types';

export type DirectResolver = (input: ResolveInput) => Promise<ResolveOutcome> | ResolveOutcome;

export function directRuntime(resolvers: Record<string, DirectResolver>): ResolverRuntime {
  return {
    has: (typeName, fieldName) => `${typeName}.${fieldName}` in resolvers,
    resolve: async (typeName, fieldName, input) => resolvers[`${typeName}.${fieldName}`](input),
  };
}
