/**
 * Runs INSIDE the resolver sandbox. The expression builders behind util.transform and the
 * @aws-appsync/utils/dynamodb helpers: filter / condition objects, key conditions, update
 * objects, projections and subscription filters.
 *
 * Output shapes follow what AppSync returns (see the conformance vectors in
 * test/fixtures/recorded/appsync-js-vectors.json): a filter on one field and one operator is
 * "(contains(#title,:title_contains))" with names "#title" and values ":title_contains";
 * update names and values are numbered "#expName_1" / ":expValue_1".
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- values here are arbitrary JSON handed in by resolver code */
import { isPlainObject, toDynamoDB } from './values';

export interface Expression {
  expression: string;
  expressionNames?: Record<string, string>;
  expressionValues?: Record<string, unknown>;
}

const ATTRIBUTE_TYPES: Record<string, string> = {
  _null: 'NULL',
  string: 'S',
  stringSet: 'SS',
  number: 'N',
  numberSet: 'NS',
  binary: 'B',
  binarySet: 'BS',
  boolean: 'BOOL',
  list: 'L',
  map: 'M',
};

/** Placeholder-safe token for an attribute name. */
function token(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_');
}

class Placeholders {
  names: Record<string, string> = {};
  values: Record<string, unknown> = {};

  name(field: string): string {
    let candidate = `#${token(field)}`;
    for (let i = 1; this.names[candidate] !== undefined && this.names[candidate] !== field; i++) candidate = `#${token(field)}_${i}`;
    this.names[candidate] = field;
    return candidate;
  }

  value(base: string, typed: unknown): string {
    const serialized = JSON.stringify(typed);
    let candidate = `:${token(base)}`;
    for (let i = 1; this.values[candidate] !== undefined && JSON.stringify(this.values[candidate]) !== serialized; i++) {
      candidate = `:${token(base)}_${i}`;
    }
    this.values[candidate] = typed;
    return candidate;
  }

  finish(expression: string): Expression {
    const out: Expression = { expression };
    if (Object.keys(this.names).length) out.expressionNames = this.names;
    if (Object.keys(this.values).length) out.expressionValues = this.values;
    return out;
  }
}

function fieldCondition(p: Placeholders, field: string, ops: Record<string, any>, allowSize: boolean): string[] {
  const parts: string[] = [];
  const n = () => p.name(field);
  for (const [op, operand] of Object.entries(ops)) {
    if (operand === undefined || operand === null) continue;
    const v = (suffix = op) => p.value(`${field}_${suffix}`, toDynamoDB(operand));
    switch (op) {
      case 'eq': parts.push(`${n()} = ${v()}`); break;
      case 'ne': parts.push(`${n()} <> ${v()}`); break;
      case 'le': parts.push(`${n()} <= ${v()}`); break;
      case 'lt': parts.push(`${n()} < ${v()}`); break;
      case 'ge': parts.push(`${n()} >= ${v()}`); break;
      case 'gt': parts.push(`${n()} > ${v()}`); break;
      case 'contains': parts.push(`contains(${n()},${v()})`); break;
      case 'notContains': parts.push(`NOT contains(${n()},${v()})`); break;
      case 'beginsWith': parts.push(`begins_with(${n()},${v()})`); break;
      case 'between': {
        if (!Array.isArray(operand) || operand.length !== 2) throw new Error(`between on ${field} needs exactly two values`);
        const lo = p.value(`${field}_between_0`, toDynamoDB(operand[0]));
        const hi = p.value(`${field}_between_1`, toDynamoDB(operand[1]));
        parts.push(`${n()} BETWEEN ${lo} AND ${hi}`);
        break;
      }
      case 'in': {
        if (!Array.isArray(operand)) throw new Error(`in on ${field} needs a list`);
        const list = operand.map((item, i) => p.value(`${field}_in_${i}`, toDynamoDB(item)));
        parts.push(`${n()} IN (${list.join(',')})`);
        break;
      }
      case 'attributeExists': parts.push(operand ? `attribute_exists(${n()})` : `attribute_not_exists(${n()})`); break;
      case 'attributeType': {
        const code = ATTRIBUTE_TYPES[operand as string];
        if (!code) throw new Error(`attributeType on ${field}: unknown type ${String(operand)}`);
        parts.push(`attribute_type(${n()},${p.value(`${field}_attributeType`, { S: code })})`);
        break;
      }
      case 'size': {
        if (!allowSize || !isPlainObject(operand)) throw new Error(`unsupported operator ${op} on ${field}`);
        const inner = fieldCondition(p, field, operand, false).map((c) => c.replace(n(), `size(${n()})`));
        parts.push(...inner);
        break;
      }
      default:
        throw new Error(`unsupported operator ${op} on ${field}`);
    }
  }
  return parts;
}

