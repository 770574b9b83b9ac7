/**
 * `npm start -- --watch`: the sources of the served API — its code folder (resolvers/, wiring.json
 * included) and its schema — are watched; a burst of saves becomes one reload of the running
 * stack (Stack.reload), and reloads never overlap.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { LoadedWiring } from 'appsync-local';

export interface SourceChange {
  /** files changed since the last reload, relative to the folder watched */
  files: string[];
  schema: boolean;
}

export interface SourceWatcher {
  close(): void;
}

/** Editors write a file in several steps (truncate, write, rename): wait for the burst to end. */
const SETTLE_MS = 100;

export function watchSources(
  wiring: Pick<LoadedWiring, 'codeDir' | 'schemaFile'>,
  onChange: (change: SourceChange) => Promise<void>,
  onError: (err: Error) => void = (err) => process.stderr.write(`[watch] stopped watching: ${err.message}\n`),
): SourceWatcher {
  let pending: SourceChange | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const flush = () => {
    timer = undefined;
    if (running || !pending) return;
    const change = pending;
    pending = undefined;
    running = onChange(change).finally(() => {
      running = undefined;
      // saved again during the reload: one more
      if (pending) flush();
    });
  };
  const note = (file: string, schema: boolean) => {
    pending ??= { files: [], schema: false };
    if (!pending.files.includes(file)) pending.files.push(file);
    pending.schema ||= schema;
    clearTimeout(timer);
    timer = setTimeout(flush, SETTLE_MS);
  };

  const watchers: FSWatcher[] = [
    watch(wiring.codeDir, { recursive: true }, (_event, file) => {
      if (file && !basename(file).startsWith('.')) note(file, false);
    }),
    // the folder, not the file: an editor that saves by rename would end a watch on the file
    watch(dirname(wiring.schemaFile), (_event, file) => {
      if (file === basename(wiring.schemaFile)) note(join(dirname(wiring.schemaFile), file), true);
    }),
  ];
  // e.g. the system's inotify limit reached: say so, and keep serving what runs
  for (const w of watchers) w.on('error', onError);
  return {
    close() {
      clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}
