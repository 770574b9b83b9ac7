/**
 * Runs INSIDE the resolver sandbox. util.transform.toDynamoDBFilterExpression and
 * toDynamoDBConditionExpression with AppSync's text: how conditions are parenthesised and joined,
 * the value names (`:and_0_a_eq`, `:v_between_start`, `:v_size_gt`, `:v_in_0`), `eq: null` kept as
 * a NULL value, and `null` (not an error) for a filter AppSync cannot render. The rules are those
 * of the localstack/appsync-utils snapshots recorded from AppSync's EvaluateCode
 * (__tests__/__snapshots__/transform.test.js.snap); test/appsync-transform.test.ts replays them.
 */
import { isPlainObject, toDynamoDB } from './values';

const ATTRIBUTE_TYPES: Record<string, string> = {
  _null: 'NULL', string: 'S', stringSet: 'SS', number: 'N', numberSet: 'NS', binary: 'B', binarySet: 'BS', boolean: 'BOOL', list: 'L', map: 'M',
};
const COMPARISONS: Record<string, string> = { eq: '=', ne: '<>', lt: '<', le: '<=', gt: '>', ge: '>=' };

class Unrenderable {}

interface Output {
  names: Record<string, string>;
  values: Record<string, unknown>;
}

/** The conditions on one subject (`#v` or `size(#v)`), each without its parentheses. */
function conditions(out: Output, subject: string, valueName: string, ops: unknown): string[] {
  if (!isPlainObject(ops)) throw new Unrenderable();
  const conds: string[] = [];
  const value = (op: string, v: unknown) => {
    const name = `:${valueName}_${op}`;
    out.values[name] = toDynamoDB(v);
    return name;
  };
  for (const [op, operand] of Object.entries(ops)) {
    if (operand === undefined) continue;
    if (op in COMPARISONS) conds.push(`${subject} ${COMPARISONS[op]} ${value(op, operand)}`);
    else if (op === 'contains') conds.push(`contains(${subject},${value(op, operand)})`);
    else if (op === 'notContains') conds.push(`NOT contains(${subject},${value(op, operand)})`);
    else if (op === 'beginsWith') conds.push(`begins_with(${subject},${value(op, operand)})`);
    else if (op === 'between') {
      if (!Array.isArray(operand) || operand.length < 2) throw new Unrenderable();
      conds.push(`${subject} BETWEEN ${value('between_start', operand[0])} AND ${value('between_end', operand[1])}`);
    } else if (op === 'in') {
      if (!Array.isArray(operand)) throw new Unrenderable();
      conds.push(operand.length === 0 ? 'null' : `${subject} IN (${operand.map((v, i) => value(`in_${i}`, v)).join(', ')})`);
    } else if (op === 'attributeExists') {
      if (typeof operand !== 'boolean') throw new Unrenderable();
      conds.push(operand ? `attribute_exists(${subject})` : `attribute_not_exists(${subject})`);
    } else if (op === 'attributeType') {
      const code = typeof operand === 'string' ? ATTRIBUTE_TYPES[operand] : undefined;
      if (!code) throw new Unrenderable();
      out.values[`:${valueName}_attributeType`] = { S: code };
      conds.push(`attribute_type(${subject},:${valueName}_attributeType)`);
    } else if (op === 'size') {
      // size applies to the attribute, whatever the nesting; the value names record the nesting
      const inner = subject.startsWith('size(') ? subject : `size(${subject})`;
      conds.push(...conditions(out, inner, `${valueName}_size`, operand));
    } else throw new Unrenderable();
  }
  return conds;
}

const wrap = (parts: string[], joiner: string) => (parts.length === 1 ? parts[0]! : `(${parts.join(joiner)})`);

