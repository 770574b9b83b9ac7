/**
 * Times as stored everywhere: fixed-width UTC ISO-8601 with milliseconds
 * ("2019-11-29T09:26:43.837Z"), so that string order is time order (the original compared ISO
 * strings whose fraction was sometimes dropped). Pure arithmetic on the proleptic Gregorian
 * calendar (H. Hinnant's days-from-civil): APPSYNC_JS has no regex literals and a partial Date,
 * and this module must run unchanged in AppSync, in Node.js tests and in Lambdas.
 */

export const MS_PER_DAY = 86_400_000;
export const DIGITS = '0123456789';

export function daysFromCivil(year: number, month: number, day: number): number {
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

export function daysInMonth(year: number, month: number): number {
  return daysFromCivil(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) - daysFromCivil(year, month, 1);
}

/** The number written by text[start, start+length), or -1 when any of those characters is not a digit. */
export function digitsAt(text: string, start: number, length: number): number {
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

/** Epoch milliseconds of a stored time (the fixed-width form formatDateTime writes). */
export function parseStoredTime(storedTime: string): number {
  const days = daysFromCivil(digitsAt(storedTime, 0, 4), digitsAt(storedTime, 5, 2), digitsAt(storedTime, 8, 2));
  const seconds = (digitsAt(storedTime, 11, 2) * 60 + digitsAt(storedTime, 14, 2)) * 60 + digitsAt(storedTime, 17, 2);
  return days * MS_PER_DAY + seconds * 1000 + digitsAt(storedTime, 20, 3);
}

/** A stored time moved by a number of milliseconds. */
export function addMilliseconds(storedTime: string, ms: number): string {
  return formatDateTime(parseStoredTime(storedTime) + ms);
}
