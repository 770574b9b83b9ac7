/**
 * Shared by the reliability suite (test/reliability/): a tally of what each file attempted, what
 * was acknowledged, lost and rejected, printed when the file ends; the check that every
 * acknowledged event is stored; the error class of an answer; and snapshots of the tables for
 * "nothing was written".
 */
import { expect } from 'vitest';
import type { DomainEvent } from '../../resolvers/lib/events';
import { scanAll } from './pipeline-fixtures';
import { storedEvents, type GqlError } from './marks';
import type { TestStack } from './stack';

/** An event the API answered with: the client was told it is committed. */
export interface Acknowledged {
  mark: string;
  version: number;
  type: string;
  commandId?: string | null;
}

export class Tally {
  attempted = 0;
  acknowledged = 0;
  rejected = 0;
  lost = 0;
  /** other figures worth printing (retries, kills...) */
  readonly extra: Record<string, number> = {};

  constructor(readonly name: string) {}

  add(key: string, n = 1): void {
    this.extra[key] = (this.extra[key] ?? 0) + n;
  }

  /** adds the counts of another tally (one kept by a child process, sent back over IPC as a plain object) */
  merge(other: Pick<Tally, 'attempted' | 'acknowledged' | 'rejected' | 'lost' | 'extra'>): void {
    this.attempted += other.attempted;
    this.acknowledged += other.acknowledged;
    this.rejected += other.rejected;
    this.lost += other.lost;
    for (const [key, n] of Object.entries(other.extra)) this.add(key, n);
  }

  line(): string {
    const extra = Object.entries(this.extra).map(([k, v]) => `, ${k} ${v}`).join('');
    return `[reliability] ${this.name}: operations attempted ${this.attempted}, acknowledged ${this.acknowledged}, lost ${this.lost}, inputs rejected ${this.rejected}${extra}`;
  }

  print(): void {
    console.log(this.line());
  }
}

/** The stored events of a mark, keyed by version (MarkEvents read directly, strongly consistent). */
export async function eventsByVersion(stack: Pick<TestStack, 'dynamodb' | 'env'>, mark: string): Promise<Map<number, DomainEvent>> {
  return new Map((await storedEvents(stack, mark)).map((event) => [event.version, event]));
}

/**
 * At the end of a reliability file: count the acknowledged events MarkEvents does not hold,
 * print the tally, and fail the file if any was lost.
 */
export async function settleLosses(stack: Pick<TestStack, 'dynamodb' | 'env'> | undefined, tally: Tally, acknowledged: Acknowledged[]): Promise<void> {
  if (!stack) return;
  const missing = await missingAcknowledged(stack, acknowledged);
  tally.lost = missing.length;
  tally.print();
  expect(missing).toEqual([]);
}

/**
 * The acknowledged events that MarkEvents does not hold as acknowledged (same type and
 * commandId at that version): each one is a lost write.
 */
export async function missingAcknowledged(stack: Pick<TestStack, 'dynamodb' | 'env'>, acknowledged: Acknowledged[]): Promise<Acknowledged[]> {
  const byMark = new Map<string, Acknowledged[]>();
  for (const ack of acknowledged) byMark.set(ack.mark, [...(byMark.get(ack.mark) ?? []), ack]);
  const missing: Acknowledged[] = [];
  for (const [mark, acks] of byMark) {
    const stored = await eventsByVersion(stack, mark);
    for (const ack of acks) {
      const event = stored.get(ack.version);
      if (!event || event.type !== ack.type || (ack.commandId ?? undefined) !== (event.commandId ?? undefined)) missing.push(ack);
    }
  }
  return missing;
}

/**
 * The class of an error as a client can act on it: its errorType, or for a request AppSync
 * refuses before any resolver runs (which carries no errorType there either) the graphql-java
 * class its message starts with ("Validation error of type WrongType: ..." → "WrongType",
 * "Variable 'input' has an invalid value ..." → "InvalidVariable").
 */
export function errorClass(error: GqlError | undefined): string | undefined {
  if (!error) return undefined;
  if (error.errorType) return error.errorType;
  const validation = /^Validation error of type (\w+):/.exec(error.message);
  if (validation) return validation[1];
  if (/^Variable '\w+' has (an invalid value|coerced Null value)/.test(error.message)) return 'InvalidVariable';
  // the real-time endpoint words it as graphql-js does
  if (/^Variable "\$\w+" got invalid value/.test(error.message)) return 'InvalidVariable';
  return undefined;
}

/** Every item of the three tables, for "nothing was written" (compare before and after). */
export async function tablesSnapshot(stack: Pick<TestStack, 'dynamodb' | 'env'>): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const envVar of ['MARKS_TABLE', 'MARK_EVENTS_TABLE', 'MARK_SNAPSHOTS_TABLE']) {
    out[envVar] = (await scanAll(stack.dynamodb, stack.env[envVar])).map((item) => JSON.stringify(item)).sort();
  }
  return out;
}
