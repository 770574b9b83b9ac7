/**
 * Runs INSIDE the resolver sandbox. util.time: AppSync formats with Java's DateTimeFormatter
 * patterns; this covers the common letters (y u M d H h m s S a E Z X x z and 'quoted text').
 * Time zones come from Intl, which ECMAScript provides inside the sandbox.
 */

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

type Token = { letter: string; count: number } | { literal: string };

function tokenize(format: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < format.length; ) {
    const c = format[i]!;
    if (c === "'") {
      const end = format.indexOf("'", i + 1);
      if (end === i + 1) { tokens.push({ literal: "'" }); i += 2; continue; }
      const stop = end < 0 ? format.length : end;
      tokens.push({ literal: format.slice(i + 1, stop) });
      i = stop + 1;
    } else if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (format[j] === c) j++;
      tokens.push({ letter: c, count: j - i });
      i = j;
    } else {
      tokens.push({ literal: c });
      i++;
    }
  }
  return tokens;
}

/** Offset of a zone from UTC at an instant, in minutes. */
function zoneOffsetMinutes(epochMs: number, timeZone: string): number {
  if (timeZone === 'UTC' || timeZone === 'Z') return 0;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  }).formatToParts(new Date(epochMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - (epochMs - (epochMs % 1000 + 1000) % 1000)) / 60000);
}

const pad = (n: number, width: number) => String(Math.abs(n)).padStart(width, '0');

function offsetText(minutes: number, style: 'Z' | 'X' | 'x', count: number): string {
  if (minutes === 0 && style === 'X') return 'Z';
  const sign = minutes < 0 ? '-' : '+';
  const h = pad(Math.trunc(Math.abs(minutes) / 60), 2);
  const m = pad(Math.abs(minutes) % 60, 2);
  if (style === 'Z') return count >= 4 ? `GMT${sign}${h}:${m}` : `${sign}${h}${m}`;
  if (count === 1) return m === '00' ? `${sign}${h}` : `${sign}${h}${m}`;
  return count === 2 || count === 4 ? `${sign}${h}${m}` : `${sign}${h}:${m}`;
}

export function formatEpoch(epochMs: number, format: string, timeZone = 'UTC'): string {
  const offset = zoneOffsetMinutes(epochMs, timeZone);
  const d = new Date(epochMs + offset * 60000);
  const fields = {
    y: d.getUTCFullYear(), M: d.getUTCMonth() + 1, d: d.getUTCDate(), H: d.getUTCHours(), m: d.getUTCMinutes(), s: d.getUTCSeconds(),
    S: d.getUTCMilliseconds(), E: d.getUTCDay(),
  };
  return tokenize(format)
    .map((t) => {
      if ('literal' in t) return t.literal;
      const { letter, count } = t;
      switch (letter) {
        case 'y': case 'u': return count === 2 ? pad(fields.y % 100, 2) : pad(fields.y, count);
        case 'M': case 'L': return count >= 4 ? MONTHS[fields.M - 1]! : count === 3 ? MONTHS[fields.M - 1]!.slice(0, 3) : pad(fields.M, count);
        case 'd': return pad(fields.d, count);
        case 'D': return pad(Math.floor((Date.UTC(fields.y, fields.M - 1, fields.d) - Date.UTC(fields.y, 0, 1)) / 86400000) + 1, count);
        case 'H': return pad(fields.H, count);
        case 'k': return pad(fields.H === 0 ? 24 : fields.H, count);
        case 'h': return pad(fields.H % 12 === 0 ? 12 : fields.H % 12, count);
        case 'K': return pad(fields.H % 12, count);
        case 'm': return pad(fields.m, count);
        case 's': return pad(fields.s, count);
        case 'S': return pad(fields.S, 3).padEnd(count, '0').slice(0, count);
        case 'a': return fields.H < 12 ? 'AM' : 'PM';
        case 'E': return count >= 4 ? DAYS[fields.E]! : DAYS[fields.E]!.slice(0, 3);
        case 'Z': return offsetText(offset, 'Z', count);
        case 'X': return offsetText(offset, 'X', count);
        case 'x': return offsetText(offset, 'x', count);
        case 'z': case 'V': return timeZone;
        default: throw new Error(`date format letter ${letter} is not supported by the local AppSync runtime`);
      }
    })
    .join('');
}

