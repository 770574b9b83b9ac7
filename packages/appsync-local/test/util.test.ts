import { describe, expect, it } from 'vitest';
import { evaluateExpression as run } from '../src/runtime/sandbox';

describe('util', () => {
  it('autoId is a random UUID v4, autoUlid a 26-character ULID, autoKsuid a 27-character KSUID', () => {
    const id = run('util.autoId()') as string;
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(run('util.autoId()')).not.toBe(id);
    expect(run('util.autoUlid()')).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(run('util.autoKsuid()')).toMatch(/^[0-9A-Za-z]{27}$/);
    // ULIDs made later sort after earlier ones (the time part leads)
    expect((run('util.autoUlid()') as string).slice(0, 10) >= id.slice(0, 0)).toBe(true);
  });

  it('time: now, ISO 8601 and epoch conversions', () => {
    const before = Date.now();
    const now = run('util.time.nowEpochMilliSeconds()') as number;
    expect(now).toBeGreaterThanOrEqual(before);
    expect(run('util.time.nowISO8601()')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(run('util.time.nowEpochSeconds()')).toBe(Math.floor(Date.now() / 1000));
    expect(run('util.time.parseISO8601ToEpochMilliSeconds("2018-02-01T17:21:05.180+08:00")')).toBe(Date.UTC(2018, 1, 1, 9, 21, 5, 180));
    expect(run('util.time.epochMilliSecondsToSeconds(1517943695750)')).toBe(1517943695);
    expect(run('util.time.epochMilliSecondsToISO8601(1517943695750)')).toBe('2018-02-06T19:01:35.750Z');
  });

  it('time: Java DateTimeFormatter patterns, with and without a time zone', () => {
    // examples of the AppSync time helpers page (time-helpers-in-util-time-js)
    expect(run('util.time.epochMilliSecondsToFormatted(1517943695750, "yyyy-MM-dd HH:mm:ssZ")')).toBe('2018-02-06 19:01:35+0000');
    expect(run('util.time.epochMilliSecondsToFormatted(1517943695750, "yyyy-MM-dd HH:mm:ssZ", "Australia/Perth")')).toBe('2018-02-07 03:01:35+0800');
    expect(run('util.time.parseFormattedToEpochMilliSeconds("2018-02-01 17:21:05+0800", "yyyy-MM-dd HH:mm:ssZ")')).toBe(Date.UTC(2018, 1, 1, 9, 21, 5));
    expect(run('util.time.parseFormattedToEpochMilliSeconds("2018-02-01 17:21:05", "yyyy-MM-dd HH:mm:ss", "Australia/Perth")')).toBe(Date.UTC(2018, 1, 1, 9, 21, 5));
    expect(run('util.time.nowFormatted("yyyy")')).toBe(String(new Date().getUTCFullYear()));
  });

  it('dynamodb helpers: lists, maps, S3 objects', () => {
    expect(run('util.dynamodb.toList(["foo", 123, { bar: "baz" }])')).toEqual({ L: [{ S: 'foo' }, { N: 123 }, { M: { bar: { S: 'baz' } } }] });
    expect(run('util.dynamodb.toDynamoDB(null)')).toEqual({ NULL: null });
    expect(run('util.dynamodb.toString(null)')).toBeNull();
    expect(run('util.dynamodb.toS3Object("foo", "bar", "baz", "beep")')).toEqual({ S: '{"s3":{"key":"foo","bucket":"bar","region":"baz","version":"beep"}}' });
    expect(run('util.dynamodb.fromS3ObjectJson(util.dynamodb.toS3Object("foo", "bar", "baz").S)')).toEqual({ key: 'foo', bucket: 'bar', region: 'baz' });
  });

  it('transform.toSubscriptionFilter: groups multiply out over or, operators and rules; ignoredFields drop fields', () => {
    // shape of extensions.setSubscriptionFilter's argument (extensions-js / aws-appsync-real-time-enhanced-filtering)
    expect(run('util.transform.toSubscriptionFilter({ a: { eq: 1 }, or: [{ b: { eq: 2 } }, { c: { in: [3, 4] } }] })')).toEqual({
      filterGroup: [
        { filters: [{ fieldName: 'a', operator: 'eq', value: 1 }, { fieldName: 'b', operator: 'eq', value: 2 }] },
        { filters: [{ fieldName: 'a', operator: 'eq', value: 1 }, { fieldName: 'c', operator: 'in', value: [3, 4] }] },
      ],
    });
    expect(run('util.transform.toSubscriptionFilter({ a: { eq: 1 }, b: { eq: 2 } }, ["a"])')).toEqual({ filterGroup: [{ filters: [{ fieldName: 'b', operator: 'eq', value: 2 }] }] });
    expect(run('util.transform.toSubscriptionFilter({ a: { eq: 1 } }, [], { r1: { gt: 5 }, r2: { eq: "p" } })')).toEqual({
      filterGroup: [
        { filters: [{ fieldName: 'a', operator: 'eq', value: 1 }, { fieldName: 'r1', operator: 'gt', value: 5 }] },
        { filters: [{ fieldName: 'a', operator: 'eq', value: 1 }, { fieldName: 'r2', operator: 'eq', value: 'p' }] },
      ],
    });
  });

  it('strings, encodings, math (the VTL-only type helpers are absent: appsync-surface.test.ts)', () => {
    expect(run('util.base64Encode("héllo wörld")')).toBe(Buffer.from('héllo wörld').toString('base64'));
    expect(run('util.base64Decode("aMOpbGxvIHfDtnJsZA==")')).toBe('héllo wörld');
    expect(run('util.urlEncode("a b&c=d/é~")')).toBe('a+b%26c%3Dd%2F%C3%A9%7E');
    expect(run('util.urlDecode("a+b%26c")')).toBe('a b&c');
    expect(run(`util.escapeJavaScript("it's \\"x\\"\\n")`)).toBe(`it\\'s \\"x\\"\\n`);
    expect(run('util.matches("a*b", "aaaaab")')).toBe(true);
    expect(run('util.matches("a*b", "aaaaabc")')).toBe(false);
    expect(run('util.str.normalize("\\u0041\\u030a", "nfc")')).toBe('\u00c5');
    expect(run('[util.math.roundNum(1.6), util.math.minVal(1, 2), util.math.maxVal(1, 2)]')).toEqual([2, 1, 2]);
    const r = run('util.math.randomWithinRange(5, 10)') as number;
    expect(r).toBeGreaterThanOrEqual(5);
    expect(r).toBeLessThan(10);
    expect(run('util.authType()')).toBe('API Key Authorization');
  });

  it('ddb helpers: update operations, query, batch and transactions', () => {
    expect(run('ddb.update({ key: { id: 1 }, update: { a: ddb.operations.remove(), b: ddb.operations.prepend([0]), c: [ddb.operations.updateListItem("x", 2)], d: { e: 5 } } })')).toEqual({
      operation: 'UpdateItem',
      key: { id: { N: 1 } },
      update: {
        expression: 'SET #expName_2 = list_append(:expValue_1, #expName_2), #expName_3[2] = :expValue_2, #expName_4.#expName_5 = :expValue_3 REMOVE #expName_1',
        expressionNames: { '#expName_1': 'a', '#expName_2': 'b', '#expName_3': 'c', '#expName_4': 'd', '#expName_5': 'e' },
        expressionValues: { ':expValue_1': { L: [{ N: 0 }] }, ':expValue_2': { S: 'x' }, ':expValue_3': { N: 5 } },
      },
    });
    expect(run('ddb.put({ key: { id: "a" }, item: { v: 1 }, condition: { id: { attributeExists: false } } })')).toEqual({
      operation: 'PutItem',
      key: { id: { S: 'a' } },
      attributeValues: { v: { N: 1 } },
      condition: { expression: '(attribute_not_exists(#id))', expressionNames: { '#id': 'id' } },
    });
    expect(run('ddb.query({ query: { pk: { eq: "a" }, sk: { beginsWith: "b" } }, index: "byX", scanIndexForward: false, projection: ["pk", "nested.x"] })')).toEqual({
      operation: 'Query',
      query: { expression: '#pk = :pk_eq AND begins_with(#sk, :sk_beginsWith)', expressionNames: { '#pk': 'pk', '#sk': 'sk' }, expressionValues: { ':pk_eq': { S: 'a' }, ':sk_beginsWith': { S: 'b' } } },
      index: 'byX',
      scanIndexForward: false,
      projection: { expression: '#projection_0, #projection_1.#projection_2', expressionNames: { '#projection_0': 'pk', '#projection_1': 'nested', '#projection_2': 'x' } },
    });
    expect(run('ddb.batchGet({ tables: { t: { keys: [{ id: 1 }] } } })')).toEqual({ operation: 'BatchGetItem', tables: { t: { keys: [{ id: { N: 1 } }] } } });
    expect(run('ddb.batchPut({ tables: { t: [{ id: 1 }] } })')).toEqual({ operation: 'BatchPutItem', tables: { t: [{ id: { N: 1 } }] } });
    expect(run('ddb.batchDelete({ tables: { t: [{ id: 1 }] } })')).toEqual({ operation: 'BatchDeleteItem', tables: { t: [{ id: { N: 1 } }] } });
    expect(run('ddb.transactGet({ items: [{ table: "t", key: { id: 1 } }] })')).toEqual({ operation: 'TransactGetItems', transactItems: [{ table: 't', key: { id: { N: 1 } } }] });
    expect(run('ddb.transactWrite({ items: [{ deleteItem: { table: "t", key: { id: 1 } } }, { conditionCheck: { table: "t", key: { id: 2 }, condition: { v: { gt: 1 } } } }] })')).toEqual({
      operation: 'TransactWriteItems',
      transactItems: [
        { table: 't', operation: 'DeleteItem', key: { id: { N: 1 } } },
        { table: 't', operation: 'ConditionCheck', key: { id: { N: 2 } }, condition: { expression: '(#v > :v_gt)', expressionNames: { '#v': 'v' }, expressionValues: { ':v_gt': { N: 1 } } } },
      ],
    });
    expect(run('[ddb.toStringSet(["a"]), ddb.toNumberSet([1]), ddb.toBinarySet(["YQ=="])]')).toEqual([{ SS: ['a'] }, { NS: [1] }, { BS: ['YQ=='] }]);
  });

  it('a documented helper the local stack lacks fails loudly, naming it', () => {
    expect(() => run('util.xml.toMap("<a/>")')).toThrow('util.xml.toMap is not supported by the local AppSync runtime');
    expect(() => run('ddb.sync({})')).toThrow('@aws-appsync/utils/dynamodb.sync is not supported');
  });
});

// util.matches takes a java.util.regex.Pattern (built-in-util-js: "The pattern must be a regular
// expression such as util.matches("a*b", "aaaaab")"); Java's Pattern documentation defines the
// inline flags and the POSIX classes below.
describe('util.matches reads Java patterns', () => {
  it.each([
    ['util.matches("a*b", "aaaaab")', true],
    ['util.matches("(?i)abc", "ABC")', true],
    ['util.matches("abc", "ABC")', false],
    ['util.matches("(?s)a.b", "a\\nb")', true],
    ['util.matches("\\\\p{Alpha}+", "abcXYZ")', true],
    ['util.matches("\\\\p{Alpha}+", "abc1")', false],
    ['util.matches("[\\\\p{Digit}_]+", "12_3")', true],
    ['util.matches("\\\\P{Digit}+", "abc")', true],
    ['util.matches("\\\\p{Upper}\\\\p{Lower}*", "Hello")', true],
    ['util.matches("\\\\p{XDigit}{2}", "fF")', true],
    ['util.matches("\\\\Aab\\\\z", "ab")', true],
  ])('%s is %s', (expr, expected) => {
    expect(run(expr)).toBe(expected);
  });

  it('Java-only syntax JavaScript cannot express is refused, naming it', () => {
    expect(() => run('util.matches("a*+b", "aab")')).toThrow(/possessive quantifiers .* not supported by the local AppSync runtime/);
    expect(() => run('util.matches("(?>ab)c", "abc")')).toThrow(/atomic groups/);
    expect(() => run('util.matches("(?x)a b", "ab")')).toThrow(/inline flag \(\?x\)/);
  });
});
