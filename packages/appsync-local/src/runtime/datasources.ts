/**
 * Data sources of the local runtime: what AppSync does between a request handler and a response
 * handler. A data source takes the request object (JSON, as the handler returned it) and answers
 * { result, error } exactly as AppSync puts them on ctx.result and ctx.error.
 *
 * AMAZON_DYNAMODB requests are translated to AWS SDK v3 calls; typed values may carry numbers as
 * JSON numbers ({ "N": 10 }), items come back unmarshalled to plain JSON, failures come back as
 * ctx.error { type: "DynamoDB:<ExceptionName>", message }.
 *
 * HTTP requests ({ method, resourcePath, params: { query, headers, body } }) go to the data
 * source's endpoint with fetch, SigV4-signed when its authorizationConfig says AWS_IAM; the answer
 * is ctx.result { statusCode, headers, body }.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { meteredClient, meteredField, type CapacityMeter } from './capacity';
import type { HttpAuthorizationConfig } from '../wiring';

/* eslint-disable @typescript-eslint/no-explicit-any -- request objects are arbitrary JSON written by resolver code */

export interface DataSourceError {
  message: string;
  type: string;
}

export interface DataSourceAnswer {
  result: unknown;
  error?: DataSourceError;
}

export interface DataSource {
  execute(request: unknown, context: DataSourceCallContext): Promise<DataSourceAnswer>;
}

/** What a data source may need to know about the field being resolved. */
export interface DataSourceCallContext {
  typeName: string;
  fieldName: string;
}

export const noneDataSource: DataSource = {
  // NONE: "the value of the payload field will be forwarded to the response handler" (resolver-reference-none-js)
  async execute(request) {
    return { result: (request as { payload?: unknown } | null | undefined)?.payload ?? null };
  },
};

export type LambdaHandler = (event: unknown, context: Record<string, unknown>) => unknown;

/** AWS_LAMBDA: the `payload` of an Invoke request is the event the function receives; its return value is ctx.result. */
export function lambdaDataSource(name: string, handler: LambdaHandler): DataSource {
  let invocations = 0;
  return {
    async execute(request) {
      const req = (request ?? {}) as { operation?: string; payload?: unknown; invocationType?: string };
      if (req.operation !== 'Invoke') {
        return { result: null, error: { type: 'Lambda:Unsupported', message: `operation ${String(req.operation)} is not supported by the local AWS_LAMBDA data source ${name} (use Invoke)` } };
      }
      const context = {
        functionName: name,
        awsRequestId: `local-${Date.now()}-${++invocations}`,
        getRemainingTimeInMillis: () => 30_000,
      };
      try {
        // the event crosses a JSON boundary in AWS too
        const event = req.payload === undefined ? null : JSON.parse(JSON.stringify(req.payload));
        const value = await handler(event, context);
        if (req.invocationType === 'Event') return { result: null };
        return { result: value === undefined ? null : JSON.parse(JSON.stringify(value)) };
      } catch (err) {
        return { result: null, error: { type: 'Lambda:Unhandled', message: err instanceof Error ? err.message : String(err) } };
      }
    },
  };
}

// ---- typed values --------------------------------------------------------------------------

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A typed value as AppSync accepts it ({ N: 10 }, { B: "base64" }) → the SDK's AttributeValue. */
export function toSdkValue(value: unknown): AttributeValue {
  if (!isObject(value)) throw new Error(`not a DynamoDB typed value: ${JSON.stringify(value)}`);
  const [type, v] = Object.entries(value)[0] ?? [];
  switch (type) {
    case 'S': return { S: String(v) };
    case 'N': return { N: String(v) };
    case 'BOOL': return { BOOL: Boolean(v) };
    case 'NULL': return { NULL: true };
    case 'B': return { B: Uint8Array.from(Buffer.from(String(v), 'base64')) };
    case 'SS': return { SS: (v as unknown[]).map(String) };
    case 'NS': return { NS: (v as unknown[]).map(String) };
    case 'BS': return { BS: (v as unknown[]).map((b) => Uint8Array.from(Buffer.from(String(b), 'base64'))) };
    case 'L': return { L: (v as unknown[]).map(toSdkValue) };
    case 'M': return { M: toSdkMap(v) };
    default: throw new Error(`not a DynamoDB typed value: ${JSON.stringify(value)}`);
  }
}

