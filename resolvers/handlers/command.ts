/**
 * The before and after steps shared by the nine mutation resolvers (pipeline loadMark →
 * loadCommandEvent → appendEvent): validate and canonicalise the input into a command before
 * anything is read or written; answer the appended (or, for a retry, the stored) event.
 */
import { util } from '@aws-appsync/utils';
import type { Context } from '@aws-appsync/utils';
import type { MarkEvent } from '../lib/graphql';
import { formatDateTime } from '../lib/time';
import { commandHashText, withAsciiCommandHash } from '../lib/idempotency';
import { validateCommand } from '../lib/validation';
import { raise } from './errors';
import type { CommandStash } from './stash';

export function request(ctx: Context<{ input: unknown }>): Record<string, never> {
  const validated = validateCommand(ctx.info.fieldName, ctx.args.input);
  if (!validated.ok) return raise(validated.error);
  const stash = ctx.stash as CommandStash;
  // util.urlEncode: the hash reads ASCII, and percent-encoding keeps every character of a name apart
  const hashText = commandHashText(validated.value);
  stash.command = withAsciiCommandHash(validated.value, hashText === null ? null : util.urlEncode(hashText));
  stash.mark = validated.value.mark;
  // util.time gives milliseconds already; formatting pins the stored width whatever it gives
  stash.now = formatDateTime(util.time.nowEpochMilliSeconds());
  stash.randomId = util.autoId();
  return {};
}

export function response(ctx: Context): MarkEvent {
  return ctx.prev.result as MarkEvent;
}
