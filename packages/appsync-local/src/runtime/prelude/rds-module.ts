/**
 * Runs INSIDE the resolver sandbox. The module '@aws-appsync/utils/rds': the `sql` tagged template,
 * the statement builders select / insert / update / remove, createPgStatement / createMySQLStatement,
 * typeHint and toJsonObject. Their shapes follow AWS's "JavaScript resolver function reference for
 * Amazon RDS" (resolver-reference-rds-js) and node_modules/@aws-appsync/utils/lib/rds-helpers.d.ts:
 *
 * - a create*Statement call answers AppSync's RDS request { statements, variableMap,
 *   variableTypeHintMap } (resolver-return-types.d.ts RDSRequest), one or two statements, every
 *   dynamic value bound as a variable :P0, :P1, ... numbered across both statements;
 * - identifiers are quoted with " for PostgreSQL and ` for MySQL, each dotted part on its own
 *   ("private"."persons"), `*` left bare;
 * - a statement built with `sql` is not quoted or escaped, only its ${} values become variables.
 *
 * Where the page writes placeholders as :NAME it is illustrating; the variable names and the
 * grouping of OR / AND parts follow what AppSync renders (the :P0 numbering and `("a" = :P0) OR
 * ("b" > :P1)` recorded against AppSync in localstack/appsync-utils' rds tests).
 *
 * The local stack has no RDS data source (an AMAZON_RDS data source is refused at start), so these
 * builders are for code that is shared with, or merely imports, the module. Joins, groupBy, having
 * and the `agg` aggregates are not rendered locally: they fail naming themselves.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- payloads are arbitrary objects handed in by resolver code */

const NOT_SUPPORTED = ' is not supported by the local AppSync runtime';

const SQL = Symbol('sql');
const STATEMENT = Symbol('statement');
const HINT = Symbol('typeHint');

interface SqlTemplate {
  [SQL]: true;
  strings: readonly string[];
  values: readonly unknown[];
}
type Verb = 'select' | 'insert' | 'update' | 'remove';
interface Statement {
  [STATEMENT]: Verb;
  payload: Record<string, any>;
}
interface TypeHinted {
  [HINT]: string;
  value: unknown;
}

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isSql = (v: unknown): v is SqlTemplate => isObject(v) && (v as any)[SQL] === true;
const isStatement = (v: unknown): v is Statement => isObject(v) && typeof (v as any)[STATEMENT] === 'string';
const isHinted = (v: unknown): v is TypeHinted => isObject(v) && typeof (v as any)[HINT] === 'string';

/** sql`...${value}...`: a statement whose ${} values are bound as variables, never spliced into the text. */
export function sql(literal: TemplateStringsArray, ...values: unknown[]): SqlTemplate {
  if (!literal || !Array.isArray(literal) || literal.length !== values.length + 1) throw new Error('sql must be used as a tagged template: sql`...`');
  return Object.freeze({ [SQL]: true as const, strings: Object.freeze([...literal]), values: Object.freeze([...values]) });
}

function statement(verb: Verb, payload: unknown): Statement {
  if (payload === undefined) throw new Error(`An argument is expected to be passed to ${verb}`);
  if (!isObject(payload)) throw new Error('Expected payload to be an Object.');
  for (const key of Object.keys(payload)) {
    if (/join/i.test(key) || key === 'groupBy' || key === 'having') throw new Error(`${verb}({ ${key} })${NOT_SUPPORTED}`);
  }
  return Object.freeze({ [STATEMENT]: verb, payload });
}

export const select = (payload: unknown) => statement('select', payload);
export const insert = (payload: unknown) => statement('insert', payload);
export const update = (payload: unknown) => statement('update', payload);
export const remove = (payload: unknown) => statement('remove', payload);

const hint = (type: string) => (value: unknown): TypeHinted => Object.freeze({ [HINT]: type, value });

/** The Data API's type hints (SqlParameter.typeHint): the value travels in variableMap, its type in variableTypeHintMap. */
export const typeHint = Object.freeze({
  DECIMAL: hint('DECIMAL'),
  JSON: hint('JSON'),
  TIMESTAMP: hint('TIMESTAMP'),
  TIME: hint('TIME'),
  UUID: hint('UUID'),
  DATE: hint('DATE'),
});

