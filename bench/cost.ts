/**
 * What an operation costs in AWS, from counts (never from timings): DynamoDB calls and units as
 * the local runtime metered them (local/appsync/capacity.ts), and per appended event the Kinesis
 * bytes, the Lambda invocations and the S3 requests of the downstream pipeline. Prices are AWS
 * list prices for one region at one date (PRICES); the arithmetic is unit-tested
 * (test/bench-cost.unit.test.ts).
 */

/** AWS list prices, us-east-1 (US East, N. Virginia), as published on each service's pricing page. */
export const PRICES = {
  region: 'us-east-1',
  /** when these figures were taken from the pricing pages; check them again before quoting */
  asOf: '2025-11 (DynamoDB on-demand after the 2024-11-01 reduction)',
  /** AppSync: query and mutation operations (aws.amazon.com/appsync/pricing) */
  appsyncPerMillionOperations: 4.0,
  /** DynamoDB on-demand: write and read request units (aws.amazon.com/dynamodb/pricing/on-demand) */
  dynamodbPerMillionWriteUnits: 0.625,
  dynamodbPerMillionReadUnits: 0.125,
  /** Kinesis Data Streams on-demand: data in, each record rounded up to 1 KiB (aws.amazon.com/kinesis/data-streams/pricing) */
  kinesisPerGbIngested: 0.08,
  kinesisRecordRoundingBytes: 1024,
  /** Kinesis on-demand: enhanced fan-out data retrieval (the archive's consumer) */
  kinesisPerGbEnhancedFanOut: 0.05,
  /** Lambda, x86: requests and duration (aws.amazon.com/lambda/pricing) */
  lambdaPerMillionRequests: 0.2,
  lambdaPerGbSecond: 0.0000166667,
  /** S3 Standard: PUT/COPY/POST/LIST and GET per 1,000 requests (aws.amazon.com/s3/pricing) */
  s3PerThousandPuts: 0.005,
  s3PerThousandGets: 0.0004,
} as const;

export type Prices = { [K in keyof typeof PRICES]: (typeof PRICES)[K] extends string ? string : number };

/** The counts of one operation (averages per operation). */
export interface OperationCounts {
  operation: string;
  /** AppSync operations billed: 1 per GraphQL request */
  appsyncOperations: number;
  dynamodbCalls: number;
  readUnits: number;
  writeUnits: number;
  /** events appended (and so carried downstream) per operation: 1 for a command, 0 for a query */
  events: number;
  /** the Kinesis record of one event, JSON bytes (what the relay puts) */
  kinesisBytesPerEvent: number;
  /** S3 requests per event (the archive): PUT and GET */
  s3PutsPerEvent: number;
  s3GetsPerEvent: number;
  /** the archive's key table (MarkArchiveKeys) per event: read units (a batch reads each of its marks' keys once) and write units (a key per mark life, a forget) */
  keyReadUnitsPerEvent: number;
  keyWriteUnitsPerEvent: number;
  /** Lambda invocations per event (relay and archive: 1 / batch size each) */
  lambdaInvocationsPerEvent: number;
  /** Lambda GB-seconds per event (memory × duration share of a batch) */
  lambdaGbSecondsPerEvent: number;
}

export interface CostLines {
  appsync: number;
  dynamodb: number;
  kinesis: number;
  lambda: number;
  s3: number;
  total: number;
}

const GB = 1024 ** 3;

/** Kinesis on-demand bills each record rounded up to the next KiB. */
export function billedKinesisBytes(recordBytes: number, prices: Pick<Prices, 'kinesisRecordRoundingBytes'> = PRICES): number {
  return Math.ceil(recordBytes / prices.kinesisRecordRoundingBytes) * prices.kinesisRecordRoundingBytes;
}

/** US dollars per million operations, by service. */
export function costPerMillion(counts: OperationCounts, prices: Prices = PRICES): CostLines {
  const million = 1_000_000;
  const appsync = counts.appsyncOperations * prices.appsyncPerMillionOperations;
  const dynamodb =
    counts.writeUnits * prices.dynamodbPerMillionWriteUnits +
    counts.readUnits * prices.dynamodbPerMillionReadUnits +
    counts.events * (counts.keyWriteUnitsPerEvent * prices.dynamodbPerMillionWriteUnits + counts.keyReadUnitsPerEvent * prices.dynamodbPerMillionReadUnits);
  const gbPerMillionEvents = (billedKinesisBytes(counts.kinesisBytesPerEvent, prices) * million) / GB;
  const kinesis = counts.events * gbPerMillionEvents * (prices.kinesisPerGbIngested + prices.kinesisPerGbEnhancedFanOut);
  const lambda = counts.events * (counts.lambdaInvocationsPerEvent * prices.lambdaPerMillionRequests + counts.lambdaGbSecondsPerEvent * million * prices.lambdaPerGbSecond);
  const s3 = counts.events * ((counts.s3PutsPerEvent * million * prices.s3PerThousandPuts) / 1000 + (counts.s3GetsPerEvent * million * prices.s3PerThousandGets) / 1000);
  return { appsync, dynamodb, kinesis, lambda, s3, total: appsync + dynamodb + kinesis + lambda + s3 };
}

/** The service with the largest share of an operation's cost. */
export function largestLine(lines: CostLines): { service: keyof Omit<CostLines, 'total'>; dollars: number } {
  const services = ['appsync', 'dynamodb', 'kinesis', 'lambda', 's3'] as const;
  const service = services.reduce((a, b) => (lines[b] > lines[a] ? b : a));
  return { service, dollars: lines[service] };
}

/** A pipeline design: batch sizes, how the archive lays out objects, and the Lambda sizing. */
export interface PipelineDesign {
  relayBatch: number;
  archiveBatch: number;
  /** 'event': one S3 object per event (the original's); 'batch': one per batch, its marks' keys read once (ours) */
  archiveObjects: 'event' | 'batch';
  /** distinct marks in an archive batch: ours reads each one's key item (1 RCU, strongly consistent, under 4 KB) */
  marksPerArchiveBatch: number;
  memoryGb: number;
  secondsPerInvocation: number;
}

/**
 * The downstream counts per event for a pipeline design: the relay and the archive each run once
 * per batch; the archive PUTs one object per event ('event') or one per batch ('batch':
 * functions/archive/archive.ts), and reads no object. Ours reads the key items of the batch's
 * marks in one BatchGetItem: one read unit per mark, so per event it is marks / batch size, from
 * 0.01 (one mark) to 1 (every event a different mark). test/capacity.test.ts pins these counts.
 */
export function pipelinePerEvent(design: PipelineDesign) {
  const invocations = 1 / design.relayBatch + 1 / design.archiveBatch;
  const batch = design.archiveObjects === 'batch';
  return {
    lambdaInvocationsPerEvent: invocations,
    lambdaGbSecondsPerEvent: invocations * design.memoryGb * design.secondsPerInvocation,
    s3PutsPerEvent: batch ? 1 / design.archiveBatch : 1,
    s3GetsPerEvent: 0,
    keyReadUnitsPerEvent: batch ? design.marksPerArchiveBatch / design.archiveBatch : 0,
  };
}

export function formatDollars(n: number): string {
  return n >= 1 ? `$${n.toFixed(2)}` : n >= 0.01 ? `$${n.toFixed(3)}` : `$${n.toFixed(4)}`;
}
