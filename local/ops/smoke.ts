/**
 * `npm run smoke`: the journey of local/ops/journey.ts without a browser, against the local stack
 * npm start runs (by default, from the client configuration file it writes) or against a deployed
 * stack given its outputs and test users. Prints each step with its time; exits 1 on the first
 * failure, with what was expected and what came back; 2 on a bad command line.
 */
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { ConsoleLogger } from 'aws-amplify/utils';
import { CLIENT_OUTPUTS, ClientConfigError, clientConfigFromOutputs, parseClientConfig, type ClientConfig } from '../../infra/client-config';
import { LOCAL_CLIENT_CONFIG_FILE } from '../client-config';
import { LOCAL_IAM_CREDENTIALS } from '../stack';
import { SEEDED_USERS, type SeededRole } from '../users';
import { runSmoke, type SmokeTarget, type SmokeUser } from './journey';
import { DEFAULT_DATA_DIR } from '../stack-file';
import { positiveInteger, readStackOutputs, runningLocalStack, UsageError } from './target';

const USERS = {
  purchaserA: { flag: 'purchaser-a', env: 'SMOKE_PURCHASER_A' },
  purchaserB: { flag: 'purchaser-b', env: 'SMOKE_PURCHASER_B' },
  dataProtection: { flag: 'data-protection', env: 'SMOKE_DATA_PROTECTION' },
} as const satisfies Record<SmokeRole, unknown>;
type SmokeRole = keyof SmokeTarget['users'];

export const USAGE = `Usage: npm run smoke [-- options]

One purchaser's journey through the API with the client's own typed operations (web/operations,
aws-amplify v6), configured by one client configuration file, as the web client is: staff release
a new mark over IAM; purchaser A subscribes to it, locks and buys it and reads it in full; purchaser B
reads it and sees none of A's personal data; A's subscription has received each event; data
protection forgets the mark. Each step is printed with its time. Exit status: 0 passed, 1 a step
failed (printed with what was expected and what came back), 2 bad command line. What the journey
created is cleaned up: the mark is forgotten (its MARK_FORGOTTEN event stays, without personal
data, as every erasure's does), also after a failure.

The local stack (default): start it with npm start, then npm run smoke. It finds the stack that
runs by its data folder's stack.json (as verify, rebuild and seed do), reads the client
configuration that stack wrote (amplify-config.json) and signs in as the seeded users, with the
local IAM principal npm start prints as staff.

A deployed stack:
  npm run deploy -- --outputs-file cdk-outputs.json
  export SMOKE_PURCHASER_A=<user> SMOKE_PURCHASER_A_PASSWORD=<password>       # any user of the pool
  export SMOKE_PURCHASER_B=<user> SMOKE_PURCHASER_B_PASSWORD=<password>       # another user
  export SMOKE_DATA_PROTECTION=<user> SMOKE_DATA_PROTECTION_PASSWORD=<password>  # in the dataProtection group
  npm run smoke -- --outputs cdk-outputs.json
Staff act over IAM with the usual AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID..., as the AWS
CLI finds them): a principal of the stack's account allowed appsync:GraphQL on the API. The users
must exist, confirmed, with a permanent password: npm run users -- --outputs cdk-outputs.json --smoke
--smoke-env smoke.env makes them and writes these lines into smoke.env (set -a; . smoke.env; set +a).

Options:
  --config <file>           a client configuration file (default: the one the running npm start wrote, ${relativeToCwd(LOCAL_CLIENT_CONFIG_FILE)})
  --data-dir <dir>          the local stack running on this data folder (default .data)
  --outputs <file>          a deployed stack's outputs (cdk deploy --outputs-file), instead of --config
  --stack <name>            the stack in --outputs, when it holds several
  --purchaser-a <user>      purchaser A's user name (or SMOKE_PURCHASER_A); password: SMOKE_PURCHASER_A_PASSWORD
  --purchaser-b <user>      purchaser B's (or SMOKE_PURCHASER_B); password: SMOKE_PURCHASER_B_PASSWORD
  --data-protection <user>  the data protection officer's (or SMOKE_DATA_PROTECTION); password: SMOKE_DATA_PROTECTION_PASSWORD
  --mark <mark>             the mark to create (default: a new "SM xxxxx")
  --timeout <ms>            per step (default 30000)
  --help                    show this help

Passwords are read from the environment only, never from the command line. On the local stack the
seeded users are the defaults (npm start prints them) and any of these overrides them.`;

function relativeToCwd(file: string): string {
  return file.startsWith(`${process.cwd()}/`) ? file.slice(process.cwd().length + 1) : file;
}

type Flags = {
  config?: string;
  'data-dir'?: string;
  outputs?: string;
  stack?: string;
  mark?: string;
  timeout?: string;
  help?: boolean;
} & Partial<Record<(typeof USERS)[SmokeRole]['flag'], string>>;

