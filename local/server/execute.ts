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
  isNonNullType,
  Kind,
  parse,
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
import type { ResolveInput, ResolverError, ResolverRuntime } from '../appsync/types';
import { executionErrorOf, requestError, resolverErrorOf, ResolverFieldError, type AppSyncError } from './errors';
import { selectionSetGraphQL, selectionSetList } from './selection';
import { validateDocument } from './validation';
import { ScalarParseError } from './scalars';

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
  /** the selection itself, with the document's fragments, to re-project the value if needed */
  selectionSet: SelectionSetNode | undefined;
  fragments: Record<string, FragmentDefinitionNode>;
  identity: unknown;
  requestHeaders: Record<string, string>;
}

export type MutationResultListener = (event: MutationResultEvent) => void;

export interface GraphQLRequest {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
  /** lower-cased */
  headers: Record<string, string>;
  identity?: unknown;
}

export interface GraphQLResponseBody {
  data: unknown;
  errors?: AppSyncError[];
}

interface PreparedDocument {
  document: DocumentNode;
  fragments: Record<string, FragmentDefinitionNode>;
  errors: AppSyncError[];
}

interface RequestContext {
  request: GraphQLRequest;
  fragments: Record<string, FragmentDefinitionNode>;
  /** util.appendError errors: the field keeps its value, the error is reported beside it */
  appended: AppSyncError[];
  mutations: Array<Omit<MutationResultEvent, 'data'>>;
}

interface SelectionInfo {
  list: string[];
  graphql: string;
  selectionSet: SelectionSetNode | undefined;
}

const DOCUMENT_CACHE_SIZE = 500;

export interface Executor {
  schema: GraphQLSchema;
  run(request: GraphQLRequest): Promise<GraphQLResponseBody>;
  addMutationListener(listener: MutationResultListener): () => void;
}

/** Thrown for requests AppSync refuses before GraphQL (HTTP 400, MalformedHttpRequestException). */
export class MalformedRequestError extends Error {}

