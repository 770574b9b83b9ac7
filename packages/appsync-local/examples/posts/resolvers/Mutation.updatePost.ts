import type { Context } from '@aws-appsync/utils';
import * as ddb from '@aws-appsync/utils/dynamodb';

type UpdatePostArgs = { id: string; author?: string | null; title?: string | null; content?: string | null; url?: string | null; expectedVersion: number };

/** Sets the fields given (a null removes one) when the stored version is the one expected, and bumps the version. */
export function request(ctx: Context<UpdatePostArgs>) {
  const { id, expectedVersion, ...fields } = ctx.args;
  const update: Record<string, unknown> = { version: ddb.operations.increment(1) };
  for (const [name, value] of Object.entries(fields)) update[name] = value ?? ddb.operations.remove();
  return ddb.update({ key: { id }, update, condition: { version: { eq: expectedVersion } } });
}

export { response } from './utils';