const OPTIONS = {
  config: { type: 'string' },
  'data-dir': { type: 'string' },
  outputs: { type: 'string' },
  stack: { type: 'string' },
  'purchaser-a': { type: 'string' },
  'purchaser-b': { type: 'string' },
  'data-protection': { type: 'string' },
  mark: { type: 'string' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function readJson(file: string, flag: string): unknown {
  if (!existsSync(file)) {
    throw new UsageError(flag === '--config' && file === LOCAL_CLIENT_CONFIG_FILE ? `no ${relativeToCwd(file)}: start the local stack with npm start first (it writes that file), or give --outputs` : `${flag}: no such file ${file}`);
  }
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`${flag}: ${file} is not JSON: ${(err as Error).message}`);
  }
}

/** The target a command line names; every problem with it is a UsageError, before anything runs. */
export function smokeTarget(flags: Flags, env: NodeJS.ProcessEnv = process.env): SmokeTarget {
  if (flags.outputs !== undefined && flags.config !== undefined) throw new UsageError('give either --outputs or --config, not both');
  if (flags.stack !== undefined && flags.outputs === undefined) throw new UsageError('--stack names a stack of --outputs');
  if (flags['data-dir'] !== undefined && (flags.outputs !== undefined || flags.config !== undefined)) throw new UsageError('--data-dir names the local stack running there: not with --outputs or --config');
  // the file the running stack wrote, not whatever an earlier run left at the default path
  const configFile = flags.outputs === undefined ? (flags.config ?? runningLocalStack(flags['data-dir'] ?? DEFAULT_DATA_DIR).clientConfigFile ?? LOCAL_CLIENT_CONFIG_FILE) : undefined;
  let config: ClientConfig;
  try {
    config =
      flags.outputs !== undefined
        ? clientConfigFromOutputs(readStackOutputs(flags.outputs, CLIENT_OUTPUTS.graphqlUrl, flags.stack))
        : parseClientConfig(readJson(configFile!, '--config'));
  } catch (err) {
    if (err instanceof ClientConfigError) throw new UsageError(`${flags.outputs !== undefined ? `--outputs: ${flags.outputs}` : `--config: ${configFile}`} ${err.message}`);
    throw err;
  }
  // the local stack's configuration names its own pool's endpoint; Cognito's never does
  const local = config.Auth.Cognito.userPoolEndpoint !== undefined;
  const seeded = (role: SeededRole) => SEEDED_USERS.find((u) => u.role === role)!;
  const users = {} as Record<SmokeRole, SmokeUser>;
  const missing: string[] = [];
  for (const [role, { flag, env: name }] of Object.entries(USERS) as [SmokeRole, (typeof USERS)[SmokeRole]][]) {
    const username = flags[flag] ?? env[name] ?? (local ? seeded(role).username : undefined);
    const password = env[`${name}_PASSWORD`] ?? (local && username === seeded(role).username ? seeded(role).password : undefined);
    if (!username) missing.push(`--${flag} (or ${name})`);
    else if (!password) missing.push(`${name}_PASSWORD`);
    else users[role] = { username, password };
  }
  if (missing.length) throw new UsageError(`a deployed stack needs its test users: ${missing.join(', ')} (npm run smoke -- --help)`);
  const chain = local ? undefined : fromNodeProviderChain();
  return {
    description: local ? `the local stack at ${config.API.GraphQL.endpoint}` : `${config.API.GraphQL.endpoint} (${config.API.GraphQL.region})`,
    config,
    users,
    staff: async () => (chain ? chain() : LOCAL_IAM_CREDENTIALS),
  };
}

async function main(): Promise<void> {
  let target: SmokeTarget;
  let flags: Flags;
  try {
    ({ values: flags } = parseArgs({ args: process.argv.slice(2), options: OPTIONS, strict: true, allowPositionals: false }));
    if (flags.help) {
      process.stdout.write(`${USAGE}\n`);
      return;
    }
    positiveInteger('timeout', flags.timeout, 30_000, 600_000);
    target = smokeTarget(flags);
  } catch (err) {
    process.stderr.write(`npm run smoke: ${(err as Error).message}${err instanceof UsageError ? '' : ' (npm run smoke -- --help for the options)'}\n`);
    process.exit(2);
  }
  // Amplify's warnings (such as the one for any user pool endpoint but Cognito's) would bury the steps
  ConsoleLogger.LOG_LEVEL = 'ERROR';
  const started = performance.now();
  const result = await runSmoke(target, {
    mark: flags.mark,
    stepTimeoutMs: positiveInteger('timeout', flags.timeout, 30_000, 600_000),
    log: (line) => process.stdout.write(`${line}\n`),
  });
  for (const line of result.cleanup) process.stdout.write(`clean-up: ${line}\n`);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (result.failure) {
    process.stderr.write(`smoke FAILED at "${result.failure.step}" after ${seconds} s\n  expected: ${result.failure.expected}\n  got:      ${result.failure.got}\n`);
    process.exit(1);
  }
  process.stdout.write(`smoke passed: ${result.steps.length} steps in ${seconds} s\n`);
  // Amplify keeps timers (token refresh) and sockets alive: the journey is over
  process.exit(0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  void main();
}
