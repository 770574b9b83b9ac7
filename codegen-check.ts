/**
 * `npm run codegen:check`: fails when resolvers/lib/graphql.ts is not what codegen.yml generates
 * from the current schema, so a schema change cannot be committed without its types.
 * Generates in memory (nothing is written) and compares with the committed file.
 */
import { generate } from '@graphql-codegen/cli';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Types } from '@graphql-codegen/plugin-helpers';

const config = parse(readFileSync('codegen.yml', 'utf8')) as Types.Config;
const outputs = (await generate({ ...config, silent: true }, false)) as Types.FileOutput[];
let stale = 0;
for (const output of outputs) {
  let committed = '';
  try {
    committed = readFileSync(output.filename, 'utf8');
  } catch {
    // a missing file is reported as stale below
  }
  if (committed !== output.content) {
    console.error(`${output.filename} is out of date with schema.graphql: run npm run codegen`);
    stale += 1;
  }
}
if (stale === 0) console.log(`codegen: ${outputs.map((o) => o.filename).join(', ')} up to date`);
process.exit(stale === 0 ? 0 : 1);
