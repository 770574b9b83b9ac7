/**
 * Every command, on the view loadMark just read and before decide and the write: may this caller
 * do it (lib/authorize.ts, docs/AUTHORIZATION.md)? A retry with a commandId is asked too, before
 * appendEvent answers the stored event. Then the command gets its commandHash (lib/idempotency.ts),
 * which appendEvent compares with a stored event's: here rather than in the before step, whose
 * bundle (all the input rules) has no room left under AppSync's 32,768 characters. Reads nothing
 * itself: no data source call.
 *
 * First of all, for the same want of room: the answer's selection (lib/selection.ts, issue 24).
 * The answer is what every onMarkEvent subscriber receives, under the mutation's response keys, so
 * a selection that renames a field, or that the resolver cannot see, is refused for every caller,
 * before appendEvent writes anything (a retry with a commandId included).
 */
import { runtime, util } from '@aws-appsync/utils';
import type { Context } from '@aws-appsync/utils';
import { authorize } from '../lib/authorize';
import { validationError } from '../lib/errors';
import { publishedSelectionProblems } from '../lib/selection';
import { commandHashText, withAsciiCommandHash } from '../lib/idempotency';
import { raise } from '../handlers/errors';
import type { CommandStash } from '../handlers/stash';

export function request(ctx: Context): Record<string, never> {
  const selection = publishedSelectionProblems(ctx.info.selectionSetGraphQL, ctx.info.selectionSetList);
  if (selection.length > 0) return raise(validationError(selection));
  const stash = ctx.stash as CommandStash;
  const allowed = authorize(stash.command, ctx.identity, stash.view ?? null);
  if (!allowed.ok) return raise(allowed.error);
  stash.caller = allowed.caller;
  // util.urlEncode: the hash reads ASCII, and percent-encoding keeps every character of a name apart
  const hashText = commandHashText(stash.command);
  stash.command = withAsciiCommandHash(stash.command, hashText === null ? null : util.urlEncode(hashText));
  return runtime.earlyReturn(ctx.prev.result);
}

export function response(ctx: Context): unknown {
  return ctx.prev.result;
}