/** A filter object's text: its entries joined with AND, unwrapped at this level. */
function render(out: Output, filter: unknown, prefix: string): string {
  if (!isPlainObject(filter)) throw new Unrenderable();
  const parts: string[] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (value === undefined) continue;
    if (key === 'and' || key === 'or') {
      if (!Array.isArray(value)) throw new Unrenderable();
      if (value.length === 0) { parts.push(''); continue; }
      const members = value.map((member, i) => render(out, member, `${prefix}${key}_${i}_`));
      parts.push(wrap(members, key === 'and' ? ' AND ' : ' OR '));
    } else if (key === 'not') {
      parts.push(`(NOT ${render(out, value, `${prefix}not_`)})`);
    } else {
      out.names[`#${key}`] = key;
      const conds = conditions(out, `#${key}`, `${prefix}${key}`, value).map((c) => `(${c})`);
      parts.push(conds.length === 0 ? '' : wrap(conds, ' AND '));
    }
  }
  return parts.join(' AND ');
}

/** JSON text of { expression, expressionNames, expressionValues }, or null when AppSync cannot render the filter. */
export function transformFilter(filter: unknown): string | null {
  const out: Output = { names: {}, values: {} };
  try {
    const expression = render(out, filter, '');
    return JSON.stringify({ expression, expressionNames: out.names, expressionValues: out.values });
  } catch (err) {
    if (err instanceof Unrenderable) return null;
    throw err;
  }
}

const DSL_OPERATORS: Record<string, (field: string, value: unknown) => unknown> = {
  eq: (f, v) => ({ term: { [f]: v } }),
  ne: (f, v) => ({ bool: { must_not: { term: { [f]: v } } } }),
  match: (f, v) => ({ match: { [f]: v } }),
  matchPhrase: (f, v) => ({ match_phrase: { [f]: v } }),
  matchPhrasePrefix: (f, v) => ({ match_phrase_prefix: { [f]: v } }),
  multiMatch: (f, v) => ({ multi_match: { [f]: v } }),
  exists: (f, v) => (v ? { exists: { field: f } } : { bool: { must_not: { exists: { field: f } } } }),
  wildcard: (f, v) => ({ wildcard: { [f]: v } }),
  regexp: (f, v) => ({ regexp: { [f]: v } }),
  gt: (f, v) => ({ range: { [f]: { gt: v } } }),
  gte: (f, v) => ({ range: { [f]: { gte: v } } }),
  lt: (f, v) => ({ range: { [f]: { lt: v } } }),
  lte: (f, v) => ({ range: { [f]: { lte: v } } }),
  range: (f, v) => {
    if (!Array.isArray(v) || v.length !== 2) throw new Error(`util.transform.toElasticsearchQueryDSL: range on ${f} needs [from, to]`);
    return { range: { [f]: { gte: v[0], lte: v[1] } } };
  },
};

function queryDsl(filter: unknown): unknown {
  if (!isPlainObject(filter)) throw new Error('util.transform.toElasticsearchQueryDSL: the filter must be an object');
  const must: unknown[] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (value === undefined || value === null) continue;
    if (key === 'and' || key === 'or') {
      if (!Array.isArray(value)) throw new Error(`util.transform.toElasticsearchQueryDSL: ${key} needs a list`);
      must.push({ bool: { [key === 'and' ? 'must' : 'should']: value.map(queryDsl) } });
    } else if (key === 'not') {
      must.push({ bool: { must_not: queryDsl(value) } });
    } else {
      if (!isPlainObject(value)) throw new Error(`util.transform.toElasticsearchQueryDSL: ${key} needs an object of operators`);
      const clauses = Object.entries(value).map(([op, operand]) => {
        const make = DSL_OPERATORS[op];
        if (!make) throw new Error(`util.transform.toElasticsearchQueryDSL: unknown operator ${op} on ${key}`);
        return make(key, operand);
      });
      must.push({ bool: { must: clauses } });
    }
  }
  return { bool: { must } };
}

/**
 * util.transform.toElasticsearchQueryDSL: the OpenSearch query DSL as JSON text, the default
 * operator AND (transformation-helpers-in-utils-transform-js). Pure text: the local stack has no
 * OpenSearch data source to send it to.
 */
export function toQueryDsl(filter: unknown): string {
  return JSON.stringify(queryDsl(filter));
}
