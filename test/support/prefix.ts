import { randomBytes } from 'node:crypto';

/** A table prefix no other test file uses, so files can share one DynamoDB Local. */
export function uniquePrefix(label: string): string {
  return `t${randomBytes(3).toString('hex')}_${label.replace(/[^A-Za-z0-9]/g, '').slice(0, 20)}_`;
}
