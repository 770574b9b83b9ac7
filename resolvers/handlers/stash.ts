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
  versionAt?: number;
  snapshot?: MarkState | null;
  answer?: MarkState | null;
}
