/**
 * The price of every operation, in DynamoDB's own units: every call the local runtime's DynamoDB
 * data sources make asks for ReturnConsumedCapacity TOTAL (DynamoDB Local answers it as AWS bills
 * it: a TransactWriteItems costs 2 write units per KB of each item, a consistent read 1 read unit
 * per 4 KB), and the meter totals calls and units per resolved field (Type.field), together with
 * how many times the field was resolved. Every operation of this API has one root field, so the
 * totals of a field divided by its resolutions are the cost of one operation. Counts, not timings:
 * they do not depend on the machine, so tests pin them (test/capacity.test.ts) and
 * `npm run bench` prices them (bench/cost.ts).
 *
 * Only the runtime's own calls are metered (not the commit barrier of services/dynamodb-local.ts,
 * which AWS does not have, nor the pollers' reads).
 *
 * A meter counts from its first reset() on: until someone asks for counts, the runtime's calls are
 * exactly those its resolvers ask for, without ReturnConsumedCapacity (DynamoDB Local then has
 * less to compute and answer: issue 20, the endpoint's calls the same as the benchmark's SDK
 * baseline).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface CapacityCounts {
  /** times the field was resolved */
  resolutions: number;
  /** DynamoDB calls */
  calls: number;
  readUnits: number;
  writeUnits: number;
  /** calls by DynamoDB operation (GetItem, TransactWriteItems, ...) */
  byCall: Record<string, number>;
}

const empty = (): CapacityCounts => ({ resolutions: 0, calls: 0, readUnits: 0, writeUnits: 0, byCall: {} });

const READ_OPERATIONS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);

/** The field a data source call is made for (set by the data source around each request). */
export const meteredField = new AsyncLocalStorage<string>();

export class CapacityMeter {
  private fields = new Map<string, CapacityCounts>();
  private counting = false;

  /** whether calls are counted (from the first reset() on) */
  get recording(): boolean {
    return this.counting;
  }

  private of(field: string): CapacityCounts {
    let counts = this.fields.get(field);
    if (!counts) this.fields.set(field, (counts = empty()));
    return counts;
  }

  resolved(typeName: string, fieldName: string): void {
    if (this.counting) this.of(`${typeName}.${fieldName}`).resolutions += 1;
  }

  record(field: string, operation: string, consumed: ConsumedCapacity | ConsumedCapacity[] | undefined): void {
    const counts = this.of(field);
    counts.calls += 1;
    counts.byCall[operation] = (counts.byCall[operation] ?? 0) + 1;
    const reading = READ_OPERATIONS.has(operation);
    for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
      // TOTAL answers CapacityUnits, and Read/WriteCapacityUnits only where a call may have both
      const split = c.ReadCapacityUnits !== undefined || c.WriteCapacityUnits !== undefined;
      counts.readUnits += split ? (c.ReadCapacityUnits ?? 0) : reading ? (c.CapacityUnits ?? 0) : 0;
      counts.writeUnits += split ? (c.WriteCapacityUnits ?? 0) : reading ? 0 : (c.CapacityUnits ?? 0);
    }
  }

  /** The counts of every field since the last reset (copies). */
  snapshot(): Record<string, CapacityCounts> {
    return Object.fromEntries([...this.fields].map(([field, c]) => [field, { ...c, byCall: { ...c.byCall } }]));
  }

  /** The counts of one field since the last reset. */
  field(field: string): CapacityCounts {
    const c = this.fields.get(field) ?? empty();
    return { ...c, byCall: { ...c.byCall } };
  }

  /** Forgets every count and counts from now on. */
  reset(): void {
    this.fields.clear();
    this.counting = true;
  }
}


/**
 * The client with a send that asks for ReturnConsumedCapacity TOTAL and records it against the
 * field being resolved (no meter: the client itself). A call that fails (a cancelled transaction,
 * a failed condition) still counts as a call: AWS bills a failed conditional write, but DynamoDB's
 * error does not carry its units, so none are added.
 */
export function meteredClient(client: DynamoDBClient, meter: CapacityMeter | undefined): Pick<DynamoDBClient, 'send'> {
  if (!meter) return client;
  const send = async (command: { input: object; constructor: { name: string } }) => {
    if (!meter.recording) return client.send(command as never);
    (command.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL';
    const field = meteredField.getStore() ?? '(unknown)';
    const operation = command.constructor.name.replace(/Command$/, '');
    try {
      const out = (await client.send(command as never)) as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] };
      meter.record(field, operation, out.ConsumedCapacity);
      return out;
    } catch (err) {
      meter.record(field, operation, undefined);
      throw err;
    }
  };
  return { send: send as unknown as DynamoDBClient['send'] };
}