export function toSdkMap(map: unknown): Record<string, AttributeValue> {
  if (!isObject(map)) throw new Error(`expected a map of typed values, got ${JSON.stringify(map)}`);
  const out: Record<string, AttributeValue> = {};
  for (const [k, v] of Object.entries(map)) out[k] = toSdkValue(v);
  return out;
}

/** SDK AttributeValue → plain JSON as AppSync hands it to a response handler (sets become lists). */
export function fromSdkValue(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.B !== undefined) return Buffer.from(value.B).toString('base64');
  if (value.SS !== undefined) return [...value.SS];
  if (value.NS !== undefined) return value.NS.map(Number);
  if (value.BS !== undefined) return value.BS.map((b) => Buffer.from(b).toString('base64'));
  if (value.L !== undefined) return value.L.map(fromSdkValue);
  if (value.M !== undefined) return fromSdkItem(value.M);
  return null;
}

export function fromSdkItem(item: Record<string, AttributeValue> | undefined): Record<string, unknown> | null {
  if (!item) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) out[k] = fromSdkValue(v);
  return out;
}

function expression(e: any): { expression?: string; names?: Record<string, string>; values?: Record<string, AttributeValue> } {
  if (!e) return {};
  return {
    expression: e.expression,
    names: e.expressionNames && Object.keys(e.expressionNames).length ? e.expressionNames : undefined,
    values: e.expressionValues && Object.keys(e.expressionValues).length ? toSdkMap(e.expressionValues) : undefined,
  };
}

/** Merges the name / value maps of several expressions, as one SDK call carries one of each. */
function merge(...parts: ReturnType<typeof expression>[]) {
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = {};
  for (const p of parts) {
    Object.assign(names, p.names ?? {});
    Object.assign(values, p.values ?? {});
  }
  return {
    ExpressionAttributeNames: Object.keys(names).length ? names : undefined,
    ExpressionAttributeValues: Object.keys(values).length ? values : undefined,
  };
}

// ---- pagination tokens ---------------------------------------------------------------------

/** AppSync's error for a nextToken it did not hand out (type and message as AppSync returns them). */
export const INVALID_TOKEN_TYPE = 'DynamoDB:UserIllegalArgumentException';
export const INVALID_TOKEN_MESSAGE = 'com.amazonaws.deepdish.common.pagination.InvalidPaginationTokenException: Invalid pagination token given.';

/** An opaque nextToken: the LastEvaluatedKey, base64url-encoded (AppSync encrypts its tokens). */
export function encodeNextToken(key: Record<string, AttributeValue> | undefined): string | null {
  if (!key) return null;
  return Buffer.from(JSON.stringify({ v: 1, k: key })).toString('base64url');
}

export class InvalidNextToken extends Error {}

/** A LastEvaluatedKey has at most four attributes: the table's hash and range keys and an index's. */
const MAX_KEY_ATTRIBUTES = 4;
const NUMBER_TEXT = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const BASE64_TEXT = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Whether a decoded token holds the shape of a key a Query or Scan hands out: one to four key
 * attributes, each exactly one scalar of a key type (S, N or B) in its wire form. Anything else would
 * reach DynamoDB as a request it cannot read and come back as an InternalFailure, not as the
 * caller's bad input; DynamoDB itself rejects a well-shaped key that does not
 * fit the table, index or key condition with a ValidationException.
 */
function isStartKey(key: unknown): key is Record<string, AttributeValue> {
  if (!isObject(key)) return false;
  const entries = Object.entries(key);
  if (entries.length < 1 || entries.length > MAX_KEY_ATTRIBUTES) return false;
  return entries.every(([, value]) => {
    if (!isObject(value)) return false;
    const members = Object.entries(value);
    if (members.length !== 1) return false;
    const [type, text] = members[0];
    if (typeof text !== 'string') return false;
    if (type === 'S') return true;
    if (type === 'N') return NUMBER_TEXT.test(text);
    if (type === 'B') return BASE64_TEXT.test(text);
    return false;
  });
}

