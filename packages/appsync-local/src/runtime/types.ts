/**
 * The seam between the APPSYNC_JS runtime (runtime/) and the GraphQL endpoint
 * (server/). The server parses, validates and executes GraphQL; for every wired field it
 * asks the runtime to resolve, and it formats what comes back as AppSync does.
 */
import type { Trace } from '../trace';

export interface ResolveInfo {
  fieldName: string;
  parentTypeName: string;
  variables: Record<string, unknown>;
  /** AppSync's ctx.info.selectionSetList: paths like "items", "items/id" */
  selectionSetList: string[];
  /** the field's selection set as GraphQL text */
  selectionSetGraphQL: string;
}

export interface ResolveInput {
  arguments: Record<string, unknown>;
  source: unknown;
  /** null for API_KEY auth, as in AppSync */
  identity: unknown;
  /** lower-cased HTTP request headers */
  requestHeaders: Record<string, string>;
  info: ResolveInfo;
  /** the request's stage record, when the endpoint traces it (../trace.ts) */
  trace?: Trace;
}

/** An error raised by util.error / util.appendError / util.unauthorized, or by the runtime itself. */
export interface ResolverError {
  message: string;
  errorType?: string;
  data?: unknown;
  errorInfo?: unknown;
}

export interface ResolveOutcome {
  /** the field's value (null when util.error was raised) */
  data: unknown;
  /** util.error (at most one, ends the resolver) and util.appendError (any number) */
  errors: ResolverError[];
  /** extensions.setSubscriptionFilter, for subscription resolvers */
  subscriptionFilter?: unknown;
  /** extensions.setSubscriptionInvalidationFilter */
  subscriptionInvalidationFilter?: unknown;
  /** extensions.invalidateSubscriptions, for mutation resolvers: what to unsubscribe once the mutation succeeded */
  invalidations?: SubscriptionInvalidation[];
}

/** One extensions.invalidateSubscriptions call (aws-appsync-real-time-invalidation). */
export interface SubscriptionInvalidation {
  /** the Subscription field whose subscriptions are considered */
  subscriptionField: string;
  /** matched against each subscription's invalidation filter */
  payload: Record<string, unknown>;
}

export interface ResolverRuntime {
  /** whether Type.field has a resolver in the wiring description */
  has(typeName: string, fieldName: string): boolean;
  resolve(typeName: string, fieldName: string, input: ResolveInput): Promise<ResolveOutcome>;
}
