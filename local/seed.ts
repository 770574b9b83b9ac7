/**
 * `npm run seed -- --count 51`: releases that many random available marks through the GraphQL API,
 * as the original's seed endpoint did, with a progress bar. A random mark that already exists is
 * replaced by another. Releasing is staff's: the seed signs its requests with IAM (SigV4), as a
 * back-office service does. Where: the local stack npm start runs (found by its data folder's
 * stack.json, local/stack-file.ts, whatever port it took) with the local back-office principal; a
 * deployed stack (--outputs, or an AppSync --url) with the usual AWS credential chain; or --url.
 */
import { SingleBar, Presets } from 'cli-progress';
import { randomInt, randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { CLIENT_OUTPUTS } from '../infra/client-config';
import { LOCAL_IAM_CREDENTIALS } from './stack';
import { DEFAULT_DATA_DIR } from './stack-file';
import { readStackOutputs, runningLocalStack, runningPart, UsageError } from './ops/target';
import { signedIamHeaders } from 'appsync-local';

const USAGE = `Usage: npm run seed -- --count <n> [options]

Releases <n> random available marks through the mark-api GraphQL endpoint.

  --count <n>          how many marks to release (1 to 100000, required)
Where (default: the local stack npm start runs on .data/, on whatever port it took):
  --data-dir <dir>     the local stack running on this data folder instead
  --outputs <file>     a deployed stack's outputs (npm run deploy -- --outputs-file <file>)
  --stack <name>       the stack in --outputs, when it holds several
  --url <url>          a GraphQL endpoint (or $MARK_API_URL)
Credentials: the local stack's back-office principal (${LOCAL_IAM_CREDENTIALS.accessKeyId}) for
  the local stack; for a deployed one (--outputs, or an AppSync --url) the usual AWS credential
  chain (AWS_PROFILE, AWS_ACCESS_KEY_ID..., as the AWS CLI finds them): a principal allowed
  appsync:GraphQL on the API. $MARK_API_ACCESS_KEY_ID and $MARK_API_SECRET_ACCESS_KEY override both.
  --concurrency <n>    requests in flight at once (1 to 64, default 8)
  --help               show this help`;

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

export interface SeedOptions {
  count: number;
  url: string;
  /** the IAM principal that signs the releases (staff): keys, or a provider (the AWS credential chain) */
  credentials: Credentials | (() => Promise<Credentials>);
  /** the region SigV4 names (default us-east-1, the local stack's) */
  region?: string;
  concurrency: number;
  /** where it seeds, for the report */
  description?: string;
}

export class SeedUsageError extends Error {}

/** An AppSync endpoint's region: https://<id>.appsync-api.<region>.amazonaws.com/graphql (or a custom domain: none). */
const appSyncRegion = (url: URL) => /\.appsync-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname)?.[1];

/** The options of a command line, or a SeedUsageError that says what is wrong with it. */
export function parseSeedArgs(argv: string[], env: Record<string, string | undefined> = process.env): SeedOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        count: { type: 'string' },
        url: { type: 'string' },
        'data-dir': { type: 'string' },
        outputs: { type: 'string' },
        stack: { type: 'string' },
        concurrency: { type: 'string' },
        help: { type: 'boolean' },
      },
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
  const given = [values.url !== undefined && '--url', values.outputs !== undefined && '--outputs', values['data-dir'] !== undefined && '--data-dir'].filter(Boolean);
  if (given.length > 1) throw new SeedUsageError(`${given.join(' and ')} name different stacks: give one`);
  if (values.stack !== undefined && values.outputs === undefined) throw new SeedUsageError('--stack names a stack of --outputs');

  let url: string;
  let region: string | undefined;
  let deployed = false;
  let description: string;
  try {
    if (values.outputs !== undefined) {
      const outputs = readStackOutputs(values.outputs, CLIENT_OUTPUTS.graphqlUrl, values.stack);
      url = outputs[CLIENT_OUTPUTS.graphqlUrl]!;
      region = outputs[CLIENT_OUTPUTS.region];
      deployed = true;
      description = `the deployed stack at ${url}`;
    } else if (values.url !== undefined || (values['data-dir'] === undefined && env.MARK_API_URL)) {
      url = (values.url ?? env.MARK_API_URL)!;
      description = url;
    } else {
      const running = runningLocalStack(values['data-dir'] ?? DEFAULT_DATA_DIR);
      url = runningPart(running, 'graphqlUrl');
      description = `the local stack at ${url} (npm start, pid ${running.pid})`;
    }
  } catch (err) {
    if (err instanceof UsageError) throw new SeedUsageError(err.message);
    throw err;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SeedUsageError(`--url must be a URL like http://127.0.0.1:4000/graphql, not "${url}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new SeedUsageError(`--url must be http or https, not "${parsed.protocol}"`);
  region ??= appSyncRegion(parsed);
  deployed ||= region !== undefined;
  let credentials: SeedOptions['credentials'];
  if (env.MARK_API_ACCESS_KEY_ID !== undefined || env.MARK_API_SECRET_ACCESS_KEY !== undefined) {
    if (!env.MARK_API_ACCESS_KEY_ID || !env.MARK_API_SECRET_ACCESS_KEY) throw new SeedUsageError('$MARK_API_ACCESS_KEY_ID and $MARK_API_SECRET_ACCESS_KEY go together: set both');
    credentials = { accessKeyId: env.MARK_API_ACCESS_KEY_ID, secretAccessKey: env.MARK_API_SECRET_ACCESS_KEY };
  } else if (deployed) {
    credentials = fromNodeProviderChain();
  } else {
    credentials = { accessKeyId: LOCAL_IAM_CREDENTIALS.accessKeyId, secretAccessKey: LOCAL_IAM_CREDENTIALS.secretAccessKey };
  }
  return { count, url: parsed.href, credentials, concurrency, description, ...(region ? { region } : {}) };
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
      const credentials = typeof options.credentials === 'function' ? await options.credentials() : options.credentials;
      res = await fetch(options.url, { method: 'POST', headers: await signedIamHeaders(options.url, body, credentials, options.region), body });
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
  process.stderr.write(`seed: ${options.description ?? options.url}\n`);
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
