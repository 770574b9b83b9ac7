/**
 * One GraphQL request executed with AppSync's semantics: documents parsed and validated once per
 * query text, variables checked with AppSync's messages, wired fields resolved by the APPSYNC_JS
 * runtime, errors in AppSync's format, and mutation results offered to listeners (real-time).
 */
import {
  coerceInputValue,
  defaultFieldResolver,
  execute,
  getNamedType,
  GraphQLError,
  isNonNullType,
  Kind,
  typeFromAST,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLFieldResolver,
  type GraphQLInputType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { ResolveInput, ResolverError, ResolverRuntime, SubscriptionInvalidation } from '../runtime/types';
import {
  EXECUTION_TIMEOUT,
  executionErrorOf,
  locationsOf,
  queryDepthExceeded,
  requestError,
  resolverCountExceeded,
  resolverErrorOf,
  ResolverFieldError,
  type AppSyncError,
  type LimitError,
} from './errors';
import { selectionSetGraphQL, selectionSetList } from './selection';
import { checkDocumentCost, validateDocument } from './validation';
import { parseWithinLimits } from './document-limits';
import { project } from '../realtime/selection';
import { ScalarParseError } from './scalars';
import type { Caller } from './auth';
import { unauthorizedMessage, UNAUTHORIZED_ERROR_TYPE, type FieldAccess } from './directives';
import type { Trace } from '../trace';

export interface MutationResultEvent {
  /** the schema field name (not the alias) */
  fieldName: string;
  /** the key of the field in the response (the alias when there is one) */
  responseKey: string;
  /** the field's arguments as its resolver received them */
  arguments: Record<string, unknown>;
  /** the mutation field's value as returned to the client: only the selected fields */
  data: unknown;
  /** the mutation's selection on its field, as AppSync gives it to resolvers */
  selectionSetList: string[];
  selectionSetGraphQL: string;
  identity: unknown;
  requestHeaders: Record<string, string>;
  /** extensions.invalidateSubscriptions calls of the field's resolver (the real-time endpoint acts on them) */
  invalidations?: SubscriptionInvalidation[];
}

export type MutationResultListener = (event: MutationResultEvent) => void;

/**
 * AppSync's per-API limits (GraphqlApi props queryDepthLimit, resolverCountLimit,
 * introspectionConfig; an API passes the values its deployment uses) and its 30 s execution limit.
 */
export interface ExecutionLimits {
  /** deepest field nesting; 0 is AppSync's "no limit" */
  queryDepthLimit: number;
  /** most resolver invocations per request; 0 is AppSync's default, 10,000 */
  resolverCountLimit: number;
  introspection: boolean;
  /** AppSync's 30 s ("AWS AppSync endpoints and quotas": execution timeout) */
  requestTimeoutMs: number;
}

export const APPSYNC_DEFAULT_LIMITS: ExecutionLimits = { queryDepthLimit: 0, resolverCountLimit: 0, introspection: true, requestTimeoutMs: 30_000 };
/** AppSync's resolver count when resolverCountLimit is 0 (CreateGraphqlApi). */
const DEFAULT_RESOLVER_COUNT = 10_000;

export interface GraphQLRequest {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
  /** lower-cased */
  headers: Record<string, string>;
  identity?: unknown;
  /** who authenticated, and how: the schema's auth directives are checked against it per field */
  caller?: Caller;
  /** where the request's stages are recorded, when the endpoint traces (../trace.ts) */
  trace?: Trace;
}

export interface GraphQLResponseBody {
  data: unknown;
  errors?: AppSyncError[];
}

/** A query text parsed and checked once: what the endpoints run, or why they refuse it. */
export interface PreparedDocument {
  document: DocumentNode;
  fragments: Record<string, FragmentDefinitionNode>;
  /** validation errors and limits passed: the request's answer, nothing runs */
  errors: AppSyncError[];
  /** the text does not parse (or is past the parser's limits): refused before any of the above */
  syntax?: GraphQLError;
}

interface RequestContext {
  request: GraphQLRequest;
  fragments: Record<string, FragmentDefinitionNode>;
  /** util.appendError errors: the field keeps its value, the error is reported beside it */
  appended: AppSyncError[];
  resolverCalls: number;
  /** traced requests only: the time spent in resolvers and directive checks, which execute() includes */
  inResolversMs: number;
  /** the request's resolvers that run now; the others wait their turn */
  slots: ResolverSlots;
}

interface SelectionInfo {
  list: string[];
  graphql: string;
  selectionSet: SelectionSetNode | undefined;
}

const DOCUMENT_CACHE_SIZE = 500;
/** what a refused document is cached as: its errors say why */
const EMPTY_DOCUMENT: DocumentNode = { kind: Kind.DOCUMENT, definitions: [] };

/**
 * How many resolvers of one request run at once (issue 20, part 5). graphql-js starts every
 * field of a selection set at once: a document of 100 aliases of a field with a resolver ran 100
 * sandboxes and sent 100 DynamoDB requests in one go, which held the event loop and queued every
 * other request's calls behind them (the SDK's socket pool, then DynamoDB Local, which serves its
 * requests one at a time). Past this many, a request's resolvers wait for one of its own to finish,
 * so that another request's resolver waits for at most this many. AppSync's answers do not depend
 * on it: sibling fields are independent, and their results and errors keep the document's order.
 * Measured with the hostile reliability file (a reader's p99 while documents of 100 aliases of
 * getMark run, 2-core machine): 100 ms with no bound, 43 ms at 4, 24–26 ms at 2; the 100-alias
 * document itself takes about twice as long at 2 as at 4 (docs/PERFORMANCE.md).
 */
export const RESOLVERS_AT_ONCE_PER_REQUEST = 2;

/** Runs a request's resolvers at most `limit` at a time, the waiting ones in the order they came. */
class ResolverSlots {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running < this.limit) return this.start(work);
    return new Promise<T>((resolve, reject) => this.waiting.push(() => this.start(work).then(resolve, reject)));
  }

  private start<T>(work: () => Promise<T>): Promise<T> {
    this.running += 1;
    const done = () => {
      this.running -= 1;
      this.waiting.shift()?.();
    };
    const running = work();
    running.then(done, done);
    return running;
  }
}

