/**
 * One request's fan-out does not hold everyone else (issue 20, part 5): how long a client's
 * single getMark waits while another client's documents of many aliases of getMark run — 100
 * (the API's resolverCountLimit: every alias answered) and 1,000 (100 answered, 900 refused as
 * ResolverCountLimitExceeded; the most aliases a document may have since issue 24, which refuses
 * more before validation). Target: the reader's p99 under 50 ms while such documents run.
 *
 * Both clients run in the load-generating process (bench/load-generator.ts), the fan-out client
 * in a worker thread of it, so that parsing its large answers does not delay the reader: the
 * reader reads one mark over HTTP as staff, one call after another, alone first (the baseline),
 * then while the other client sends `documents` documents of each size, one after another.
 *
 *   npx tsx bench/fan-out.ts [--documents 5] [--aliases 100,1000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startStack, type Stack } from '../local/stack';
import type { FanOutDocument } from './load-generator';
import { loadGeneratorFor } from './runtime-overhead';
import { formatNumber, summarize, type Summary } from './stats';

export interface FanOutOptions {
  stack: Stack;
  /** documents of each size */
  documents: number;
  aliases: number[];
  baselineReads: number;
  tag: string;
}

export interface FanOutPhase {
  aliases: number;
  /** the reader's waits while the documents ran */
  reads: Summary;
  /** each document's round trip */
  documentMs: Summary;
  /** per document: aliases answered, and the refused ones by errorType (the same for every document) */
  answered: number[];
  refused: Record<string, number>[];
}

export interface FanOutResult {
  baseline: Summary;
  phases: FanOutPhase[];
}

export async function benchFanOut(options: FanOutOptions, progress: (line: string) => void = () => {}): Promise<FanOutResult> {
  const load = await loadGeneratorFor(options.stack);
  try {
    const out = await load.run({ kind: 'fan-out', tag: options.tag, aliases: options.aliases, documents: options.documents, baselineReads: options.baselineReads }, progress);
    const baseline = out.phases.find((p) => p.aliases === null)!;
    return {
      baseline: summarize(baseline.reads),
      phases: out.phases
        .filter((p): p is typeof p & { aliases: number } => p.aliases !== null)
        .map((p) => ({
          aliases: p.aliases,
          reads: summarize(p.reads),
          documentMs: summarize(p.documents.map((d: FanOutDocument) => d.ms)),
          answered: p.documents.map((d) => d.answered),
          refused: p.documents.map((d) => d.refused),
        })),
    };
  } finally {
    await load.stop();
  }
}

/** "100 answered, 4,900 refused as ResolverCountLimitExceeded" (the first document's; every document is answered alike). */
export function describeAnswers(phase: FanOutPhase): string {
  const refused = Object.entries(phase.refused[0] ?? {}).map(([type, n]) => `${n.toLocaleString('en-GB')} refused as ${type}`);
  const alike = phase.answered.every((n) => n === phase.answered[0]) && phase.refused.every((r) => JSON.stringify(r) === JSON.stringify(phase.refused[0]));
  return `${(phase.answered[0] ?? 0).toLocaleString('en-GB')} answered${refused.length ? `, ${refused.join(', ')}` : ''}${alike ? '' : ' (NOT the same for every document)'}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { documents: { type: 'string', default: '5' }, aliases: { type: 'string', default: '100,1000' } } });
  const buildRoot = mkdtempSync(join(tmpdir(), 'mark-api-bench-'));
  const stack = await startStack({ inMemory: true, buildRoot, tablePrefix: 'bench_' });
  try {
    console.log(`Node ${process.version}, ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    const r = await benchFanOut({ stack, documents: Number(values.documents), aliases: values.aliases.split(',').map(Number), baselineReads: 200, tag: 'F' }, (line) => console.log(line));
    console.log(`reader alone: p50 ${formatNumber(r.baseline.median)} ms, p99 ${formatNumber(r.baseline.p99)} ms (${r.baseline.n} reads)`);
    for (const p of r.phases) {
      console.log(
        `reader beside ${values.documents} documents of ${p.aliases} aliases (${describeAnswers(p)}; each ${formatNumber(p.documentMs.median)} ms median): ` +
          `p50 ${formatNumber(p.reads.median)} ms, p99 ${formatNumber(p.reads.p99)} ms, max ${formatNumber(p.reads.max)} ms (${p.reads.n} reads); target p99 < 50 ms: ${p.reads.p99 < 50 ? 'met' : 'MISSED'}`,
      );
    }
    console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  } finally {
    await stack.stop();
    rmSync(buildRoot, { recursive: true, force: true });
  }
}
