/**
 * Runs INSIDE the resolver sandbox. The module '@aws-appsync/utils/dynamodb': helpers that build
 * DynamoDB request objects. Shapes follow node_modules/@aws-appsync/utils/lib/dynamodb-helpers.d.ts
 * and the conformance vectors recorded from AppSync.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- values here are arbitrary JSON handed in by resolver code */
import { buildFilter, buildKeyCondition, buildProjection, buildUpdate, type Expression } from './expressions';
import { dynamodbUtil, isPlainObject, toMapValues } from './values';

function keyOf(key: unknown, op: string): Record<string, unknown> {
  if (!isPlainObject(key)) throw new Error(`${op}: key is required`);
  return toMapValues(key);
}

function assign(out: Record<string, unknown>, field: string, value: unknown) {
  if (value !== undefined && value !== null) out[field] = value;
}

function condition(filter: unknown): Expression | undefined {
  return buildFilter(filter, true) ?? undefined;
}

function readOptions(out: Record<string, unknown>, input: Record<string, any>) {
  assign(out, 'index', input.index);
  assign(out, 'limit', input.limit);
  assign(out, 'nextToken', input.nextToken);
  assign(out, 'consistentRead', input.consistentRead);
  assign(out, 'select', input.select);
  assign(out, 'segment', input.segment);
  assign(out, 'totalSegments', input.totalSegments);
  assign(out, 'filter', buildFilter(input.filter));
  assign(out, 'projection', buildProjection(input.projection));
}

export function get(input: Record<string, any>) {
  const out: Record<string, unknown> = { operation: 'GetItem', key: keyOf(input?.key, 'get') };
  assign(out, 'consistentRead', input.consistentRead);
  assign(out, 'projection', buildProjection(input.projection));
  return out;
}

export function put(input: Record<string, any>) {
  const out: Record<string, unknown> = {
    operation: 'PutItem',
    key: keyOf(input?.key, 'put'),
    attributeValues: toMapValues(input.item ?? {}),
  };
  assign(out, 'condition', condition(input.condition));
  assign(out, 'customPartitionKey', input.customPartitionKey);
  assign(out, 'populateIndexFields', input.populateIndexFields);
  assign(out, '_version', input._version);
  return out;
}

export function remove(input: Record<string, any>) {
  const out: Record<string, unknown> = { operation: 'DeleteItem', key: keyOf(input?.key, 'remove') };
  assign(out, 'condition', condition(input.condition));
  assign(out, 'customPartitionKey', input.customPartitionKey);
  assign(out, 'populateIndexFields', input.populateIndexFields);
  assign(out, '_version', input._version);
  return out;
}

export function update(input: Record<string, any>) {
  const out: Record<string, unknown> = {
    operation: 'UpdateItem',
    key: keyOf(input?.key, 'update'),
    update: buildUpdate(input.update),
  };
  assign(out, 'condition', condition(input.condition));
  assign(out, 'customPartitionKey', input.customPartitionKey);
  assign(out, 'populateIndexFields', input.populateIndexFields);
  assign(out, '_version', input._version);
  return out;
}

export function query(input: Record<string, any>) {
  const out: Record<string, unknown> = { operation: 'Query', query: buildKeyCondition(input?.query) };
  readOptions(out, input);
  assign(out, 'scanIndexForward', input.scanIndexForward);
  return out;
}

export function scan(input: Record<string, any>) {
  const out: Record<string, unknown> = { operation: 'Scan' };
  readOptions(out, input ?? {});
  return out;
}

export function batchGet(input: Record<string, any>) {
  const tables: Record<string, unknown> = {};
  for (const [table, spec] of Object.entries<Record<string, any>>(input?.tables ?? {})) {
    const entry: Record<string, unknown> = { keys: (spec.keys ?? []).map((k: unknown) => keyOf(k, 'batchGet')) };
    assign(entry, 'consistentRead', spec.consistentRead);
    assign(entry, 'projection', buildProjection(spec.projection));
    tables[table] = entry;
  }
  return { operation: 'BatchGetItem', tables };
}

export function batchPut(input: Record<string, any>) {
  const tables: Record<string, unknown> = {};
  for (const [table, items] of Object.entries<unknown[]>(input?.tables ?? {})) tables[table] = items.map((item) => toMapValues(item));
  return { operation: 'BatchPutItem', tables };
}

export function batchDelete(input: Record<string, any>) {
  const tables: Record<string, unknown> = {};
  for (const [table, keys] of Object.entries<unknown[]>(input?.tables ?? {})) tables[table] = keys.map((k) => keyOf(k, 'batchDelete'));
  return { operation: 'BatchDeleteItem', tables };
}

export function transactGet(input: Record<string, any>) {
  const transactItems = (input?.items ?? []).map((item: Record<string, any>) => {
    const out: Record<string, unknown> = { table: item.table, key: keyOf(item.key, 'transactGet') };
    assign(out, 'projection', buildProjection(item.projection));
    return out;
  });
  return { operation: 'TransactGetItems', transactItems };
}

export function transactWrite(input: Record<string, any>) {
  const transactItems = (input?.items ?? []).map((item: Record<string, any>) => {
    if (item.putItem) {
      const p = item.putItem;
      const out: Record<string, unknown> = { table: p.table, operation: 'PutItem', key: keyOf(p.key, 'transactWrite'), attributeValues: toMapValues(p.item ?? {}) };
      assign(out, 'condition', condition(p.condition));
      return out;
    }
    if (item.updateItem) {
      const u = item.updateItem;
      const out: Record<string, unknown> = { table: u.table, operation: 'UpdateItem', key: keyOf(u.key, 'transactWrite'), update: buildUpdate(u.update) };
      assign(out, 'condition', condition(u.condition));
      return out;
    }
    if (item.deleteItem) {
      const d = item.deleteItem;
      const out: Record<string, unknown> = { table: d.table, operation: 'DeleteItem', key: keyOf(d.key, 'transactWrite') };
      assign(out, 'condition', condition(d.condition));
      return out;
    }
    if (item.conditionCheck) {
      const c = item.conditionCheck;
      const out: Record<string, unknown> = { table: c.table, operation: 'ConditionCheck', key: keyOf(c.key, 'transactWrite') };
      assign(out, 'condition', condition(c.condition));
      return out;
    }
    throw new Error('transactWrite: each item needs putItem, updateItem, deleteItem or conditionCheck');
  });
  return { operation: 'TransactWriteItems', transactItems };
}

export const operations = {
  add: (value: unknown) => ({ type: 'OPERATION_ADD', value }),
  remove: () => ({ type: 'OPERATION_REMOVE' }),
  replace: (value: unknown) => ({ type: 'OPERATION_REPLACE', value }),
  increment: (by?: number) => ({ type: 'OPERATION_INCREMENT', by: by ?? 1 }),
  decrement: (by?: number) => ({ type: 'OPERATION_DECREMENT', by: by ?? 1 }),
  append: (items: unknown[]) => ({ type: 'OPERATION_APPEND', items }),
  prepend: (items: unknown[]) => ({ type: 'OPERATION_PREPEND', items }),
  updateListItem: (value: unknown, index: number) => ({ type: 'OPERATION_UPDATE_LIST_ITEM', value, index }),
};

export const toStringSet = dynamodbUtil.toStringSet;
export const toNumberSet = dynamodbUtil.toNumberSet;
export const toBinarySet = dynamodbUtil.toBinarySet;
