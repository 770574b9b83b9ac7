/**
 * Runs INSIDE the resolver sandbox. util.time: AppSync formats with Java's DateTimeFormatter
 * patterns; this covers the common letters (y u M d H h m s S a E Z X x z and 'quoted text').
 * Time zones come from Intl, which ECMAScript provides inside the sandbox.
 */

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

type Token = { letter: string; count: number } | { literal: string } | { optional: Token[] };

/** Java DateTimeFormatter pattern → tokens; `[...]` is an optional section (printed when formatting). */
function tokenize(format: string): Token[] {
  const stack: Token[][] = [[]];
  let tokens = stack[0]!;
  for (let i = 0; i < format.length; ) {
    const c = format[i]!;
    if (c === '[') {
      const section: Token[] = [];
      tokens.push({ optional: section });
      stack.push(section);
      tokens = section;
      i++;
    } else if (c === ']') {
      if (stack.length === 1) throw new Error(`the format "${format}" closes an optional section it did not open`);
      stack.pop();
      tokens = stack.at(-1)!;
      i++;
    } else if (c === "'") {
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
  return stack[0]!;
}

/** Optional sections flattened: what formatting prints. */
function flat(tokens: Token[]): Exclude<Token, { optional: Token[] }>[] {
  return tokens.flatMap((t) => ('optional' in t ? flat(t.optional) : [t]));
}

/**
 * A zone id as Java's ZoneId.of reads it: "UTC", "Z", a region ("Australia/Perth") or an offset
 * ("+08:00", "-07:00:30", "+8", "+0800", "UTC+01:00", "GMT-5").
 * Answers the fixed offset in seconds, or the region name.
 */
function zoneOf(timeZone: string): { offset: number } | { region: string } {
  if (timeZone === 'UTC' || timeZone === 'Z' || timeZone === 'GMT' || timeZone === 'UT') return { offset: 0 };
  const m = /^(?:UTC|GMT|UT)?([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?$/.exec(timeZone);
  if (m) {
    const seconds = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
    if (Number(m[2]) > 18 || seconds > 18 * 3600) throw new Error(`Invalid ID for ZoneOffset, value out of range: ${timeZone}`);
    return { offset: m[1] === '-' ? -seconds : seconds };
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new Error(`Unknown time-zone ID: ${timeZone}`);
  }
  return { region: timeZone };
}

/** Offset of a zone from UTC at an instant, in seconds. */
function zoneOffsetSeconds(epochMs: number, timeZone: string): number {
  const zone = zoneOf(timeZone);
  if ('offset' in zone) return zone.offset;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone.region, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', era: 'short',
  }).formatToParts(new Date(epochMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const year = parts.find((p) => p.type === 'era')?.value === 'BC' ? 1 - get('year') : get('year');
  const asUtc = Date.UTC(year, get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - (epochMs - (((epochMs % 1000) + 1000) % 1000))) / 1000);
}

const pad = (n: number, width: number) => String(Math.abs(n)).padStart(width, '0');

/** Java's offset letters: Z (+HHMM; ZZZZ localized GMT; ZZZZZ +HH:MM:ss), X/x (1: +HH[MM], 2: +HHMM, 3: +HH:MM, 4: +HHMM[ss], 5: +HH:MM[:ss]). */
function offsetText(seconds: number, style: 'Z' | 'X' | 'x', count: number): string {
  if (seconds === 0 && (style === 'X' || (style === 'Z' && count === 5))) return 'Z';
  const sign = seconds < 0 ? '-' : '+';
  const abs = Math.abs(seconds);
  const h = pad(Math.trunc(abs / 3600), 2);
  const m = pad(Math.trunc(abs / 60) % 60, 2);
  const sec = abs % 60;
  const s = pad(sec, 2);
  if (style === 'Z') {
    if (count === 4) return seconds === 0 ? 'GMT' : `GMT${sign}${h}:${m}${sec ? `:${s}` : ''}`;
    if (count === 5) return `${sign}${h}:${m}${sec ? `:${s}` : ''}`;
    return `${sign}${h}${m}`;
  }
  switch (count) {
    case 1: return m === '00' ? `${sign}${h}` : `${sign}${h}${m}`;
    case 2: return `${sign}${h}${m}`;
    case 3: return `${sign}${h}:${m}`;
    case 4: return `${sign}${h}${m}${sec ? s : ''}`;
    default: return `${sign}${h}:${m}${sec ? `:${s}` : ''}`;
  }
}

export function formatEpoch(epochMs: number, format: string, timeZone = 'UTC'): string {
  const offset = zoneOffsetSeconds(epochMs, timeZone);
  const d = new Date(epochMs + offset * 1000);
  const fields = {
    y: d.getUTCFullYear(), M: d.getUTCMonth() + 1, d: d.getUTCDate(), H: d.getUTCHours(), m: d.getUTCMinutes(), s: d.getUTCSeconds(),
    S: d.getUTCMilliseconds(), E: d.getUTCDay(),
  };
  return flat(tokenize(format))
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
  for (const t of flat(tokenize(format))) {
    if ('literal' in t) { source += t.literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); continue; }
    const { letter, count } = t;
    groups.push(letter);
    if ('yuMdHhmsSkKD'.includes(letter) && !(letter === 'M' && count >= 3)) source += count === 1 ? '(\\d+)' : `(\\d{${count}})`;
    else if (letter === 'M') source += '([A-Za-z]+)';
    else if (letter === 'a') source += '(AM|PM|am|pm)';
    else if (letter === 'E') source += '([A-Za-z]+)';
    else if ('ZXx'.includes(letter)) source += '(Z|GMT|(?:GMT)?[+-]\\d{2}(?::?\\d{2}(?::?\\d{2})?)?)';
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
        if (v === 'Z' || v === 'GMT') { offset = 0; break; }
        const m = /([+-])(\d{2}):?(\d{2})?:?(\d{2})?/.exec(v)!;
        offset = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0));
        break;
      }
    }
  });
  if (pm !== null) h = (h % 12) + (pm ? 12 : 0);
  const wall = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  if (offset !== null) return wall - offset * 1000;
  // the wall time is in timeZone: find the instant whose local time it is
  const guess = wall - zoneOffsetSeconds(wall, timeZone) * 1000;
  return wall - zoneOffsetSeconds(guess, timeZone) * 1000;
}

