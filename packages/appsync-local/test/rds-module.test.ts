import { describe, expect, it } from 'vitest';
import { createSandbox } from '../src/runtime/sandbox';

/*
 * '@aws-appsync/utils/rds' as AppSync gives it: importing it loads, and its builders answer AppSync's
 * RDS request. The examples are those of AWS's "JavaScript resolver function reference for Amazon
 * RDS" (resolver-reference-rds-js), whose comments show the statements with illustrative :NAME
 * placeholders; AppSync binds :P0, :P1, ... (as recorded against AppSync in
 * localstack/appsync-utils' rds tests, whose select and type hint cases are the last two here).
 */
function request(body: string, imports = 'sql, select, insert, update, remove, createPgStatement, createMySQLStatement, typeHint, toJsonObject') {
  const code = `import { ${imports} } from '@aws-appsync/utils/rds';\nexport function request(ctx) { ${body} }\nexport function response(ctx) { return ctx.result; }`;
  const out = createSandbox(code).invoke({ handler: 'request', ctx: { arguments: {} }, typeName: 'Query', fieldName: 'f', authType: 'API Key Authorization' });
  if (out.status === 'runtimeError') throw new Error(out.message);
  return (out as { value: unknown }).value;
}

const statement = (text: string, variableMap: Record<string, unknown> = {}, variableTypeHintMap: Record<string, string> = {}) => ({
  statements: [text],
  variableMap,
  variableTypeHintMap,
});

