/**
 * The price of every operation, from counts: each GraphQL operation is run `repeat` times one after
 * another on the local stack, and the stack's capacity meter (local/appsync/capacity.ts) gives its
 * DynamoDB calls and units; the events it appended give the Kinesis record size (as the relay puts
 * it); the pipeline's design gives Lambda invocations and S3 requests per event. bench/cost.ts
 * turns the counts into dollars per million operations, and the same for the original's design
 * (a full snapshot in every event, relay and archive with batch size 1).
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { toMarkEventRecord } from '../functions/lib/mark-event';
import type { Stack } from '../local/stack';
import { graphqlClient } from './client';
import { costPerMillion, formatDollars, largestLine, pipelinePerEvent, PRICES, type CostLines, type OperationCounts, type PipelineDesign } from './cost';

export interface OperationCost {
  counts: OperationCounts;
  cost: CostLines;
  /** the same operation in the original's design, when it appends an event */
  original?: { counts: OperationCounts; cost: CostLines };
}

/**
 * The deployed pipeline (infra/constructs/pipeline.ts, archive.ts): batches of up to 500 and 100,
 * 256 MB, one object per batch; priced at the worst case, every event of a batch a different mark
 * (one key read per event; costTable also prints the other batch shapes).
 */
export const OURS: PipelineDesign = { relayBatch: 500, archiveBatch: 100, archiveObjects: 'batch', marksPerArchiveBatch: 100, memoryGb: 0.25, secondsPerInvocation: 0.1 };
/** The original: batch size 1 for relay and archive, one object per event, no keys. */
const ORIGINAL: PipelineDesign = { relayBatch: 1, archiveBatch: 1, archiveObjects: 'event', marksPerArchiveBatch: 0, memoryGb: 0.25, secondsPerInvocation: 0.1 };
/** The batch shapes the price table shows: marks per archive batch of 100 (issue 26). */
export const BATCH_SHAPES = [100, 50, 20, 1] as const;
/** What changeNominee may cost per million in every batch shape (issue 26). */
export const CHANGE_NOMINEE_BUDGET = 7.0;

/**
 * Key table writes per event of an operation (functions/archive/keyring.ts): a mark's first
 * event of a life is where its key is made (one PutItem under 1 KB, charged to the create, once
 * per life); a forget is a write by the archive and one by the eraser. Every other event reads.
 */
function keyWriteUnitsPerEvent(appended: string): number {
  if (appended === 'ENTITLEMENT_CREATED' || appended === 'MARK_RELEASED') return 1;
  return appended === 'MARK_FORGOTTEN' ? 2 : 0;
}

/**
 * The original's DynamoDB writes for one command, in one transaction (2 WCU per KiB of each item):
 * the event holding the whole state and its entry in a time index (projection ALL), the view and
 * its entry in a status index (projection ALL), rewritten with every command whatever changed; a
 * command that moves a mark to another status deletes one index entry and puts another. This is
 * also this design's layout before issue 20, at the same sizes (docs/PERFORMANCE.md).
 */
function originalWriteUnits(operation: string, stateBytes: number): number {
  const kb = Math.max(1, Math.ceil(stateBytes / 1024));
  const statusEntries = operation === 'purchaseMark' ? 2 : 1;
  return 2 * (kb + kb + kb + statusEntries * kb);
}

const entitlement = (tag: string) => ({
  certificateNo: `EV56RP259VQP8G42${tag}`.slice(0, 20),
  nomineeName: 'Mr John Jones',
  certificateTime: '2019-11-29T09:26:43.786Z',
  purchaserName: 'Felicity Jones',
  address: { addLine1: '2 My Street', addLine2: 'Redwood', postTown: 'Swansea', postcode: 'SW1 4RT' },
});

const EVENT = 'mark version type recordedAt eventTime commandId data';
const MARK = 'mark status price version updatedAt entitlement { certificateNo nomineeName purchaserName address { addLine1 postTown postcode } }';

