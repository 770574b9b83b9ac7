/**
 * `npm run rebuild`: rewrites every view and snapshot that differs from the fold of its mark's
 * events — after a change to `evolve`, or to repair what `npm run verify` found.
 *
 * Safe under live traffic: every write of a mark is one TransactWriteItems conditioned on the view
 * still being at the version that was read (snapshots with a ConditionCheck on it, the view with
 * its own condition), so a command that lands meanwhile wins and the mark is read and redone; and
 * the rewritten view carries a fresh REBUILD_ID (resolvers/lib/state.ts), so a command that loaded
 * the view before the rewrite fails its own condition instead of writing a stale fold over it.
 * Idempotent: a mark that already equals its fold is not written. Resumable: after each Scan page,
 * the position of every segment goes to a checkpoint file (written whole and renamed), and a run
 * started again with the same checkpoint continues from there; a run that finishes removes it.
 * A mark whose stream is itself broken (a missing version, an unreadable event) is reported and
 * left alone: rebuilding from it would make the view agree with a hole.
 */
import { GetItemCommand, TransactWriteItemsCommand, type AttributeValue, type DynamoDBClient, type GetItemCommandOutput, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../../infra/wiring';
import { REBUILD_ID, type MarkState } from '../../resolvers/lib/state';
import { randomUUID } from 'node:crypto';
import { checkMark, differingFields, expectedStates, formatDifference, sortDifferences, type Difference, type Evolve } from './check';
import { inParallel, readHistory, scanViews, type ScanKey, type StoreTables } from './store';
import { TARGET_OPTIONS, TARGET_USAGE, UsageError, openTargetOrExit, positiveInteger, type TargetFlags } from './target';

export interface RebuildOptions {
  client: DynamoDBClient;
  tables: StoreTables;
  segments: number;
  pageSize?: number;
  concurrency?: number;
  /** the fold to rebuild with (default the one evolve; tests inject another) */
  evolve?: Evolve;
  /** list what would change, write nothing */
  dryRun?: boolean;
  /** where the run's position is kept (none: not resumable) */
  checkpointFile?: string;
  /** at most this many marks a second (spares the table's capacity under live traffic) */
  marksPerSecond?: number;
  onMark?: () => void;
}

export interface RebuildReport {
  /** marks looked at in this run */
  marks: number;
  /** marks already done by an earlier run of the same checkpoint */
  resumed: number;
  /** marks whose view or snapshots were rewritten (dry run: would be) */
  rewritten: number;
  snapshotsWritten: number;
  /** times a concurrent command won and a mark was read and redone */
  redone: number;
  /** what differs (dry run) or what was found broken and left alone */
  differences: Difference[];
  /** marks left alone because their stream is broken */
  broken: number;
}

interface Checkpoint {
  tables: StoreTables;
  segments: number;
  positions: { next?: ScanKey; done: boolean }[];
  marksDone: number;
}

function loadCheckpoint(file: string, tables: StoreTables, segments: number): Checkpoint | null {
  if (!existsSync(file)) return null;
  let checkpoint: Checkpoint;
  try {
    checkpoint = JSON.parse(readFileSync(file, 'utf8')) as Checkpoint;
  } catch (err) {
    throw new Error(`unreadable checkpoint ${file}: ${(err as Error).message}`);
  }
  if (JSON.stringify(checkpoint.tables) !== JSON.stringify(tables) || checkpoint.segments !== segments) {
    throw new UsageError(`checkpoint ${file} belongs to another run (tables ${Object.values(checkpoint.tables).join(', ')}, ${checkpoint.segments} segments): give the same --segments and tables, or remove it to start over`);
  }
  return checkpoint;
}

function saveCheckpoint(file: string, checkpoint: Checkpoint): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(checkpoint));
  renameSync(temporary, file);
}

const isConditionFailure = (err: unknown) => (err as { name?: string }).name === 'TransactionCanceledException' || (err as { name?: string }).name === 'ConditionalCheckFailedException';

/** Spreads starts at most `perSecond` a second over every caller. */
function pacer(perSecond: number | undefined): () => Promise<void> {
  if (!perSecond) return async () => {};
  let next = Date.now();
  return async () => {
    const at = Math.max(next, Date.now());
    next = at + 1000 / perSecond;
    await new Promise((r) => setTimeout(r, at - Date.now()));
  };
}

