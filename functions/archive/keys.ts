/**
 * Where and how the archive keeps events: shared by the handler, the local stack and the tests.
 *
 * A mark's events are archived as runs: one object holds consecutive versions first..last of one
 * mark, one event per line (JSON Lines, in version order), at
 * `events/<encodeURIComponent(mark)>/<first, 10 digits>-<last, 10 digits>.jsonl`. The archive
 * writes one run per mark per batch (more only when the batch's versions of the mark have a gap),
 * so a key says exactly which events its object holds, and the same key always holds the same
 * events: a redelivered batch overwrites its own objects. Runs written by different deliveries may
 * overlap (a redelivery cut at another record); an event in two of them is the same event twice.
 *
 * Reading one event back: list the prefix of its mark, take the run with first <= version <= last,
 * and its line (version - first). `eventAddress` names one event for readers that key events one
 * by one (tests, tools); it is not an object key.
 */

/** Keys sort by version within a mark because versions are zero-padded to 10 digits. */
export const VERSION_DIGITS = 10;

export const eventsPrefix = 'events/';

export function markPrefix(mark: string): string {
  return `${eventsPrefix}${encodeURIComponent(mark)}/`;
}

const padded = (version: number) => String(version).padStart(VERSION_DIGITS, '0');

/** The object key of the run of `mark`'s versions first..last. */
export function runKey(mark: string, first: number, last: number): string {
  return `${markPrefix(mark)}${padded(first)}-${padded(last)}.jsonl`;
}

/** The mark and versions a run key names, or undefined for a key that is not one. */
export function runOfKey(key: string): { mark: string; first: number; last: number } | undefined {
  const match = /^events\/([^/]+)\/(\d+)-(\d+)\.jsonl$/.exec(key);
  if (!match) return undefined;
  const [first, last] = [Number(match[2]), Number(match[3])];
  return first <= last ? { mark: decodeURIComponent(match[1]), first, last } : undefined;
}

/** The address of one archived event (not an object key): what readers that list events key them by. */
export function eventKey(mark: string, version: number): string {
  return `${markPrefix(mark)}${padded(version)}`;
}

/** A run's object body: its events, one JSON document per line, in version order. */
export function runBody(events: readonly { version: number }[]): string {
  return events.map((event) => `${JSON.stringify(event)}\n`).join('');
}

/** The events of a run's object body, in version order. */
export function eventsOfRun<T = unknown>(body: string): T[] {
  return body
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as T);
}

/**
 * Events of one mark (any order, repeats allowed) as runs of consecutive versions, each in
 * version order: what one batch writes for the mark.
 */
export function toRuns<T extends { version: number }>(events: readonly T[]): T[][] {
  const byVersion = new Map<number, T>();
  for (const event of events) if (!byVersion.has(event.version)) byVersion.set(event.version, event);
  const sorted = [...byVersion.values()].sort((a, b) => a.version - b.version);
  const runs: T[][] = [];
  for (const event of sorted) {
    const current = runs[runs.length - 1];
    if (current && current[current.length - 1].version + 1 === event.version) current.push(event);
    else runs.push([event]);
  }
  return runs;
}

/** The erasure marker of a mark: `{ mark, version }` of the latest MARK_FORGOTTEN archived. */
export function erasureKey(mark: string): string {
  return `erasures/${encodeURIComponent(mark)}.json`;
}