/**
 * Parses and checks query texts once each, for the HTTP endpoint and the real-time endpoint's
 * starts alike (the one home of a document's parse, limits and validation): a document past
 * DOCUMENT_LIMITS is refused before validation, whose cost it would set (issue 24, part 4), and the
 * last DOCUMENT_CACHE_SIZE texts are remembered, so that a text sent again costs a lookup.
 */
export function createDocumentPreparer(schema: GraphQLSchema, options: { introspection?: boolean } = {}): (query: string) => PreparedDocument {
  const documents = new Map<string, PreparedDocument>();
  return (query) => {
    const hit = documents.get(query);
    if (hit) return hit;
    const parsed = parseWithinLimits(query);
    let prepared: PreparedDocument;
    if (!parsed.ok && 'syntax' in parsed) prepared = { document: EMPTY_DOCUMENT, fragments: {}, errors: [], syntax: parsed.syntax };
    else if (!parsed.ok) prepared = { document: EMPTY_DOCUMENT, fragments: {}, errors: [parsed.refused] };
    else {
      const document = parsed.document;
      const fragments: Record<string, FragmentDefinitionNode> = {};
      for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
      const errors = validateDocument(schema, document, { introspection: options.introspection });
      prepared = { document, fragments, errors: errors.length ? errors : checkDocumentCost(document, fragments) };
    }
    if (documents.size >= DOCUMENT_CACHE_SIZE) documents.delete(documents.keys().next().value!);
    documents.set(query, prepared);
    return prepared;
  };
}

export interface Executor {
  schema: GraphQLSchema;
  /** the document cache requests are run from (the real-time endpoint's starts use it too) */
  prepare(query: string): PreparedDocument;
  run(request: GraphQLRequest): Promise<GraphQLResponseBody>;
  addMutationListener(listener: MutationResultListener): () => void;
}

/** Thrown for requests AppSync refuses before GraphQL (HTTP 400, MalformedHttpRequestException). */
export class MalformedRequestError extends Error {}