describe("@aws-appsync/utils/rds", () => {
  it('loads where it is imported and never used, next to code that runs', () => {
    expect(request('return 1;', 'toJsonObject')).toBe(1);
  });

  it('has exactly the members rds-helpers.d.ts declares, and typeHint its six hints', () => {
    const code = `import * as rds from '@aws-appsync/utils/rds';\nexport function request() { return [Object.keys(rds).sort(), Object.keys(rds.typeHint).sort()]; }\nexport function response() {}`;
    const out = createSandbox(code).invoke({ handler: 'request', ctx: {}, typeName: 'Query', fieldName: 'f', authType: 'API Key Authorization' });
    expect(out).toMatchObject({
      status: 'return',
      value: [
        ['agg', 'createMySQLStatement', 'createPgStatement', 'insert', 'remove', 'select', 'sql', 'toJsonObject', 'typeHint', 'update'],
        ['DATE', 'DECIMAL', 'JSON', 'TIME', 'TIMESTAMP', 'UUID'],
      ],
    });
  });

  it('sql: the ${} values become variables, the text is neither quoted nor escaped (one or two statements)', () => {
    expect(request('return createMySQLStatement(sql`SELECT * FROM table WHERE column = ${"x\'; DROP TABLE t; --"}`);')).toEqual(
      statement('SELECT * FROM table WHERE column = :P0', { ':P0': "x'; DROP TABLE t; --" }),
    );
    expect(request('const id = 7, text = "hi"; return createMySQLStatement(sql`insert into Post(id, text) values(${id}, ${text})`, sql`select * from Post where id = ${id}`);')).toEqual({
      statements: ['insert into Post(id, text) values(:P0, :P1)', 'select * from Post where id = :P2'],
      variableMap: { ':P0': 7, ':P1': 'hi', ':P2': 7 },
      variableTypeHintMap: {},
    });
  });

  it('select: table (with its schema), columns, limit and offset, order', () => {
    expect(request("return createPgStatement(select({ table: 'persons' }));")).toEqual(statement('SELECT * FROM "persons"'));
    expect(request("return createPgStatement(select({ table: 'private.persons' }));")).toEqual(statement('SELECT * FROM "private"."persons"'));
    expect(request("return createPgStatement(select({ table: 'persons', columns: ['id', 'persons.name'] }));")).toEqual(statement('SELECT "id", "persons"."name" FROM "persons"'));
    expect(request("return createPgStatement(select({ table: 'persons', columns: ['id', 'name'], limit: 10, offset: 40 }));")).toEqual(
      statement('SELECT "id", "name" FROM "persons" LIMIT :P0 OFFSET :P1', { ':P0': 10, ':P1': 40 }),
    );
    expect(request("return createPgStatement(select({ table: 'persons', columns: ['id', 'name'], orderBy: [{ column: 'name' }, { column: 'id', dir: 'DESC' }] }));")).toEqual(
      statement('SELECT "id", "name" FROM "persons" ORDER BY "name" ASC, "id" DESC'),
    );
  });

  it('select: filters with and, or, not and the documented operators', () => {
    expect(request("return createPgStatement(select({ table: 'persons', columns: ['id', 'name'], where: { name: { eq: 'Stephane' }, id: { gt: 10 } } }));")).toEqual(
      statement('SELECT "id", "name" FROM "persons" WHERE "name" = :P0 AND "id" > :P1', { ':P0': 'Stephane', ':P1': 10 }),
    );
    expect(
      request(
        "return createPgStatement(select({ table: 'UserGroup', columns: ['id', 'name'], where: { or: [{ name: { eq: 'Stephane' } }, { id: { gt: 10 } }] }, orderBy: [{ column: 'name' }, { column: 'id', dir: 'DESC' }], limit: 10, offset: 1 }));",
      ),
    ).toEqual(
      statement('SELECT "id", "name" FROM "UserGroup" WHERE ("name" = :P0) OR ("id" > :P1) ORDER BY "name" ASC, "id" DESC LIMIT :P2 OFFSET :P3', { ':P0': 'Stephane', ':P1': 10, ':P2': 10, ':P3': 1 }),
    );
    expect(request("return createPgStatement(select({ table: 'persons', where: { not: [{ name: { eq: 'Stephane' } }, { id: { gt: 10 } }] } }));")).toEqual(
      statement('SELECT * FROM "persons" WHERE NOT ("name" = :P0 AND "id" > :P1)', { ':P0': 'Stephane', ':P1': 10 }),
    );
    // a group beside another condition keeps its own parentheses: a OR b never swallows the AND
    expect(request("return createPgStatement(select({ table: 't', where: { a: { eq: 1 }, or: [{ b: { eq: 2 } }, { c: { eq: 3 } }] } }));")).toEqual(
      statement('SELECT * FROM "t" WHERE "a" = :P0 AND (("b" = :P1) OR ("c" = :P2))', { ':P0': 1, ':P1': 2, ':P2': 3 }),
    );
    expect(
      request(
        "return createPgStatement(select({ table: 't', where: { a: { ne: 1, le: 9 }, b: { contains: 'x' }, c: { notContains: 'y' }, d: { beginsWith: 'z' }, e: { between: [1, 5] }, f: { attributeExists: false }, g: { size: { gt: 3 } } } }));",
      ),
    ).toEqual(
      statement(
        'SELECT * FROM "t" WHERE "a" != :P0 AND "a" <= :P1 AND "b" LIKE :P2 AND "c" NOT LIKE :P3 AND "d" LIKE :P4 AND "e" BETWEEN :P5 AND :P6 AND "f" IS NULL AND LENGTH ("g") > :P7',
        { ':P0': 1, ':P1': 9, ':P2': '%x%', ':P3': 'y', ':P4': 'z%', ':P5': 1, ':P6': 5, ':P7': 3 },
      ),
    );
  });

  it('insert, update and remove; returning for PostgreSQL only', () => {
    expect(request("return createMySQLStatement(insert({ table: 'persons', values: { name: 'Ann', nick: null } }));")).toEqual(
      statement('INSERT INTO `persons` (`name`, `nick`) VALUES (:P0, NULL)', { ':P0': 'Ann' }),
    );
    expect(request("return createPgStatement(insert({ table: 'persons', values: { name: 'Ann' }, returning: '*' }));")).toEqual(
      statement('INSERT INTO "persons" ("name") VALUES (:P0) RETURNING *', { ':P0': 'Ann' }),
    );
    expect(request("return createPgStatement(update({ table: 'persons', values: { name: 'Jon' }, where: { known_since: { ge: '2000' }, id: { eq: 3 } }, returning: ['id', 'name'] }));")).toEqual(
      statement('UPDATE "persons" SET "name" = :P0 WHERE "known_since" >= :P1 AND "id" = :P2 RETURNING "id", "name"', { ':P0': 'Jon', ':P1': '2000', ':P2': 3 }),
    );
    expect(request("return createPgStatement(remove({ table: 'persons', where: { id: { eq: '1232' } }, returning: ['id', 'name'] }));")).toEqual(
      statement('DELETE FROM "persons" WHERE "id" = :P0 RETURNING "id", "name"', { ':P0': '1232' }),
    );
    expect(() => request("return createMySQLStatement(remove({ table: 'persons', returning: '*' }));")).toThrow('Error: returning is not supported in MySQL.');
  });

  it('typeHint: the value in variableMap, its type in variableTypeHintMap', () => {
    expect(request("return createPgStatement(select({ table: 'UserGroup', where: { and: [{ id: { eq: typeHint.UUID('1232') } }, { started: { lt: typeHint.TIMESTAMP('2022-03-02 00:00:00') } }] } }));")).toEqual(
      statement('SELECT * FROM "UserGroup" WHERE ("id" = :P0) AND ("started" < :P1)', { ':P0': '1232', ':P1': '2022-03-02 00:00:00' }, { ':P0': 'UUID', ':P1': 'TIMESTAMP' }),
    );
    expect(request('return createPgStatement(sql`select ${typeHint.JSON([1, 2, 3])}->2 as value`);')).toEqual(
      statement('select :P0->2 as value', { ':P0': [1, 2, 3] }, { ':P0': 'JSON' }),
    );
  });

  it('what it cannot build is an error naming it, not a wrong statement', () => {
    expect(() => request("return createPgStatement(select({ where: { id: { eq: 1 } } }));")).toThrow("'table' or 'from' key is required.");
    expect(() => request("return createPgStatement(select({ table: 't', where: { id: { like: 1 } } }));")).toThrow('Unsupported condition id.like.');
    expect(() => request("return createPgStatement(select({ table: 't', orderBy: [{ column: 'a', dir: 'sideways' }] }));")).toThrow('orderBy dir can have either ASC or DESC');
    expect(() => request("return createPgStatement(select({ table: 't', join: [] }));")).toThrow('select({ join }) is not supported by the local AppSync runtime');
    expect(() => request('return createPgStatement();')).toThrow('An argument is expected to be passed to createPgStatement');
  });

  it('toJsonObject (and util.rds.toJsonObject) read an ExecuteStatement result: one list of rows per statement', () => {
    const result = JSON.stringify({
      sqlStatementResults: [
        { numberOfRecordsUpdated: 1 },
        {
          numberOfRecordsUpdated: 0,
          records: [
            [{ stringValue: 'Mark Twain' }, { longValue: 1884 }, { isNull: true }],
            [{ stringValue: 'Jack London' }, { longValue: 1903 }, { booleanValue: true }],
          ],
          columnMetadata: [{ label: 'author', name: 'author' }, { label: 'year', name: 'year' }, { label: 'ISBN-13', name: 'isbn' }],
        },
      ],
    });
    const rows = [
      [],
      [
        { author: 'Mark Twain', year: 1884, 'ISBN-13': null },
        { author: 'Jack London', year: 1903, 'ISBN-13': true },
      ],
    ];
    expect(request(`return toJsonObject(${JSON.stringify(result)});`)).toEqual(rows);
    expect(request(`return util.rds.toJsonObject(${JSON.stringify(result)});`, 'toJsonObject')).toEqual(rows);
    // "toJsonObject returns null if the result value is invalid or unexpected"
    expect(request('return [toJsonObject("not json"), toJsonObject({ a: 1 })];')).toEqual([null, null]);
  });
});