export function decodeNextToken(token: unknown): Record<string, AttributeValue> | undefined {
  if (token === undefined || token === null) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8')) as { v?: number; k?: unknown };
    if (parsed.v !== 1 || !isStartKey(parsed.k)) throw new Error('not a token of this API');
    return parsed.k;
  } catch {
    throw new InvalidNextToken(`Invalid nextToken "${String(token).slice(0, 40)}": it was not returned by a previous Query or Scan`);
  }
}

// ---- DynamoDB ------------------------------------------------------------------------------

export interface DynamoDataSourceOptions {
  name: string;
  client: DynamoDBClient;
  /** physical name of the data source's own table */
  table: string;
  /** physical names of every table the data source may touch (its own and its grants) */
  allowedTables: string[];
  /** totals consumed capacity per resolved field (capacity.ts) */
  meter?: CapacityMeter;
}

/**
 * ctx.error of a failed DynamoDB call. An error DynamoDB answered carries its HTTP status and
 * request id, and AppSync's message adds them after DynamoDB's own, e.g. "The conditional request
 * failed (Service: DynamoDb, Status Code: 400, Request ID: 3S...)" (AppSync's ctx.error of a JS
 * resolver, aws/aws-appsync-community#343; the same in aws-amplify/amplify-js#8345).
 */
function sdkError(err: unknown): DataSourceError {
  // a plain Error here is a request object the runtime could not translate: a validation failure
  const name = !(err instanceof Error) ? 'InternalServerError' : err.name === 'Error' || err.name === 'TypeError' ? 'ValidationException' : err.name;
  const message = err instanceof Error ? err.message : String(err);
  const answered = (err as { $metadata?: { httpStatusCode?: number; requestId?: string } } | null)?.$metadata;
  if (!answered?.httpStatusCode) return { type: `DynamoDB:${name}`, message };
  return { type: `DynamoDB:${name}`, message: `${message} (Service: DynamoDb, Status Code: ${answered.httpStatusCode}, Request ID: ${answered.requestId ?? 'null'})` };
}

