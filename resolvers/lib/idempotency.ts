/**
 * Idempotency of commands (DESIGN.md section 5; issue 10, defect 2). A command's `commandId` names
 * one attempt at one command: a retry (the same mutation with the same input) answers the event
 * the first attempt appended; the same commandId with another mutation or other input is
 * `CommandIdReused`, never the other command's event, as DynamoDB answers
 * IdempotentParameterMismatch for a ClientRequestToken reused with other parameters.
 *
 * "The same input" is the same canonical command (validation.ts: mark, postcode and times
 * canonicalised, texts trimmed), compared by a hash that the event stores as `commandHash`, so the
 * input is not stored twice. The hash only tells a client's retry from its mistake; it is not a
 * secret and not a signature.
 */
import type { Command, CommandKind } from './commands';
import type { DomainError } from './errors';
import { commandIdReused } from './errors';
import type { DomainEvent, EventType } from './events';
import { withSortedKeys } from './sorted-keys';

/** The event type each command appends: what a stored event from before commandHash is compared by. */
export const EVENT_OF: Record<CommandKind, EventType> = {
  releaseMark: 'MARK_RELEASED',
  createEntitlement: 'ENTITLEMENT_CREATED',
  extendEntitlement: 'ENTITLEMENT_EXTENDED',
  changeAddress: 'ADDRESS_CHANGED',
  changeNominee: 'NOMINEE_CHANGED',
  issueDuplicateCertificate: 'DUPLICATE_CERTIFICATE_ISSUED',
  lockMark: 'MARK_LOCKED',
  purchaseMark: 'MARK_PURCHASED',
  unlockMark: 'MARK_UNLOCKED',
  forgetMark: 'MARK_FORGOTTEN',
};

/** Printable ASCII in code order: the hash reads characters by their place here (APPSYNC_JS has no charCodeAt). */
const PRINTABLE = ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~';
const HEX = '0123456789abcdef';

/** The command as compared: every member but the idempotency key itself, keys in sorted order. */
export function canonicalCommandText(command: Command): string {
  return JSON.stringify(withSortedKeys({ ...command, commandId: undefined, commandHash: undefined }));
}

function hex32(value: number): string {
  return [28, 24, 20, 16, 12, 8, 4, 0].map((shift) => HEX.charAt((value >>> shift) & 15)).join('');
}

/**
 * 64 bits of two independent 32-bit hashes (FNV-1a and djb2) of ASCII text, as 16 hex digits.
 * Multiplications by the FNV prime are written as shifts so that no product leaves the exact range
 * of a double; `>>> 0` keeps each step an unsigned 32-bit value.
 */
export function hashAscii(text: string): string {
  let fnv = 2166136261;
  let djb = 5381;
  for (const c of text.split('')) {
    const index = PRINTABLE.indexOf(c);
    const code = index < 0 ? 127 : index + 32;
    fnv = (fnv ^ code) >>> 0;
    fnv = (fnv + (fnv << 1) + (fnv << 4) + (fnv << 7) + (fnv << 8) + (fnv << 24)) >>> 0;
    djb = (djb * 33 + code) >>> 0;
  }
  return `${hex32(fnv)}${hex32(djb)}`;
}

/**
 * The command with its `commandHash` when it carries a commandId. `toAscii` turns the canonical
 * text into ASCII without losing a character (util.urlEncode in AppSync, encodeURIComponent in
 * Node): the pure domain cannot read a character's code point.
 */
export function withCommandHash(command: Command, toAscii: (text: string) => string): Command {
  const text = commandHashText(command);
  return withAsciiCommandHash(command, text === null ? null : toAscii(text));
}

/**
 * The two halves of withCommandHash for resolver code, which may not pass a function to a
 * function (AppSync refuses it on save: @aws-appsync/no-function-passing): the text to turn into
 * ASCII (null without a commandId), then the command with the hash of that ASCII text.
 */
export function commandHashText(command: Command): string | null {
  return command.commandId ? canonicalCommandText(command) : null;
}

export function withAsciiCommandHash(command: Command, asciiText: string | null): Command {
  if (!command.commandId || asciiText === null) return command;
  return { ...command, commandHash: hashAscii(asciiText) };
}

export type StoredCommandMatch = { kind: 'none' } | { kind: 'retry'; event: DomainEvent } | { kind: 'reused'; error: DomainError };

/**
 * What a stored event means for a command: a retry of it (same commandId, same mark, same command
 * and input), a reuse of its commandId (`CommandIdReused`), or nothing to do with it.
 */
export function matchStoredCommand(command: Command, stored: DomainEvent | null | undefined, caller?: string | null): StoredCommandMatch {
  if (!stored || !command.commandId || stored.commandId !== command.commandId || stored.mark !== command.mark) return { kind: 'none' };
  const same = stored.commandHash ? stored.commandHash === command.commandHash : stored.type === EVENT_OF[command.kind];
  return same && sameCaller(stored, caller) ? { kind: 'retry', event: stored } : { kind: 'reused', error: commandIdReused(stored.mark, stored.type, stored.version) };
}

/**
 * A lock or a purchase records who made it, and the hash leaves the caller out: without this, anyone
 * who read another's commandId (it is an open field) could replay it with a guessed input and be told
 * whether the guess (the buyer's name, address) was right. A retry is the same caller's; when the
 * caller is not known (undefined) only the input is compared.
 */
function sameCaller(stored: DomainEvent, caller: string | null | undefined): boolean {
  if (caller === undefined) return true;
  const data = stored.data as { holder?: unknown; owner?: unknown };
  const recorded = stored.type === 'MARK_LOCKED' ? data.holder : stored.type === 'MARK_PURCHASED' ? data.owner : undefined;
  return typeof recorded !== 'string' || recorded === caller;
}
