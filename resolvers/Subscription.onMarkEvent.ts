/**
 * onMarkEvent(mark, type): validates and canonicalises the mark (subscribers may write "afc  f5"),
 * then lets AppSync deliver only the events of that mark, and of that type when one is given.
 */
import { extensions, util } from '@aws-appsync/utils';
import type { Context, NONERequest } from '@aws-appsync/utils';
import { validateSubscription } from './lib/validation';
import { raise } from './handlers/errors';

export function request(ctx: Context<Record<string, unknown>>): NONERequest {
  const filter = validateSubscription(ctx.args);
  if (!filter.ok) return raise(filter.error);
  return { payload: null };
}

export function response(ctx: Context<Record<string, unknown>>): null {
  const filter = validateSubscription(ctx.args);
  if (filter.ok && (filter.value.mark || filter.value.type)) {
    const fields: Record<string, { eq: string }> = {};
    if (filter.value.mark) fields.mark = { eq: filter.value.mark };
    if (filter.value.type) fields.type = { eq: filter.value.type };
    extensions.setSubscriptionFilter(util.transform.toSubscriptionFilter(fields));
  }
  return null;
}
