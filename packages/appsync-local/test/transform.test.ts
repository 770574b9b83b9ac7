import { describe, expect, it } from 'vitest';
import { evaluateExpression } from '../src/runtime/sandbox';

/*
 * util.transform.toDynamoDBFilterExpression / toDynamoDBConditionExpression, text and all.
 * Provenance: the localstack/appsync-utils repository's __tests__/transform.test.js and its
 * snapshot __tests__/__snapshots__/transform.test.js.snap, whose tests state they were recorded
 * from AWS AppSync's EvaluateCode (AWS orders the keys of expressionNames/expressionValues
 * arbitrarily, so names and values are compared as maps, the expression verbatim). AWS's own page
 * (transformation-helpers-in-utils-transform-js) gives one example, in test/fixtures/recorded.
 */
const N = (n: number) => ({ N: n });
const S = (s: string) => ({ S: s });

const vectors: [string, string, Record<string, string>, Record<string, unknown>][] = [
  // comparison operators
  ['{ v: { eq: "x" } }', '(#v = :v_eq)', { '#v': 'v' }, { ':v_eq': S('x') }],
  ['{ v: { ne: "x" } }', '(#v <> :v_ne)', { '#v': 'v' }, { ':v_ne': S('x') }],
  ['{ v: { le: "x" } }', '(#v <= :v_le)', { '#v': 'v' }, { ':v_le': S('x') }],
  ['{ v: { ge: "x" } }', '(#v >= :v_ge)', { '#v': 'v' }, { ':v_ge': S('x') }],
  // the type of an operand; eq: null is a NULL value, not dropped
  ['{ v: { eq: null } }', '(#v = :v_eq)', { '#v': 'v' }, { ':v_eq': { NULL: null } }],
  ['{ v: { eq: 1.5 } }', '(#v = :v_eq)', { '#v': 'v' }, { ':v_eq': N(1.5) }],
  ['{ v: { eq: [1, 2] } }', '(#v = :v_eq)', { '#v': 'v' }, { ':v_eq': { L: [N(1), N(2)] } }],
  // function operators
  ['{ v: { contains: "x" } }', '(contains(#v,:v_contains))', { '#v': 'v' }, { ':v_contains': S('x') }],
  ['{ v: { notContains: "x" } }', '(NOT contains(#v,:v_notContains))', { '#v': 'v' }, { ':v_notContains': S('x') }],
  ['{ v: { beginsWith: "x" } }', '(begins_with(#v,:v_beginsWith))', { '#v': 'v' }, { ':v_beginsWith': S('x') }],
  // between, in
  ['{ v: { between: ["1", "9", "3"] } }', '(#v BETWEEN :v_between_start AND :v_between_end)', { '#v': 'v' }, { ':v_between_start': S('1'), ':v_between_end': S('9') }],
  ['{ v: { in: ["a", "b"] } }', '(#v IN (:v_in_0, :v_in_1))', { '#v': 'v' }, { ':v_in_0': S('a'), ':v_in_1': S('b') }],
  ['{ v: { in: [] } }', '(null)', { '#v': 'v' }, {}],
  // attributeExists, attributeType
  ['{ v: { attributeExists: false } }', '(attribute_not_exists(#v))', { '#v': 'v' }, {}],
  ['{ a: { attributeType: "_null" }, b: { attributeType: "stringSet" } }', '(attribute_type(#a,:a_attributeType)) AND (attribute_type(#b,:b_attributeType))', { '#a': 'a', '#b': 'b' }, { ':a_attributeType': S('NULL'), ':b_attributeType': S('SS') }],
  // size
  ['{ v: { size: { gt: 2 } } }', '(size(#v) > :v_size_gt)', { '#v': 'v' }, { ':v_size_gt': N(2) }],
  ['{ v: { size: { between: [1, 3] } } }', '(size(#v) BETWEEN :v_size_between_start AND :v_size_between_end)', { '#v': 'v' }, { ':v_size_between_start': N(1), ':v_size_between_end': N(3) }],
  ['{ v: { size: { contains: "x" } } }', '(contains(size(#v),:v_size_contains))', { '#v': 'v' }, { ':v_size_contains': S('x') }],
  ['{ v: { size: { attributeExists: true } } }', '(attribute_exists(size(#v)))', { '#v': 'v' }, {}],
  ['{ v: { size: { gt: 2, lt: 5 } } }', '((size(#v) > :v_size_gt) AND (size(#v) < :v_size_lt))', { '#v': 'v' }, { ':v_size_gt': N(2), ':v_size_lt': N(5) }],
  ['{ v: { size: { size: { gt: 1 } } } }', '(size(#v) > :v_size_size_gt)', { '#v': 'v' }, { ':v_size_size_gt': N(1) }],
  // grouping
  ['{ a: { eq: 1 }, b: { eq: 2 } }', '(#a = :a_eq) AND (#b = :b_eq)', { '#a': 'a', '#b': 'b' }, { ':a_eq': N(1), ':b_eq': N(2) }],
  ['{ v: { ge: 1, le: 5 } }', '((#v >= :v_ge) AND (#v <= :v_le))', { '#v': 'v' }, { ':v_ge': N(1), ':v_le': N(5) }],
  ['{ and: [{ a: { eq: 1 } }] }', '(#a = :and_0_a_eq)', { '#a': 'a' }, { ':and_0_a_eq': N(1) }],
  ['{ and: [{ a: { eq: 1 } }, { b: { eq: 2 } }] }', '((#a = :and_0_a_eq) AND (#b = :and_1_b_eq))', { '#a': 'a', '#b': 'b' }, { ':and_0_a_eq': N(1), ':and_1_b_eq': N(2) }],
  ['{ or: [{ a: { eq: 1 } }, { b: { eq: 2 } }] }', '((#a = :or_0_a_eq) OR (#b = :or_1_b_eq))', { '#a': 'a', '#b': 'b' }, { ':or_0_a_eq': N(1), ':or_1_b_eq': N(2) }],
  ['{ not: { a: { eq: 1 } } }', '(NOT (#a = :not_a_eq))', { '#a': 'a' }, { ':not_a_eq': N(1) }],
  ['{ not: { and: [{ a: { eq: 1 } }, { b: { eq: 2 } }] } }', '(NOT ((#a = :not_and_0_a_eq) AND (#b = :not_and_1_b_eq)))', { '#a': 'a', '#b': 'b' }, { ':not_and_0_a_eq': N(1), ':not_and_1_b_eq': N(2) }],
  ['{ not: { not: { a: { eq: 1 } } } }', '(NOT (NOT (#a = :not_not_a_eq)))', { '#a': 'a' }, { ':not_not_a_eq': N(1) }],
  ['{ and: [{ not: { a: { eq: 1 } } }, { b: { eq: 2 } }] }', '((NOT (#a = :and_0_not_a_eq)) AND (#b = :and_1_b_eq))', { '#a': 'a', '#b': 'b' }, { ':and_0_not_a_eq': N(1), ':and_1_b_eq': N(2) }],
  ['{ or: [{ and: [{ a: { eq: 1 } }, { b: { eq: 2 } }] }, { c: { eq: 3 } }] }', '(((#a = :or_0_and_0_a_eq) AND (#b = :or_0_and_1_b_eq)) OR (#c = :or_1_c_eq))', { '#a': 'a', '#b': 'b', '#c': 'c' }, { ':or_0_and_0_a_eq': N(1), ':or_0_and_1_b_eq': N(2), ':or_1_c_eq': N(3) }],
  ['{ and: [{ or: [{ and: [{ a: { eq: 1 } }] }] }] }', '(#a = :and_0_or_0_and_0_a_eq)', { '#a': 'a' }, { ':and_0_or_0_and_0_a_eq': N(1) }],
  ['{ a: { eq: 1 }, and: [{ b: { eq: 2 } }] }', '(#a = :a_eq) AND (#b = :and_0_b_eq)', { '#a': 'a', '#b': 'b' }, { ':a_eq': N(1), ':and_0_b_eq': N(2) }],
  ['{ "a.b": { eq: 1 } }', '(#a.b = :a.b_eq)', { '#a.b': 'a.b' }, { ':a.b_eq': N(1) }],
  // filters that render no expression
  ['{}', '', {}, {}],
  ['{ and: [] }', '', {}, {}],
  ['{ v: {} }', '', { '#v': 'v' }, {}],
  ['{ v: { size: {} } }', '', { '#v': 'v' }, {}],
  ['{ not: {} }', '(NOT )', {}, {}],
  ['{ a: { eq: 1 }, b: {} }', '(#a = :a_eq) AND ', { '#a': 'a', '#b': 'b' }, { ':a_eq': N(1) }],
  ['{ and: [{ a: { eq: 1 } }, {}] }', '((#a = :and_0_a_eq) AND )', { '#a': 'a' }, { ':and_0_a_eq': N(1) }],
  // Amplify model operations
  ['{ and: [{ id: { attributeExists: true } }, { _version: { eq: 1 } }] }', '((attribute_exists(#id)) AND (#_version = :and_1__version_eq))', { '#id': 'id', '#_version': '_version' }, { ':and_1__version_eq': N(1) }],
  ['{ or: [{ content: { beginsWith: "a" } }, { id: { between: ["1", "9"] } }] }', '((begins_with(#content,:or_0_content_beginsWith)) OR (#id BETWEEN :or_1_id_between_start AND :or_1_id_between_end))', { '#content': 'content', '#id': 'id' }, { ':or_0_content_beginsWith': S('a'), ':or_1_id_between_start': S('1'), ':or_1_id_between_end': S('9') }],
];

