/** What the steps of a pipeline hand to each other through ctx.stash. */
import type { Caller } from '../lib/authorize';
import type { Command } from '../lib/commands';
import type { DomainEvent } from '../lib/events';
import type { MarkState } from '../lib/state';

export interface MarkStash {
  /** the canonical mark every step reads */
  mark: string;
  /** the view as loadMark read it (null: none) */
  view?: MarkState | null;
}

export interface CommandStash extends MarkStash {
  command: Command;
  /** server time, fixed-width UTC with milliseconds */
  now: string;
  randomId: string;
  /** the stored event a retry of this command would have written, when it was looked up */
  stored?: DomainEvent | null;
  /** the event appendEvent is writing */
  appending?: DomainEvent;
  /** the state after the answered event: the view appendEvent writes (for a retry, the view as read) */
  after?: MarkState | null;
  /** who is asking, as authorize found them */
  caller?: Caller;
}

export interface ReplayStash extends MarkStash {
  at?: string;
  version?: number;
  /** by time: the version of the last snapshot recorded at or before `at` (0: none), once looked up */
  snapshotAt?: number;
  snapshot?: MarkState | null;
  answer?: MarkState | null;
}

/** listMarks and listMyMarks: the arguments, then the page as the steps read it (functions/listMarksPage.ts, loadListedMarks.ts). */
export interface ListMarksStash {
  status?: string;
  /** listMyMarks: whose marks (a user pool sub), read from byOwner */
  owner?: string;
  limit: number;
  nextToken?: string;
  /** the page: whole views (a Scan, or the views read after the index), or index entries only */
  items?: MarkState[];
  pageToken?: string | null;
}
