/**
 * `npm run seed -- --count 51 [--url <GraphQL endpoint>] [--concurrency <n>]`: releases that many
 * random available marks through the GraphQL API, as the original's seed endpoint did, with a
 * progress bar. A random mark that already exists is replaced by another. Releasing is staff's:
 * the seed signs its requests with IAM (SigV4), as a back-office service does, with the local
 * stack's development credentials unless others are given.
 */
import { SingleBar, Presets } from 'cli-progress';
import { randomInt, randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_GRAPHQL_URL, LOCAL_IAM_CREDENTIALS } from './stack';
import { signedIamHeaders } from 'appsync-local';

const USAGE = `Usage: npm run seed -- --count <n> [options]

Releases <n> random available marks through the mark-api GraphQL endpoint.

  --count <n>          how many marks to release (1 to 100000, required)
  --url <url>          the GraphQL endpoint npm start printed
                       (default: $MARK_API_URL, else ${DEFAULT_GRAPHQL_URL})
  IAM credentials: $MARK_API_ACCESS_KEY_ID and $MARK_API_SECRET_ACCESS_KEY, else the local
  stack's back-office principal (${LOCAL_IAM_CREDENTIALS.accessKeyId})
  --concurrency <n>    requests in flight at once (1 to 64, default 8)
  --help               show this help`;

export interface SeedOptions {
  count: number;
  url: string;
  /** the IAM principal that signs the releases (staff) */
  credentials: { accessKeyId: string; secretAccessKey: string };
  concurrency: number;
}

export class SeedUsageError extends Error {}

/** The options of a command line, or a SeedUsageError that says what is wrong with it. */
export function parseSeedArgs(argv: string[], env: Record<string, string | undefined> = process.env): SeedOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { count: { type: 'string' }, url: { type: 'string' }, concurrency: { type: 'string' }, help: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new SeedUsageError(`${(err as Error).message}\n\n${USAGE}`);
  }
  if (values.help) return 'help';
  const count = Number(values.count);
  if (values.count === undefined) throw new SeedUsageError(`--count is required\n\n${USAGE}`);
  if (!Number.isInteger(count) || count < 1 || count > 100_000) throw new SeedUsageError(`--count must be a whole number from 1 to 100000, not "${values.count}"`);
  const concurrency = values.concurrency === undefined ? 8 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new SeedUsageError(`--concurrency must be a whole number from 1 to 64, not "${values.concurrency}"`);
  const url = values.url ?? env.MARK_API_URL ?? DEFAULT_GRAPHQL_URL;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SeedUsageError(`--url must be a URL like http://127.0.0.1:4000/graphql, not "${url}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new SeedUsageError(`--url must be http or https, not "${parsed.protocol}"`);
  const accessKeyId = env.MARK_API_ACCESS_KEY_ID ?? LOCAL_IAM_CREDENTIALS.accessKeyId;
  const secretAccessKey = env.MARK_API_SECRET_ACCESS_KEY ?? LOCAL_IAM_CREDENTIALS.secretAccessKey;
  return { count, url: parsed.href, credentials: { accessKeyId, secretAccessKey }, concurrency };
}

const LETTERS = 'ABCDEFGHJKLMNPRSTUVWXYZ';
const pick = (alphabet: string) => alphabet[randomInt(alphabet.length)];

/** A random mark in one of the usual shapes: "AB12 CDE", "A123 BCD", "ABC 123". */
export function randomMark(): string {
  const digits = (n: number) => Array.from({ length: n }, () => randomInt(10)).join('');
  const letters = (n: number) => Array.from({ length: n }, () => pick(LETTERS)).join('');
  switch (randomInt(3)) {
    case 0:
      return `${letters(2)}${digits(2)} ${letters(3)}`;
    case 1:
      return `${letters(1)}${randomInt(1, 1000)} ${letters(3)}`;
    default:
      return `${letters(3)} ${randomInt(1, 1000)}`;
  }
}

const RELEASE = `mutation Seed($input: ReleaseMarkInput!) { releaseMark(input: $input) { mark version } }`;

async function releaseOne(options: SeedOptions): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const input = { mark: randomMark(), price: randomInt(250, 50_001), commandId: `seed-${randomUUID()}` };
    let res: Response;
    const body = JSON.stringify({ query: RELEASE, variables: { input } });
    try {
      res = await fetch(options.url, { method: 'POST', headers: await signedIamHeaders(options.url, body, options.credentials), body });
    } catch (err) {
      throw new Error(`could not reach ${options.url} (is \`npm start\` running?): ${(err as Error).cause ?? (err as Error).message}`);
    }
    const answer = (await res.json().catch(() => ({}))) as { data?: { releaseMark?: { mark: string } | null }; errors?: { message: string; errorType?: string }[] };
    const error = answer.errors?.[0];
    if (!error && answer.data?.releaseMark) return answer.data.releaseMark.mark;
    if (error?.errorType === 'MarkAlreadyExists') continue;
    throw new Error(`releaseMark ${input.mark} failed (HTTP ${res.status}): ${error ? `${error.errorType ?? 'error'}: ${error.message}` : JSON.stringify(answer)}`);
  }
  throw new Error('20 random marks in a row already existed: the space of random marks is nearly full');
}

/** Releases options.count marks; returns them. onProgress is called after each one. */
export async function seed(options: SeedOptions, onProgress: (done: number) => void = () => {}): Promise<string[]> {
  const released: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < options.count) {
      next += 1;
      released.push(await releaseOne(options));
      onProgress(released.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.count) }, worker));
  return released;
}

async function main() {
  let options: SeedOptions | 'help';
  try {
    options = parseSeedArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`npm run seed: ${(err as Error).message}\n`);
    process.exit(2);
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const bar = new SingleBar({ format: 'seeding {bar} {value}/{total} marks | {duration}s', noTTYOutput: true, notTTYSchedule: 2000 }, Presets.shades_classic);
  bar.start(options.count, 0);
  try {
    const marks = await seed(options, (done) => bar.update(done));
    bar.stop();
    process.stdout.write(`released ${marks.length} marks, e.g. ${marks.slice(0, 3).join(', ')}\n`);
  } catch (err) {
    bar.stop();
    process.stderr.write(`npm run seed: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
