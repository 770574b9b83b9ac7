/**
 * Errors in the shapes AppSync answers with. Field errors carry
 * { path, data, errorType, errorInfo, locations: [{ line, column, sourceName }], message };
 * request-level errors (validation, variables) carry { path: null, locations, message }
 * (https://github.com/graphql/graphql-over-http/issues/81, where the AppSync team documented
 * their HTTP behaviour).
 */
import type { GraphQLError, SourceLocation } from 'graphql';
import type { ResolverError } from '../runtime/types';

export interface AppSyncLocation {
  line: number;
  column: number;
  sourceName: null;
}

export interface AppSyncError {
  path: ReadonlyArray<string | number> | null;
  data?: unknown;
  errorType?: string | null;
  errorInfo?: unknown;
  locations: AppSyncLocation[] | null;
  message: string;
}

export function appSyncLocations(locations: readonly SourceLocation[] | undefined): AppSyncLocation[] | null {
  return locations?.length ? locations.map(({ line, column }) => ({ line, column, sourceName: null })) : null;
}

export function requestError(message: string, locations?: readonly SourceLocation[]): AppSyncError {
  return { path: null, locations: appSyncLocations(locations), message };
}

export function resolverErrorOf(error: ResolverError, path: ReadonlyArray<string | number>, locations: readonly SourceLocation[] | undefined): AppSyncError {
  return {
    path,
    data: error.data ?? null,
    errorType: error.errorType ?? null,
    errorInfo: error.errorInfo ?? null,
    locations: appSyncLocations(locations),
    message: error.message,
  };
}

/** Carries a resolver's util.error through graphql-js, which then nulls the field (and bubbles). */
export class ResolverFieldError extends Error {
  constructor(readonly resolverError: ResolverError) {
    super(resolverError.message);
  }
}

const NON_NULL = /^Cannot return null for non-nullable field (\w+)\.(\w+)\.$/;

/** An error graphql-js raised while executing, in AppSync's words where they differ. */
export function executionErrorOf(error: GraphQLError, returnTypeOf: (parent: string, field: string) => string | undefined): AppSyncError {
  const path = error.path ?? null;
  const original = error.originalError;
  if (original instanceof ResolverFieldError) return resolverErrorOf(original.resolverError, path ?? [], error.locations);
  if (original instanceof LimitError) return resolverErrorOf({ message: original.message, errorType: original.errorType }, path ?? [], error.locations);
  const nonNull = NON_NULL.exec(error.message);
  if (nonNull) {
    const type = returnTypeOf(nonNull[1], nonNull[2])?.replace(/!$/, '') ?? 'Object';
    return { path, locations: null, message: `Cannot return null for non-nullable type: '${type}' within parent '${nonNull[1]}' (/${(path ?? []).join('/')})` };
  }
  if (error.message.startsWith('Unable to serialize') || /^(Int|Float|String|Boolean|ID) cannot represent/.test(error.message) || /^Enum "\w+" cannot represent/.test(error.message)) {
    return { path, locations: appSyncLocations(error.locations), message: `Can't serialize value (/${(path ?? []).join('/')}) : ${error.message}` };
  }
  return { path, data: null, errorType: original ? 'InternalFailure' : null, errorInfo: null, locations: appSyncLocations(error.locations), message: error.message };
}

/**
 * AppSync's configurable limits ("Configuring GraphQL run complexity, query depth, and
 * introspection with AWS AppSync",
 * https://docs.aws.amazon.com/appsync/latest/devguide/configuration-limits.html, and the
 * CreateGraphqlApi fields queryDepthLimit / resolverCountLimit): a field past the limit
 * "will produce a limit error", and a non-null field's error is thrown upwards to the first
 * nullable field. The page shows the error text only in screenshots, so the wording below is
 * ours; the shape (a field error beside the data, the field null) is AppSync's.
 */
export class LimitError extends Error {
  constructor(readonly errorType: string, message: string) {
    super(message);
  }
}

export const queryDepthExceeded = (limit: number) =>
  new LimitError('QueryDepthLimitExceeded', `Query depth limit of ${limit} exceeded.`);

export const resolverCountExceeded = (limit: number) =>
  new LimitError('ResolverCountLimitExceeded', `Resolver count limit of ${limit} exceeded.`);

/** AppSync's answer when a request runs past its 30 s execution limit (AppSync endpoints and quotas). */
export const EXECUTION_TIMEOUT: AppSyncError = { path: null, data: null, errorType: 'ExecutionTimeout', errorInfo: null, locations: null, message: 'Execution timed out.' };