export async function rebuildStore(options: RebuildOptions): Promise<RebuildReport> {
  const { client, tables } = options;
  const report: RebuildReport = { marks: 0, resumed: 0, rewritten: 0, snapshotsWritten: 0, redone: 0, differences: [], broken: 0 };
  const checkpointFile = options.dryRun ? undefined : options.checkpointFile;
  const loaded = checkpointFile ? loadCheckpoint(checkpointFile, tables, options.segments) : null;
  const checkpoint: Checkpoint = loaded ?? { tables, segments: options.segments, positions: Array.from({ length: options.segments }, () => ({ done: false })), marksDone: 0 };
  report.resumed = loaded?.marksDone ?? 0;
  let saving = Promise.resolve();
  const save = () => {
    if (!checkpointFile) return;
    const copy = JSON.parse(JSON.stringify(checkpoint)) as Checkpoint;
    saving = saving.then(() => saveCheckpoint(checkpointFile, copy));
  };
  const pace = pacer(options.marksPerSecond);

  /** One mark, from a view as read; redone from a fresh read while commands win. */
  const rebuildMark = async (first: MarkState) => {
    let view: MarkState | null = first;
    for (let attempt = 0; view; attempt++) {
      if (attempt > 0) report.redone += 1;
      const history = await readHistory(client, tables, view);
      const expected = expectedStates(view.mark, history, options.evolve);
      const lastEvent = history.events.at(-1)?.version ?? 0;
      if (expected.differences.length || lastEvent !== view.version || !expected.view) {
        report.broken += 1;
        report.differences.push(...checkMark(view.mark, history, options.evolve));
        return;
      }
      const found = new Map(history.snapshots.map((s) => [s.version, s]));
      const snapshots = [...expected.snapshots].filter(([version, state]) => !found.has(version) || differingFields(state, found.get(version)).length > 0);
      const viewDiffers = differingFields(expected.view, view).length > 0;
      if (!viewDiffers && snapshots.length === 0) return;
      if (options.dryRun) {
        report.rewritten += 1;
        report.snapshotsWritten += snapshots.length;
        report.differences.push(...checkMark(view.mark, history, options.evolve));
        return;
      }
      const onVersion = { ConditionExpression: '#version = :read', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':read': { N: String(view.version) } } };
      const viewKey: Record<string, AttributeValue> = { mark: { S: view.mark } };
      try {
        // a transaction holds 100 items: snapshots go in chunks, each checked against the view's version
        const puts: TransactWriteItem[] = snapshots.map(([, state]) => ({ Put: { TableName: tables.snapshots, Item: marshall(state, { removeUndefinedValues: true }) } }));
        for (let i = 0; i < puts.length || i === 0; i += 98) {
          const chunk = puts.slice(i, i + 98);
          const last = i + 98 >= puts.length;
          const guard: TransactWriteItem =
            last && viewDiffers
              ? { Put: { TableName: tables.marks, Item: marshall({ ...expected.view, [REBUILD_ID]: randomUUID() }, { removeUndefinedValues: true }), ...onVersion } }
              : { ConditionCheck: { TableName: tables.marks, Key: viewKey, ...onVersion } };
          if (chunk.length === 0 && guard.ConditionCheck) break;
          await client.send(new TransactWriteItemsCommand({ TransactItems: [...chunk, guard] }));
          report.snapshotsWritten += chunk.length;
        }
        report.rewritten += 1;
        return;
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        // a command moved the view on: read it again and redo the mark from its new version
        const again: GetItemCommandOutput = await client.send(new GetItemCommand({ TableName: tables.marks, Key: viewKey, ConsistentRead: true }));
        view = again.Item ? (unmarshall(again.Item) as MarkState) : null;
      }
    }
  };

  const segment = async (index: number) => {
    const position = checkpoint.positions[index]!;
    while (!position.done) {
      const page = await scanViews(client, tables.marks, index, options.segments, position.next, options.pageSize ?? 100);
      await inParallel(page.views, options.concurrency ?? 4, async (view) => {
        await pace();
        await rebuildMark(view);
        report.marks += 1;
        options.onMark?.();
      });
      position.next = page.next;
      position.done = !page.next;
      checkpoint.marksDone += page.views.length;
      save();
    }
  };
  await Promise.all(checkpoint.positions.map((_, i) => segment(i)));
  await saving;
  sortDifferences(report.differences);
  if (checkpointFile && existsSync(checkpointFile)) rmSync(checkpointFile);
  return report;
}

