import type { Context } from '@aws-appsync/utils';
import * as ddb from '@aws-appsync/utils/dynamodb';

/** A page of posts, 20 by default; nextToken continues where the last page stopped. */
export function request(ctx: Context<{ limit?: number | null; nextToken?: string | null }>) {
  return ddb.scan({ limit: ctx.args.limit ?? 20, nextToken: ctx.args.nextToken });
}

export { paginatedResponse as response } from './utils';