const aggregate = (name: string) => () => {
  throw new Error(`@aws-appsync/utils/rds agg.${name}${NOT_SUPPORTED}`);
};
export const agg = Object.freeze(
  Object.fromEntries(
    ['max', 'maxDistinct', 'min', 'minDistinct', 'count', 'countDistinct', 'avg', 'avgDistinct', 'sum', 'sumDistinct'].map((n) => [n, aggregate(n)]),
  ),
);

const COMPARISONS: Record<string, string> = { eq: '=', ne: '!=', gt: '>', lt: '<', ge: '>=', le: '<=' };

class StatementWriter {
  readonly variableMap: Record<string, unknown> = {};
  readonly variableTypeHintMap: Record<string, string> = {};
  private next = 0;

  constructor(
    private readonly quote: string,
    private readonly fn: string,
    private readonly returningAllowed: boolean,
  ) {}

  variable(value: unknown): string {
    const name = `:P${this.next++}`;
    if (isHinted(value)) {
      this.variableMap[name] = value.value;
      this.variableTypeHintMap[name] = value[HINT];
    } else {
      this.variableMap[name] = value;
    }
    return name;
  }

  /** a value of insert / update: a NULL literal for null or undefined, a variable otherwise */
  value(value: unknown): string {
    return value === null || value === undefined ? 'NULL' : this.variable(value);
  }

  identifier(name: unknown): string {
    if (typeof name !== 'string') throw new Error(`${this.fn}: a column or table name must be a string, got ${JSON.stringify(name)}`);
    if (name === '*') return name;
    return name
      .split('.')
      .map((part) => `${this.quote}${part.split(this.quote).join(this.quote + this.quote)}${this.quote}`)
      .join('.');
  }

  table(payload: Record<string, any>, verb: Verb): string {
    const { table, from } = payload;
    if (table !== undefined && from !== undefined) throw new Error("'from' and 'table' keys cannot be used together");
    const name = table ?? (verb === 'select' ? from : undefined);
    if (name === undefined || name === null) throw new Error("'table' or 'from' key is required.");
    if (typeof name === 'string') return this.identifier(name);
    if (isSql(name) || isStatement(name)) throw new Error(`${verb}: a sub-query as the table${NOT_SUPPORTED}`);
    if (!isObject(name)) throw new Error('table name is expected to be a string or alias.');
    const entries = Object.entries(name);
    if (entries.length !== 1) throw new Error('table alias is allowed only one key-value pair.');
    const [alias, actual] = entries[0]!;
    if (typeof actual !== 'string') throw new Error('Table alias value is expected to be a string.');
    return `${this.identifier(actual)} as ${this.identifier(alias)}`;
  }

  columns(columns: unknown, what: string): string {
    if (columns === '*') return '*';
    if (!Array.isArray(columns)) throw new Error(`Expected ${what} to be * or an array.`);
    return columns
      .map((c) => {
        if (typeof c === 'string') return this.identifier(c);
        throw new Error(`${what}: only column names are rendered locally (aliases and aggregates${NOT_SUPPORTED})`);
      })
      .join(', ');
  }

  template(t: SqlTemplate): string {
    let text = t.strings[0]!;
    t.values.forEach((v, i) => (text += this.variable(v) + t.strings[i + 1]));
    return text;
  }

  /** One column's conditions ({ eq: 1, lt: 5 }), ANDed. */
  private columnCondition(column: string, condition: unknown): string[] {
    if (!isObject(condition)) throw new Error(`Expected condition of ${column} to be an Object.`);
    const target = this.identifier(column);
    return Object.entries(condition).map(([op, value]) => this.comparison(target, `${column}.${op}`, op, value));
  }

