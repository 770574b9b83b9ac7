/**
 * Which tables an ops command (verify, rebuild) works on, from its command line:
 *   - the local stack by default: when `npm start` runs on the data folder (its stack.json,
 *     local/stack-file.ts), that stack's DynamoDB endpoint and tables; when nothing runs there,
 *     DynamoDB Local started here on the folder; or `--endpoint` for a DynamoDB already running;
 *   - AWS with `--outputs <cdk outputs file>` (cdk deploy --outputs-file) or the three
 *     `--*-table` names, with the usual AWS credentials and region (AWS_PROFILE, AWS_REGION...).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ClientConfigError, stackOutputs } from '../../infra/client-config';
import { markEventsTable, marksTable, markSnapshotsTable } from '../../infra/tables';
import { dynamoDbClient, startDynamoDbLocal } from 'appsync-local';
import { tableEnvironment } from '../services/tables';
import { DEFAULT_DATA_DIR, readRunningStack, stackFileOf, type RunningStack } from '../stack-file';
import type { StoreTables } from './store';

export class UsageError extends Error {}

export const TARGET_OPTIONS = {
  endpoint: { type: 'string' },
  'data-dir': { type: 'string' },
  'table-prefix': { type: 'string' },
  outputs: { type: 'string' },
  region: { type: 'string' },
  'marks-table': { type: 'string' },
  'events-table': { type: 'string' },
  'snapshots-table': { type: 'string' },
  segments: { type: 'string' },
} as const;

export const TARGET_USAGE = `Where (default: the local stack under .data/: the npm start running on it, found by its
.data/stack.json, or, when none runs, DynamoDB Local started on that folder for this run):
  --endpoint <url>          a DynamoDB endpoint already running
  --data-dir <dir>          the local data folder (default .data)
  --table-prefix <p>        prefix of the local table names (default none)
  --outputs <file>          AWS: the stack outputs (cdk deploy --outputs-file <file>)
  --marks-table <name>      AWS: the tables by name (all three), instead of --outputs
  --events-table <name>
  --snapshots-table <name>
  --region <region>         AWS region (default: the SDK's, e.g. AWS_REGION)
  --segments <n>            parallel Scan segments (1 to 1000, default 4)`;

export type TargetFlags = Partial<Record<keyof typeof TARGET_OPTIONS, string>>;

export interface Target {
  client: DynamoDBClient;
  tables: StoreTables;
  segments: number;
  /** where it is, for the report (no secrets) */
  description: string;
  close(): Promise<void>;
}

export function positiveInteger(flag: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`--${flag} must be a whole number from 1 to ${max}, not "${value}"`);
  return n;
}

/**
 * The outputs of the one stack in a `cdk deploy --outputs-file` file that has `required` (or of
 * the stack named): for verify and rebuild (table names) and the smoke (the client configuration).
 */
export function readStackOutputs(file: string, required: string, stackName?: string): Record<string, string> {
  if (!existsSync(file)) throw new UsageError(`--outputs: no such file ${file}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--outputs: ${file} is not JSON: ${(err as Error).message}`);
  }
  try {
    return stackOutputs(parsed, required, stackName);
  } catch (err) {
    if (err instanceof ClientConfigError) throw new UsageError(`--outputs: ${file} ${err.message}`);
    throw err;
  }
}

function tablesFromOutputs(file: string): StoreTables {
  // the CfnOutputs are <logicalName>TableName
  const outputs = readStackOutputs(file, `${marksTable.logicalName}TableName`);
  const name = (logical: string) => {
    const value = outputs[`${logical}TableName`];
    if (typeof value !== 'string' || !value) throw new UsageError(`--outputs: ${file} has no ${logical}TableName output`);
    return value;
  };
  return { marks: name(marksTable.logicalName), events: name(markEventsTable.logicalName), snapshots: name(markSnapshotsTable.logicalName) };
}

/**
 * What a running stack's file says about one of its parts; a stack still starting has not written
 * it yet, and the caller is told to wait rather than guess.
 */
export function runningPart(running: RunningStack, part: 'graphqlUrl' | 'dynamodbEndpoint' | 'userPoolEndpoint'): string {
  const value = running[part];
  if (!value) throw new UsageError(`npm start (pid ${running.pid}) holds ${stackFileOf(running.dataDir)} but is still starting: run this again once it prints "mark-api is running locally"`);
  return value;
}

/** The refusal of a data folder that a live process holds but whose stack does not answer. */
export function unreachableStack(running: RunningStack, what: string): UsageError {
  return new UsageError(
    `the data folder ${running.dataDir} is in use by npm start (pid ${running.pid}, ${stackFileOf(running.dataDir)}), but its ${what} does not answer: ` +
      `it may be hung or stopping. Stop it (kill ${running.pid}) and run this again, or name a stack with --endpoint / --url ` +
      `(if pid ${running.pid} is not an npm start, the file is stale: remove it)`,
  );
}

async function checkReachable(client: DynamoDBClient, running: RunningStack, endpoint: string): Promise<void> {
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(10_000) });
  } catch (err) {
    client.destroy();
    throw unreachableStack(running, `DynamoDB endpoint ${endpoint} (${(err as Error).name}: ${(err as Error).message})`);
  }
}

