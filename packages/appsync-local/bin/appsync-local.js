#!/usr/bin/env node
// The command line of the installed package: dist/ is built when the package is packed (scripts/build.mjs).
import { main } from '../dist/cli.js';

process.exit(await main(process.argv.slice(2)));
