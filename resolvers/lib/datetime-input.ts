/**
 * AWSDateTime inputs (any precision, any offset) into the stored form of time.ts. Kept apart from
 * time.ts so that the bundles that only handle stored times (appendEvent) stay small.
 */
import { DIGITS, MS_PER_DAY, daysFromCivil, daysInMonth, digitsAt, formatDateTime } from './time';

/**
 * Epoch milliseconds of an AWSDateTime ("YYYY-MM-DDThh:mm[:ss[.fff…]]" then "Z" or an offset
 * "±hh:mm[:ss]"), or null when the text is not one. Fractions finer than a millisecond are cut.
 */
export function parseDateTime(text: string): number | null {
  if (typeof text !== 'string' || text.length < 17) return null;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  if (text.charAt(4) !== '-' || text.charAt(7) !== '-' || text.charAt(10) !== 'T' || text.charAt(13) !== ':') return null;
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59) return null;
  if (day > daysInMonth(year, month)) return null;
  let at = 16;
  let second = 0;
  let millis = 0;
  if (text.charAt(at) === ':') {
    second = digitsAt(text, at + 1, 2);
    if (second < 0 || second > 59) return null;
    at += 3;
    if (text.charAt(at) === '.') {
      let end = at + 1;
      for (const c of text.slice(at + 1).split('')) {
        if (DIGITS.indexOf(c) < 0) break;
        end += 1;
      }
      if (end === at + 1) return null;
      const fraction = `${text.slice(at + 1, Math.min(end, at + 4))}00`.slice(0, 3);
      millis = digitsAt(fraction, 0, 3);
      at = end;
    }
  }
  const zone = text.slice(at);
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const sign = zone.charAt(0) === '+' ? 1 : zone.charAt(0) === '-' ? -1 : 0;
    const offsetHours = digitsAt(zone, 1, 2);
    const offsetMins = digitsAt(zone, 4, 2);
    const validLength = zone.length === 6 || (zone.length === 9 && zone.charAt(6) === ':' && digitsAt(zone, 7, 2) >= 0);
    if (sign === 0 || !validLength || zone.charAt(3) !== ':' || offsetHours < 0 || offsetHours > 23 || offsetMins < 0 || offsetMins > 59) return null;
    offsetMinutes = sign * (offsetHours * 60 + offsetMins);
    if (zone.length === 9) offsetMinutes += (sign * digitsAt(zone, 7, 2)) / 60;
  }
  const local = daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + millis;
  return Math.round(local - offsetMinutes * 60_000);
}

/** The first and last instants of the stored form's four-digit years, 0000-01-01 and 9999-12-31, UTC. */
export const EARLIEST_INSTANT_MS = daysFromCivil(0, 1, 1) * MS_PER_DAY;
export const LATEST_INSTANT_MS = daysFromCivil(10000, 1, 1) * MS_PER_DAY - 1;

/**
 * Whether the stored form can hold the instant: an offset can carry a written year 0000 or 9999
 * outside the range ("0000-01-01T00:00:00+01:00" is 0000 minus an hour), where formatDateTime would
 * write "00-1-…" or "10000-…", which is neither fixed-width nor an AWSDateTime.
 */
export function isStorableInstant(epochMs: number): boolean {
  return epochMs >= EARLIEST_INSTANT_MS && epochMs <= LATEST_INSTANT_MS;
}

/** The stored form of an AWSDateTime, or null when the text is not one or its instant is outside years 0000..9999 UTC. */
export function normaliseDateTime(text: string): string | null {
  const epochMs = parseDateTime(text);
  return epochMs === null || !isStorableInstant(epochMs) ? null : formatDateTime(epochMs);
}

