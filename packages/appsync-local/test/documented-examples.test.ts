import { describe, expect, it } from 'vitest';
import { createSandbox, evaluateExpression as run } from '../src/runtime/sandbox';

// The examples with an input and an output on AWS's APPSYNC_JS reference pages that no other
// file replays (util.time: appsync-time.test.ts; util.transform: appsync-transform.test.ts;
// the outputs recorded from EvaluateCode: appsync-conformance.test.ts). Each names its page.
describe('documented examples', () => {
  it.each([
    // DynamoDB helpers in util.dynamodb (dynamodb-helpers-in-util-dynamodb-js)
    ['util.dynamodb.toDynamoDB("foo")', { S: 'foo' }],
    ['util.dynamodb.toDynamoDB({ "foo": "bar", "baz": 1234, "beep": ["boop"] })', { M: { foo: { S: 'bar' }, baz: { N: 1234 }, beep: { L: [{ S: 'boop' }] } } }],
    ['util.dynamodb.toList(["foo", 123, { "bar": "baz" }])', { L: [{ S: 'foo' }, { N: 123 }, { M: { bar: { S: 'baz' } } }] }],
    ['util.dynamodb.toS3Object("foo", "bar", "baz", "beep")', { S: '{"s3":{"key":"foo","bucket":"bar","region":"baz","version":"beep"}}' }],
    ['util.dynamodb.fromS3ObjectJson(\'{ "s3" : { "key" : "foo", "bucket" : "bar", "region" : "baz", "version" : "beep" } }\')', { key: 'foo', bucket: 'bar', region: 'baz', version: 'beep' }],
    // Built-in utilities (built-in-util-js)
    ['util.matches("a*b", "aaaaab")', true],
    // String helpers in util.str (str-helpers-in-util-str-js): the four forms the page names (Å composes, the fi ligature only under compatibility)
    ['["nfc", "nfd", "nfkc", "nfkd"].map((form) => util.str.normalize("\\u00c5\\ufb01", form).length)', [2, 3, 3, 4]],
  ])('%s', (expr, expected) => {
    expect(run(expr)).toEqual(expected);
  });

  it("runtime.earlyReturn's example (runtime-utils-js): the object is the result, the code below it does not run", () => {
    const sandbox = createSandbox(`import { runtime } from '@aws-appsync/utils'
export function request(ctx) {
  runtime.earlyReturn({ hello: 'world' })
  // code below is not executed
  return ctx.args
}
export function response(ctx) {
  return ctx.result
}
`);
    const out = sandbox.invoke({ handler: 'request', ctx: { arguments: { a: 1 } }, typeName: 'Query', fieldName: 'f', authType: 'API Key Authorization' });
    expect(out).toMatchObject({ status: 'earlyReturn', value: { hello: 'world' } });
  });
});