/**
 * ISO 8601 date-time as Java's ISO parsers read it: date, 'T', time with optional seconds and
 * fraction (up to 9 digits), and an offset (Z or ±HH:MM[:SS]); without an offset the time is UTC
 * (AppSync's zone). Anything else ("Feb 1 2018") is an error, not a guess.
 */
export function parseISO8601(text: string): number {
  const m = /^([+-]?\d{4,9})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}(?::\d{2})?)?$/.exec(String(text));
  if (!m) throw new Error(`Text '${text}' could not be parsed as an ISO 8601 date-time`);
  const [, y, mo, d, h, mi, sec, fraction, zone] = m;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(sec ?? 0), Number((fraction ?? '0').padEnd(3, '0').slice(0, 3)));
  const check = [date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes()];
  if (check.join() !== [Number(mo), Number(d), Number(h), Number(mi)].join() || Number(sec ?? 0) > 59) {
    throw new Error(`Text '${text}' could not be parsed: a field is out of range`);
  }
  const offset = !zone || zone === 'Z' ? 0 : ('offset' in zoneOf(zone) ? (zoneOf(zone) as { offset: number }).offset : 0);
  return date.getTime() - offset * 1000;
}

/** util.time, reading the current time from `now` (the host clock: Date.now inside the sandbox). */
export function createTimeUtil(now: () => number) {
  return {
    nowISO8601: () => new Date(now()).toISOString(),
    nowEpochSeconds: () => Math.floor(now() / 1000),
    nowEpochMilliSeconds: () => now(),
    nowFormatted: (format: string, timeZone?: string) => formatEpoch(now(), format, timeZone),
    parseFormattedToEpochMilliSeconds: (text: string, format: string, timeZone?: string) => parseFormatted(text, format, timeZone),
    parseISO8601ToEpochMilliSeconds: (text: string) => parseISO8601(text),
    epochMilliSecondsToSeconds: (ms: number) => Math.floor(ms / 1000),
    epochMilliSecondsToISO8601: (ms: number) => new Date(ms).toISOString(),
    epochMilliSecondsToFormatted: (ms: number, format: string, timeZone?: string) => formatEpoch(ms, format, timeZone),
  };
}

