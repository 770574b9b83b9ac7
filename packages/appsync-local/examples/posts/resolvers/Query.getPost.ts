import type { Context } from '@aws-appsync/utils';

// A pipeline resolver: before step, the function GET_ITEM, after step.

/** Nothing to prepare: the pipeline's functions read ctx.args themselves. */
export function request() {
  return {};
}

/** The result of the pipeline's last function. */
export function response(ctx: Context) {
  return ctx.prev.result;
}