export function createExecutor(schema: GraphQLSchema, runtime: ResolverRuntime, limits: ExecutionLimits = APPSYNC_DEFAULT_LIMITS, access?: FieldAccess): Executor {
  const resolverCountLimit = limits.resolverCountLimit || DEFAULT_RESOLVER_COUNT;
  const listeners = new Set<MutationResultListener>();
  const selections = new WeakMap<readonly FieldNode[], SelectionInfo>();
  const mutationType = schema.getMutationType();
  const queryType = schema.getQueryType();

  const prepare = createDocumentPreparer(schema, { introspection: limits.introspection });

  const selectionOf = (info: GraphQLResolveInfo, fragments: Record<string, FragmentDefinitionNode>): SelectionInfo => {
    let hit = selections.get(info.fieldNodes);
    if (!hit) {
      // The same response key may appear more than once; graphql merges those selections.
      const selectionSet: SelectionSetNode | undefined =
        info.fieldNodes.length === 1
          ? info.fieldNodes[0].selectionSet
          : info.fieldNodes.some((n) => n.selectionSet)
            ? { kind: Kind.SELECTION_SET, selections: info.fieldNodes.flatMap((n) => n.selectionSet?.selections ?? []) }
            : undefined;
      hit = { list: selectionSetList(selectionSet, fragments), graphql: selectionSetGraphQL(selectionSet), selectionSet };
      selections.set(info.fieldNodes, hit);
    }
    return hit;
  };

  // One error of each limit for every field it refuses: see refused().
  const depthExceeded = queryDepthExceeded(limits.queryDepthLimit);
  const countExceeded = resolverCountExceeded(resolverCountLimit);

  const fieldResolver: GraphQLFieldResolver<unknown, RequestContext> = (source, args, context, info) => {
    const typeName = info.parentType.name;
    const trace = context.request.trace;
    const checking = trace ? performance.now() : 0;
    if (limits.queryDepthLimit && fieldDepth(info.path) > limits.queryDepthLimit) throw refused(depthExceeded, info);
    const caller = context.request.caller;
    // AppSync authorizes each field before resolving it: a refused mutation field never runs.
    if (access && caller && !access.allows(typeName, info.fieldName, caller)) {
      throw new ResolverFieldError({ message: unauthorizedMessage(info.fieldName, typeName), errorType: UNAUTHORIZED_ERROR_TYPE, data: null, errorInfo: null });
    }
    if (trace) {
      context.inResolversMs += trace.add('directive checks', checking) - checking;
      if (!info.path.prev) trace.fields.push(`${typeName}.${info.fieldName}`);
    }
    if (!runtime.has(typeName, info.fieldName)) return defaultFieldResolver(source, args, context, info);
    if (++context.resolverCalls > resolverCountLimit) throw refused(countExceeded, info);
    const selection = selectionOf(info, context.fragments);
    const input: ResolveInput = {
      arguments: withUnsetVariablesAsNull(args, info, context.request.variables ?? {}),
      source: source ?? null,
      identity: context.request.identity ?? null,
      requestHeaders: context.request.headers,
      info: {
        fieldName: info.fieldName,
        parentTypeName: typeName,
        // the operation's variables as the client sent them (AWSJSON still text), not coerced
        variables: context.request.variables ?? {},
        selectionSetList: selection.list,
        selectionSetGraphQL: selection.graphql,
      },
    };
    const resolving = trace ? performance.now() : 0;
    if (trace) input.trace = trace;
    return context.slots.run(() => runtime.resolve(typeName, info.fieldName, input)).then((outcome) => {
      const errors = outcome.errors ?? [];
      const path = pathOf(info);
      const report = (e: ResolverError) => context.appended.push(resolverErrorOf(e, path, locationsOf(info.fieldNodes)));
      if ((outcome.data === null || outcome.data === undefined) && errors.length) {
        // util.error ends the resolver, so it is the last error; graphql-js nulls the field with
        // it and bubbles the null as GraphQL requires. Earlier ones came from util.appendError.
        errors.slice(0, -1).forEach(report);
        throw new ResolverFieldError(errors[errors.length - 1]);
      }
      errors.forEach(report);
      // A mutation field's value means its write committed: publish it now, before the next field
      // of the document runs (graphql runs them serially), so that subscribers hear of it even if
      // a later field fails, and events of one item go out in commit order.
      // extensions.invalidateSubscriptions calls of the resolver travel with it (realtime/ acts on them).
      if (info.parentType === mutationType && !info.path.prev && outcome.data !== null && outcome.data !== undefined && listeners.size) {
        const publishing = trace ? performance.now() : 0;
        const event = mutationEventOf(info, args, context, outcome.data);
        if (outcome.invalidations) event.invalidations = outcome.invalidations;
        notify(listeners, event);
        if (trace) trace.add('subscription publish', publishing);
      }
      if (trace) context.inResolversMs += performance.now() - resolving;
      return outcome.data;
    });
  };

  const mutationEventOf = (info: GraphQLResolveInfo, args: Record<string, unknown>, context: RequestContext, value: unknown): MutationResultEvent => {
    const selection = selectionOf(info, context.fragments);
    return {
      fieldName: info.fieldName,
      responseKey: info.path.key as string,
      arguments: args,
      // the value as the client receives it: only the fields the mutation selected, under its aliases
      data: project(schema, value, info.returnType, selection.selectionSet, context.fragments),
      selectionSetList: selection.list,
      selectionSetGraphQL: selection.graphql,
      identity: context.request.identity ?? null,
      requestHeaders: context.request.headers,
    };
  };

  /** The request's document and variables, or the errors AppSync answers before executing anything. */
  const check = (
    request: GraphQLRequest,
  ): { ok: true; prepared: PreparedDocument; operation: OperationDefinitionNode; variables: Record<string, unknown> } | { ok: false; errors: AppSyncError[] } => {
    const prepared = prepare(request.query);
    // graphql-over-http#81: a query AppSync cannot parse gets 400 "Unable to parse GraphQL query."
    if (prepared.syntax) throw new MalformedRequestError('Unable to parse GraphQL query.');
    if (prepared.errors.length) return { ok: false, errors: prepared.errors };
    const operation = pickOperation(prepared.document, request.operationName);
    if (!operation) return { ok: false, errors: [operationNotFound(request.operationName)] };
    const variables = request.variables ?? {};
    const variableErrors = checkVariableNesting(variables);
    if (!variableErrors.length) variableErrors.push(...checkVariables(schema, operation, variables));
    if (variableErrors.length) return { ok: false, errors: variableErrors };
    return { ok: true, prepared, operation, variables };
  };

  /**
   * A query whose root selects more fields with resolvers than the resolver count allows (5,000
   * aliases of getMark: 4,900 past a count of 100), split in two before graphql-js runs it: the
   * fields it will run, and the ones it would refuse. graphql-js would refuse each of those in its
   * synchronous pass over the root fields (argument coercion, resolve info, the field resolver,
   * the error's bookkeeping: 20-30 ms for 4,900 on this machine), holding every other request for
   * that long (issue 20, part 5); the endpoint runs only the others and refuses these itself, in
   * the same words, at the same paths and places, in the same order.
   *
   * Only where the answer is the same by construction, otherwise null and graphql-js refuses as
   * before: a query; a root of plain fields (no fragment, no @skip/@include, each response key
   * once: nothing to merge); every root field has a resolver, so the fields past the count are
   * exactly the root fields after the first resolverCountLimit (graphql-js starts the root
   * fields in document order and counts them before any nested field, which can only start once
   * a root resolver's promise settles); every field the caller may reach, so no root field is
   * refused for its directives in between; and no refused field is non-null (its null would
   * bubble). The refusals are then the first errors of the answer, as graphql-js reports its
   * synchronous refusals before any resolver's error, and once the count is reached every nested
   * resolver is refused in both cases alike.
   */
  const splitPastCount = (operation: OperationDefinitionNode, caller: Caller | undefined): { run: OperationDefinitionNode; refused: FieldNode[]; keys: string[] } | null => {
    const selections = operation.selectionSet.selections;
    if (operation.operation !== 'query' || selections.length <= resolverCountLimit || !queryType) return null;
    const keys = new Set<string>();
    const names = new Set<string>();
    for (const selection of selections) {
      if (selection.kind !== Kind.FIELD || selection.directives?.length) return null;
      const key = selection.alias?.value ?? selection.name.value;
      if (keys.has(key)) return null;
      keys.add(key);
      names.add(selection.name.value);
    }
    const fields = queryType.getFields();
    for (const name of names) {
      if (!runtime.has(queryType.name, name) || !fields[name]) return null;
      if (access && caller && !access.allows(queryType.name, name, caller)) return null;
    }
    const refused = (selections as readonly FieldNode[]).slice(resolverCountLimit);
    if (refused.some((field) => isNonNullType(fields[field.name.value]!.type))) return null;
    const run: OperationDefinitionNode = { ...operation, selectionSet: { ...operation.selectionSet, selections: selections.slice(0, resolverCountLimit) } };
    return { run, refused, keys: [...keys] };
  };

  const returnTypeOf = (parent: string, field: string): string | undefined => {
    const type = schema.getType(parent);
    return type && 'getFields' in type ? String(type.getFields()[field]?.type) : undefined;
  };

  return {
    schema,
    prepare,
    addMutationListener(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async run(request) {
      const trace = request.trace;
      const started = trace ? performance.now() : 0;
      const checked = check(request);
      const executing = trace ? trace.add('parse and validation', started) : 0;
      if (!checked.ok) return { data: null, errors: checked.errors };
      const { prepared, operation, variables } = checked;
      const split = splitPastCount(operation, request.caller);

      const context: RequestContext = { request, fragments: prepared.fragments, appended: [], resolverCalls: 0, inResolversMs: 0, slots: new ResolverSlots(RESOLVERS_AT_ONCE_PER_REQUEST) };
      const execution = Promise.resolve(
        execute({
          schema,
          document: split ? { ...prepared.document, definitions: prepared.document.definitions.map((d) => (d === operation ? split.run : d)) } : prepared.document,
          variableValues: variables,
          operationName: request.operationName ?? undefined,
          contextValue: context,
          fieldResolver,
        }),
      );
      const result = await withTimeout(execution, limits.requestTimeoutMs);
      if (trace) trace.addMs('GraphQL execution', performance.now() - executing - context.inResolversMs);
      if (result === TIMED_OUT) return { data: null, errors: [EXECUTION_TIMEOUT] };
      // graphql-js ran no field (its variables' coercion failed): nothing was refused either
      if (split && result.data !== undefined) return answerWithRefusals(result, split);
      const errors = [...(result.errors ?? []).map((e) => executionErrorOf(e, returnTypeOf)), ...context.appended];
      return errors.length ? { data: result.data ?? null, errors } : { data: result.data ?? null };

      /** The run fields' answer, with the refused fields' nulls in the document's order and their errors first. */
      function answerWithRefusals(ran: Awaited<ReturnType<typeof execute>>, { refused, keys }: NonNullable<typeof split>): GraphQLResponseBody {
        let data: Record<string, unknown> | null = null;
        if (ran.data) {
          data = {};
          for (const key of keys) data[key] = key in ran.data ? ran.data[key] : null;
        }
        const refusals = refused.map((field) => refusedAt(countExceeded, [field.alias?.value ?? field.name.value], [field]));
        const errors = [...refusals, ...(ran.errors ?? [])].map((e) => executionErrorOf(e, returnTypeOf));
        errors.push(...context.appended);
        return { data, errors };
      }
    },
  };
}

function notify(listeners: Set<MutationResultListener>, event: MutationResultEvent): void {
  for (const listener of listeners) {
    try {
      listener(event);
    } catch (err) {
      // A listener's failure must not turn a committed mutation into an error for the caller.
      console.error('mutation result listener failed:', err);
    }
  }
}

const TIMED_OUT = Symbol('timed out');

/** The execution's result, or TIMED_OUT after ms (the work itself cannot be cancelled). */
function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  if (!ms) return work;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** How many fields deep a path is (list indices do not count): getPost/author is 2. */
function fieldDepth(path: GraphQLResolveInfo['path']): number {
  let depth = 0;
  for (let p: GraphQLResolveInfo['path'] | undefined = path; p; p = p.prev) if (typeof p.key === 'string') depth++;
  return depth;
}

/**
 * AppSync hands a resolver an argument bound to a variable the client did not send as an explicit
 * null, where graphql-js leaves it out (https://github.com/aws/aws-appsync-community/issues/348).
 */
function withUnsetVariablesAsNull(args: Record<string, unknown>, info: GraphQLResolveInfo, sent: Record<string, unknown>): Record<string, unknown> {
  let out = args;
  for (const argument of info.fieldNodes[0].arguments ?? []) {
    if (argument.value.kind !== Kind.VARIABLE || argument.name.value in args || argument.value.name.value in sent) continue;
    if (out === args) out = { ...args };
    out[argument.name.value] = null;
  }
  return out;
}

/** The operation a request names, or its only one; also used by the real-time endpoint. */
export function pickOperation(document: DocumentNode, name: string | null | undefined): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (name) return operations.find((o) => o.name?.value === name);
  return operations.length === 1 ? operations[0] : undefined;
}

