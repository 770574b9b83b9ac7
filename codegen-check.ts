/**
 * The one runner of codegen.yml. `npm run codegen:check` (part of npm test) fails when a generated
 * file — resolvers/lib/graphql.ts, web/src/graphql/operations.ts — is not what codegen.yml generates
 * from the current schema and client operations, so a schema change cannot be committed without its
 * types; and it fails, with what is wrong, when codegen refuses: a client operation that no longer
 * matches the schema, or that a subscription would silently miss (codegen/subscription-filters.ts).
 * It generates in memory and compares with the committed files. `npm run codegen` (this file with
 * --write) writes them instead.
 */
import { generate } from '@graphql-codegen/cli';
import { readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Types } from '@graphql-codegen/plugin-helpers';

const write = process.argv.includes('--write');
const config = parse(readFileSync('codegen.yml', 'utf8')) as Types.Config;
let outputs: Types.FileOutput[];
try {
  outputs = (await generate({ ...config, silent: true }, false)) as Types.FileOutput[];
} catch (err) {
  console.error(`codegen failed:\n${messageOf(err)}`);
  process.exit(1);
}
let stale = 0;
for (const output of outputs) {
  let committed = '';
  try {
    committed = readFileSync(output.filename, 'utf8');
  } catch {
    // a missing file is reported as stale below
  }
  if (committed === output.content) continue;
  if (write) {
    writeFileSync(output.filename, output.content);
    console.log(`codegen: wrote ${output.filename}`);
  } else {
    console.error(`${output.filename} is out of date with schema.graphql and web/operations: run npm run codegen`);
    stale += 1;
  }
}
if (stale === 0) console.log(`codegen: ${outputs.map((o) => o.filename).join(', ')} up to date`);
process.exit(stale === 0 ? 0 : 1);

/** graphql-codegen wraps what went wrong (Listr, AggregateError, per-document details): all of it, once. */
function messageOf(err: unknown): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  const walk = (e: unknown) => {
    if (!e || typeof e !== 'object') return void (e !== undefined && lines.push(String(e)));
    const { message, details, errors } = e as { message?: string; details?: string; errors?: unknown[] };
    for (const text of [message, details]) {
      if (text && !seen.has(text.trim())) {
        seen.add(text.trim());
        lines.push(text.trim());
      }
    }
    for (const inner of errors ?? []) walk(inner);
  };
  walk(err);
  // drop the blank lines and deep indentation of codegen's templates, keep short indents (list items)
  return lines.join('\n').split('\n').filter((line) => line.trim()).map((line) => line.replace(/^\s{4,}(?=\S)/, '')).join('\n');
}
