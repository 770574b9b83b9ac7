/**
 * onMarkEvent(mark, type): pipeline (before) → loadMark → (after). Validates and canonicalises the
 * mark (subscribers may write "afc  f5"), then lets AppSync deliver only the events of that mark,
 * and of that type when one is given.
 *
 * Personal data (docs/AUTHORIZATION.md): AppSync sends every subscriber the mutation's answer,
 * reduced to the subscriber's own selection ("Using subscriptions for real-time data applications
 * in AWS AppSync"), and runs this resolver once, when the subscription starts. So the decision is
 * made here, on the selection: `data` carries no personal data and anyone may select it;
 * `personalData` may be selected by staff, or by the mark's current owner, whose subscription then
 * receives only the events of their ownership (enhanced filter on `ownership`, "Defining enhanced
 * subscriptions filters in AWS AppSync") and ends when the mark changes hands (invalidation filter,
 * "Unsubscribing WebSocket connections using filters in AWS AppSync"; the mutations call
 * extensions.invalidateSubscriptions, handlers/command.ts). Every signed-in subscriber's subscription
 * also ends on revokeSubscriptions of their sub (their rights changed outside GraphQL).
 */
import { extensions, util } from '@aws-appsync/utils';
import type { Context, SubscriptionFilter } from '@aws-appsync/utils';
import { authorize, callerOf } from './lib/authorize';
import { unauthorized } from './lib/errors';
import { sightOf } from './lib/personal-data';
import { readSelection } from './lib/selection';
import type { MarkState } from './lib/state';
import { isLive } from './lib/state';
import { validateSubscription } from './lib/validation';
import { raise } from './handlers/errors';
import type { MarkStash } from './handlers/stash';
import type { SubscriptionFilterField } from './lib/subscriptions';

/**
 * Whether the subscription may receive personalData. selectionSetList names an aliased field by its
 * alias (`p: personalData` is listed as "p"), so the field's name is looked for in
 * selectionSetGraphQL too, which keeps aliases as written. That text shows a named fragment only as
 * its spread (`...F`), not its fields ("Resolver context object reference", info): a spread may hold
 * `mark: personalData` where neither shows the name, so a signed-in caller's named spread counts as
 * selecting it (staff and the mark's owner may use one). The API key may not select personalData
 * at all (its field directives), so its spreads hide nothing. Any alias that merely contains the
 * name counts as well: a refusal of a harmless selection is the safe side of this check.
 */
function selectsPersonalData(ctx: Context): boolean {
  const text = ctx.info.selectionSetGraphQL ?? '';
  const named = ctx.identity ? readSelection(text).spreads.length > 0 : false;
  return named || (ctx.info.selectionSetList ?? []).indexOf('personalData') >= 0 || text.indexOf('personalData') >= 0;
}

export function request(ctx: Context<Record<string, unknown>>): Record<string, never> {
  const filter = validateSubscription(ctx.args);
  if (!filter.ok) return raise(filter.error);
  const allowed = authorize({ kind: 'onMarkEvent' }, ctx.identity, null);
  if (!allowed.ok) return raise(allowed.error);
  if (selectsPersonalData(ctx) && !allowed.caller.staff) {
    // only the owner of one mark may: they must name it, and loadMark reads who owns it
    if (!filter.value.mark) return raise(unauthorized('onMarkEvent', 'Subscription'));
    (ctx.stash as MarkStash).mark = filter.value.mark;
  }
  return {};
}

export function response(ctx: Context<Record<string, unknown>>): null {
  const filter = validateSubscription(ctx.args);
  // keyed by the fields lib/subscriptions.ts lists, which every client mutation must select
  const fields: Partial<Record<SubscriptionFilterField<'onMarkEvent'>, { eq?: string | number }>> = {};
  if (filter.ok && filter.value.mark) fields.mark = { eq: filter.value.mark };
  if (filter.ok && filter.value.type) fields.type = { eq: filter.value.type };
  const caller = callerOf(ctx.identity);
  // filterJsonObject groups are ORed: a revocation of this user, or (owners) a change of hands
  const invalidation: SubscriptionFilter['filterGroup'][number]['filters'][] = [];
  if (caller.sub) invalidation.push([{ fieldName: 'subscriber', operator: 'eq', value: caller.sub }]);
  if (selectsPersonalData(ctx) && !caller.staff) {
    const view = ((ctx.stash as MarkStash).view ?? null) as MarkState | null;
    if (!isLive(view) || sightOf(caller, view, view.version) === 'none' || view.ownerSince === undefined) {
      return raise(unauthorized('onMarkEvent', 'Subscription'));
    }
    fields.ownership = { eq: view.ownerSince };
    invalidation.push([
      { fieldName: 'mark', operator: 'eq', value: view.mark },
      { fieldName: 'ownership', operator: 'ne', value: view.ownerSince },
    ]);
  }
  if (Object.keys(fields).length > 0) extensions.setSubscriptionFilter(util.transform.toSubscriptionFilter(fields));
  if (invalidation.length > 0) extensions.setSubscriptionInvalidationFilter({ filterGroup: invalidation.map((filters) => ({ filters })) });
  return null;
}
