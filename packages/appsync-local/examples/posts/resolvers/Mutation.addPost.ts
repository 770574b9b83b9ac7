import { util, type Context } from '@aws-appsync/utils';
import * as ddb from '@aws-appsync/utils/dynamodb';
import type { Post } from './utils';

type AddPostArgs = { id?: string | null; author: string; title: string; content: string; url: string };

/** A new post: one up-vote (its author's), no down-vote, version 1; an id is made when none is given. */
export function request(ctx: Context<AddPostArgs>) {
  const { id, ...values } = ctx.args;
  return ddb.put<Post>({ key: { id: id ?? util.autoId() }, item: { ...values, ups: 1, downs: 0, version: 1 } });
}

export { response } from './utils';