/**
 * Makes the context's Date the one AppSync's runtime has: UTC whatever the host's TZ (local-time
 * getters and strings are UTC's, zone-less date-time strings are read as UTC), and the clock the
 * host gives (the sandbox's time source, so that tests can fix "now").
 */
export function installUtcDate(global: { Date: DateConstructor }, now: () => number): void {
  const Native = global.Date;
  const proto = Native.prototype as unknown as Record<string, unknown>;
  // the host's offset, kept before getTimezoneOffset becomes UTC's
  const hostOffset = proto.getTimezoneOffset as (this: Date) => number;
  const nativeOffset = (t: number) => hostOffset.call(new Native(t));
  const utcOf = (name: string) => proto[name.replace(/^(get|set)/, '$1UTC')];
  for (const name of ['getFullYear', 'getMonth', 'getDate', 'getDay', 'getHours', 'getMinutes', 'getSeconds', 'getMilliseconds',
    'setFullYear', 'setMonth', 'setDate', 'setHours', 'setMinutes', 'setSeconds', 'setMilliseconds']) {
    proto[name] = utcOf(name);
  }
  proto.getTimezoneOffset = () => 0;
  const DAY = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p2 = (n: number) => String(n).padStart(2, '0');
  const dateText = (d: Date) => `${DAY[d.getUTCDay()]} ${MON[d.getUTCMonth()]} ${p2(d.getUTCDate())} ${String(d.getUTCFullYear()).padStart(4, '0')}`;
  const timeText = (d: Date) => `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} GMT+0000 (Coordinated Universal Time)`;
  const valid = (d: Date) => !Number.isNaN(d.getTime());
  proto.toString = function (this: Date) { return valid(this) ? `${dateText(this)} ${timeText(this)}` : 'Invalid Date'; };
  proto.toDateString = function (this: Date) { return valid(this) ? dateText(this) : 'Invalid Date'; };
  proto.toTimeString = function (this: Date) { return valid(this) ? timeText(this) : 'Invalid Date'; };
  const parse = (text: string): number => {
    const t = Native.parse(text);
    if (Number.isNaN(t)) return t;
    // a date-time without a zone is local time by ECMAScript: AppSync's local time is UTC
    const hasZone = /(Z|[+-]\d{2}:?\d{2}|\b(GMT|UTC|UT)\b[+-]?\d*)\s*(\(.*\))?$/i.test(text.trim());
    const dateOnlyIso = /^[+-]?\d{4,6}(-\d{2}(-\d{2})?)?$/.test(text.trim());
    return hasZone || dateOnlyIso ? t : t - nativeOffset(t) * 60000;
  };
  function UtcDate(this: unknown, ...args: unknown[]): unknown {
    if (!new.target) return new Native(now()).toString();
    if (args.length === 0) return new Native(now());
    if (args.length === 1) return new Native(typeof args[0] === 'string' ? parse(args[0]) : (args[0] as number));
    return new Native(Native.UTC(...(args as [number, number])));
  }
  Object.defineProperties(UtcDate, {
    prototype: { value: Native.prototype },
    now: { value: () => now(), writable: true, configurable: true },
    parse: { value: (text: string) => parse(String(text)), writable: true, configurable: true },
    UTC: { value: Native.UTC, writable: true, configurable: true },
  });
  Object.defineProperty(Native.prototype, 'constructor', { value: UtcDate, writable: true, configurable: true });
  global.Date = UtcDate as unknown as DateConstructor;
}
