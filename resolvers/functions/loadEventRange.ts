/**
 * getMarkAt, step 3: the events after the snapshot up to the target, fewer than SNAPSHOT_INTERVAL
 * so one page; folded with the one evolve. A nextToken or a hole means the bound did not hold, and
 * is an error rather than a silently truncated state.
 */
import { util } from '@aws-appsync/utils';
import type { Context, DynamoDBQueryRequest } from '@aws-appsync/utils';
import type { DomainEvent } from '../lib/events';
import { SNAPSHOT_INTERVAL } from '../lib/mark';
import { firstEventVersion, replayFold, replayPlan } from '../lib/replay';
import type { MarkState } from '../lib/state';
import { raiseDataSourceError } from '../handlers/errors';
import { finish } from '../handlers/queries';
import type { ReplayStash } from '../handlers/stash';

function plannedFold(stash: ReplayStash): { target: number; earliest: number } {
  const plan = replayPlan({ view: stash.view ?? null, at: stash.at, version: stash.version, versionAt: stash.versionAt });
  return plan.kind === 'fold' ? plan : { target: 0, earliest: 1 };
}

export function request(ctx: Context): DynamoDBQueryRequest {
  const stash = ctx.stash as ReplayStash;
  const plan = plannedFold(stash);
  const from = firstEventVersion(plan, stash.snapshot ?? null);
  if (from > plan.target) {
    stash.answer = replayFoldOrFail(plan, stash.snapshot ?? null, []);
    finish(null);
  }
  return {
    operation: 'Query',
    query: {
      expression: '#mark = :mark AND #version BETWEEN :from AND :target',
      expressionNames: { '#mark': 'mark', '#version': 'version' },
      expressionValues: util.dynamodb.toMapValues({ ':mark': stash.mark, ':from': from, ':target': plan.target }),
    },
    scanIndexForward: true,
    limit: SNAPSHOT_INTERVAL,
    consistentRead: true,
  };
}

function replayFoldOrFail(plan: { target: number; earliest: number }, snapshot: MarkState | null, events: DomainEvent[]): MarkState | null {
  const folded = replayFold(plan, snapshot, events);
  if (!folded.ok) util.error(folded.message, 'ReplayIncomplete');
  return folded.ok ? folded.state : null;
}

export function response(ctx: Context): MarkState | null {
  raiseDataSourceError(ctx.error);
  const stash = ctx.stash as ReplayStash;
  const result = (ctx.result ?? {}) as { items?: DomainEvent[]; nextToken?: string | null };
  if (result.nextToken) util.error(`replay of ${stash.mark} needs more than one page of events`, 'ReplayIncomplete');
  stash.answer = replayFoldOrFail(plannedFold(stash), stash.snapshot ?? null, result.items ?? []);
  return stash.answer;
}
