/**
 * Runs INSIDE the resolver sandbox (bundled by runtime/sandbox.ts into the vm context).
 * Plain ECMAScript only: no Node.js API may be used here.
 *
 * DynamoDB typed values as AppSync's util.dynamodb builds them: numbers stay JSON numbers inside
 * N and NS (the conformance vectors recorded from AppSync show { "N": 12345 }), lists stay lists.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- values here are arbitrary JSON handed in by resolver code */

export function isPlainObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function toDynamoDB(value: unknown): any {
  if (value === null || value === undefined) return { NULL: null };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: value };
  if (typeof value === 'boolean') return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map(toDynamoDB) };
  if (isPlainObject(value)) return { M: toMapValues(value) };
  throw new TypeError(`util.dynamodb.toDynamoDB: cannot convert a ${typeof value}`);
}

export function toMapValues(value: unknown): any {
  if (!isPlainObject(value)) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    out[k] = toDynamoDB(v);
  }
  return out;
}

const orNull = <T>(value: unknown, make: () => T): T | null => (value === null || value === undefined ? null : make());

export const dynamodbUtil = {
  toDynamoDB,
  toString: (value: unknown) => orNull(value, () => ({ S: String(value) })),
  toStringSet: (list: unknown) => orNull(list, () => ({ SS: [...(list as string[])] })),
  toNumber: (value: unknown) => orNull(value, () => ({ N: value })),
  toNumberSet: (list: unknown) => orNull(list, () => ({ NS: [...(list as number[])] })),
  toBinary: (value: unknown) => orNull(value, () => ({ B: value })),
  toBinarySet: (list: unknown) => orNull(list, () => ({ BS: [...(list as string[])] })),
  toBoolean: (value: unknown) => orNull(value, () => ({ BOOL: value })),
  toNull: () => ({ NULL: null }),
  toList: (value: unknown) => (Array.isArray(value) ? { L: value.map(toDynamoDB) } : null),
  toMap: (value: unknown) => (isPlainObject(value) ? { M: toMapValues(value) } : null),
  toMapValues,
  toS3Object: (key: string, bucket: string, region: string, version?: string) => {
    const s3: Record<string, string> = { key, bucket, region };
    if (version !== undefined) s3.version = version;
    return { S: JSON.stringify({ s3 }) };
  },
  fromS3ObjectJson: (s3ObjectString: string) => {
    const parsed = JSON.parse(s3ObjectString);
    return isPlainObject(parsed) && isPlainObject(parsed.s3) ? parsed.s3 : null;
  },
};