export function createExecutor(schema: GraphQLSchema, runtime: ResolverRuntime): Executor {
  const documents = new Map<string, PreparedDocument>();
  const listeners = new Set<MutationResultListener>();
  const selections = new WeakMap<readonly FieldNode[], SelectionInfo>();
  const mutationType = schema.getMutationType();

  const prepare = (query: string): PreparedDocument => {
    const hit = documents.get(query);
    if (hit) return hit;
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch {
      // graphql-over-http#81: a query AppSync cannot parse gets 400 "Unable to parse GraphQL query."
      throw new MalformedRequestError('Unable to parse GraphQL query.');
    }
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
    const prepared = { document, fragments, errors: validateDocument(schema, document) };
    if (documents.size >= DOCUMENT_CACHE_SIZE) documents.delete(documents.keys().next().value!);
    documents.set(query, prepared);
    return prepared;
  };

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
      hit = { list: selectionSetList(selectionSet, fragments), graphql: selectionSetGraphQL(selectionSet, fragments), selectionSet };
      selections.set(info.fieldNodes, hit);
    }
    return hit;
  };

  const fieldResolver: GraphQLFieldResolver<unknown, RequestContext> = (source, args, context, info) => {
    const typeName = info.parentType.name;
    if (info.parentType === mutationType && !info.path.prev) {
      const selection = selectionOf(info, context.fragments);
      context.mutations.push({
        fieldName: info.fieldName,
        responseKey: info.path.key as string,
        arguments: args,
        selectionSetList: selection.list,
        selectionSetGraphQL: selection.graphql,
        selectionSet: selection.selectionSet,
        fragments: context.fragments,
        identity: context.request.identity ?? null,
        requestHeaders: context.request.headers,
      });
    }
    if (!runtime.has(typeName, info.fieldName)) return defaultFieldResolver(source, args, context, info);
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
    return runtime.resolve(typeName, info.fieldName, input).then((outcome) => {
      const errors = outcome.errors ?? [];
      const path = pathOf(info);
      const report = (e: ResolverError) => context.appended.push(resolverErrorOf(e, path, info.fieldNodes.map((n) => n.loc && locationOf(n, info)).filter(isDefined)));
      if ((outcome.data === null || outcome.data === undefined) && errors.length) {
        // util.error ends the resolver, so it is the last error; graphql-js nulls the field with
        // it and bubbles the null as GraphQL requires. Earlier ones came from util.appendError.
        errors.slice(0, -1).forEach(report);
        throw new ResolverFieldError(errors[errors.length - 1]);
      }
      errors.forEach(report);
      return outcome.data;
    });
  };

  const returnTypeOf = (parent: string, field: string): string | undefined => {
    const type = schema.getType(parent);
    return type && 'getFields' in type ? String(type.getFields()[field]?.type) : undefined;
  };

  return {
    schema,
    addMutationListener(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async run(request) {
      const prepared = prepare(request.query);
      if (prepared.errors.length) return { data: null, errors: prepared.errors };
      const operation = pickOperation(prepared.document, request.operationName);
      if (!operation) return { data: null, errors: [operationNotFound(request.operationName)] };
      const variables = request.variables ?? {};
      const variableErrors = checkVariables(schema, operation, variables);
      if (variableErrors.length) return { data: null, errors: variableErrors };

      const context: RequestContext = { request, fragments: prepared.fragments, appended: [], mutations: [] };
      const result = await execute({
        schema,
        document: prepared.document,
        variableValues: variables,
        operationName: request.operationName ?? undefined,
        contextValue: context,
        fieldResolver,
      });
      const errors = [...(result.errors ?? []).map((e) => executionErrorOf(e, returnTypeOf)), ...context.appended];
      const body: GraphQLResponseBody = errors.length ? { data: result.data ?? null, errors } : { data: result.data ?? null };
      if (listeners.size && context.mutations.length && result.data) notify(listeners, context.mutations, result.data, errors);
      return body;
    },
  };
}

function notify(
  listeners: Set<MutationResultListener>,
  mutations: Array<Omit<MutationResultEvent, 'data'>>,
  data: Record<string, unknown>,
  errors: AppSyncError[],
): void {
  for (const mutation of mutations) {
    const value = data[mutation.responseKey];
    const failed = errors.some((e) => e.path?.length === 1 && e.path[0] === mutation.responseKey);
    if (value === null || value === undefined || failed) continue;
    for (const listener of listeners) {
      try {
        listener({ ...mutation, data: value });
      } catch (err) {
        // A listener's failure must not turn a committed mutation into an error for the caller.
        console.error('mutation result listener failed:', err);
      }
    }
  }
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
 * Variables checked before execution with graphql-java's wording, which AppSync returns
 * (e.g. "Variable 'id' has coerced Null value for NonNull type 'ID!'").
 */
export function checkVariables(schema: GraphQLSchema, operation: OperationDefinitionNode, values: Record<string, unknown>): AppSyncError[] {
  const errors: AppSyncError[] = [];
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type) as GraphQLInputType | undefined;
    if (!type) continue;
    const loc = definition.loc ? [locationOfOffset(definition.loc.source.body, definition.loc.start)] : undefined;
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

function locationOfOffset(body: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (body.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

function locationOf(node: FieldNode, _info: GraphQLResolveInfo): { line: number; column: number } {
  return locationOfOffset(node.loc!.source.body, node.loc!.start);
}

function pathOf(info: GraphQLResolveInfo): Array<string | number> {
  const out: Array<string | number> = [];
  for (let p: GraphQLResolveInfo['path'] | undefined = info.path; p; p = p.prev) out.unshift(p.key);
  return out;
}

function isDefined<T>(value: T | undefined | null | 0 | ''): value is T {
  return value !== undefined && value !== null && value !== 0 && value !== '';
}
