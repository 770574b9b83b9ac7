import { describe, expect, it } from 'vitest';
import { evaluateExpression as run } from '../src/runtime/sandbox';

/*
 * APPSYNC_JS exposes exactly the documented members: the AWS AppSync developer guide's JavaScript
 * reference pages (named per object below), cross-checked with the types AWS publishes for the same
 * runtime (@aws-appsync/utils' Util, TimeUtils, DynamodbUtil, TransformUtils, StringUtils,
 * MathUtils, RdsUtil, HttpUtils, XmlUtils, Extensions, Runtime and lib/dynamodb-helpers.d.ts).
 * The VTL reference's $util.isNull, isNullOrEmpty, isNullOrBlank, defaultIfNull*, isString,
 * isNumber, isBoolean, isList, isMap, typeOf and $util.str.toUpper/toLower/toReplace are VTL only.
 */
const documented: Record<string, { page: string; members: string[] }> = {
  util: {
    page: 'Built-in utilities (built-in-util-js)',
    members: [
      'urlEncode', 'urlDecode', 'base64Encode', 'base64Decode',
      'autoId', 'autoUlid', 'autoKsuid',
      'error', 'appendError', 'unauthorized',
      'matches', 'authType', 'escapeJavaScript',
      'time', 'dynamodb', 'rds', 'http', 'xml', 'transform', 'math', 'str',
    ],
  },
  'util.time': {
    page: 'Time helpers in util.time (time-helpers-in-util-time-js)',
    members: [
      'nowISO8601', 'nowEpochSeconds', 'nowEpochMilliSeconds', 'nowFormatted',
      'parseFormattedToEpochMilliSeconds', 'parseISO8601ToEpochMilliSeconds',
      'epochMilliSecondsToSeconds', 'epochMilliSecondsToISO8601', 'epochMilliSecondsToFormatted',
    ],
  },
  'util.dynamodb': {
    page: 'DynamoDB helpers in util.dynamodb (dynamodb-helpers-in-util-dynamodb-js)',
    members: [
      'toDynamoDB', 'toString', 'toStringSet', 'toNumber', 'toNumberSet', 'toBinary', 'toBinarySet',
      'toBoolean', 'toNull', 'toList', 'toMap', 'toMapValues', 'toS3Object', 'fromS3ObjectJson',
    ],
  },
  'util.transform': {
    page: 'Transformation helpers in util.transform (transformation-helpers-in-utils-transform-js)',
    members: ['toDynamoDBFilterExpression', 'toDynamoDBConditionExpression', 'toElasticsearchQueryDSL', 'toSubscriptionFilter'],
  },
  'util.str': { page: 'String helpers in util.str (str-helpers-in-util-str-js)', members: ['normalize'] },
  'util.math': {
    page: 'Math helpers in util.math (math-helpers-in-util-math-js)',
    members: ['roundNum', 'minVal', 'maxVal', 'randomDouble', 'randomWithinRange'],
  },
  'util.rds': { page: 'RDS helpers (resolver-reference-rds-js: util.rds.toJsonObject)', members: ['toJsonObject'] },
  'util.http': { page: 'HTTP helpers in util.http (http-helpers-in-utils-http-js)', members: ['copyHeaders', 'addResponseHeader', 'addResponseHeaders'] },
  'util.xml': { page: 'XML helpers in util.xml (xml-helpers-in-util-xml-js)', members: ['toMap', 'toJsonString'] },
  runtime: { page: 'Runtime utilities (runtime-utils-js)', members: ['earlyReturn'] },
  extensions: {
    page: 'Extensions (extensions-js)',
    members: ['evictFromApiCache', 'setSubscriptionFilter', 'setSubscriptionInvalidationFilter', 'invalidateSubscriptions'],
  },
  ddb: {
    page: 'Built-in modules: DynamoDB module functions (built-in-modules-js)',
    members: [
      'get', 'put', 'remove', 'update', 'query', 'scan', 'sync',
      'batchGet', 'batchPut', 'batchDelete', 'transactGet', 'transactWrite',
      'operations', 'toStringSet', 'toNumberSet', 'toBinarySet',
    ],
  },
};

const sorted = (list: string[]) => [...list].sort();

describe('the runtime objects have exactly the documented members', () => {
  it.each(Object.entries(documented))('%s', (path, { members }) => {
    expect(sorted(run(`Object.keys(${path})`) as string[])).toEqual(sorted(members));
  });

  it('the VTL-only helpers are not there: calling one is the TypeError AppSync gives', () => {
    for (const name of ['isNull', 'isNullOrEmpty', 'isNullOrBlank', 'defaultIfNull', 'defaultIfNullOrEmpty', 'defaultIfNullOrBlank', 'isString', 'isNumber', 'isBoolean', 'isList', 'isMap', 'typeOf', 'parseJson', 'toJson']) {
      expect(run(`typeof util.${name}`)).toBe('undefined');
    }
    expect(() => run('util.isNull(null)')).toThrow(/TypeError: util\.isNull is not a function/);
    expect(run('typeof util.str.toUpper')).toBe('undefined');
  });

  it('a documented member the local stack cannot run fails with an error naming it and saying why', () => {
    expect(() => run('util.http.addResponseHeader("a", "b")')).toThrow('util.http.addResponseHeader is not supported by the local AppSync runtime');
    expect(() => run('util.xml.toMap("<a/>")')).toThrow('util.xml.toMap is not supported by the local AppSync runtime');
    expect(() => run('ddb.sync({})')).toThrow('@aws-appsync/utils/dynamodb.sync is not supported by the local AppSync runtime');
  });

  it('the runtime objects cannot be changed by resolver code (strict mode: a TypeError)', () => {
    expect(() => run('(util.autoId = 1)')).toThrow(/TypeError: Cannot assign to read only property 'autoId'/);
    expect(() => run('(util.time.extra = 1)')).toThrow(/TypeError: Cannot add property extra/);
  });
});