// "AWS answers a filter it cannot render with null rather than with an error"
const unrenderable = ['', 'null', '[]', '"string"', '{ v: { foo: 1 } }', '{ v: "x" }', '{ a: { b: { eq: 1 } } }', '{ and: { a: { eq: 1 } } }', '{ and: null }', '{ and: [{ a: { eq: 1 } }, null] }', '{ not: [{ a: { eq: 1 } }] }', '{ v: { between: [1] } }', '{ v: { between: "x" } }', '{ v: { in: "x" } }', '{ v: { attributeExists: "yes" } }', '{ v: { attributeType: "S" } }', '{ v: { attributeType: "bogus" } }', '{ v: { size: 3 } }'];

describe('util.transform DynamoDB expressions, as AppSync writes them (localstack/appsync-utils snapshots)', () => {
  it.each(vectors)('%s', (source, expression, expressionNames, expressionValues) => {
    for (const fn of ['toDynamoDBFilterExpression', 'toDynamoDBConditionExpression']) {
      const text = evaluateExpression(`util.transform.${fn}(${source})`);
      expect(typeof text).toBe('string');
      expect(JSON.parse(text as string)).toEqual({ expression, expressionNames, expressionValues });
    }
  });

  it('the result is JSON text with expression, expressionNames and expressionValues in that order', () => {
    expect(evaluateExpression('util.transform.toDynamoDBConditionExpression({ and: [{ id: { attributeExists: false } }] })')).toBe(
      '{"expression":"(attribute_not_exists(#id))","expressionNames":{"#id":"id"},"expressionValues":{}}',
    );
  });

  it.each(unrenderable)('a filter AppSync cannot render gives null: %s', (source) => {
    expect(evaluateExpression(`util.transform.toDynamoDBFilterExpression(${source})`)).toBeNull();
  });
});

describe('util.transform.toElasticsearchQueryDSL', () => {
  it("gives the example output of the page (transformation-helpers-in-utils-transform-js), as JSON text", () => {
    const text = evaluateExpression('util.transform.toElasticsearchQueryDSL({ "upvotes": { "ne": 15, "range": [10, 20] }, "title": { "eq": "hihihi", "wildcard": "h*i" } })');
    expect(typeof text).toBe('string');
    expect(JSON.parse(text as string)).toEqual({
      bool: {
        must: [
          { bool: { must: [{ bool: { must_not: { term: { upvotes: 15 } } } }, { range: { upvotes: { gte: 10, lte: 20 } } }] } },
          { bool: { must: [{ term: { title: 'hihihi' } }, { wildcard: { title: 'h*i' } }] } },
        ],
      },
    });
  });

  it('names an operator it does not know', () => {
    expect(() => evaluateExpression('util.transform.toElasticsearchQueryDSL({ a: { near: 1 } })')).toThrow(/unknown operator near on a/);
  });
});
