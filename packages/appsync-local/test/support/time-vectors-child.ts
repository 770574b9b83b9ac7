// Runs the time vectors in this process (started by test/time.test.ts with a non-UTC TZ)
// and prints the answers as JSON for the parent to compare.
import { runTimeVectors } from './time-vectors';

process.stdout.write(`${JSON.stringify({ tz: process.env.TZ, offset: new Date(0).getTimezoneOffset(), results: runTimeVectors() })}\n`);
