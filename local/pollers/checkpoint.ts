import { mkdirSync, readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Where a shard's next batch starts: after the last handled record, or at the first failed one. */
export interface Position {
  type: 'AFTER_SEQUENCE_NUMBER' | 'AT_SEQUENCE_NUMBER';
  sequenceNumber: string;
}

export interface ShardCheckpoint {
  /** Absent: nothing handled yet, start at TRIM_HORIZON. */
  position?: Position;
  /** The shard is closed and every record of it was handled: its children may start. */
  finished?: boolean;
}

export interface CheckpointState {
  /** The stream the positions belong to (a recreated table gets a new stream ARN). */
  stream: string;
  shards: Record<string, ShardCheckpoint>;
}

/**
 * A poller's positions in one JSON file. Each save writes a temporary file, flushes it to disk
 * and renames it over the old one: a crash at any moment leaves either the old or the new
 * file, never a torn one.
 */
export class CheckpointStore {
  private state: CheckpointState;
  private saving: Promise<void> = Promise.resolve();
  private counter = 0;

  constructor(readonly path: string, stream: string) {
    mkdirSync(dirname(path), { recursive: true });
    let loaded: CheckpointState | undefined;
    try {
      loaded = JSON.parse(readFileSync(path, 'utf8')) as CheckpointState;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`unreadable checkpoint ${path}: ${(err as Error).message}`);
    }
    // Positions in another stream mean nothing here: start that stream from its beginning.
    this.state = loaded && loaded.stream === stream ? loaded : { stream, shards: {} };
  }

  get(shardId: string): ShardCheckpoint {
    return this.state.shards[shardId] ?? {};
  }

  /** Records a shard's new checkpoint and persists the whole file before resolving. */
  set(shardId: string, checkpoint: ShardCheckpoint): Promise<void> {
    this.state.shards[shardId] = checkpoint;
    const snapshot = JSON.stringify(this.state, null, 2);
    // Shards are polled concurrently: saves go one at a time, each writing the latest state.
    // A failed save must not poison the ones after it.
    const next = this.saving.catch(() => undefined).then(() => this.write(snapshot));
    this.saving = next;
    return next;
  }

  private async write(content: string): Promise<void> {
    const temporary = `${this.path}.${process.pid}.${this.counter++}.tmp`;
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, this.path);
  }
}
