/**
 * The AWS scalars' validators, value by value. The rules are those of
 * https://docs.aws.amazon.com/appsync/latest/devguide/scalars.html: extended ISO 8601 dates and
 * times with an optional offset that may carry seconds (required for AWSDateTime, an instant),
 * 1 to 9 fraction digits and, for AWSDateTime, "negative years" (-YYYY): AppSync's own description
 * of the AWSDateTime and AWSTime scalars ("a nanoseconds field. It can accept between 1 and 9 digits"),
 * as AppSync's schema carries it,
 * RFC 822 e-mail addresses, RFC 1738 URLs with a scheme and no "//" in the path, phone numbers
 * with spaces or hyphens, IPv4/IPv6 with an optional CIDR suffix, AWSJSON parsed for resolvers.
 */
import { describe, expect, it } from 'vitest';
import { Kind } from 'graphql';
import { awsScalars, isAwsDate, isAwsDateTime, isAwsEmail, isAwsIpAddress, isAwsPhone, isAwsTime, isAwsUrl } from '../src/server/scalars';

const table: Array<[string, (v: string) => boolean, string[], string[]]> = [
  ['AWSDate', isAwsDate, ['1970-01-01', '1970-01-01Z', '1970-01-01-07:00', '1970-01-01+05:30', '2024-02-29', '2024-02-29+05:30:15'], ['1970-1-1', '2023-02-29', '2024-13-01', '2024-00-10', '19700101', '2024-01-01T00:00:00Z', '']],
  ['AWSTime', isAwsTime, ['12:30', '12:30:45', '12:30:45.1', '12:30:45.123456789', '23:59:59Z', '00:00:00-07:00', '12:00:00+05:30:15'], ['24:00:00', '12:60:00', '12:30:61', '1:30', '12:30:45+25:00', '12:30:45.1234567890', 'noon']],
  ['AWSDateTime', isAwsDateTime, ['1970-01-01T00:00:00Z', '2026-05-01T10:00:00.123+01:00', '2026-05-01T10:00Z', '2026-05-01T10:00:00.5-07:00:30', '2024-02-29T23:59:59.999999Z', '-2017-01-01T00:00Z', '-9999-01-01T00:00Z', '1970-01-01T12:00:00.2Z', '1970-01-01T12:00:00.123456789Z'], ['1970-01-01T12:00:00.1234567891Z', '1970-01-01T12:00:00.Z', '--2017-01-01T00:00Z', '1970-01-01T12:00.5Z', '2026-05-01T10:00:00', '2026-05-01 10:00:00Z', '2026-02-30T10:00:00Z', '2026-05-01T25:00:00Z', '2026-05-01', 'yesterday']],
  ['AWSEmail', isAwsEmail, ['a@b', 'jeff@amazon.com', 'first.last+tag@sub.example.co.uk'], ['plain', '@example.com', 'a@', 'a b@example.com', 'a@-example.com']],
  ['AWSURL', isAwsUrl, ['https://www.amazon.com/dp/B000NZW3KC/', 'mailto:example@example.com', 'http://localhost:4000/graphql?x=1'], ['www.amazon.com', 'https://example.com//double', '/relative/path', 'not a url']],
  ['AWSPhone', isAwsPhone, ['+1 555 555 0100', '555-555-0100', '+44 20 7946 0958', '0207946 0958'], ['call me', '12', '+', '555_555_0100']],
  ['AWSIPAddress', isAwsIpAddress, ['123.12.34.56', '1a2b:3c4b::1234:4567', '10.0.0.0/8', '::1', '2001:db8::/32'], ['256.1.1.1', '1.2.3', '10.0.0.0/33', '2001:db8::/129', 'localhost', '1.2.3.4/']],
];

describe.each(table)('%s', (_name, valid, good, bad) => {
  it.each(good)('accepts %s', (value) => expect(valid(value)).toBe(true));
  it.each(bad)('rejects %s', (value) => expect(valid(value)).toBe(false));
});

describe('AWSJSON', () => {
  const json = awsScalars.AWSJSON;
  it('hands resolvers the parsed value of a variable or a literal', () => {
    expect(json.parseValue('{"a":[1,"b",null]}')).toEqual({ a: [1, 'b', null] });
    expect(json.parseValue('42')).toBe(42);
    expect(json.parseLiteral({ kind: Kind.STRING, value: '["x"]' }, undefined)).toEqual(['x']);
  });
  it('refuses text that is not JSON (an unquoted string included)', () => {
    expect(() => json.parseValue('{"a":')).toThrow('Unable to parse `{"a":` as valid JSON.');
    expect(() => json.parseValue('hello')).toThrow(/valid JSON/);
  });
  it('sends objects out as JSON text, and JSON text as it is', () => {
    expect(json.serialize({ a: 1 })).toBe('{"a":1}');
    expect(json.serialize('{"a":1}')).toBe('{"a":1}');
  });
});

describe('AWSTimestamp', () => {
  const ts = awsScalars.AWSTimestamp;
  it('takes whole seconds beyond 32 bits and refuses fractions and strings', () => {
    expect(ts.parseValue(4102444800)).toBe(4102444800);
    expect(() => ts.parseValue(1.5)).toThrow();
    expect(() => ts.parseValue('1714557600')).toThrow();
    expect(ts.parseLiteral({ kind: Kind.INT, value: '4102444800' }, undefined)).toBe(4102444800);
  });
});
