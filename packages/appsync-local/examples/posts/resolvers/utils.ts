import { util, type Context } from '@aws-appsync/utils';

/** An item of the posts table, as the schema's Post. */
export type Post = { id: string; author: string; title: string; content: string; url: string; ups: number; downs: number; version: number };

/** A data source error becomes the field's error, with DynamoDB's type (DynamoDB:ConditionalCheckFailedException, ...); otherwise the item. */
export function response(ctx: Context) {
  if (ctx.error) util.error(ctx.error.message, ctx.error.type);
  return ctx.result;
}

/** A Scan or Query page as the schema's PaginatedPosts. */
export function paginatedResponse(ctx: Context) {
  if (ctx.error) util.error(ctx.error.message, ctx.error.type);
  return { posts: ctx.result.items, nextToken: ctx.result.nextToken };
}