export function operationNotFound(name: string | null | undefined): AppSyncError {
  return requestError(name ? `Unknown operation named '${name}'.` : 'Must provide operation name if query contains multiple operations.');
}

/**
 * How deep a variable's value may nest. The deepest input of the schema nests three levels; a
 * value nested 100,000 deep overflowed the stack wherever it was walked recursively (coercion,
 * ctx.info.variables copied into every resolver), which answered HTTP 500 or failed every
 * resolver of the request. Checked without recursion, before anything else
 * walks the variables, declared or not.
 */
export const MAX_VARIABLE_DEPTH = 64;

export const variableTooDeepMessage = (name: string) => `Variable '${name}' has an invalid value. It is nested deeper than ${MAX_VARIABLE_DEPTH} levels.`;

export function checkVariableNesting(values: Record<string, unknown>): AppSyncError[] {
  const errors: AppSyncError[] = [];
  for (const [name, value] of Object.entries(values)) {
    const stack: Array<[unknown, number]> = [[value, 1]];
    while (stack.length) {
      const [item, depth] = stack.pop()!;
      if (item === null || typeof item !== 'object') continue;
      if (depth > MAX_VARIABLE_DEPTH) {
        errors.push(requestError(variableTooDeepMessage(name)));
        break;
      }
      for (const child of Object.values(item)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return errors;
}

/**
 * Variables checked before execution with graphql-java's wording, which AppSync returns
 * (e.g. "Variable 'id' has coerced Null value for NonNull type 'ID!'").
 */
export function checkVariables(schema: GraphQLSchema, operation: OperationDefinitionNode, values: Record<string, unknown>): AppSyncError[] {
  const errors: AppSyncError[] = [];
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type) as GraphQLInputType | undefined;
    if (!type) continue;
    const loc = locationsOf([definition]);
    const present = Object.prototype.hasOwnProperty.call(values, name);
    if (!present || values[name] === null) {
      if (isNonNullType(type) && !(definition.defaultValue && !present)) {
        errors.push(requestError(`Variable '${name}' has coerced Null value for NonNull type '${String(type)}'`, loc));
      }
      continue;
    }
    coerceInputValue(values[name], type, (path, invalidValue, error) => {
      const original = error.originalError;
      const where = path.length ? ` at '${name}.${path.join('.')}'` : '';
      if (original instanceof ScalarParseError) {
        errors.push(requestError(`Variable '${name}' has an invalid value${where}. ${original.message}`, loc));
      } else if (/^Expected non-nullable type/.test(error.message)) {
        errors.push(requestError(`Variable '${name}' has coerced Null value for NonNull type '${String(getNamedType(type))}!'${where}`, loc));
      } else {
        errors.push(requestError(`Variable '${name}' has an invalid value${where}. ${error.message} Got \`${JSON.stringify(invalidValue)}\`.`, loc));
      }
    });
  }
  return errors;
}

function pathOf(info: GraphQLResolveInfo): Array<string | number> {
  const out: Array<string | number> = [];
  for (let p: GraphQLResolveInfo['path'] | undefined = info.path; p; p = p.prev) out.unshift(p.key);
  return out;
}

/**
 * A field a limit refuses, as the error graphql-js reports for it: located (its path and the
 * field's place in the document) and carrying the limit's one error, so that graphql-js takes it
 * as it is (its locatedError passes on any Error whose `path` is an array). Refusing thousands of
 * fields (5,000 aliases past the resolver count) must cost next to nothing, and graphql-js would
 * have built each refusal with a stack trace (about 10 µs each) and its location by scanning the
 * document from its start: the error is made from GraphQLError's prototype without running its
 * constructor (0.1 µs), its location found in the document's line index.
 */
function refused(limit: LimitError, info: GraphQLResolveInfo): GraphQLError {
  return refusedAt(limit, pathOf(info), info.fieldNodes);
}

/** refused() of the field at `path` whose nodes are `nodes`. */
function refusedAt(limit: LimitError, path: Array<string | number>, nodes: readonly FieldNode[]): GraphQLError {
  const error = Object.create(GraphQLError.prototype) as GraphQLError;
  const fields: Partial<Record<keyof GraphQLError, unknown>> = { message: limit.message, path, locations: locationsOf(nodes), originalError: limit, extensions: {} };
  return Object.assign(error, fields);
}