function equalItems(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isObject(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  return v;
}

export function dynamoDbDataSource(options: DynamoDataSourceOptions): DataSource {
  const { table } = options;
  // every call asks for its consumed capacity, so that an operation's price can be counted
  const client = meteredClient(options.client, options.meter);
  const allowed = new Set(options.allowedTables);

  const checkTable = (name: unknown) => {
    if (typeof name !== 'string' || !allowed.has(name)) {
      throw Object.assign(new Error(`data source ${options.name} is not allowed to use table ${String(name)} (allowed: ${[...allowed].join(', ')})`), {
        name: 'AccessDeniedException',
      });
    }
    return name;
  };

  /**
   * A failed condition on PutItem / UpdateItem / DeleteItem, handled as AppSync documents it
   * (js-aws-appsync-resolver-reference-dynamodb-condition-expressions, "Handling a condition check
   * failure"): fetch the current item with a strongly consistent read; a PutItem whose current
   * item already equals the one requested (ignoring equalsIgnore) and a DeleteItem whose item is
   * already gone count as successes; otherwise the Reject strategy: ctx.error, and the current
   * item in ctx.result.
   */
  async function conditionFailed(req: any, key: Record<string, AttributeValue>, err: unknown): Promise<DataSourceAnswer> {
    const strategy = req.condition?.conditionalCheckFailedHandler?.strategy;
    if (strategy === 'Custom') {
      return { result: null, error: { type: 'DynamoDB:ConditionalCheckFailedException', message: 'The Custom conditionalCheckFailedHandler (a Lambda) is not supported by the local AppSync runtime' } };
    }
    const current = await client.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }));
    const item = fromSdkItem(current.Item);
    if (req.operation === 'PutItem' && item) {
      const ignore = new Set<string>(req.condition?.equalsIgnore ?? []);
      const wanted = fromSdkItem({ ...toSdkMap(req.attributeValues ?? {}), ...key })!;
      const strip = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([k]) => !ignore.has(k)));
      if (equalItems(strip(item), strip(wanted))) return { result: item };
    }
    if (req.operation === 'DeleteItem' && !item) return { result: null };
    return { result: item, error: sdkError(err) };
  }

  async function single(req: any): Promise<DataSourceAnswer> {
    const key = toSdkMap(req.key);
    const cond = expression(req.condition);
    try {
      switch (req.operation) {
        case 'GetItem': {
          const proj = expression(req.projection);
          const out = await client.send(new GetItemCommand({
            TableName: table, Key: key, ConsistentRead: req.consistentRead ?? undefined,
            ProjectionExpression: proj.expression, ...merge(proj),
          }));
          return { result: fromSdkItem(out.Item) };
        }
        case 'PutItem': {
          const item = { ...toSdkMap(req.attributeValues ?? {}), ...key };
          await client.send(new PutItemCommand({ TableName: table, Item: item, ConditionExpression: cond.expression, ...merge(cond) }));
          // AppSync answers a PutItem with the item it wrote
          return { result: fromSdkItem(item) };
        }
        case 'UpdateItem': {
          const upd = expression(req.update);
          const out = await client.send(new UpdateItemCommand({
            TableName: table, Key: key, UpdateExpression: upd.expression, ConditionExpression: cond.expression,
            ReturnValues: 'ALL_NEW', ...merge(upd, cond),
          }));
          return { result: fromSdkItem(out.Attributes) };
        }
        case 'DeleteItem': {
          const out = await client.send(new DeleteItemCommand({
            TableName: table, Key: key, ConditionExpression: cond.expression, ReturnValues: 'ALL_OLD', ...merge(cond),
          }));
          return { result: fromSdkItem(out.Attributes) };
        }
      }
    } catch (err) {
      if (err instanceof Error && err.name === 'ConditionalCheckFailedException') return conditionFailed(req, key, err);
      return { result: null, error: sdkError(err) };
    }
    throw new Error('unreachable');
  }

  async function queryOrScan(req: any): Promise<DataSourceAnswer> {
    let startKey: Record<string, AttributeValue> | undefined;
    try {
      startKey = decodeNextToken(req.nextToken);
    } catch (err) {
      // what AppSync answers for a token it cannot read (its message, as reported in
      // aws-amplify/amplify-cli#3411 and amplify-js#4880), whatever our decoder's reason
      void err;
      return { result: null, error: { type: INVALID_TOKEN_TYPE, message: INVALID_TOKEN_MESSAGE } };
    }
    const filter = expression(req.filter);
    const proj = expression(req.projection);
    const common = {
      TableName: table,
      IndexName: req.index ?? undefined,
      Limit: req.limit ?? undefined,
      ExclusiveStartKey: startKey,
      ConsistentRead: req.consistentRead ?? undefined,
      FilterExpression: filter.expression,
      ProjectionExpression: proj.expression,
      Select: req.select ?? undefined,
    };
    try {
      const out =
        req.operation === 'Query'
          ? await (() => {
              const q = expression(req.query);
              return client.send(new QueryCommand({
                ...common, KeyConditionExpression: q.expression, ScanIndexForward: req.scanIndexForward ?? undefined, ...merge(q, filter, proj),
              }));
            })()
          : await client.send(new ScanCommand({ ...common, Segment: req.segment ?? undefined, TotalSegments: req.totalSegments ?? undefined, ...merge(filter, proj) }));
      return {
        result: {
          items: (out.Items ?? []).map((i) => fromSdkItem(i)),
          nextToken: encodeNextToken(out.LastEvaluatedKey),
          scannedCount: out.ScannedCount ?? 0,
        },
      };
    } catch (err) {
      return { result: null, error: sdkError(err) };
    }
  }

  async function batch(req: any): Promise<DataSourceAnswer> {
    try {
      if (req.operation === 'BatchGetItem') {
        const requestItems: Record<string, any> = {};
        for (const [t, spec] of Object.entries<any>(req.tables ?? {})) {
          const proj = expression(spec.projection);
          requestItems[checkTable(t)] = {
            Keys: (spec.keys ?? []).map(toSdkMap), ConsistentRead: spec.consistentRead ?? undefined,
            ProjectionExpression: proj.expression, ExpressionAttributeNames: proj.names,
          };
        }
        const out = await client.send(new BatchGetItemCommand({ RequestItems: requestItems }));
        // AppSync keeps the order of the requested keys, with null for a key that has no item
        const data: Record<string, unknown[]> = {};
        const unprocessedKeys: Record<string, unknown[]> = {};
        for (const [t, spec] of Object.entries<any>(req.tables ?? {})) {
          const found = (out.Responses?.[t] ?? []).map((i) => fromSdkItem(i)!);
          const unprocessed = (out.UnprocessedKeys?.[t]?.Keys ?? []).map((k) => fromSdkItem(k)!);
          data[t] = (spec.keys ?? []).map((k: unknown) => {
            const wanted = fromSdkItem(toSdkMap(k))!;
            return found.find((item) => Object.entries(wanted).every(([a, v]) => equalItems(item[a], v))) ?? null;
          });
          unprocessedKeys[t] = unprocessed;
        }
        return { result: { data, unprocessedKeys } };
      }
      const isPut = req.operation === 'BatchPutItem';
      const requestItems: Record<string, any[]> = {};
      for (const [t, entries] of Object.entries<any[]>(req.tables ?? {})) {
        requestItems[checkTable(t)] = entries.map((e) => (isPut ? { PutRequest: { Item: toSdkMap(e) } } : { DeleteRequest: { Key: toSdkMap(e) } }));
      }
      const out = await client.send(new BatchWriteItemCommand({ RequestItems: requestItems }));
      const data: Record<string, unknown[]> = {};
      const unprocessed: Record<string, unknown[]> = {};
      for (const [t, entries] of Object.entries<any[]>(req.tables ?? {})) {
        data[t] = entries.map((e) => fromSdkItem(toSdkMap(e)));
        unprocessed[t] = (out.UnprocessedItems?.[t] ?? []).map((w) => fromSdkItem(isPut ? w.PutRequest?.Item : w.DeleteRequest?.Key));
      }
      return { result: isPut ? { data, unprocessedItems: unprocessed } : { data, unprocessedKeys: unprocessed } };
    } catch (err) {
      return { result: null, error: sdkError(err) };
    }
  }

  function cancellationReasons(err: TransactionCanceledException) {
    return (err.CancellationReasons ?? []).map((r) => {
      const reason: Record<string, unknown> = { type: r.Code ?? 'None', message: r.Message ?? null };
      if (r.Item) reason.item = fromSdkItem(r.Item);
      return reason;
    });
  }

  async function transactGet(req: any): Promise<DataSourceAnswer> {
    try {
      const out = await client.send(new TransactGetItemsCommand({
        TransactItems: (req.transactItems ?? []).map((i: any) => {
          const proj = expression(i.projection);
          return { Get: { TableName: checkTable(i.table), Key: toSdkMap(i.key), ProjectionExpression: proj.expression, ExpressionAttributeNames: proj.names } };
        }),
      }));
      return { result: { items: (out.Responses ?? []).map((r) => fromSdkItem(r.Item)), cancellationReasons: null } };
    } catch (err) {
      if (err instanceof TransactionCanceledException) {
        return { result: { items: null, cancellationReasons: cancellationReasons(err) }, error: sdkError(err) };
      }
      return { result: null, error: sdkError(err) };
    }
  }

  async function transactWrite(req: any): Promise<DataSourceAnswer> {
    const items = (req.transactItems ?? []) as any[];
    try {
      const transactItems: TransactWriteItem[] = items.map((i) => {
        const TableName = checkTable(i.table);
        const Key = toSdkMap(i.key);
        const cond = expression(i.condition);
        // AppSync returns the existing item of a failed condition unless told not to
        const ReturnValuesOnConditionCheckFailure = i.condition?.returnValuesOnConditionCheckFailure === false ? 'NONE' as const : 'ALL_OLD' as const;
        const conditional = { ConditionExpression: cond.expression, ...(cond.expression ? { ReturnValuesOnConditionCheckFailure } : {}) };
        switch (i.operation) {
          case 'PutItem':
            return { Put: { TableName, Item: { ...toSdkMap(i.attributeValues ?? {}), ...Key }, ...conditional, ...merge(cond) } };
          case 'UpdateItem': {
            const upd = expression(i.update);
            return { Update: { TableName, Key, UpdateExpression: upd.expression, ...conditional, ...merge(upd, cond) } };
          }
          case 'DeleteItem':
            return { Delete: { TableName, Key, ...conditional, ...merge(cond) } };
          case 'ConditionCheck':
            return { ConditionCheck: { TableName, Key, ConditionExpression: cond.expression!, ...(cond.expression ? { ReturnValuesOnConditionCheckFailure } : {}), ...merge(cond) } };
          default:
            throw Object.assign(new Error(`TransactWriteItems: unknown operation ${String(i.operation)}`), { name: 'ValidationException' });
        }
      });
      await client.send(new TransactWriteItemsCommand({ TransactItems: transactItems }));
      return { result: { keys: items.map((i) => fromSdkItem(toSdkMap(i.key))), cancellationReasons: null } };
    } catch (err) {
      if (err instanceof TransactionCanceledException) {
        return { result: { keys: null, cancellationReasons: cancellationReasons(err) }, error: sdkError(err) };
      }
      return { result: null, error: sdkError(err) };
    }
  }

  const source: DataSource = {
    async execute(request) {
      const req = (request ?? {}) as any;
      try {
        switch (req.operation) {
          case 'GetItem':
          case 'PutItem':
          case 'UpdateItem':
          case 'DeleteItem':
            return await single(req);
          case 'Query':
          case 'Scan':
            return await queryOrScan(req);
          case 'BatchGetItem':
          case 'BatchPutItem':
          case 'BatchDeleteItem':
            return await batch(req);
          case 'TransactGetItems':
            return await transactGet(req);
          case 'TransactWriteItems':
            return await transactWrite(req);
          default:
            return { result: null, error: { type: 'DynamoDB:ValidationException', message: `operation ${String(req.operation)} is not supported by the local AppSync runtime's DynamoDB data source` } };
        }
      } catch (err) {
        // a malformed request object (not typed values, a table not granted, ...)
        return { result: null, error: sdkError(err) };
      }
    },
  };
  // the calls made for one field are metered against it, while the meter counts
  const meter = options.meter;
  return {
    execute: (request, context) =>
      meter?.recording ? meteredField.run(`${context.typeName}.${context.fieldName}`, () => source.execute(request, context)) : source.execute(request, context),
  };
}

