/**
 * Every command, on the view loadMark just read and before decide and the write: may this caller
 * do it (lib/authorize.ts, docs/AUTHORIZATION.md)? A retry with a commandId is asked too, before
 * appendEvent answers the stored event. Reads nothing itself: no data source call.
 */
import { runtime } from '@aws-appsync/utils';
import type { Context } from '@aws-appsync/utils';
import { authorize } from '../lib/authorize';
import { raise } from '../handlers/errors';
import type { CommandStash } from '../handlers/stash';

export function request(ctx: Context): Record<string, never> {
  const stash = ctx.stash as CommandStash;
  const allowed = authorize(stash.command, ctx.identity, stash.view ?? null);
  if (!allowed.ok) return raise(allowed.error);
  stash.caller = allowed.caller;
  return runtime.earlyReturn(ctx.prev.result);
}

export function response(ctx: Context): unknown {
  return ctx.prev.result;
}
