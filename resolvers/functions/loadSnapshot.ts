/**
 * getMarkAt, step 2: the latest snapshot at or before the target version (and not before the
 * mark's surviving history). Skipped when no snapshot can exist below the target, and the whole
 * replay ends here when the view itself (or null) is the answer.
 */
import { runtime, util } from '@aws-appsync/utils';
import type { Context, DynamoDBQueryRequest } from '@aws-appsync/utils';
import { replayPlan } from '../lib/replay';
import type { MarkState } from '../lib/state';
import { raiseDataSourceError } from '../handlers/errors';
import { finish } from '../handlers/queries';
import type { ReplayStash } from '../handlers/stash';

export function request(ctx: Context): DynamoDBQueryRequest {
  const stash = ctx.stash as ReplayStash;
  const plan = replayPlan({ view: stash.view ?? null, at: stash.at, version: stash.version, versionAt: stash.versionAt });
  if (plan.kind !== 'fold') {
    stash.answer = plan.kind === 'view' ? stash.view : null;
    finish(null);
  }
  if (plan.kind === 'fold' && !plan.useSnapshot) {
    stash.snapshot = null;
    runtime.earlyReturn(null);
  }
  const bounds = plan.kind === 'fold' ? plan : { earliest: 1, target: 0 };
  return {
    operation: 'Query',
    query: {
      expression: '#mark = :mark AND #version BETWEEN :earliest AND :target',
      expressionNames: { '#mark': 'mark', '#version': 'version' },
      expressionValues: util.dynamodb.toMapValues({ ':mark': stash.mark, ':earliest': bounds.earliest, ':target': bounds.target }),
    },
    scanIndexForward: false,
    limit: 1,
    consistentRead: true,
  };
}

export function response(ctx: Context): MarkState | null {
  raiseDataSourceError(ctx.error);
  const items = ((ctx.result as { items?: MarkState[] } | null)?.items ?? []);
  const snapshot = items.length > 0 ? items[0] : null;
  (ctx.stash as ReplayStash).snapshot = snapshot;
  return snapshot;
}