// ---- which types run ------------------------------------------------------------------------

/** The data source types the local runtime runs. */
export const SUPPORTED_DATA_SOURCE_TYPES = ['AMAZON_DYNAMODB', 'NONE', 'AWS_LAMBDA', 'HTTP'] as const;

export interface UnsupportedDataSource {
  name: string;
  type: string;
  /** one line: the data source, its type and what runs instead */
  message: string;
}

/**
 * The data sources of a wiring (or of anything with a `dataSources` map) that the local runtime
 * does not run, AMAZON_RDS among them: every one is named, none is skipped silently.
 */
export function unsupportedDataSources(wiring: { dataSources: Record<string, { type: string }> }): UnsupportedDataSource[] {
  return Object.entries(wiring.dataSources)
    .filter(([, def]) => !(SUPPORTED_DATA_SOURCE_TYPES as readonly string[]).includes(def.type))
    .map(([name, def]) => ({
      name,
      type: String(def.type),
      message: `data source ${name} has type ${String(def.type)}, which appsync-local does not run (it runs ${SUPPORTED_DATA_SOURCE_TYPES.join(', ')})`,
    }));
}

/**
 * Refuses, in one line per data source, a wiring with a data source the local runtime does not
 * run, or an HTTP data source whose configuration CreateDataSource would not take.
 */
