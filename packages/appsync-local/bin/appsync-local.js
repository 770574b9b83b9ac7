#!/usr/bin/env node
// The command line of the installed package; dist/ is built when the package is packed (scripts/build.mjs).
// In the appsync-local repository itself: npx tsx packages/appsync-local/src/cli.ts --help
import { existsSync } from 'node:fs';

if (!existsSync(new URL('../dist/cli.js', import.meta.url))) {
  process.stderr.write('appsync-local: not built (no dist/): run `npm run build -w appsync-local`, or `npx tsx packages/appsync-local/src/cli.ts`\n');
  process.exit(1);
}
const { main } = await import('../dist/cli.js');
process.exit(await main(process.argv.slice(2)));