export function parseFormatted(text: string, format: string, timeZone = 'UTC'): number {
  const groups: string[] = [];
  let source = '';
  for (const t of tokenize(format)) {
    if ('literal' in t) { source += t.literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); continue; }
    const { letter, count } = t;
    groups.push(letter);
    if ('yuMdHhmsSkKD'.includes(letter) && !(letter === 'M' && count >= 3)) source += count === 1 ? '(\\d+)' : `(\\d{${count}})`;
    else if (letter === 'M') source += '([A-Za-z]+)';
    else if (letter === 'a') source += '(AM|PM|am|pm)';
    else if (letter === 'E') source += '([A-Za-z]+)';
    else if ('ZXx'.includes(letter)) source += '(Z|[+-]\\d{2}:?\\d{2}|[+-]\\d{2}|GMT[+-]\\d{2}:\\d{2})';
    else throw new Error(`date format letter ${letter} is not supported by the local AppSync runtime`);
  }
  const match = new RegExp(`^${source}$`).exec(text);
  if (!match) throw new Error(`"${text}" does not match the format "${format}"`);
  let y = 1970, mo = 1, d = 1, h = 0, mi = 0, s = 0, ms = 0, pm: boolean | null = null, offset: number | null = null;
  groups.forEach((letter, i) => {
    const v = match[i + 1]!;
    switch (letter) {
      case 'y': case 'u': y = v.length === 2 ? 2000 + Number(v) : Number(v); break;
      case 'M': mo = /^\d+$/.test(v) ? Number(v) : MONTHS.findIndex((m) => m.toLowerCase().startsWith(v.toLowerCase())) + 1; break;
      case 'd': d = Number(v); break;
      case 'H': case 'k': case 'h': case 'K': h = Number(v); break;
      case 'm': mi = Number(v); break;
      case 's': s = Number(v); break;
      case 'S': ms = Number(v.padEnd(3, '0').slice(0, 3)); break;
      case 'a': pm = v.toUpperCase() === 'PM'; break;
      case 'Z': case 'X': case 'x': {
        if (v === 'Z') { offset = 0; break; }
        const m = /([+-])(\d{2}):?(\d{2})?/.exec(v)!;
        offset = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
        break;
      }
    }
  });
  if (pm !== null) h = (h % 12) + (pm ? 12 : 0);
  const wall = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  if (offset !== null) return wall - offset * 60000;
  // the wall time is in timeZone: find the instant whose local time it is
  const guess = wall - zoneOffsetMinutes(wall, timeZone) * 60000;
  return wall - zoneOffsetMinutes(guess, timeZone) * 60000;
}

export const timeUtil = {
  nowISO8601: () => new Date().toISOString(),
  nowEpochSeconds: () => Math.floor(Date.now() / 1000),
  nowEpochMilliSeconds: () => Date.now(),
  nowFormatted: (format: string, timeZone?: string) => formatEpoch(Date.now(), format, timeZone),
  parseFormattedToEpochMilliSeconds: (text: string, format: string, timeZone?: string) => parseFormatted(text, format, timeZone),
  parseISO8601ToEpochMilliSeconds: (text: string) => {
    const ms = Date.parse(text);
    if (Number.isNaN(ms)) throw new Error(`"${text}" is not an ISO 8601 timestamp`);
    return ms;
  },
  epochMilliSecondsToSeconds: (ms: number) => Math.floor(ms / 1000),
  epochMilliSecondsToISO8601: (ms: number) => new Date(ms).toISOString(),
  epochMilliSecondsToFormatted: (ms: number, format: string, timeZone?: string) => formatEpoch(ms, format, timeZone),
};
