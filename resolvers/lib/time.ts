/**
 * Times as stored everywhere: fixed-width UTC ISO-8601 with milliseconds
 * ("2019-11-29T09:26:43.837Z"), so that string order is time order (the original compared ISO
 * strings whose fraction was sometimes dropped). Pure arithmetic on the proleptic Gregorian
 * calendar (H. Hinnant's days-from-civil): APPSYNC_JS has no regex literals and a partial Date,
 * and this module must run unchanged in AppSync, in Node.js tests and in Lambdas.
 */

const MS_PER_DAY = 86_400_000;
const DIGITS = '0123456789';

function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

function daysInMonth(year: number, month: number): number {
  return daysFromCivil(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) - daysFromCivil(year, month, 1);
}

/** The number written by text[start, start+length), or -1 when any of those characters is not a digit. */
function digitsAt(text: string, start: number, length: number): number {
  if (start + length > text.length) return -1;
  let value = 0;
  for (const c of text.slice(start, start + length).split('')) {
    const digit = DIGITS.indexOf(c);
    if (digit < 0) return -1;
    value = value * 10 + digit;
  }
  return value;
}

function pad(value: number, width: number): string {
  const text = `${value}`;
  return text.length >= width ? text : `${'000'.slice(0, width - text.length)}${text}`;
}

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

/** The stored form of an instant: "YYYY-MM-DDThh:mm:ss.sssZ". */
export function formatDateTime(epochMs: number): string {
  const days = Math.floor(epochMs / MS_PER_DAY);
  const inDay = epochMs - days * MS_PER_DAY;
  const { year, month, day } = civilFromDays(days);
  const hour = Math.floor(inDay / 3_600_000);
  const minute = Math.floor((inDay % 3_600_000) / 60_000);
  const second = Math.floor((inDay % 60_000) / 1000);
  const millis = inDay % 1000;
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}.${pad(millis, 3)}Z`;
}

/** The stored form of an AWSDateTime, or null when the text is not one. */
export function normaliseDateTime(text: string): string | null {
  const epochMs = parseDateTime(text);
  return epochMs === null ? null : formatDateTime(epochMs);
}

/** A stored time moved by a number of milliseconds. */
export function addMilliseconds(storedTime: string, ms: number): string {
  return formatDateTime((parseDateTime(storedTime) ?? 0) + ms);
}
