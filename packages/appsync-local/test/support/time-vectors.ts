/**
 * util.time and Date conformance vectors, run by test/time.test.ts in the test process
 * and, through time-vectors-child.ts, in a child process with a non-UTC TZ: the answers may not
 * depend on the host's time zone.
 */
import { evaluateExpression } from '../../src/runtime/sandbox';

export interface TimeVector {
  /** the page the example comes from */
  page: string;
  expr: string;
  expected: unknown;
  /** the clock (epoch ms) for now* examples */
  now?: number;
}

const VTL = 'Time helpers in $util.time (time-helpers-in-util-time), AWS AppSync developer guide';
const JS = 'Time helpers in util.time (time-helpers-in-util-time-js): same functions; the page has no examples of its own';
const RUNTIME = 'Supported runtime features (supported-features): Date; AppSync runs in UTC';

// The VTL page's standalone examples were taken at 2018-02-06T19:01:35.749Z; its AWSDateTime
// examples at 2018-07-11T15:14:15 in the zone -07:00:30, which is 22:14:45 UTC.
const STANDALONE = Date.UTC(2018, 1, 6, 19, 1, 35, 749);
const SCALARS = Date.UTC(2018, 6, 11, 22, 14, 45);

export const timeVectors: TimeVector[] = [
  // Standalone function examples
  { page: VTL, now: STANDALONE, expr: 'util.time.nowISO8601()', expected: '2018-02-06T19:01:35.749Z' },
  { page: VTL, now: STANDALONE, expr: 'util.time.nowEpochSeconds()', expected: 1517943695 },
  { page: VTL, now: STANDALONE + 1, expr: 'util.time.nowEpochMilliSeconds()', expected: 1517943695750 },
  { page: VTL, now: STANDALONE, expr: 'util.time.nowFormatted("yyyy-MM-dd HH:mm:ssZ")', expected: '2018-02-06 19:01:35+0000' },
  { page: VTL, now: STANDALONE, expr: 'util.time.nowFormatted("yyyy-MM-dd HH:mm:ssZ", "+08:00")', expected: '2018-02-07 03:01:35+0800' },
  { page: VTL, now: STANDALONE, expr: 'util.time.nowFormatted("yyyy-MM-dd HH:mm:ssZ", "Australia/Perth")', expected: '2018-02-07 03:01:35+0800' },
  // Conversion examples
  { page: VTL, expr: 'util.time.epochMilliSecondsToSeconds(1517943695758)', expected: 1517943695 },
  { page: VTL, expr: 'util.time.epochMilliSecondsToISO8601(1517943695758)', expected: '2018-02-06T19:01:35.758Z' },
  { page: VTL, expr: 'util.time.epochMilliSecondsToFormatted(1517943695758, "yyyy-MM-dd HH:mm:ssZ")', expected: '2018-02-06 19:01:35+0000' },
  { page: VTL, expr: 'util.time.epochMilliSecondsToFormatted(1517943695758, "yyyy-MM-dd HH:mm:ssZ", "+08:00")', expected: '2018-02-07 03:01:35+0800' },
  // Parsing examples
  { page: VTL, expr: 'util.time.parseISO8601ToEpochMilliSeconds("2018-02-01T17:21:05.180+08:00")', expected: 1517476865180 },
  { page: VTL, expr: 'util.time.parseFormattedToEpochMilliSeconds("2018-02-02 01:19:22+0800", "yyyy-MM-dd HH:mm:ssZ")', expected: 1517505562000 },
  { page: VTL, expr: 'util.time.parseFormattedToEpochMilliSeconds("2018-02-02 01:19:22", "yyyy-MM-dd HH:mm:ss", "+08:00")', expected: 1517505562000 },
  // Usage with AWS AppSync defined scalars: optional sections and an offset with seconds
  { page: VTL, now: SCALARS, expr: 'util.time.nowFormatted("yyyy-MM-dd[XXX]", "-07:00:30")', expected: '2018-07-11-07:00' },
  { page: VTL, now: SCALARS, expr: 'util.time.nowFormatted("yyyy-MM-dd\'T\'HH:mm:ss[XXXXX]", "-07:00:30")', expected: '2018-07-11T15:14:15-07:00:30' },
  // the JavaScript page's signatures, one call each
  { page: JS, now: STANDALONE, expr: 'util.time.nowFormatted("HH:mm", "Australia/Perth")', expected: '03:01' },
  { page: JS, expr: 'util.time.parseFormattedToEpochMilliSeconds("2018-02-06 19:01:35 +0000", "yyyy-MM-dd HH:mm:ss Z")', expected: 1517943695000 },
  // a zone-less ISO 8601 date-time is UTC (AppSync's zone), never the host's
  { page: JS, expr: 'util.time.parseISO8601ToEpochMilliSeconds("2018-02-01T17:21:05")', expected: Date.UTC(2018, 1, 1, 17, 21, 5) },
  // Date in the sandbox: UTC, as in AppSync, whatever TZ the host has
  { page: RUNTIME, expr: 'new Date("2018-02-01T10:00:00").getTime()', expected: Date.UTC(2018, 1, 1, 10) },
  { page: RUNTIME, expr: 'new Date(2018, 1, 1, 10).toISOString()', expected: '2018-02-01T10:00:00.000Z' },
  { page: RUNTIME, expr: '[new Date(0).getHours(), new Date(0).getDate(), new Date(0).getTimezoneOffset()]', expected: [0, 1, 0] },
  { page: RUNTIME, expr: 'String(new Date(0))', expected: 'Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)' },
  { page: RUNTIME, now: STANDALONE, expr: 'Date.now()', expected: STANDALONE },
];

/** Expressions AppSync refuses (an error, not a host-dependent guess). */
export const timeErrors: { page: string; expr: string; error: RegExp }[] = [
  { page: JS, expr: 'util.time.parseISO8601ToEpochMilliSeconds("Feb 1 2018")', error: /could not be parsed/ },
  { page: JS, expr: 'util.time.nowFormatted("yyyy", "Not/AZone")', error: /Unknown time-zone ID: Not\/AZone/ },
];

/** Every vector's actual answer, keyed by expression. */
export function runTimeVectors(): { expr: string; actual: unknown; expected: unknown }[] {
  return timeVectors.map((v) => {
    let actual: unknown;
    try {
      actual = evaluateExpression(v.expr, v.now === undefined ? {} : { clock: () => v.now! });
    } catch (err) {
      actual = `threw: ${err instanceof Error ? err.message : String(err)}`;
    }
    return { expr: v.expr, actual, expected: v.expected };
  });
}
