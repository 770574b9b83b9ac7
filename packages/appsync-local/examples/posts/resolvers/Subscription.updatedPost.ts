import { extensions, util, type Context } from '@aws-appsync/utils';

/** No data to fetch: a subscription resolver sets the filter its subscriber's messages must pass. */
export function request() {
  return { payload: null };
}

/** Updates of this post only, and, when minUps is given, only once the post has that many up-votes. */
export function response(ctx: Context<{ id: string; minUps?: number | null }>) {
  const { id, minUps } = ctx.args;
  const filter = minUps == null ? { id: { eq: id } } : { id: { eq: id }, ups: { ge: minUps } };
  extensions.setSubscriptionFilter(util.transform.toSubscriptionFilter(filter));
  return null;
}
