/**
 * The one home of the input rules (issue 3, Build 4). Every problem of a request is collected and
 * reported together as one ValidationError whose errorInfo is { errors: [{ field, reason }] }, with
 * `field` the argument path ("input.entitlement.address.postcode"). Valid input comes back in
 * canonical form: mark and postcode canonicalised, texts trimmed, times as fixed-width UTC.
 * Character checks are written out because APPSYNC_JS has no regex literals and no charCodeAt.
 */
import type { Command, CommandKind } from './commands';
import { COMMAND_KINDS } from './commands';
import type { DomainError, FieldProblem } from './errors';
import { validationError } from './errors';
import type { AddressData, EntitlementData } from './events';
import type { MarkEventType, MarkStatus } from './graphql';
import { DEFAULT_ENTITLEMENT_STATUS, canonicalMark } from './mark';
import { compact } from './state';
import { isStorableInstant, parseDateTime } from './datetime-input';
import { formatDateTime } from './time';

export const MAX_PRICE = 10_000_000;
export const MAX_TEXT_LENGTH = 100;
export const MAX_CERTIFICATE_LENGTH = 32;
export const MAX_COMMAND_ID_LENGTH = 64;
export const MAX_MARK_CHARACTERS = 7;
export const MAX_LIMIT = 100;

export type Validated<T> = { ok: true; value: T } | { ok: false; error: DomainError };

type Problems = FieldProblem[];
type Input = Record<string, unknown>;

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';

function isLetter(c: string): boolean {
  return c.length === 1 && LETTERS.indexOf(c) >= 0;
}

function isDigit(c: string): boolean {
  return c.length === 1 && DIGITS.indexOf(c) >= 0;
}

/**
 * The characters no free-text input may hold (issue 10, defect 9): a name or address line made of
 * zero-width characters looks empty, and a bidi override makes a certificate or a log line read
 * differently from what is stored. The class is Unicode's "other" characters that are not text:
 *   Cc controls (C0, DEL, C1), Cf format characters (zero-width space/joiners, LRM/RLM, bidi
 *   embeddings, overrides and isolates, word joiner, BOM, soft hyphen, tags, …), Zl/Zp line and
 *   paragraph separators, and Cs (a lone surrogate is not text at all).
 * Ranges are compared as strings (APPSYNC_JS has no charCodeAt); characters beyond the BMP as their
 * surrogate pair. test/domain-text.unit.test.ts checks the table against Node's \p{Cc}\p{Cf}\p{Zl}\p{Zp}.
 */
const FORBIDDEN_BMP: [string, string][] = [
  ['\u0000', '\u001f'],
  ['\u007f', '\u009f'],
  ['\u00ad', '\u00ad'],
  ['\u0600', '\u0605'],
  ['\u061c', '\u061c'],
  ['\u06dd', '\u06dd'],
  ['\u070f', '\u070f'],
  ['\u0890', '\u0891'],
  ['\u08e2', '\u08e2'],
  ['\u180e', '\u180e'],
  ['\u200b', '\u200f'],
  ['\u2028', '\u202e'],
  ['\u2060', '\u2064'],
  ['\u2066', '\u206f'],
  ['\ufeff', '\ufeff'],
  ['\ufff9', '\ufffb'],
];

/** Format characters beyond the BMP, as [high surrogate, first low, last low]. */
const FORBIDDEN_ASTRAL: [string, string, string][] = [
  ['\ud804', '\udcbd', '\udcbd'],
  ['\ud804', '\udccd', '\udccd'],
  ['\ud80d', '\udc30', '\udc3f'],
  ['\ud82f', '\udca0', '\udca3'],
  ['\ud834', '\udd73', '\udd7a'],
  ['\udb40', '\udc01', '\udc01'],
  ['\udb40', '\udc20', '\udc7f'],
];

function isHighSurrogate(c: string): boolean {
  return c >= '\ud800' && c <= '\udbff';
}

function isLowSurrogate(c: string): boolean {
  return c >= '\udc00' && c <= '\udfff';
}

/** Whether the text holds a character of the class above (or a lone surrogate). */
export function hasForbiddenCharacter(text: string): boolean {
  let high = '';
  for (const c of text.split('')) {
    if (high !== '') {
      if (!isLowSurrogate(c)) return true;
      const pairHigh = high;
      if (FORBIDDEN_ASTRAL.some((r) => r[0] === pairHigh && c >= r[1] && c <= r[2])) return true;
      high = '';
    } else if (isHighSurrogate(c)) {
      high = c;
    } else if (isLowSurrogate(c) || FORBIDDEN_BMP.some((r) => c >= r[0] && c <= r[1])) {
      return true;
    }
  }
  return high !== '';
}