const USAGE = `Usage: npm run rebuild [-- options]

Rewrites every view and snapshot that differs from the fold of its mark's events (after a change
to evolve). Safe under live traffic: each mark's writes are conditioned on its view's version, and
a mark a command changed meanwhile is redone. Resumable: killed, it continues from its checkpoint
when started again with the same options. Exit status: 0 done, 1 marks left alone because their
stream is broken (listed), 2 bad command line, 3 failure.

  --dry-run                 list what would change (as npm run verify prints it); write nothing
  --checkpoint <file>       where the run's position is kept (default .data/rebuild-checkpoint.json
                            locally, ./rebuild-<Marks table>.checkpoint.json against AWS)
  --rate <n>                at most n marks a second (1 to 100000; default: as fast as it goes)
  --page-size <n>           Marks items per Scan page, the checkpoint's step (1 to 1000, default 100)

${TARGET_USAGE}
  --help                    show this help`;

async function main(): Promise<void> {
  let flags: TargetFlags & { 'dry-run'?: boolean; checkpoint?: string; rate?: string; 'page-size'?: string; help?: boolean };
  try {
    ({ values: flags } = parseArgs({
      args: process.argv.slice(2),
      options: { ...TARGET_OPTIONS, 'dry-run': { type: 'boolean' }, checkpoint: { type: 'string' }, rate: { type: 'string' }, 'page-size': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
    if (flags.help) {
      process.stdout.write(`${USAGE}\n`);
      return;
    }
    positiveInteger('page-size', flags['page-size'], 100, 1000);
    positiveInteger('rate', flags.rate, 1, 100_000);
    if (flags['dry-run'] && flags.checkpoint) throw new UsageError('--dry-run writes nothing and keeps no checkpoint: leave out --checkpoint');
  } catch (err) {
    process.stderr.write(`npm run rebuild: ${(err as Error).message} (npm run rebuild -- --help for the options)\n`);
    process.exit(2);
  }
  const target = await openTargetOrExit('rebuild', flags);
  const aws = flags.outputs !== undefined || flags['marks-table'] !== undefined;
  const checkpointFile = resolve(flags.checkpoint ?? (aws ? `rebuild-${target.tables.marks}.checkpoint.json` : join(flags['data-dir'] ?? join(REPO_ROOT, '.data'), 'rebuild-checkpoint.json')));
  try {
    process.stderr.write(`rebuild${flags['dry-run'] ? ' (dry run)' : ''}: ${target.description}, ${target.segments} segments${flags['dry-run'] ? '' : `, checkpoint ${checkpointFile}`}\n`);
    const report = await rebuildStore({
      client: target.client,
      tables: target.tables,
      segments: target.segments,
      pageSize: positiveInteger('page-size', flags['page-size'], 100, 1000),
      marksPerSecond: flags.rate === undefined ? undefined : Number(flags.rate),
      dryRun: flags['dry-run'],
      checkpointFile,
    });
    for (const difference of report.differences) process.stdout.write(`${formatDifference(difference)}\n`);
    const resumed = report.resumed ? `resumed from a checkpoint with ${report.resumed} marks already done; ` : '';
    const verb = flags['dry-run'] ? 'would rewrite' : 'rewrote';
    process.stdout.write(
      `rebuild: ${resumed}${report.marks} marks read, ${verb} ${report.rewritten} (${report.snapshotsWritten} snapshots), ${report.redone} redone after a concurrent command, ${report.broken} left alone with a broken stream\n`,
    );
    process.exitCode = report.broken ? 1 : 0;
  } catch (err) {
    process.stderr.write(`npm run rebuild: ${(err as Error).message}\n`);
    process.exitCode = err instanceof UsageError ? 2 : 3;
  } finally {
    await target.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // the SDK's Node.js 22 notice is noise in a command's output (as in npm start and the bench)
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  void main();
}
