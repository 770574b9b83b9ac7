/** The arithmetic of the bench's cost table (bench/cost.ts): counts in, dollars per million out. */
import { describe, expect, it } from 'vitest';
import { billedKinesisBytes, costPerMillion, largestLine, pipelinePerEvent, PRICES, type OperationCounts } from '../bench/cost';

const command: OperationCounts = {
  operation: 'changeNominee',
  appsyncOperations: 1,
  dynamodbCalls: 2,
  readUnits: 1,
  writeUnits: 8,
  events: 1,
  kinesisBytesPerEvent: 300,
  s3PutsPerEvent: 1,
  s3GetsPerEvent: 2,
  keyReadUnitsPerEvent: 0,
  keyWriteUnitsPerEvent: 0,
  lambdaInvocationsPerEvent: 0,
  lambdaGbSecondsPerEvent: 0,
};

describe('bench cost arithmetic', () => {
  it('prices each service from its counts', () => {
    const lines = costPerMillion(command);
    expect(lines.appsync).toBeCloseTo(4.0, 10);
    // 8 WRU x $0.625 + 1 RRU x $0.125 per million
    expect(lines.dynamodb).toBeCloseTo(5.125, 10);
    // a million records of 300 bytes bill as a million KiB: 0.9537 GiB x ($0.08 in + $0.05 fan-out)
    expect(lines.kinesis).toBeCloseTo((1_000_000 * 1024 / 1024 ** 3) * 0.13, 10);
    // a million PUTs at $0.005 per 1,000 and two million GETs at $0.0004 per 1,000
    expect(lines.s3).toBeCloseTo(5 + 0.8, 10);
    expect(lines.total).toBeCloseTo(lines.appsync + lines.dynamodb + lines.kinesis + lines.lambda + lines.s3, 10);
    expect(largestLine(lines)).toEqual({ service: 's3', dollars: lines.s3 });
  });

  it('a query appends no event: nothing downstream', () => {
    const lines = costPerMillion({ ...command, events: 0, writeUnits: 0, readUnits: 4 });
    expect(lines).toMatchObject({ kinesis: 0, lambda: 0, s3: 0 });
    expect(lines.dynamodb).toBeCloseTo(0.5, 10);
  });

  it('rounds a Kinesis record up to the next KiB, as on-demand bills it', () => {
    expect([1, 1024, 1025, 4608].map((b) => billedKinesisBytes(b))).toEqual([1024, 1024, 2048, 5120]);
  });

  it('spreads Lambda invocations over a batch: batch size 1 costs one invocation per event per function', () => {
    const original = pipelinePerEvent({ relayBatch: 1, archiveBatch: 1, archiveObjects: 'event', marksPerArchiveBatch: 0, memoryGb: 0.25, secondsPerInvocation: 0.1 });
    expect(original).toEqual({ lambdaInvocationsPerEvent: 2, lambdaGbSecondsPerEvent: 0.05, s3PutsPerEvent: 1, s3GetsPerEvent: 0, keyReadUnitsPerEvent: 0 });
    const lines = costPerMillion({ ...command, ...original });
    expect(lines.lambda).toBeCloseTo(2 * PRICES.lambdaPerMillionRequests + 0.05 * 1_000_000 * PRICES.lambdaPerGbSecond, 10);
    // ours: one object per batch of 100, and one key read (1 RCU) per mark of the batch
    const batched = pipelinePerEvent({ relayBatch: 500, archiveBatch: 100, archiveObjects: 'batch', marksPerArchiveBatch: 100, memoryGb: 0.25, secondsPerInvocation: 0.1 });
    expect(batched.lambdaInvocationsPerEvent).toBeCloseTo(0.012, 10);
    expect(batched).toMatchObject({ s3PutsPerEvent: 0.01, s3GetsPerEvent: 0, keyReadUnitsPerEvent: 1 });
    // ten marks in a batch of 100: a tenth of the key reads, the same one PUT
    const bursty = pipelinePerEvent({ relayBatch: 500, archiveBatch: 100, archiveObjects: 'batch', marksPerArchiveBatch: 10, memoryGb: 0.25, secondsPerInvocation: 0.1 });
    expect(bursty).toMatchObject({ s3PutsPerEvent: 0.01, keyReadUnitsPerEvent: 0.1 });
    // one object per event whatever the marks, and no keys
    expect(pipelinePerEvent({ relayBatch: 500, archiveBatch: 100, archiveObjects: 'event', marksPerArchiveBatch: 10, memoryGb: 0.25, secondsPerInvocation: 0.1 })).toMatchObject({ s3PutsPerEvent: 1, keyReadUnitsPerEvent: 0 });
  });

  it('prices the archive key table with the other DynamoDB units, per event', () => {
    const lines = costPerMillion({ ...command, keyReadUnitsPerEvent: 1, keyWriteUnitsPerEvent: 2 });
    // 8 WRU + 2 key WRU at $0.625, 1 RRU + 1 key RRU at $0.125, per million
    expect(lines.dynamodb).toBeCloseTo(10 * 0.625 + 2 * 0.125, 10);
    expect(costPerMillion({ ...command, events: 0, keyReadUnitsPerEvent: 1 }).dynamodb).toBeCloseTo(5.125, 10);
  });
});
