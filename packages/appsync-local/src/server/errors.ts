/**
 * Errors in the shapes AppSync answers with. Field errors carry
 * { path, data, errorType, errorInfo, locations: [{ line, column, sourceName }], message };
 * request-level errors (validation, variables) carry { path: null, locations, message }
 * (https://github.com/graphql/graphql-over-http/issues/81, where the AppSync team documented
 * their HTTP behaviour).
 */
import type { ASTNode, GraphQLError, Source, SourceLocation } from 'graphql';
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

const lineStarts = new WeakMap<Source, number[]>();

/**
 * Where an offset of a document is: line and column from 1, a line ending at \n, \r\n or \r (the
 * GraphQL spec's LineTerminator, as graphql-js counts them for its errors). The one home of this
 * count for the endpoints' errors. The document's line starts are found once per document (parsed
 * documents are cached), so that an answer with thousands of field errors, such as a document of
 * 5,000 aliases past the resolver count, does not scan the document again for each of them.
 */
export function locationIn(source: Source, offset: number): SourceLocation {
  let starts = lineStarts.get(source);
  if (!starts) {
    starts = [0];
    const body = source.body;
    for (let i = 0; i < body.length; i++) {
      const c = body.charCodeAt(i);
      if (c === 13 && body.charCodeAt(i + 1) === 10) i++;
      if (c === 10 || c === 13) starts.push(i + 1);
    }
    lineStarts.set(source, starts);
  }
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (starts[middle]! <= offset) low = middle;
    else high = middle - 1;
  }
  return { line: low + 1, column: offset - starts[low]! + 1 };
}

/** The locations of some nodes (those that have one), as graphql-js gives an error's; undefined for none. */
export function locationsOf(nodes: readonly ASTNode[]): SourceLocation[] | undefined {
  const out: SourceLocation[] = [];
  for (const node of nodes) if (node.loc) out.push(locationIn(node.loc.source, node.loc.start));
  return out.length ? out : undefined;
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