/** The mark alphabet: ASCII letters, ASCII digits and the ASCII space, nothing that case mapping or trimming could fold into it. */
function isMarkCharacter(c: string): boolean {
  return c === ' ' || isLetter(c) || isDigit(c);
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function done<T>(problems: Problems, value: T): Validated<T> {
  return problems.length === 0 ? { ok: true, value } : { ok: false, error: validationError(problems) };
}

/** Canonical mark, or '' after recording why it is not one. */
export function checkMark(value: unknown, field: string, problems: Problems): string {
  if (typeof value !== 'string') {
    problems.push({ field, reason: 'is required' });
    return '';
  }
  // Checked before canonicalMark: toUpperCase folds "ß" into "SS", "ﬁ" into "FI" and "ı" into "I",
  // and trim drops Unicode spaces, so checking the canonical form would let another mark through.
  const alphabet = value.split('').every((c) => isMarkCharacter(c));
  const mark = alphabet ? canonicalMark(value) : '';
  let characters = 0;
  let spaces = 0;
  let other = false;
  for (const c of mark.split('')) {
    if (c === ' ') spaces += 1;
    else if (isLetter(c) || isDigit(c)) characters += 1;
    else other = true;
  }
  if (!alphabet || other || spaces > 1 || characters < 1 || characters > MAX_MARK_CHARACTERS) {
    problems.push({ field, reason: `must be 1 to ${MAX_MARK_CHARACTERS} letters or digits with at most one space` });
    return '';
  }
  return mark;
}

function checkText(value: unknown, field: string, problems: Problems, required: boolean, maxLength = MAX_TEXT_LENGTH): string | undefined {
  if (!present(value)) {
    if (required) problems.push({ field, reason: 'is required' });
    return undefined;
  }
  const raw = typeof value === 'string' ? value : '';
  // on the raw text: trim would silently drop some of the class (BOM) but not the rest (ZWSP)
  if (hasForbiddenCharacter(raw)) {
    problems.push({ field, reason: 'must not contain control, format (zero-width, bidi) or separator characters' });
    return undefined;
  }
  const text = raw.trim();
  if (text.length < 1 || text.length > maxLength) {
    problems.push({ field, reason: `must be 1 to ${maxLength} characters` });
    return undefined;
  }
  return text;
}

function checkInteger(value: unknown, field: string, problems: Problems, required: boolean, min: number, max: number): number | undefined {
  if (!present(value)) {
    if (required) problems.push({ field, reason: 'is required' });
    return undefined;
  }
  if (typeof value !== 'number' || Math.floor(value) !== value || value < min || value > max) {
    problems.push({ field, reason: max === Number.MAX_SAFE_INTEGER ? `must be an integer >= ${min}` : `must be an integer from ${min} to ${max}` });
    return undefined;
  }
  return value;
}

function checkDateTime(value: unknown, field: string, problems: Problems, required: boolean): string | undefined {
  if (!present(value)) {
    if (required) problems.push({ field, reason: 'is required' });
    return undefined;
  }
  const epochMs = typeof value === 'string' ? parseDateTime(value) : null;
  if (epochMs === null) {
    problems.push({ field, reason: 'must be an ISO-8601 date and time with a time zone' });
    return undefined;
  }
  // the UTC instant, not the written one: "0000-01-01T00:00:00+01:00" is in year -1 (issue 10, defect 6)
  if (!isStorableInstant(epochMs)) {
    problems.push({ field, reason: 'must be an instant from 0000-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z (UTC)' });
    return undefined;
  }
  return formatDateTime(epochMs);
}

function checkCertificateNo(value: unknown, field: string, problems: Problems): string {
  const text = typeof value === 'string' ? value.trim() : '';
  const alphanumeric = text.split('').every((c) => isLetter(c) || isDigit(c));
  if (text.length < 1 || text.length > MAX_CERTIFICATE_LENGTH || !alphanumeric) {
    problems.push({ field, reason: `must be 1 to ${MAX_CERTIFICATE_LENGTH} letters or digits` });
  }
  return text;
}

/** UK postcode shapes, letters as A and digits as 9: outward code, a space, inward code. */
const POSTCODE_SHAPES = ['A9 9AA', 'A99 9AA', 'AA9 9AA', 'AA99 9AA', 'A9A 9AA', 'AA9A 9AA'];

/** Canonical UK postcode (upper case, one space before the inward code), or null when it is not one. */
export function canonicalPostcode(value: string): string | null {
  // the alphabet before toUpperCase, which would fold "ß" into "SS" (as for marks)
  if (!value.split('').every((c) => isMarkCharacter(c))) return null;
  const compacted = value.toUpperCase().split(' ').join('');
  if (compacted.length < 5 || compacted.length > 7) return null;
  const postcode = `${compacted.slice(0, compacted.length - 3)} ${compacted.slice(compacted.length - 3)}`;
  if (postcode === 'GIR 0AA') return postcode;
  const shape = postcode
    .split('')
    .map((c) => (isLetter(c) ? 'A' : isDigit(c) ? '9' : c))
    .join('');
  return POSTCODE_SHAPES.indexOf(shape) >= 0 ? postcode : null;
}

function checkAddress(value: unknown, field: string, problems: Problems): AddressData {
  if (!present(value) || typeof value !== 'object') {
    problems.push({ field, reason: 'is required' });
    return { addLine1: '', postTown: '', postcode: '' };
  }
  const input = value as Input;
  const address = {
    addLine1: checkText(input.addLine1, `${field}.addLine1`, problems, true) ?? '',
    addLine2: checkText(input.addLine2, `${field}.addLine2`, problems, false),
    addLine3: checkText(input.addLine3, `${field}.addLine3`, problems, false),
    addLine4: checkText(input.addLine4, `${field}.addLine4`, problems, false),
    postTown: checkText(input.postTown, `${field}.postTown`, problems, true) ?? '',
    postcode: '',
  };
  if (typeof input.postcode !== 'string' || input.postcode.trim() === '') {
    problems.push({ field: `${field}.postcode`, reason: 'is required' });
  } else {
    const postcode = canonicalPostcode(input.postcode);
    if (postcode === null) problems.push({ field: `${field}.postcode`, reason: 'must be a UK postcode' });
    address.postcode = postcode ?? '';
  }
  return compact(address);
}

/**
 * An entitlement as staff record it, or (`issued` false) as a buyer gives it: without the
 * certificate number and time, which the server issues.
 */
function checkEntitlement(value: unknown, field: string, problems: Problems, issued = true): EntitlementData {
  const input = (present(value) && typeof value === 'object' ? value : {}) as Input;
  if (!present(value)) problems.push({ field, reason: 'is required' });
  return compact({
    certificateNo: issued ? checkCertificateNo(input.certificateNo, `${field}.certificateNo`, problems) : undefined,
    nomineeName: checkText(input.nomineeName, `${field}.nomineeName`, problems, false),
    purchaserName: checkText(input.purchaserName, `${field}.purchaserName`, problems, true) ?? '',
    certificateTime: issued ? checkDateTime(input.certificateTime, `${field}.certificateTime`, problems, false) : undefined,
    agreementTime: checkDateTime(input.agreementTime, `${field}.agreementTime`, problems, false),
    expiryTime: checkDateTime(input.expiryTime, `${field}.expiryTime`, problems, false),
    customerId: checkText(input.customerId, `${field}.customerId`, problems, false),
    telephoneNo: checkText(input.telephoneNo, `${field}.telephoneNo`, problems, false),
    address: checkAddress(input.address, `${field}.address`, problems),
  }) as EntitlementData;
}

/** The validated command of a mutation, from its `input` argument. */
export function validateCommand(kind: string, rawInput: unknown): Validated<Command> {
  const problems: Problems = [];
  if (COMMAND_KINDS.indexOf(kind as CommandKind) < 0) return done<Command>([{ field: 'input', reason: `no command ${kind}` }], {} as Command);
  const input = (present(rawInput) && typeof rawInput === 'object' ? rawInput : {}) as Input;
  if (!present(rawInput)) problems.push({ field: 'input', reason: 'is required' });
  const common = compact({
    mark: checkMark(input.mark, 'input.mark', problems),
    commandId: checkText(input.commandId, 'input.commandId', problems, false, MAX_COMMAND_ID_LENGTH),
    eventTime: checkDateTime(input.eventTime, 'input.eventTime', problems, false),
  });
  if (kind === 'releaseMark') {
    return done(problems, { ...common, kind, price: checkInteger(input.price, 'input.price', problems, true, 0, MAX_PRICE) ?? 0 });
  }
  if (kind === 'createEntitlement') {
    const status = (present(input.status) ? input.status : DEFAULT_ENTITLEMENT_STATUS) as MarkStatus;
    const price = checkInteger(input.price, 'input.price', problems, false, 0, MAX_PRICE);
    const entitlement = checkEntitlement(input.entitlement, 'input.entitlement', problems);
    // a user pool sub is a UUID; any short printable id is accepted so that other pools' ids fit
    const owner = checkText(input.owner, 'input.owner', problems, false, MAX_COMMAND_ID_LENGTH);
    return done(problems, compact({ ...common, kind, price, status, entitlement, owner }));
  }
  const expectedVersion = checkInteger(input.expectedVersion, 'input.expectedVersion', problems, true, 1, Number.MAX_SAFE_INTEGER) ?? 0;
  const versioned = { ...common, expectedVersion };
  switch (kind) {
    case 'extendEntitlement': {
      const expiryTime = checkDateTime(input.expiryTime, 'input.expiryTime', problems, true) ?? '';
      const agreementTime = checkDateTime(input.agreementTime, 'input.agreementTime', problems, false);
      return done(problems, compact({ ...versioned, kind, expiryTime, agreementTime }));
    }
    case 'changeAddress':
      return done(problems, { ...versioned, kind, address: checkAddress(input.address, 'input.address', problems) });
    case 'changeNominee':
      return done(problems, { ...versioned, kind, nomineeName: checkText(input.nomineeName, 'input.nomineeName', problems, true) ?? '' });
    case 'purchaseMark':
      return done(problems, { ...versioned, kind, entitlement: checkEntitlement(input.entitlement, 'input.entitlement', problems, false) });
    default:
      return done(problems, { ...versioned, kind: kind as 'issueDuplicateCertificate' | 'lockMark' | 'unlockMark' | 'forgetMark' });
  }
}

/** getMark(mark) and the mark argument of other queries. */
export function validateMarkArgument(mark: unknown): Validated<string> {
  const problems: Problems = [];
  const value = checkMark(mark, 'mark', problems);
  return done(problems, value);
}

export interface MarkAtQuery {
  mark: string;
  at?: string;
  version?: number;
}

export function validateGetMarkAt(args: Input): Validated<MarkAtQuery> {
  const problems: Problems = [];
  const query = compact({
    mark: checkMark(args.mark, 'mark', problems),
    at: checkDateTime(args.at, 'at', problems, false),
    version: checkInteger(args.version, 'version', problems, false, 1, Number.MAX_SAFE_INTEGER),
  });
  return done(problems, query);
}

export interface ListMarkEventsQuery {
  mark: string;
  fromVersion: number;
  limit: number;
  nextToken?: string;
}

export const DEFAULT_LIMIT = 20;

export function validateListMarkEvents(args: Input): Validated<ListMarkEventsQuery> {
  const problems: Problems = [];
  const query = compact({
    mark: checkMark(args.mark, 'mark', problems),
    fromVersion: checkInteger(args.fromVersion, 'fromVersion', problems, false, 1, Number.MAX_SAFE_INTEGER) ?? 1,
    limit: checkInteger(args.limit, 'limit', problems, false, 1, MAX_LIMIT) ?? DEFAULT_LIMIT,
    nextToken: typeof args.nextToken === 'string' ? args.nextToken : undefined,
  });
  return done(problems, query);
}

export interface ListMarksQuery {
  status?: MarkStatus;
  limit: number;
  nextToken?: string;
}

export function validateListMarks(args: Input): Validated<ListMarksQuery> {
  const problems: Problems = [];
  const query = compact({
    status: present(args.status) ? (args.status as MarkStatus) : undefined,
    limit: checkInteger(args.limit, 'limit', problems, false, 1, MAX_LIMIT) ?? DEFAULT_LIMIT,
    nextToken: typeof args.nextToken === 'string' ? args.nextToken : undefined,
  });
  return done(problems, query);
}

export interface ListMyMarksQuery {
  /** whose marks: staff name a purchaser (their user pool sub); left out, the caller's own */
  owner?: string;
  limit: number;
  nextToken?: string;
}

export function validateListMyMarks(args: Input): Validated<ListMyMarksQuery> {
  const problems: Problems = [];
  const query = compact({
    owner: checkText(args.owner, 'owner', problems, false),
    limit: checkInteger(args.limit, 'limit', problems, false, 1, MAX_LIMIT) ?? DEFAULT_LIMIT,
    nextToken: typeof args.nextToken === 'string' ? args.nextToken : undefined,
  });
  return done(problems, query);
}

export interface MarkEventSubscription {
  mark?: string;
  type?: MarkEventType;
}

export function validateSubscription(args: Input): Validated<MarkEventSubscription> {
  const problems: Problems = [];
  const filter = compact({
    mark: present(args.mark) ? checkMark(args.mark, 'mark', problems) : undefined,
    type: present(args.type) ? (args.type as MarkEventType) : undefined,
  });
  return done(problems, filter);
}
