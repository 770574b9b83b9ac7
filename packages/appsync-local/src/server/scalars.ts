/**
 * AppSync's scalars, parsed, validated and serialized as AppSync does.
 * https://docs.aws.amazon.com/appsync/latest/devguide/scalars.html
 *
 * Times: AppSync accepts 1 to 9 fraction digits ("a nanoseconds field"), seconds are optional, and an offset may
 * carry seconds (±hh:mm:ss) although ISO 8601 has none. AWSDate and AWSTime take an optional
 * offset; AWSDateTime requires one (Z or ±hh:mm[:ss]), since a date-time without a zone is not an
 * instant. AWSDateTime also takes "negative years" (-YYYY, years before 0000): AppSync's own
 * description of the scalar, as its schema carries it. AWSJSON reaches resolvers parsed ("automatically parsed and loaded into the resolver
 * code as maps, lists, or scalar values rather than as the literal input strings").
 */
import { GraphQLScalarType, Kind, print, type ValueNode } from 'graphql';
import { isIP } from 'node:net';

const OFFSET = '(Z|[+-]\\d{2}:\\d{2}(:\\d{2})?)';
const DATE = '\\d{4}-\\d{2}-\\d{2}';
const TIME = '\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?';
const DATE_RE = new RegExp(`^${DATE}${OFFSET}?$`);
const TIME_RE = new RegExp(`^${TIME}${OFFSET}?$`);
const DATE_TIME_RE = new RegExp(`^-?${DATE}T${TIME}${OFFSET}$`);
const EMAIL_RE =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
const PHONE_RE = /^\+?\d[\d\s-]*\d$/;

function validCalendarDate(text: string): boolean {
  const negative = text.startsWith('-');
  const [y, m, d] = text.slice(negative ? 1 : 0, negative ? 11 : 10).split('-').map(Number);
  if (m < 1 || m > 12 || d < 1) return false;
  const probe = new Date(0);
  probe.setUTCFullYear(negative ? -y : y, m, 0);
  return d <= probe.getUTCDate();
}

function validClock(text: string): boolean {
  const [h, min, s] = text.split(':').map((p) => Number(p.slice(0, 2)));
  return h <= 23 && min <= 59 && (Number.isNaN(s) || s === undefined || s <= 59);
}

function validOffset(offset: string | undefined): boolean {
  if (!offset || offset === 'Z') return true;
  const [h, m, s] = offset.slice(1).split(':').map(Number);
  return h <= 18 && m <= 59 && (s === undefined || s <= 59);
}

const OFFSET_AT_END = /(Z|[+-]\d{2}:\d{2}(:\d{2})?)$/;

export function isAwsDate(value: string): boolean {
  return DATE_RE.test(value) && validCalendarDate(value) && validOffset(value.slice(10) || undefined);
}

export function isAwsTime(value: string): boolean {
  if (!TIME_RE.test(value)) return false;
  const offset = value.match(OFFSET_AT_END)?.[0];
  const clock = offset ? value.slice(0, -offset.length) : value;
  return validClock(clock) && validOffset(offset);
}

export function isAwsDateTime(value: string): boolean {
  if (!DATE_TIME_RE.test(value) || !validCalendarDate(value)) return false;
  const offset = value.match(OFFSET_AT_END)![0];
  const clockStart = value.indexOf('T') + 1;
  return validClock(value.slice(clockStart, value.length - offset.length)) && validOffset(offset);
}

export function isAwsEmail(value: string): boolean {
  return EMAIL_RE.test(value);
}

export function isAwsUrl(value: string): boolean {
  // RFC 1738: a scheme is required; AppSync also refuses "//" inside the path part.
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(value)) return false;
  try {
    const url = new URL(value);
    return !url.pathname.includes('//');
  } catch {
    return false;
  }
}

export function isAwsPhone(value: string): boolean {
  return PHONE_RE.test(value) && value.replace(/\D/g, '').length >= 7;
}