export function assertSupportedDataSources(wiring: { dataSources: Record<string, { type: string }> }): void {
  const problems = unsupportedDataSources(wiring).map((u) => u.message);
  for (const [name, def] of Object.entries(wiring.dataSources)) {
    if (def.type !== 'HTTP') continue;
    const http = def as { endpoint?: unknown; authorizationConfig?: HttpAuthorizationConfig };
    try {
      httpEndpoint(name, http.endpoint, http.authorizationConfig);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
}

// ---- HTTP ------------------------------------------------------------------------------------

/** Credentials the HTTP data sources sign with (AppSync uses the data source's service role). */
export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** The environment's AWS credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), if it has them. */
export function environmentCredentials(env: NodeJS.ProcessEnv = process.env): SigningCredentials | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return undefined;
  return env.AWS_SESSION_TOKEN ? { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN } : { accessKeyId, secretAccessKey };
}

export interface HttpDataSourceOptions {
  name: string;
  /** "https://host[:port]" (http:// too: see the package README's parity table) */
  endpoint: string;
  authorizationConfig?: HttpAuthorizationConfig;
  /** what an AWS_IAM data source signs with; without them such a call answers ctx.error */
  credentials?: SigningCredentials;
  /** how long one call may take; AppSync's 30 s request limit by default */
  timeoutMs?: number;
  /** the largest response body read (HTTP_MAX_RESPONSE_BYTES by default) */
  maxResponseBytes?: number;
}

/**
 * A local guard, not an AppSync figure: a response body larger than this is not read into memory
 * (ctx.error Http:ResponseTooLarge), so that one endpoint cannot exhaust the process that serves
 * every other client.
 */
export const HTTP_MAX_RESPONSE_BYTES = 5 * 1024 * 1024;

/** The body as UTF-8 text, or undefined once it passes `limit` bytes (the rest is not read). */
async function boundedText(response: Response, limit: number): Promise<string | undefined> {
  if (!response.body) return '';
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    await response.body.cancel();
    return undefined;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Methods of AppSync's HTTPRequest (resolver-reference-http-js). */
const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];
/** Headers a request cannot set (resolver-reference-http-js "You can't set the following HTTP headers"). */
const FORBIDDEN_HEADERS = ['host', 'connection', 'user-agent', 'expect', 'expectation', 'transfer-encoding', 'transfer_encoding', 'content-length', 'content_length'];
export const HTTP_DEFAULT_TIMEOUT_MS = 30_000;

/** Checks an HTTP data source's configuration, as CreateDataSource would; the endpoint's URL. */
export function httpEndpoint(name: string, endpoint: unknown, authorizationConfig?: HttpAuthorizationConfig): URL {
  let url: URL;
  try {
    url = new URL(String(endpoint));
  } catch {
    throw new Error(`data source ${name}: endpoint ${JSON.stringify(endpoint)} is not a URL (HttpConfig.Endpoint: "https://host[:port]")`);
  }
  // HttpDataSourceConfig: "the URL scheme must be HTTP or HTTPS"
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`data source ${name}: endpoint ${url.href} is not http:// or https://`);
  if (authorizationConfig && authorizationConfig.authorizationType !== 'AWS_IAM') {
    throw new Error(`data source ${name}: authorizationType ${String(authorizationConfig.authorizationType)} is not AWS_IAM, the one HTTP data sources have`);
  }
  return url;
}

