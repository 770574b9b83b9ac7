import type { Context } from '@aws-appsync/utils';
import * as ddb from '@aws-appsync/utils/dynamodb';

/** A page of one author's posts, from the table's author-index. */
export function request(ctx: Context<{ author: string; limit?: number | null; nextToken?: string | null }>) {
  const { author, limit, nextToken } = ctx.args;
  return ddb.query({ index: 'author-index', query: { author: { eq: author } }, limit: limit ?? 20, nextToken });
}

export { paginatedResponse as response } from './utils';
