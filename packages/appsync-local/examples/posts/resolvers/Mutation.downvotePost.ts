import type { Context } from '@aws-appsync/utils';
import * as ddb from '@aws-appsync/utils/dynamodb';

/** One more down-vote on an existing post (a new version). */
export function request(ctx: Context<{ id: string }>) {
  return ddb.update({
    key: { id: ctx.args.id },
    update: { downs: ddb.operations.increment(1), version: ddb.operations.increment(1) },
    condition: { id: { attributeExists: true } },
  });
}

export { response } from './utils';