  private comparison(target: string, path: string, op: string, value: unknown): string {
    const present = (v: unknown) => {
      if (v === null || v === undefined) throw new Error(`Value for ${path} can't be null.`);
      return v;
    };
    const text = (v: unknown) => {
      if (typeof present(v) !== 'string') throw new Error(`${path} expects a string value to be passed.`);
      return v as string;
    };
    if (COMPARISONS[op]) return `${target} ${COMPARISONS[op]} ${this.variable(present(value))}`;
    switch (op) {
      case 'contains':
        return `${target} LIKE ${this.variable(`%${text(value)}%`)}`;
      case 'notContains':
        // AppSync adds no wildcards here (recorded in localstack/appsync-utils' rds tests)
        return `${target} NOT LIKE ${this.variable(text(value))}`;
      case 'beginsWith':
        return `${target} LIKE ${this.variable(`${text(value)}%`)}`;
      case 'between': {
        if (!Array.isArray(value) || value.length !== 2) throw new Error(`${path} condition expects an array with length of 2.`);
        return `${target} BETWEEN ${this.value(value[0])} AND ${this.value(value[1])}`;
      }
      case 'attributeExists':
        if (typeof present(value) !== 'boolean') throw new Error(`${path} expects a boolean value to be passed.`);
        return `${target} IS ${value ? 'NOT ' : ''}NULL`;
      case 'size': {
        if (!isObject(value)) throw new Error(`Expected ${path} to be an Object.`);
        return Object.entries(value)
          .map(([sizeOp, v]) => {
            if (sizeOp === 'between') return this.comparison(`LENGTH (${target})`, path, 'between', v);
            if (!COMPARISONS[sizeOp]) throw new Error(`${path} has invalid size operator.`);
            return `LENGTH (${target}) ${COMPARISONS[sizeOp]} ${this.value(v)}`;
          })
          .join(' AND ');
      }
      default:
        throw new Error(`Unsupported condition ${path}.`);
    }
  }

  /**
   * A condition object: its members ANDed; `and` / `or` list conditions, each in parentheses;
   * `not` negates the AND of its list. A group that sits beside other members is parenthesised.
   */
  condition(where: Record<string, any>): string {
    const parts: { text: string; group: boolean }[] = [];
    for (const [key, value] of Object.entries(where)) {
      if (key === 'and' || key === 'or' || key === 'not') {
        if (!Array.isArray(value)) throw new Error(`${key} expects conditions to be an array`);
        const inner = value.map((c) => {
          if (!isObject(c) || isSql(c)) throw new Error(`Expected ${key} to be an Object.`);
          return this.condition(c);
        }).filter((t) => t !== '');
        if (inner.length === 0) continue;
        if (key === 'not') parts.push({ text: `NOT (${inner.join(' AND ')})`, group: false });
        else parts.push({ text: inner.map((t) => `(${t})`).join(` ${key.toUpperCase()} `), group: inner.length > 1 });
      } else {
        parts.push(...this.columnCondition(key, value).map((text) => ({ text, group: false })));
      }
    }
    if (parts.length === 1) return parts[0]!.text;
    return parts.map((p) => (p.group ? `(${p.text})` : p.text)).join(' AND ');
  }

  where(where: unknown): string {
    if (where === undefined || where === null) return '';
    if (isSql(where)) return ` WHERE ${this.template(where)}`;
    if (!isObject(where)) throw new Error('WHERE values are expected to be SQL templates or a condition object.');
    const text = this.condition(where);
    return text ? ` WHERE ${text}` : '';
  }

  returning(payload: Record<string, any>): string {
    if (payload.returning === undefined || payload.returning === null) return '';
    const columns = this.columns(payload.returning, 'returning');
    if (!this.returningAllowed) throw new Error('returning is not supported in MySQL.');
    return ` RETURNING ${columns}`;
  }

  rowCount(value: unknown, keyword: string): string {
    const n = value === '' ? NaN : Number(value);
    if (Number.isNaN(n)) throw new Error(`${keyword} expects a number.`);
    return this.variable(n);
  }

  values(payload: Record<string, any>, verb: Verb): [string, unknown][] {
    if (payload.values === undefined || payload.values === null) throw new Error(`values are expected to be passed to ${verb}`);
    if (!isObject(payload.values)) throw new Error('Expected values to an Object.');
    return Object.entries(payload.values);
  }