export async function benchOperationCost(options: { stack: Stack; repeat: number; log?: (line: string) => void }): Promise<OperationCost[]> {
  const { stack, repeat } = options;
  // staff: every command and every read is theirs (docs/AUTHORIZATION.md); the API key may not mutate
  const client = graphqlClient(stack.graphqlUrl, { authorization: (await stack.userPool.pool.tokensFor('staff')).AccessToken }, 1);
  const marks = Array.from({ length: repeat }, (_, i) => `CO${String(i).padStart(3, '0')}`.replace(/^(CO\d)(\d+)$/, '$1 $2'));
  const released = marks.map((m) => m.replace('CO', 'CR'));
  const results: { operation: string; field: string; appended: string | null; counts: { calls: number; readUnits: number; writeUnits: number; resolutions: number } }[] = [];
  const run = async (operation: string, field: string, appended: string | null, once: (i: number) => Promise<unknown>) => {
    stack.capacity.reset();
    for (let i = 0; i < repeat; i += 1) await once(i);
    results.push({ operation, field, appended, counts: stack.capacity.field(field) });
  };
  const mutate = (name: string, type: string, input: Record<string, unknown>) =>
    client.gql(`mutation M($input: ${type}!) { ${name}(input: $input) { ${EVENT} } }`, { input });
  try {
    options.log?.(`operation cost: ${repeat} of each operation, one at a time`);
    await run('createEntitlement', 'Mutation.createEntitlement', 'ENTITLEMENT_CREATED', (i) => mutate('createEntitlement', 'CreateEntitlementInput', { mark: marks[i], price: 299, eventTime: '2019-11-29T09:26:43.837Z', entitlement: entitlement(String(i)) }));
    await run('changeNominee', 'Mutation.changeNominee', 'NOMINEE_CHANGED', (i) => mutate('changeNominee', 'ChangeNomineeInput', { mark: marks[i], expectedVersion: 1, nomineeName: 'Mrs Joan Jones' }));
    await run('changeAddress', 'Mutation.changeAddress', 'ADDRESS_CHANGED', (i) => mutate('changeAddress', 'ChangeAddressInput', { mark: marks[i], expectedVersion: 2, address: { addLine1: '5 Your Street', postTown: 'Swansea', postcode: 'SW1 4RT' } }));
    await run('extendEntitlement', 'Mutation.extendEntitlement', 'ENTITLEMENT_EXTENDED', (i) => mutate('extendEntitlement', 'ExtendEntitlementInput', { mark: marks[i], expectedVersion: 3, expiryTime: '2099-01-01T00:00:00.000Z' }));
    await run('issueDuplicateCertificate', 'Mutation.issueDuplicateCertificate', 'DUPLICATE_CERTIFICATE_ISSUED', (i) => mutate('issueDuplicateCertificate', 'IssueDuplicateCertificateInput', { mark: marks[i], expectedVersion: 4 }));
    await run('releaseMark', 'Mutation.releaseMark', 'MARK_RELEASED', (i) => mutate('releaseMark', 'ReleaseMarkInput', { mark: released[i], price: 399 }));
    await run('lockMark', 'Mutation.lockMark', 'MARK_LOCKED', (i) => mutate('lockMark', 'LockMarkInput', { mark: released[i], expectedVersion: 1 }));
    await run('unlockMark', 'Mutation.unlockMark', 'MARK_UNLOCKED', (i) => mutate('unlockMark', 'UnlockMarkInput', { mark: released[i], expectedVersion: 2 }));
    await run('getMark', 'Query.getMark', null, (i) => client.gql(`query Q($mark: ID!) { getMark(mark: $mark) { ${MARK} } }`, { mark: marks[i] }));
    await run('getMarkAt (version)', 'Query.getMarkAt', null, (i) => client.gql(`query Q($mark: ID!) { getMarkAt(mark: $mark, version: 3) { ${MARK} } }`, { mark: marks[i] }));
    await run('getMarkAt (at: a time)', 'Query.getMarkAt', null, (i) => client.gql(`query Q($mark: ID!, $at: AWSDateTime) { getMarkAt(mark: $mark, at: $at) { ${MARK} } }`, { mark: marks[i], at: new Date(Date.now() - 1000).toISOString() }));
    await run('listMarkEvents (limit 10)', 'Query.listMarkEvents', null, (i) => client.gql(`query Q($mark: ID!) { listMarkEvents(mark: $mark, limit: 10) { items { ${EVENT} } nextToken } }`, { mark: marks[i] }));
    await run('listMarks (by status, limit 10)', 'Query.listMarks', null, () => client.gql(`query { listMarks(status: MARK_AVAILABLE, limit: 10) { items { mark } nextToken } }`));
    await run('purchaseMark', 'Mutation.purchaseMark', 'MARK_PURCHASED', (i) =>
      mutate('purchaseMark', 'PurchaseMarkInput', { mark: released[i], expectedVersion: 3, entitlement: { purchaserName: 'Felicity Jones', address: { addLine1: '2 My Street', postTown: 'Swansea', postcode: 'SW1 4RT' } } }),
    );
    await run('forgetMark', 'Mutation.forgetMark', 'MARK_FORGOTTEN', (i) => mutate('forgetMark', 'ForgetMarkInput', { mark: released[i], expectedVersion: 4 }));
  } finally {
    client.close();
  }

  // the Kinesis record of each event type, as the relay puts it, and the full state after it (the original put that)
  const recordBytes = new Map<string, number[]>();
  let start: Record<string, never> | undefined;
  do {
    const page = await stack.dynamodb.send(new ScanCommand({ TableName: stack.env.MARK_EVENTS_TABLE, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) {
      const parsed = toMarkEventRecord(unmarshall(item));
      if (!parsed.ok) continue;
      const sizes = recordBytes.get(parsed.event.type) ?? [];
      sizes.push(Buffer.byteLength(JSON.stringify(parsed.event)));
      recordBytes.set(parsed.event.type, sizes);
    }
    start = page.LastEvaluatedKey as typeof start;
  } while (start);
  const viewBytes: number[] = [];
  start = undefined;
  do {
    const page = await stack.dynamodb.send(new ScanCommand({ TableName: stack.env.MARKS_TABLE, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) viewBytes.push(Buffer.byteLength(JSON.stringify(unmarshall(item))));
    start = page.LastEvaluatedKey as typeof start;
  } while (start);
  const average = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const snapshotBytes = Math.max(...viewBytes, 0);

  return results.map(({ operation, appended, counts }) => {
    const per = (n: number) => (counts.resolutions ? n / counts.resolutions : 0);
    const events = appended ? 1 : 0;
    const eventBytes = appended ? average(recordBytes.get(appended) ?? []) : 0;
    const ours: OperationCounts = {
      operation,
      appsyncOperations: 1,
      dynamodbCalls: per(counts.calls),
      readUnits: per(counts.readUnits),
      writeUnits: per(counts.writeUnits),
      events,
      kinesisBytesPerEvent: eventBytes,
      ...(appended ? pipelinePerEvent(OURS) : { lambdaInvocationsPerEvent: 0, lambdaGbSecondsPerEvent: 0, s3PutsPerEvent: 0, s3GetsPerEvent: 0, keyReadUnitsPerEvent: 0 }),
      keyWriteUnitsPerEvent: appended ? keyWriteUnitsPerEvent(appended) : 0,
    };
    const result: OperationCost = { counts: ours, cost: costPerMillion(ours) };
    if (appended) {
      // the original stored the whole state in each event, and indexed event and view whole
      const original: OperationCounts = {
        ...ours,
        writeUnits: originalWriteUnits(operation, snapshotBytes),
        kinesisBytesPerEvent: snapshotBytes,
        ...pipelinePerEvent(ORIGINAL),
        keyWriteUnitsPerEvent: 0,
      };
      result.original = { counts: original, cost: costPerMillion(original) };
    }
    return result;
  });
}

/** The price of every operation: counts (not timings) and dollars per million at list prices. */
export function costTable(results: OperationCost[]): string[] {
  const n = (x: number, digits = 2) => (Number.isInteger(x) ? String(x) : x.toFixed(digits));
  const out = [
    `Price per operation: counts from the local runtime's consumed-capacity meter, dollars per million operations at AWS list prices, ${PRICES.region}, prices of ${PRICES.asOf}. Downstream per event: relay and archive in full batches (500, 100) at 256 MB and an assumed 100 ms a batch, every event of an archive batch a different mark (the dearest shape); the archive's key reads and writes (RCU, WCU of MarkArchiveKeys) are in the DynamoDB column. The original: a full snapshot in every event, batch size 1.`,
    '',
    '| operation | DynamoDB calls | RCU | WCU | S3 requests / event | archive key RCU, WCU / event | Kinesis records, bytes / event | AppSync | DynamoDB | Kinesis | Lambda | S3 | total / million | largest line | original design: total (largest) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  ];
  for (const r of results) {
    const c = r.counts;
    const largest = largestLine(r.cost);
    const original = r.original ? `${formatDollars(r.original.cost.total)} (${largestLine(r.original.cost).service})` : '';
    out.push(
      `| ${c.operation} | ${n(c.dynamodbCalls)} | ${n(c.readUnits)} | ${n(c.writeUnits)} | ${c.events ? `${n(c.s3PutsPerEvent)} PUT + ${n(c.s3GetsPerEvent)} GET` : ''} | ${c.events ? `${n(c.keyReadUnitsPerEvent)}, ${n(c.keyWriteUnitsPerEvent)}` : ''} | ${c.events ? `1, ${Math.round(c.kinesisBytesPerEvent)}` : ''} | ${formatDollars(r.cost.appsync)} | ${formatDollars(r.cost.dynamodb)} | ${formatDollars(r.cost.kinesis)} | ${formatDollars(r.cost.lambda)} | ${formatDollars(r.cost.s3)} | **${formatDollars(r.cost.total)}** | ${largest.service} | ${original} |`,
    );
  }
  // the archive's key reads per event fall with the marks a batch holds: changeNominee in every shape
  const nominee = results.find((r) => r.counts.operation === 'changeNominee');
  if (nominee?.original) {
    out.push(
      '',
      `changeNominee in every archive batch shape (marks per batch of ${OURS.archiveBatch}; issue 26: each at most ${formatDollars(CHANGE_NOMINEE_BUDGET)} per million):`,
      '',
      '| marks per batch | S3 requests / event | key RCU / event | S3 | DynamoDB | total / million | vs the original | budget |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    );
    for (const marks of BATCH_SHAPES) {
      const counts = { ...nominee.counts, ...pipelinePerEvent({ ...OURS, marksPerArchiveBatch: marks }) };
      const cost = costPerMillion(counts);
      out.push(
        `| ${marks} | ${n(counts.s3PutsPerEvent)} PUT | ${n(counts.keyReadUnitsPerEvent)} | ${formatDollars(cost.s3)} | ${formatDollars(cost.dynamodb)} | **${formatDollars(cost.total)}** | ${(nominee.original.cost.total / cost.total).toFixed(2)}x cheaper than ${formatDollars(nominee.original.cost.total)} | ${cost.total <= CHANGE_NOMINEE_BUDGET ? 'met' : '**MISSED**'} |`,
      );
    }
  }
  return [...out, ''];
}