export function isAwsIpAddress(value: string): boolean {
  const [address, prefix, extra] = value.split('/');
  if (extra !== undefined) return false;
  const version = isIP(address);
  if (version === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (version === 4 ? 32 : 128);
}

/**
 * A scalar failing to parse, in the words AppSync's graphql-java uses after "Variable 'x' has an
 * invalid value. ". A plain Error on purpose: graphql-js then adds the node and value around it.
 */
export class ScalarParseError extends Error {}

function literalDescription(node: ValueNode): string {
  // graphql-java prints literals as its AST classes do: StringValue{value='x'}, IntValue{value=1}.
  switch (node.kind) {
    case Kind.STRING:
      return `StringValue{value='${node.value}'}`;
    case Kind.INT:
      return `IntValue{value=${node.value}}`;
    case Kind.FLOAT:
      return `FloatValue{value=${node.value}}`;
    case Kind.BOOLEAN:
      return `BooleanValue{value=${node.value}}`;
    case Kind.ENUM:
      return `EnumValue{name='${node.value}'}`;
    default:
      return print(node);
  }
}
export { literalDescription };

interface StringScalarSpec {
  name: string;
  /** the noun in "as a valid <noun>" */
  noun: string;
  valid: (value: string) => boolean;
}

function stringScalar({ name, noun, valid }: StringScalarSpec): GraphQLScalarType {
  const check = (value: unknown, verb: 'parse' | 'serialize'): string => {
    if (typeof value !== 'string' || !valid(value)) {
      throw new ScalarParseError(`Unable to ${verb} \`${typeof value === 'string' ? value : JSON.stringify(value)}\` as a valid ${noun}.`);
    }
    return value;
  };
  return new GraphQLScalarType({
    name,
    serialize: (value) => check(value, 'serialize'),
    parseValue: (value) => check(value, 'parse'),
    parseLiteral: (node) => {
      if (node.kind !== Kind.STRING) throw new ScalarParseError(`Unable to parse ${print(node)} as a valid ${noun}.`);
      return check(node.value, 'parse');
    },
  });
}

function literalToJs(node: ValueNode): unknown {
  switch (node.kind) {
    case Kind.NULL:
      return null;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.STRING:
    case Kind.ENUM:
      return node.value;
    case Kind.BOOLEAN:
      return node.value;
    case Kind.LIST:
      return node.values.map(literalToJs);
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((f) => [f.name.value, literalToJs(f.value)]));
    default:
      throw new ScalarParseError('Variables are not allowed inside an AWSJSON literal.');
  }
}

const AWSJSON = new GraphQLScalarType({
  name: 'AWSJSON',
  // Out: a resolver may return an object (AppSync turns it into JSON text) or JSON text already.
  serialize: (value) => (typeof value === 'string' ? value : JSON.stringify(value)),
  parseValue: (value) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value);
    } catch {
      throw new ScalarParseError(`Unable to parse \`${value}\` as valid JSON.`);
    }
  },
  parseLiteral: (node) => {
    if (node.kind !== Kind.STRING) return literalToJs(node);
    try {
      return JSON.parse(node.value);
    } catch {
      throw new ScalarParseError(`Unable to parse \`${node.value}\` as valid JSON.`);
    }
  },
});

function toTimestamp(value: unknown): number {
  // Seconds since the epoch, beyond Int's 32 bits (AppSync holds it as a long).
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  throw new ScalarParseError(`Unable to parse \`${String(value)}\` as a valid timestamp.`);
}

const AWSTimestamp = new GraphQLScalarType({
  name: 'AWSTimestamp',
  serialize: toTimestamp,
  parseValue: (value) => {
    if (typeof value !== 'number') throw new ScalarParseError(`Unable to parse \`${String(value)}\` as a valid timestamp.`);
    return toTimestamp(value);
  },
  parseLiteral: (node) => {
    if (node.kind !== Kind.INT) throw new ScalarParseError(`Unable to parse ${print(node)} as a valid timestamp.`);
    return toTimestamp(node.value);
  },
});

export const awsScalars: Record<string, GraphQLScalarType> = {
  AWSDate: stringScalar({ name: 'AWSDate', noun: 'Date Object', valid: isAwsDate }),
  AWSTime: stringScalar({ name: 'AWSTime', noun: 'Time Object', valid: isAwsTime }),
  AWSDateTime: stringScalar({ name: 'AWSDateTime', noun: 'DateTime Object', valid: isAwsDateTime }),
  AWSTimestamp,
  AWSEmail: stringScalar({ name: 'AWSEmail', noun: 'email address', valid: isAwsEmail }),
  AWSJSON,
  AWSURL: stringScalar({ name: 'AWSURL', noun: 'URL', valid: isAwsUrl }),
  AWSPhone: stringScalar({ name: 'AWSPhone', noun: 'phone number', valid: isAwsPhone }),
  AWSIPAddress: stringScalar({ name: 'AWSIPAddress', noun: 'IP address', valid: isAwsIpAddress }),
};