  render(s: Statement): string {
    const p = s.payload;
    switch (s[STATEMENT]) {
      case 'select': {
        let text = `SELECT ${p.columns === undefined || p.columns === null ? '*' : this.columns(p.columns, 'column')} FROM ${this.table(p, 'select')}`;
        text += this.where(p.where);
        if (p.orderBy !== undefined && p.orderBy !== null) {
          if (!Array.isArray(p.orderBy)) throw new Error('orderBy expects an array.');
          const items = p.orderBy.map((o: unknown) => {
            if (!isObject(o) || typeof o.column !== 'string') throw new Error('orderBy item expected to have property column.');
            const dir = typeof o.dir === 'string' ? o.dir.toUpperCase() : 'ASC';
            if (dir !== 'ASC' && dir !== 'DESC') throw new Error(`orderBy dir can have either ASC or DESC found ${String(o.dir)}.`);
            return `${this.identifier(o.column)} ${dir}`;
          });
          if (items.length > 0) text += ` ORDER BY ${items.join(', ')}`;
        }
        if (p.limit !== undefined && p.limit !== null) text += ` LIMIT ${this.rowCount(p.limit, 'limit')}`;
        if (p.offset !== undefined && p.offset !== null) text += ` OFFSET ${this.rowCount(p.offset, 'offset')}`;
        return text;
      }
      case 'insert': {
        const table = this.table(p, 'insert');
        const entries = this.values(p, 'insert');
        const columns = entries.map(([c]) => this.identifier(c)).join(', ');
        const values = entries.map(([, v]) => this.value(v)).join(', ');
        return `INSERT INTO ${table} (${columns}) VALUES (${values})${this.returning(p)}`;
      }
      case 'update': {
        const table = this.table(p, 'update');
        const set = this.values(p, 'update').map(([c, v]) => `${this.identifier(c)} = ${this.value(v)}`).join(', ');
        return `UPDATE ${table} SET ${set}${this.where(p.where)}${this.returning(p)}`;
      }
      case 'remove':
        return `DELETE FROM ${this.table(p, 'remove')}${this.where(p.where)}${this.returning(p)}`;
    }
  }
}

function create(quote: string, fn: string, returningAllowed: boolean, statements: unknown[]) {
  const given = statements.filter((s, i) => !(i > 0 && (s === undefined || s === null)));
  if (given.length === 0 || given[0] === undefined || given[0] === null) throw new Error(`An argument is expected to be passed to ${fn}`);
  if (given.length > 2) throw new Error(`${fn} accepts at most two statements`);
  const writer = new StatementWriter(quote, fn, returningAllowed);
  const texts = given.map((s) => {
    if (typeof s === 'string') return s;
    if (isSql(s)) return writer.template(s);
    if (isStatement(s)) return writer.render(s);
    throw new Error(`Unsupported type is passed as argument to ${fn}`);
  });
  return { statements: texts, variableMap: writer.variableMap, variableTypeHintMap: writer.variableTypeHintMap };
}

/** An RDS request for PostgreSQL: identifiers quoted with ". */
export const createPgStatement = (statement1: unknown, statement2?: unknown) => create('"', 'createPgStatement', true, [statement1, statement2]);
/** An RDS request for MySQL: identifiers quoted with `; MySQL has no RETURNING. */
export const createMySQLStatement = (statement1: unknown, statement2?: unknown) => create('`', 'createMySQLStatement', false, [statement1, statement2]);

/** One Data API Field (API_Field) as plain JSON. */
function fieldValue(field: unknown): unknown {
  if (!isObject(field) || field.isNull === true) return null;
  if (isObject(field.arrayValue)) {
    const array = field.arrayValue;
    if (Array.isArray(array.arrayValues)) return array.arrayValues.map(fieldValue);
    return Object.values(array)[0] ?? [];
  }
  for (const key of ['stringValue', 'longValue', 'doubleValue', 'booleanValue', 'blobValue']) {
    if (key in field) return field[key];
  }
  return null;
}

/**
 * ExecuteStatement's result (ctx.result: JSON text, or the object) → one array per statement of
 * rows keyed by column label; a statement without records (INSERT, UPDATE, DELETE) gives [];
 * null when the value is not such a result (resolver-reference-rds-js "Retrieving data").
 */
export function toJsonObject(data: unknown): unknown[][] | null {
  let parsed: unknown = data;
  if (typeof data === 'string') {
    try {
      parsed = JSON.parse(data);
    } catch {
      return null;
    }
  }
  if (!isObject(parsed) || !Array.isArray(parsed.sqlStatementResults)) return null;
  const out: unknown[][] = [];
  for (const result of parsed.sqlStatementResults) {
    if (!isObject(result)) return null;
    const records = result.records;
    if (records === undefined || records === null) {
      out.push([]);
      continue;
    }
    const columns = Array.isArray(result.columnMetadata) ? result.columnMetadata : [];
    if (!Array.isArray(records)) return null;
    out.push(
      records.map((record: unknown) => {
        const row: Record<string, unknown> = {};
        if (!Array.isArray(record)) return row;
        record.forEach((field, i) => {
          const meta = isObject(columns[i]) ? columns[i] : {};
          row[String(meta.label ?? meta.name ?? i)] = fieldValue(field);
        });
        return row;
      }),
    );
  }
  return out;
}
