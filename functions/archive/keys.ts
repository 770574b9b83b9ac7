/** Where the archive keeps things: shared by the handler, the local stack and the tests. */

/** Keys sort by version within a mark because versions are zero-padded to 10 digits. */
export const VERSION_DIGITS = 10;

export const eventsPrefix = 'events/';

export function markPrefix(mark: string): string {
  return `${eventsPrefix}${encodeURIComponent(mark)}/`;
}

export function eventKey(mark: string, version: number): string {
  return `${markPrefix(mark)}${String(version).padStart(VERSION_DIGITS, '0')}.json`;
}

/** The version an event key names, or undefined for a key that is not one. */
export function versionOfKey(key: string): number | undefined {
  const match = /\/(\d+)\.json$/.exec(key);
  return match ? Number(match[1]) : undefined;
}

/** The erasure marker of a mark: `{ mark, version }` of the latest MARK_FORGOTTEN archived. */
export function erasureKey(mark: string): string {
  return `erasures/${encodeURIComponent(mark)}.json`;
}