function filterExpression(p: Placeholders, filter: Record<string, any>, allowSize: boolean): string | null {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (value === undefined || value === null) continue;
    if (key === 'and' || key === 'or') {
      const members = (Array.isArray(value) ? value : [value])
        .map((member) => filterExpression(p, member, allowSize))
        .filter((e): e is string => e !== null);
      if (members.length) parts.push(`(${members.join(key === 'and' ? ' AND ' : ' OR ')})`);
    } else if (key === 'not') {
      const inner = filterExpression(p, value, allowSize);
      if (inner) parts.push(`(NOT ${inner})`);
    } else {
      if (!isPlainObject(value)) throw new Error(`filter on ${key} must be an object of operators`);
      parts.push(...fieldCondition(p, key, value, allowSize));
    }
  }
  return parts.length ? `(${parts.join(' AND ')})` : null;
}

/** A DynamoDB filter object as an expression object, or null when it has no condition. */
export function buildFilter(filter: unknown, allowSize = false): Expression | null {
  if (!isPlainObject(filter)) return null;
  const p = new Placeholders();
  const expression = filterExpression(p, filter, allowSize);
  return expression === null ? null : p.finish(expression);
}

/** A key condition of ddb.query: equality on the partition key, one comparison on the sort key. */
export function buildKeyCondition(query: unknown): Expression {
  if (!isPlainObject(query)) throw new Error('query: a key condition object is required');
  const p = new Placeholders();
  const parts: string[] = [];
  for (const [field, ops] of Object.entries(query)) {
    if (!isPlainObject(ops)) throw new Error(`query on ${field} must be an object of operators`);
    for (const [op, operand] of Object.entries(ops)) {
      if (operand === undefined || operand === null) continue;
      const n = p.name(field);
      const v = () => p.value(`${field}_${op}`, toDynamoDB(operand));
      switch (op) {
        case 'eq': parts.push(`${n} = ${v()}`); break;
        case 'le': parts.push(`${n} <= ${v()}`); break;
        case 'lt': parts.push(`${n} < ${v()}`); break;
        case 'ge': parts.push(`${n} >= ${v()}`); break;
        case 'gt': parts.push(`${n} > ${v()}`); break;
        case 'beginsWith': parts.push(`begins_with(${n}, ${v()})`); break;
        case 'between': {
          const [lo, hi] = operand as unknown[];
          parts.push(`${n} BETWEEN ${p.value(`${field}_between_0`, toDynamoDB(lo))} AND ${p.value(`${field}_between_1`, toDynamoDB(hi))}`);
          break;
        }
        default:
          throw new Error(`query: operator ${op} is not allowed in a key condition (on ${field})`);
      }
    }
  }
  if (!parts.length) throw new Error('query: the key condition is empty');
  return p.finish(parts.join(' AND '));
}

/** A projection list ("a", "b.c", "d[1]") as a projection expression object. */
export function buildProjection(fields: unknown): Expression | undefined {
  if (!Array.isArray(fields) || fields.length === 0) return undefined;
  const names: Record<string, string> = {};
  const byName = new Map<string, string>();
  const nameOf = (segment: string) => {
    let placeholder = byName.get(segment);
    if (!placeholder) {
      placeholder = `#projection_${byName.size}`;
      byName.set(segment, placeholder);
      names[placeholder] = segment;
    }
    return placeholder;
  };
  const paths = fields.map((field: string) =>
    String(field)
      .split('.')
      .map((segment) => {
        const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(segment);
        return m ? nameOf(m[1]!) + m[2] : nameOf(segment);
      })
      .join('.'),
  );
  return { expression: paths.join(', '), expressionNames: names };
}

function isOperation(value: unknown): value is { type: string } & Record<string, any> {
  return isPlainObject(value) && typeof value.type === 'string' && value.type.startsWith('OPERATION_');
}

