/**
 * `npm run verify`: does every view and every snapshot still equal the fold of its mark's events?
 * Reads every mark (parallel Scan segments of Marks), its events and snapshots from
 * `historyStartsAt`, and reports each difference by mark, version, item and field name — never a
 * value (values are personal data). Exit status 1 on any difference, 2 on a bad command line.
 *
 *   npm run verify [-- --segments 8] [--endpoint <url> | --outputs <file> | --marks-table ...]
 */
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Presets, SingleBar } from 'cli-progress';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { checkMark, formatDifference, sortDifferences, type Difference, type Evolve } from './check';
import { inParallel, readHistory, scanViews, type ScanKey, type StoreTables } from './store';
import { TARGET_OPTIONS, TARGET_USAGE, openTargetOrExit, positiveInteger, type TargetFlags } from './target';

export interface VerifyOptions {
  client: DynamoDBClient;
  tables: StoreTables;
  segments: number;
  /** Marks items per Scan page (default 100) */
  pageSize?: number;
  /** marks checked at once within a segment's page (default 8) */
  concurrency?: number;
  /** the fold to check against (default the one evolve; tests inject another) */
  evolve?: Evolve;
  onMark?: (differences: Difference[]) => void;
}

export interface VerifyReport {
  marks: number;
  events: number;
  snapshots: number;
  differences: Difference[];
}

export async function verifyStore(options: VerifyOptions): Promise<VerifyReport> {
  const report: VerifyReport = { marks: 0, events: 0, snapshots: 0, differences: [] };
  const segment = async (index: number) => {
    let start: ScanKey | undefined;
    do {
      const page = await scanViews(options.client, options.tables.marks, index, options.segments, start, options.pageSize ?? 100);
      await inParallel(page.views, options.concurrency ?? 8, async (view) => {
        const history = await readHistory(options.client, options.tables, view);
        const differences = checkMark(view.mark, history, options.evolve);
        report.marks += 1;
        report.events += history.events.length;
        report.snapshots += history.snapshots.length;
        report.differences.push(...differences);
        options.onMark?.(differences);
      });
      start = page.next;
    } while (start);
  };
  await Promise.all(Array.from({ length: options.segments }, (_, i) => segment(i)));
  sortDifferences(report.differences);
  return report;
}

/** About how many marks there are (DynamoDB updates the count every six hours or so): the progress bar's total. */
export async function approximateMarkCount(client: DynamoDBClient, table: string): Promise<number> {
  const described = await client.send(new DescribeTableCommand({ TableName: table }));
  return described.Table?.ItemCount ?? 0;
}

export function summaryLine(report: VerifyReport): string {
  const marks = new Set(report.differences.map((d) => d.mark)).size;
  const verdict = report.differences.length === 0 ? 'no difference' : `${report.differences.length} difference${report.differences.length === 1 ? '' : 's'} in ${marks} mark${marks === 1 ? '' : 's'}`;
  return `verify: ${report.marks} marks, ${report.events} events, ${report.snapshots} snapshots checked: ${verdict}`;
}

const USAGE = `Usage: npm run verify [-- options]

Checks that every view and snapshot equals the fold of its mark's events, that versions are
contiguous and that recordedAt increases with version. Prints each difference as
"<mark>  v<version>  <view|snapshot|event>  <field>" (never a value) and a summary line.
Exit status: 0 no difference, 1 differences, 2 bad command line, 3 failure.

${TARGET_USAGE}
  --page-size <n>           Marks items per Scan page (1 to 1000, default 100)
  --help                    show this help`;

async function main(): Promise<void> {
  let flags: TargetFlags & { 'page-size'?: string; help?: boolean };
  try {
    ({ values: flags } = parseArgs({ args: process.argv.slice(2), options: { ...TARGET_OPTIONS, 'page-size': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
    if (flags.help) {
      process.stdout.write(`${USAGE}\n`);
      return;
    }
    positiveInteger('page-size', flags['page-size'], 100, 1000);
  } catch (err) {
    process.stderr.write(`npm run verify: ${(err as Error).message} (npm run verify -- --help for the options)\n`);
    process.exit(2);
  }
  const target = await openTargetOrExit('verify', flags);
  const tty = process.stderr.isTTY === true;
  const bar = new SingleBar({ format: 'verifying {bar} {value}/{total} marks | {differences} differences | {duration}s', stream: process.stderr, noTTYOutput: false }, Presets.shades_classic);
  try {
    process.stderr.write(`verify: ${target.description}, ${target.segments} segments\n`);
    if (tty) bar.start(Math.max(await approximateMarkCount(target.client, target.tables.marks), 1), 0, { differences: 0 });
    let found = 0;
    let done = 0;
    const report = await verifyStore({
      client: target.client,
      tables: target.tables,
      segments: target.segments,
      pageSize: positiveInteger('page-size', flags['page-size'], 100, 1000),
      onMark: (differences) => {
        found += differences.length;
        done += 1;
        if (tty) {
          if (done > bar.getTotal()) bar.setTotal(done);
          bar.update(done, { differences: found });
        }
      },
    });
    if (tty) bar.stop();
    for (const difference of report.differences) process.stdout.write(`${formatDifference(difference)}\n`);
    process.stdout.write(`${summaryLine(report)}\n`);
    process.exitCode = report.differences.length ? 1 : 0;
  } catch (err) {
    if (tty) bar.stop();
    process.stderr.write(`npm run verify: ${(err as Error).message}\n`);
    process.exitCode = 3;
  } finally {
    await target.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // the SDK's Node.js 22 notice is noise in a command's output (as in npm start and the bench)
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  void main();
}
