/**
 * Where a request's time goes (issue 20, part 1): the median time of each stage of the local
 * endpoint for a command (changeNominee) and for getMark, so that a regression points at its stage.
 *
 * The endpoint traces its requests (appsync-local's ApiServer.traceRequests: HTTP and JSON, token
 * verification, parse and validation, directive checks, GraphQL execution, each sandbox step, each
 * data source call, the resolver runtime around them, the subscription publish, serialisation)
 * while a client in the load-generating process (bench/load-generator.ts) sends one changeNominee
 * and one getMark after another as staff. Tracing is then turned off for as many calls, in
 * alternate blocks, so that what tracing costs is printed too (off, each hook is one test of an
 * undefined variable).
 *
 *   npx tsx bench/stages.ts [--calls 300]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { RequestTrace } from 'appsync-local';
import { startStack, type Stack } from '../local/stack';
import { loadGeneratorFor } from './runtime-overhead';
import { formatNumber, median } from './stats';

export interface StagesOptions {
  stack: Stack;
  /** calls of each operation, traced (and as many untraced) */
  calls: number;
  /** distinguishes this call's mark from other calls' on the same tables */
  tag: string;
}

export interface OperationStages {
  /** the root field, Type.field */
  field: string;
  traced: number;
  /** median ms per stage, in the order the stages first ran */
  stages: [stage: string, medianMs: number][];
  /** the endpoint's whole handling: request read to answer written */
  totalMs: number;
  /** the client's round trip, traced and untraced */
  clientTracedMs: number;
  clientUntracedMs: number;
}

export interface StagesResult {
  operations: OperationStages[];
}

/** traced and untraced blocks, alternated, so that drift hits both alike */
const BLOCKS = 6;

export async function benchStages(options: StagesOptions): Promise<StagesResult> {
  const { stack, calls, tag } = options;
  const load = await loadGeneratorFor(stack);
  const traces: RequestTrace[] = [];
  const client: Record<'traced' | 'untraced', Record<string, number[]>> = { traced: {}, untraced: {} };
  try {
    // DynamoDB Local and the JITs warm up over the first hundred calls: the first measured block
    // came out slower than the next whichever of traced and untraced it was, after 20 calls
    await load.run({ kind: 'stages', calls: Math.min(100, calls), tag: `${tag}w` });
    const perBlock = Math.max(1, Math.ceil(calls / (BLOCKS / 2)));
    for (let block = 0; block < BLOCKS; block++) {
      const traced = block % 2 === 0;
      stack.server.traceRequests(traced ? (trace) => traces.push(trace) : undefined);
      try {
        const out = await load.run({ kind: 'stages', calls: perBlock, tag: `${tag}${block}` });
        for (const call of out.calls) (client[traced ? 'traced' : 'untraced'][call.operation] ??= []).push(call.ms);
      } finally {
        stack.server.traceRequests(undefined);
      }
    }
  } finally {
    await load.stop();
  }
  const operations: OperationStages[] = [];
  for (const [operation, field] of [['changeNominee', 'Mutation.changeNominee'], ['getMark', 'Query.getMark']] as const) {
    const mine = traces.filter((t) => t.fields.length === 1 && t.fields[0] === field);
    const names: string[] = [];
    for (const t of mine) for (const name of Object.keys(t.stages)) if (!names.includes(name)) names.push(name);
    operations.push({
      field,
      traced: mine.length,
      stages: names.map((name) => [name, median(mine.map((t) => t.stages[name] ?? 0))]),
      totalMs: median(mine.map((t) => t.totalMs)),
      clientTracedMs: median(client.traced[operation] ?? []),
      clientUntracedMs: median(client.untraced[operation] ?? []),
    });
  }
  return { operations };
}

/** The stage table: one row per stage, one column per operation (Markdown). */
export function stagesTable(result: StagesResult): string[] {
  const ops = result.operations;
  if (!ops.length) return [];
  const names: string[] = [];
  for (const op of ops) for (const [name] of op.stages) if (!names.includes(name)) names.push(name);
  const cell = (op: OperationStages, name: string) => {
    const found = op.stages.find(([n]) => n === name);
    return found ? formatNumber(found[1]) : '';
  };
  return [
    `Where a request's time goes: median ms per stage of the endpoint (${ops.map((op) => `${op.traced} ${op.field}`).join(', ')}, one call at a time; bench/stages.ts)`,
    '',
    `| stage | ${ops.map((op) => op.field).join(' | ')} |`,
    `| --- | ${ops.map(() => '---:').join(' | ')} |`,
    ...names.map((name) => `| ${name} | ${ops.map((op) => cell(op, name)).join(' | ')} |`),
    `| **the endpoint, request read to answer written** | ${ops.map((op) => `**${formatNumber(op.totalMs)}**`).join(' | ')} |`,
    `| the client's round trip, traced | ${ops.map((op) => formatNumber(op.clientTracedMs)).join(' | ')} |`,
    `| the client's round trip, not traced | ${ops.map((op) => formatNumber(op.clientUntracedMs)).join(' | ')} |`,
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { calls: { type: 'string', default: '300' } } });
  const buildRoot = mkdtempSync(join(tmpdir(), 'mark-api-bench-'));
  const stack = await startStack({ inMemory: true, buildRoot, tablePrefix: 'bench_' });
  try {
    console.log(`Node ${process.version}, ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    const result = await benchStages({ stack, calls: Number(values.calls), tag: 'S' });
    console.log(stagesTable(result).join('\n'));
  } finally {
    await stack.stop();
    rmSync(buildRoot, { recursive: true, force: true });
  }
}