/** An update object of ddb.update as an update expression, names #expName_n and values :expValue_n. */
export function buildUpdate(update: unknown): Expression {
  if (!isPlainObject(update)) throw new Error('update: an update object is required');
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const byName = new Map<string, string>();
  const set: string[] = [];
  const remove: string[] = [];
  const name = (field: string) => {
    let placeholder = byName.get(field);
    if (!placeholder) {
      placeholder = `#expName_${byName.size + 1}`;
      byName.set(field, placeholder);
      names[placeholder] = field;
    }
    return placeholder;
  };
  const value = (v: unknown) => {
    const placeholder = `:expValue_${Object.keys(values).length + 1}`;
    values[placeholder] = toDynamoDB(v);
    return placeholder;
  };
  const walk = (object: Record<string, any>, prefix: string) => {
    for (const [field, v] of Object.entries(object)) {
      if (v === undefined) continue;
      const path = prefix ? `${prefix}.${name(field)}` : name(field);
      if (isOperation(v)) {
        switch (v.type) {
          case 'OPERATION_ADD':
          case 'OPERATION_REPLACE': set.push(`${path} = ${value(v.value)}`); break;
          case 'OPERATION_REMOVE': remove.push(path); break;
          case 'OPERATION_INCREMENT': set.push(`${path} = ${path} + ${value(v.by ?? 1)}`); break;
          case 'OPERATION_DECREMENT': set.push(`${path} = ${path} - ${value(v.by ?? 1)}`); break;
          case 'OPERATION_APPEND': set.push(`${path} = list_append(${path}, ${value(v.items)})`); break;
          case 'OPERATION_PREPEND': set.push(`${path} = list_append(${value(v.items)}, ${path})`); break;
          case 'OPERATION_UPDATE_LIST_ITEM': set.push(`${path}[${Number(v.index)}] = ${value(v.value)}`); break;
          default: throw new Error(`update: unknown operation ${v.type} on ${field}`);
        }
      } else if (Array.isArray(v) && v.length > 0 && v.every((item) => isOperation(item) && item.type === 'OPERATION_UPDATE_LIST_ITEM')) {
        for (const item of v) set.push(`${path}[${Number(item.index)}] = ${value(item.value)}`);
      } else if (isPlainObject(v)) {
        walk(v, path);
      } else {
        set.push(`${path} = ${value(v)}`);
      }
    }
  };
  walk(update, '');
  const clauses: string[] = [];
  if (set.length) clauses.push(`SET ${set.join(', ')}`);
  if (remove.length) clauses.push(`REMOVE ${remove.join(', ')}`);
  if (!clauses.length) throw new Error('update: the update object changes nothing');
  const out: Expression = { expression: clauses.join(' '), expressionNames: names };
  if (Object.keys(values).length) out.expressionValues = values;
  return out;
}

export interface SubscriptionFilterEntry {
  fieldName: string;
  operator: string;
  value: unknown;
}

type Groups = SubscriptionFilterEntry[][];

function cross(a: Groups, b: Groups): Groups {
  const out: Groups = [];
  for (const x of a) for (const y of b) out.push([...x, ...y]);
  return out;
}

function subscriptionGroups(filter: Record<string, any>, ignored: Set<string>): Groups {
  let groups: Groups = [[]];
  for (const [key, value] of Object.entries(filter)) {
    if (value === undefined) continue;
    if (key === 'and') {
      for (const member of Array.isArray(value) ? value : [value]) {
        if (isPlainObject(member)) groups = cross(groups, subscriptionGroups(member, ignored));
      }
    } else if (key === 'or') {
      const alternatives: Groups = [];
      for (const member of Array.isArray(value) ? value : [value]) {
        if (isPlainObject(member)) alternatives.push(...subscriptionGroups(member, ignored));
      }
      groups = cross(groups, alternatives);
    } else {
      if (ignored.has(key)) continue;
      // every operator of a field is an alternative of its own (AppSync splits them into groups)
      const alternatives: Groups = isPlainObject(value)
        ? Object.entries(value).map(([operator, operand]) => [{ fieldName: key, operator, value: operand }])
        : [];
      groups = cross(groups, alternatives);
    }
  }
  return groups;
}

/**
 * util.transform.toSubscriptionFilter: the filter as AppSync's filterGroup object. Groups are OR-ed,
 * the filters inside a group AND-ed; `or` members, the operators of one field and the rules are
 * alternatives, so groups multiply out. `rules` are strict rules of which at least one must hold.
 */
export function toSubscriptionFilter(filter: unknown, ignoredFields?: unknown, rules?: unknown): { filterGroup: { filters: SubscriptionFilterEntry[] }[] } | null {
  if (!isPlainObject(filter)) return null;
  const ignored = new Set(Array.isArray(ignoredFields) ? ignoredFields.map(String) : []);
  let groups = subscriptionGroups(filter, ignored);
  if (isPlainObject(rules) && Object.keys(rules).length) {
    const alternatives: Groups = [];
    for (const [fieldName, ops] of Object.entries(rules)) {
      if (!isPlainObject(ops)) continue;
      for (const [operator, value] of Object.entries(ops)) alternatives.push([{ fieldName, operator, value }]);
    }
    if (alternatives.length) groups = cross(groups, alternatives);
  }
  return { filterGroup: groups.filter((g) => g.length > 0).map((filters) => ({ filters })) };
}