/** Headers SigV4 signing sets (lower case). */
const SIGNER_HEADERS = ['authorization', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256'];

/** RFC 3986 percent-encoding: unreserved characters as they are, everything else %XX (what SigV4 signs). */
const rfc3986 = (v: string) => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v));

/**
 * HTTP: AppSync's HTTP request object (resolver-reference-http-js) sent to the endpoint, its
 * answer as ctx.result { statusCode, headers, body } whatever the status (a 404 is a result, not
 * an error: the response handler decides, as in AWS's tutorial-http-resolvers-js). ctx.error is
 * for what never got an answer: a request object AppSync would not send (MappingTemplate), no
 * connection (com.amazonaws.deepdish.http.HttpRequestException, the form AppSync's logs give in
 * aws/aws-appsync-community#79), no answer in time (Http:ExecutionTimeoutException, as in
 * aws/aws-appsync-community#43).
 */
export function httpDataSource(options: HttpDataSourceOptions): DataSource {
  const { name, authorizationConfig } = options;
  const base = httpEndpoint(name, options.endpoint, authorizationConfig);
  const timeoutMs = options.timeoutMs ?? HTTP_DEFAULT_TIMEOUT_MS;
  const invalid = (message: string): DataSourceAnswer => ({ result: null, error: { type: 'MappingTemplate', message } });

  return {
    async execute(request) {
      if (!isObj(request)) return invalid(`the request to HTTP data source ${name} is not an object`);
      const method = request.method;
      if (typeof method !== 'string' || !HTTP_METHODS.includes(method)) {
        return invalid(`method ${JSON.stringify(method)} is not one of ${HTTP_METHODS.join(', ')}`);
      }
      if (typeof request.resourcePath !== 'string') return invalid('resourcePath is required: a string, e.g. "/v1/users"');
      const params = request.params ?? {};
      if (!isObj(params)) return invalid('params must be an object { query, headers, body }');
      const { query, headers, body } = params;
      if (query !== undefined && query !== null && !isObj(query)) return invalid('params.query must be an object of key-value pairs');
      if (headers !== undefined && headers !== null && !isObj(headers)) return invalid('params.headers must be an object of key-value pairs');

      // endpoint + resourcePath, as "PUT <endpoint>/v1/users"
      const url = new URL(base.href);
      const path = request.resourcePath.startsWith('/') ? request.resourcePath : `/${request.resourcePath}`;
      url.pathname = `${url.pathname.replace(/\/$/, '')}${path}`;
      const queryParams: Record<string, string | string[]> = {};
      const pairs: string[] = [];
      for (const [key, value] of Object.entries(query ?? {})) {
        if (value === undefined || value === null) continue;
        const values = Array.isArray(value) ? value.map(text) : text(value);
        queryParams[key] = values;
        for (const v of Array.isArray(values) ? values : [values]) pairs.push(`${rfc3986(key)}=${rfc3986(v)}`);
      }
      // encoded as SigV4's canonical query encodes it (a space is %20, never "+", which AWS reads as
      // a literal plus), so the query sent is the query signed
      url.search = pairs.join('&');
      // header names are case-insensitive: of two spellings of one name, the later one is sent
      const sent: Record<string, string> = {};
      const spelled = new Map<string, string>();
      for (const [key, value] of Object.entries(headers ?? {})) {
        const lower = key.toLowerCase();
        if (value === undefined || value === null || FORBIDDEN_HEADERS.includes(lower)) continue;
        const earlier = spelled.get(lower);
        if (earlier !== undefined) delete sent[earlier];
        spelled.set(lower, key);
        sent[key] = text(value);
      }
      // "The request body is always a UTF-8 encoded string"; an object is sent as its JSON
      const payload = body === undefined || body === null || method === 'GET' ? undefined : text(body);

      if (authorizationConfig) {
        if (!options.credentials) {
          return { result: null, error: { type: 'Http:SigningCredentialsMissing', message: `HTTP data source ${name} signs its requests (AWS_IAM), but appsync-local has no credentials to sign with: give httpSigningCredentials or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY` } };
        }
        const iam = authorizationConfig.awsIamConfig ?? {};
        const signer = new SignatureV4({
          service: iam.signingServiceName ?? 'execute-api',
          region: iam.signingRegion ?? 'us-east-1',
          sha256: Sha256,
          credentials: options.credentials,
        });
        // the headers the signer makes are the signer's: a resolver's own, in any case ("Authorization",
        // "X-Amz-Date"), would otherwise be signed over or go out beside the signer's
        for (const key of Object.keys(sent)) if (SIGNER_HEADERS.includes(key.toLowerCase())) delete sent[key];
        const signed = await signer.sign({
          method,
          protocol: url.protocol,
          hostname: url.hostname,
          port: url.port ? Number(url.port) : undefined,
          path: url.pathname,
          query: queryParams,
          headers: { ...sent, host: url.host },
          body: payload,
        });
        for (const [key, value] of Object.entries(signed.headers)) if (key.toLowerCase() !== 'host') sent[key] = String(value);
      }

      try {
        const response = await fetch(url, { method, headers: sent, body: payload, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
        const responseHeaders: Record<string, string> = {};
        response.headers.forEach((value, key) => (responseHeaders[key] = value));
        const limit = options.maxResponseBytes ?? HTTP_MAX_RESPONSE_BYTES;
        const responseBody = await boundedText(response, limit);
        if (responseBody === undefined) {
          return { result: null, error: { type: 'Http:ResponseTooLarge', message: `the response of ${url.origin} is larger than ${limit} bytes, the most appsync-local reads` } };
        }
        return { result: { statusCode: response.status, headers: responseHeaders, body: responseBody } };
      } catch (err) {
        const cause = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
        if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
          return { result: null, error: { type: 'Http:ExecutionTimeoutException', message: `execution timed out: ${url.origin} did not answer within ${timeoutMs} ms` } };
        }
        return { result: null, error: { type: 'Http:HttpRequestException', message: `com.amazonaws.deepdish.http.HttpRequestException: ${cause} (${url.origin})` } };
      }
    },
  };
}

