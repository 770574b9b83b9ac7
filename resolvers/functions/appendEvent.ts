/**
 * decide, then append in ONE TransactWriteItems: the event at (mark, loaded version + 1) if that
 * slot is free, the whole new view if the view is still at the loaded version (or still absent),
 * and every SNAPSHOT_INTERVAL versions the new state into MarkSnapshots. A cancelled transaction
 * is told apart by the items its cancellation reasons carry.
 */
import { runtime, util } from '@aws-appsync/utils';
import type { Context, DynamoDBTransactWriteItemsRequest, TransactConditionCheckExpression } from '@aws-appsync/utils';
import { cancellationOutcome, planAppend } from '../lib/append';
import type { DomainEvent } from '../lib/events';
import type { MarkState } from '../lib/state';
import { compact, REBUILD_ID } from '../lib/state';
import { toStoredEvent } from '../lib/upcast';
import { raise, raiseDataSourceError } from '../handlers/errors';
import type { CommandStash } from '../handlers/stash';

export function request(ctx: Context): DynamoDBTransactWriteItemsRequest {
  const stash = ctx.stash as CommandStash;
  const view = stash.view ?? null;
  // authorizeCommand has let this caller through: they become the lock holder or the buyer (no
  // caller in the stash: no holder, and decide refuses a purchase)
  const plan = planAppend(stash.command, view, stash.stored ?? null, { now: stash.now, randomId: stash.randomId, caller: stash.caller?.principal ?? null });
  // answerEvent shapes the answer for this caller from the event and stash.after
  stash.after = view;
  if (plan.kind === 'retry') runtime.earlyReturn(plan.event);
  if (plan.kind === 'error') return raise(plan.error);
  stash.appending = plan.event;
  stash.after = plan.view;
  const key = { mark: plan.event.mark, version: plan.event.version };
  const rebuildId = ((stash.view ?? null) as Record<string, unknown> | null)?.[REBUILD_ID];
  const viewCondition: TransactConditionCheckExpression =
    plan.viewVersion === null
      ? { expression: 'attribute_not_exists(#mark)', expressionNames: { '#mark': 'mark' }, returnValuesOnConditionCheckFailure: true }
      : {
          // and the view not rewritten by npm run rebuild since it was loaded (REBUILD_ID)
          expression: rebuildId === undefined ? '#version = :loaded AND attribute_not_exists(#rebuildId)' : '#version = :loaded AND #rebuildId = :rebuildId',
          expressionNames: { '#version': 'version', '#rebuildId': REBUILD_ID },
          expressionValues: util.dynamodb.toMapValues(rebuildId === undefined ? { ':loaded': plan.viewVersion } : { ':loaded': plan.viewVersion, ':rebuildId': rebuildId }),
          returnValuesOnConditionCheckFailure: true,
        };
  const transactItems: DynamoDBTransactWriteItemsRequest['transactItems'] = [
    {
      table: ctx.env.MARK_EVENTS_TABLE,
      operation: 'PutItem',
      key: util.dynamodb.toMapValues(key),
      attributeValues: util.dynamodb.toMapValues(compact({ ...toStoredEvent(plan.event), mark: undefined, version: undefined })),
      condition: { expression: 'attribute_not_exists(#version)', expressionNames: { '#version': 'version' }, returnValuesOnConditionCheckFailure: true },
    },
    {
      table: ctx.env.MARKS_TABLE,
      operation: 'PutItem',
      key: util.dynamodb.toMapValues({ mark: plan.event.mark }),
      attributeValues: util.dynamodb.toMapValues(compact({ ...plan.view, mark: undefined })),
      condition: viewCondition,
    },
  ];
  if (plan.snapshot) {
    transactItems.push({
      table: ctx.env.MARK_SNAPSHOTS_TABLE,
      operation: 'PutItem',
      key: util.dynamodb.toMapValues(key),
      attributeValues: util.dynamodb.toMapValues(compact({ ...plan.view, mark: undefined, version: undefined })),
    });
  }
  return { operation: 'TransactWriteItems', transactItems };
}

interface CancellationReason {
  type?: string;
  item?: Record<string, unknown> | null;
}

/** The appended (or a concurrent retry's) event; answerEvent shapes it for the caller. */
export function response(ctx: Context): DomainEvent {
  const stash = ctx.stash as CommandStash;
  const appending = stash.appending as DomainEvent;
  if (ctx.error && ctx.error.type === 'DynamoDB:TransactionCanceledException') {
    const reasons = ((ctx.result as { cancellationReasons?: CancellationReason[] } | null)?.cancellationReasons ?? []);
    const storedEvent = (reasons[0]?.item ?? null) as DomainEvent | null;
    const view = (reasons[1]?.item ?? null) as MarkState | null;
    const outcome = cancellationOutcome(stash.command, appending.version, storedEvent, view, stash.caller?.principal ?? null);
    if (outcome.kind === 'error') return raise(outcome.error);
    stash.after = view;
    return outcome.event;
  }
  raiseDataSourceError(ctx.error);
  return appending;
}
