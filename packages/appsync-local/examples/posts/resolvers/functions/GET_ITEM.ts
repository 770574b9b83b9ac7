import { util, type Context } from '@aws-appsync/utils';
import * as ddb from '@aws-appsync/utils/dynamodb';

/** Reads one post by its id (null when there is none). */
export function request(ctx: Context<{ id: string }>) {
  return ddb.get({ key: { id: ctx.args.id } });
}

export function response(ctx: Context) {
  if (ctx.error) util.error(ctx.error.message, ctx.error.type);
  return ctx.result;
}