/**
 * The local stack `npm start` runs on a data folder, for the tools that talk to its GraphQL
 * endpoint (seed, smoke): its stack.json, or a UsageError that says what to do.
 */
export function runningLocalStack(dataDir: string = DEFAULT_DATA_DIR): RunningStack {
  const running = readRunningStack(dataDir);
  if (!running) throw new UsageError(`no local stack is running on ${dataDir} (no live ${stackFileOf(dataDir)}): start it with npm start (or give --data-dir for another folder), or name a stack with --url / --outputs`);
  return running;
}

/** Checks the flags without connecting to anything, so that a bad command line fails at once. */
export function checkTargetFlags(flags: TargetFlags): void {
  const named = [flags['marks-table'], flags['events-table'], flags['snapshots-table']].filter((v) => v !== undefined);
  if (named.length !== 0 && named.length !== 3) throw new UsageError('--marks-table, --events-table and --snapshots-table go together: give all three');
  const aws = named.length === 3 || flags.outputs !== undefined;
  if (named.length === 3 && flags.outputs !== undefined) throw new UsageError('give either --outputs or the three --*-table names, not both');
  if (aws && (flags['data-dir'] !== undefined || flags['table-prefix'] !== undefined)) throw new UsageError('--data-dir and --table-prefix are for the local stack, not with AWS tables');
  if (flags.endpoint !== undefined && flags['data-dir'] !== undefined) throw new UsageError('--endpoint and --data-dir exclude each other: one names a running DynamoDB, the other starts one');
  if (flags.endpoint !== undefined && !/^https?:\/\//.test(flags.endpoint)) throw new UsageError(`--endpoint must be an http(s) URL, not "${flags.endpoint}"`);
  positiveInteger('segments', flags.segments, 4, 1000);
}

/** Fails with what to do when a table is not there, rather than at the first Scan. */
async function checkTablesExist(target: Target): Promise<Target> {
  for (const table of Object.values(target.tables)) {
    try {
      await target.client.send(new DescribeTableCommand({ TableName: table }));
    } catch (err) {
      await target.close();
      if ((err as { name?: string }).name !== 'ResourceNotFoundException') throw err;
      throw new UsageError(`table ${table} does not exist on ${target.description} (locally, npm start creates the tables: is --table-prefix or --data-dir right? in AWS: the table names or --outputs, and the region)`);
    }
  }
  return target;
}

export async function openTarget(flags: TargetFlags): Promise<Target> {
  return checkTablesExist(await connect(flags));
}

async function connect(flags: TargetFlags): Promise<Target> {
  checkTargetFlags(flags);
  const segments = positiveInteger('segments', flags.segments, 4, 1000);
  const named = flags['marks-table'] !== undefined;
  if (named || flags.outputs !== undefined) {
    const tables = named ? { marks: flags['marks-table']!, events: flags['events-table']!, snapshots: flags['snapshots-table']! } : tablesFromOutputs(flags.outputs!);
    const client = flags.endpoint ? dynamoDbClient(flags.endpoint) : new DynamoDBClient({ region: flags.region, maxAttempts: 10 });
    return { client, tables, segments, description: `${flags.endpoint ?? 'AWS'} tables ${tables.marks}, ${tables.events}, ${tables.snapshots}`, close: async () => client.destroy() };
  }
  const dataDir = flags['data-dir'] ?? DEFAULT_DATA_DIR;
  // never a second DynamoDB Local on files a running one has open: the running stack's, or a refusal
  const running = flags.endpoint ? undefined : readRunningStack(dataDir);
  const endpoint = flags.endpoint ?? (running && runningPart(running, 'dynamodbEndpoint'));
  const env = tableEnvironment(flags['table-prefix'] ?? running?.tablePrefix ?? '');
  const tables = { marks: env.MARKS_TABLE!, events: env.MARK_EVENTS_TABLE!, snapshots: env.MARK_SNAPSHOTS_TABLE! };
  if (endpoint) {
    const client = dynamoDbClient(endpoint);
    const where = running ? `the running local stack's DynamoDB on ${endpoint} (npm start, pid ${running.pid})` : endpoint;
    if (running) await checkReachable(client, running, endpoint);
    return { client, tables, segments, description: `${where} (local tables ${tables.marks}, ...)`, close: async () => client.destroy() };
  }
  const local = await startDynamoDbLocal({ dataDir: join(dataDir, 'dynamodb') });
  const client = dynamoDbClient(local.endpoint);
  return {
    client,
    tables,
    segments,
    description: `the local stack's data (DynamoDB Local on ${local.endpoint})`,
    close: async () => {
      client.destroy();
      await local.stop();
    },
  };
}

/**
 * openTarget for a command line: a bad flag or outputs file exits 2 with its message, any other
 * failure (no DynamoDB Local, no credentials) exits 3.
 */
export async function openTargetOrExit(command: string, flags: TargetFlags): Promise<Target> {
  try {
    return await openTarget(flags);
  } catch (err) {
    process.stderr.write(`npm run ${command}: ${(err as Error).message}\n`);
    process.exit(err instanceof UsageError ? 2 : 3);
  }
}
