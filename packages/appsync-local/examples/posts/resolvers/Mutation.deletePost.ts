import type { Context } from '@aws-appsync/utils';
import * as ddb from '@aws-appsync/utils/dynamodb';

/** Deletes a post, only at the expected version when one is given; answers the deleted post. */
export function request(ctx: Context<{ id: string; expectedVersion?: number | null }>) {
  const { id, expectedVersion } = ctx.args;
  const condition = expectedVersion == null ? undefined : { version: { eq: expectedVersion } };
  return ddb.remove({ key: { id }, condition });
}

export { response } from './utils';
