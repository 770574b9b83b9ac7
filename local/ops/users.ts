/**
 * `npm run users`: creates the people a deployed pool needs and nobody signs up as — staff, data
 * protection officers, and the smoke test's users — with the Cognito API's administrator operations
 * (AdminCreateUser, AdminSetUserPassword --permanent, AdminAddUserToGroup) and the usual AWS
 * credentials, and says what it did. Against the local stack too (its pool answers the same
 * operations, signed with the local IAM principal npm start prints), so it can be tried there.
 * Running it again is safe: an existing user is said to exist, and only their groups are completed.
 */
import { closeSync, fchmodSync, openSync, writeSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminListGroupsForUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { CLIENT_OUTPUTS } from '../../infra/client-config';
import { DATA_PROTECTION_GROUP, STAFF_GROUP } from '../../resolvers/lib/roles';
import { LOCAL_IAM_CREDENTIALS } from '../stack';
import { DEFAULT_DATA_DIR } from '../stack-file';
import { MARK_API_USER_POOL } from '../users';
import { readStackOutputs, runningLocalStack, runningPart, UsageError } from './target';

export const USAGE = `Usage: npm run users -- [where] [who] [options]

Creates users in the stack's user pool with Cognito's administrator operations: each user is
created without Cognito's invitation mail (unless --invite), given a permanent password (generated,
printed once; or MARK_USERS_PASSWORD from the environment) and added to their groups. A user who
already exists is said to exist: their password is left alone and only missing groups are added.

Where (default: the local stack npm start runs on .data, found by its stack.json, with the local
IAM principal npm start prints):
  --outputs <file>          a deployed stack's outputs (cdk deploy --outputs-file): its UserPoolId
                            and Region, with the usual AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID...)
                            of a principal allowed cognito-idp:Admin* on the pool
  --stack <name>            the stack in --outputs, when it holds several
  --region <region>         instead of the outputs' Region
  --data-dir <dir>          the local stack running on this data folder

Who (any number; <user> is username:email, the email being required by the pool):
  --staff <user>            a registry staff member (group ${STAFF_GROUP})
  --data-protection <user>  a data protection officer (group ${DATA_PROTECTION_GROUP})
  --purchaser <user>        a user in no group
  --smoke                   the three users npm run smoke needs: smoke-purchaser-a, smoke-purchaser-b
                            and smoke-data-protection (in ${DATA_PROTECTION_GROUP}), emails at --smoke-domain
  --smoke-domain <domain>   the smoke users' email domain (default example.com: no mail is sent)

Options:
  --smoke-env <file>        write the SMOKE_* lines npm run smoke reads to this file, mode 600
                            (it holds passwords): set -a; . <file>; set +a
  --invite                  let Cognito mail each new user its invitation (a temporary password is
                            then not set permanently: they choose theirs at first sign-in)
  --help                    show this help

Exit status: 0 done, 2 bad command line, 3 the pool refused or could not be reached (credentials,
unknown pool, region).`;

const OPTIONS = {
  outputs: { type: 'string' },
  stack: { type: 'string' },
  region: { type: 'string' },
  'data-dir': { type: 'string' },
  staff: { type: 'string', multiple: true },
  'data-protection': { type: 'string', multiple: true },
  purchaser: { type: 'string', multiple: true },
  smoke: { type: 'boolean' },
  'smoke-domain': { type: 'string' },
  'smoke-env': { type: 'string' },
  invite: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface UserSpec {
  username: string;
  email: string;
  groups: string[];
  /** the SMOKE_* variable this user is, for --smoke-env */
  smokeEnv?: string;
}

export interface UsersPlan {
  where: { kind: 'aws'; outputs: string; stack?: string; region?: string } | { kind: 'local'; dataDir: string };
  users: UserSpec[];
  invite: boolean;
  smokeEnv?: string;
}

/** Cognito's usernames: 1 to 128 letters, marks, symbols, digits or punctuation (no spaces). */
const USERNAME = /^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function userSpec(flag: string, value: string, groups: string[]): UserSpec {
  const at = value.indexOf(':');
  const [username, email] = at < 0 ? [value, ''] : [value.slice(0, at), value.slice(at + 1)];
  if (!USERNAME.test(username) || EMAIL.test(username)) throw new UsageError(`--${flag} ${value}: the username must be 1-128 characters without spaces, and not an email`);
  if (!EMAIL.test(email)) throw new UsageError(`--${flag} ${value}: give username:email (the pool requires an email)`);
  return { username, email, groups };
}

/** The command line's plan; every problem with it is a UsageError, before anything is called. */
export function usersPlan(args: string[]): UsersPlan | 'help' {
  let values;
  try {
    ({ values } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return 'help';
  if (values.outputs !== undefined && values['data-dir'] !== undefined) throw new UsageError('--data-dir names the local stack: not with --outputs');
  if ((values.stack !== undefined || values.region !== undefined) && values.outputs === undefined) throw new UsageError('--stack and --region go with --outputs');
  if (values['smoke-env'] !== undefined && !values.smoke) throw new UsageError('--smoke-env writes the --smoke users: give --smoke');
  if (values['smoke-domain'] !== undefined && !values.smoke) throw new UsageError('--smoke-domain is for --smoke');
  const users = [
    ...(values.staff ?? []).map((v) => userSpec('staff', v, [STAFF_GROUP])),
    ...(values['data-protection'] ?? []).map((v) => userSpec('data-protection', v, [DATA_PROTECTION_GROUP])),
    ...(values.purchaser ?? []).map((v) => userSpec('purchaser', v, [])),
  ];
  if (values.smoke) {
    const domain = values['smoke-domain'] ?? 'example.com';
    if (!EMAIL.test(`a@${domain}`)) throw new UsageError(`--smoke-domain ${domain}: not an email domain`);
    users.push(
      { username: 'smoke-purchaser-a', email: `smoke-purchaser-a@${domain}`, groups: [], smokeEnv: 'SMOKE_PURCHASER_A' },
      { username: 'smoke-purchaser-b', email: `smoke-purchaser-b@${domain}`, groups: [], smokeEnv: 'SMOKE_PURCHASER_B' },
      { username: 'smoke-data-protection', email: `smoke-data-protection@${domain}`, groups: [DATA_PROTECTION_GROUP], smokeEnv: 'SMOKE_DATA_PROTECTION' },
    );
  }
  if (!users.length) throw new UsageError('nobody to create: give --staff, --data-protection, --purchaser or --smoke (npm run users -- --help)');
  const names = new Set<string>();
  for (const u of users) {
    // the pool's names compare case-insensitively (infra/auth.ts): Alice and alice are one user
    const key = u.username.normalize('NFKC').toLowerCase();
    if (names.has(key)) throw new UsageError(`${u.username} is named twice`);
    names.add(key);
  }
  return {
    where: values.outputs !== undefined ? { kind: 'aws', outputs: values.outputs, stack: values.stack, region: values.region } : { kind: 'local', dataDir: values['data-dir'] ?? DEFAULT_DATA_DIR },
    users,
    invite: values.invite ?? false,
    smokeEnv: values['smoke-env'],
  };
}

const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const DIGITS = '23456789';
// of Cognito's special characters, ones that need no quoting in a shell or an env file
const SYMBOLS = '-_.,+=%@#';

/**
 * A password meeting the pool's policy (infra/constructs/user-pool.ts: at least 8 characters with
 * lower case, upper case, digits and symbols): one of each, then 16 more, shuffled, all drawn with
 * node:crypto's randomInt (about 120 bits).
 */
export function generatePassword(): string {
  const all = LOWER + UPPER + DIGITS + SYMBOLS;
  const chars = [LOWER, UPPER, DIGITS, SYMBOLS].map((set) => set[randomInt(set.length)]);
  for (let i = 0; i < 16; i++) chars.push(all[randomInt(all.length)]);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join('');
}

export interface UserOutcome {
  user: UserSpec;
  status: 'created' | 'exists';
  /** the password set (created users only; invited users have Cognito's temporary one) */
  password?: string;
  groupsAdded: string[];
  /** groups the user is in beyond the asked-for ones (left alone) */
  otherGroups: string[];
}

/** What a failed call means for someone running the command, in one line. */
export class PoolError extends Error {}

function explain(err: unknown, poolId: string, where: string): PoolError {
  const e = err as { name?: string; message?: string };
  const name = e.name ?? 'Error';
  if (name === 'CredentialsProviderError') return new PoolError(`no AWS credentials found (set AWS_PROFILE, run aws configure or aws sso login, or export AWS_ACCESS_KEY_ID...): ${e.message}`);
  if (name === 'ResourceNotFoundException') return new PoolError(`${where}: ${e.message} (is it the right stack and region? pool ${poolId})`);
  if (['UnrecognizedClientException', 'InvalidSignatureException', 'AccessDeniedException', 'NotAuthorizedException', 'ExpiredTokenException'].includes(name)) {
    return new PoolError(`${where}: the credentials were refused (${name}: ${e.message}): use a principal allowed cognito-idp:Admin* on pool ${poolId}`);
  }
  if (name === 'InvalidPasswordException') return new PoolError(`${where}: the password does not meet the pool's policy (${e.message})`);
  const code = (err as { code?: string }).code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND') return new PoolError(`${where}: cannot reach the pool (${code}): is the region right, or the local stack running?`);
  return new PoolError(`${where}: ${name}: ${e.message}`);
}

/**
 * Creates (or completes) each user, in order; stops at the first failure with a PoolError that
 * says which user and what to do. Idempotent: a user who exists keeps their password and gets
 * the missing groups.
 */
export async function createUsers(
  client: CognitoIdentityProviderClient,
  poolId: string,
  plan: Pick<UsersPlan, 'users' | 'invite'> & { password?: string },
  log: (line: string) => void = () => {},
): Promise<UserOutcome[]> {
  const outcomes: UserOutcome[] = [];
  for (const user of plan.users) {
    const where = user.username;
    let status: UserOutcome['status'] = 'created';
    let password: string | undefined;
    try {
      await client.send(
        new AdminCreateUserCommand({
          UserPoolId: poolId,
          Username: user.username,
          // verified: the administrator vouches for it, so the email alias signs in and account recovery mails it
          UserAttributes: [
            { Name: 'email', Value: user.email },
            { Name: 'email_verified', Value: 'true' },
          ],
          ...(plan.invite ? { DesiredDeliveryMediums: ['EMAIL'] } : { MessageAction: 'SUPPRESS' }),
        }),
      );
    } catch (err) {
      if ((err as { name?: string }).name !== 'UsernameExistsException') throw explain(err, poolId, where);
      status = 'exists';
    }
    try {
      if (status === 'created' && !plan.invite) {
        password = plan.password ?? generatePassword();
        await client.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: user.username, Password: password, Permanent: true }));
      }
      const current = await client.send(new AdminListGroupsForUserCommand({ UserPoolId: poolId, Username: user.username }));
      const has = new Set((current.Groups ?? []).map((g) => g.GroupName!));
      const groupsAdded = user.groups.filter((g) => !has.has(g));
      for (const group of groupsAdded) await client.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: user.username, GroupName: group }));
      const outcome: UserOutcome = { user, status, password, groupsAdded, otherGroups: [...has].filter((g) => !user.groups.includes(g)) };
      outcomes.push(outcome);
      log(describeOutcome(outcome, plan.invite, plan.password !== undefined));
    } catch (err) {
      throw explain(err, poolId, where);
    }
  }
  return outcomes;
}

/** A password given through the environment is the operator's own: it is never echoed, only a generated one is. */
export function describeOutcome(o: UserOutcome, invite: boolean, passwordGiven = false): string {
  const groups = o.user.groups.length ? `groups ${o.user.groups.join(', ')}` : 'no group';
  const added = o.status === 'exists' ? (o.groupsAdded.length ? `; added to ${o.groupsAdded.join(', ')}` : '; groups already right') : '';
  const other = o.otherGroups.length ? `; also in ${o.otherGroups.join(', ')} (left alone)` : '';
  const secret = o.status === 'exists' ? ', password unchanged' : o.password ? (passwordGiven ? ', password from MARK_USERS_PASSWORD' : `, password ${o.password}`) : invite ? ', invited by email (Cognito mails a temporary password)' : '';
  return `${o.status === 'created' ? 'created' : 'exists '} ${o.user.username} <${o.user.email}> (${groups}${added}${other})${secret}`;
}

const shellQuote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

/** The SMOKE_* lines of the smoke users, written with mode 600 (a file that already exists is made 600 too). */
export function writeSmokeEnv(file: string, outcomes: UserOutcome[], poolDescription: string): string[] {
  const lines = [`# npm run users, ${new Date().toISOString()}: npm run smoke's users in ${poolDescription}`, `# load with: set -a; . ${file}; set +a`];
  const missing: string[] = [];
  for (const o of outcomes) {
    if (!o.user.smokeEnv) continue;
    lines.push(`${o.user.smokeEnv}=${shellQuote(o.user.username)}`);
    if (o.password) lines.push(`${o.user.smokeEnv}_PASSWORD=${shellQuote(o.password)}`);
    else {
      lines.push(`# ${o.user.smokeEnv}_PASSWORD: not known here (${o.status === 'exists' ? 'the user existed; their password was left alone' : 'invited'}): set it yourself`);
      missing.push(`${o.user.smokeEnv}_PASSWORD`);
    }
  }
  // an existing file is emptied and made 600 before the passwords go in, never after
  const fd = openSync(file, 'w', 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, `${lines.join('\n')}\n`);
  } finally {
    closeSync(fd);
  }
  return missing;
}

/** The pool a plan names, and a client for it with the right credentials. */
export function poolOf(plan: UsersPlan): { client: CognitoIdentityProviderClient; poolId: string; description: string } {
  if (plan.where.kind === 'aws') {
    const outputs = readStackOutputs(plan.where.outputs, CLIENT_OUTPUTS.userPoolId, plan.where.stack);
    const poolId = outputs[CLIENT_OUTPUTS.userPoolId];
    const region = plan.where.region ?? outputs[CLIENT_OUTPUTS.region] ?? poolId.split('_')[0];
    // the default credential chain, as the AWS CLI's
    return { client: new CognitoIdentityProviderClient({ region }), poolId, description: `user pool ${poolId} (${region})` };
  }
  const running = runningLocalStack(plan.where.dataDir);
  const endpoint = runningPart(running, 'userPoolEndpoint');
  const poolId = MARK_API_USER_POOL.poolId;
  const client = new CognitoIdentityProviderClient({
    endpoint,
    region: poolId.split('_')[0],
    credentials: { accessKeyId: LOCAL_IAM_CREDENTIALS.accessKeyId, secretAccessKey: LOCAL_IAM_CREDENTIALS.secretAccessKey },
  });
  return { client, poolId, description: `the local stack's user pool ${poolId} at ${endpoint} (npm start, pid ${running.pid})` };
}

async function main(): Promise<void> {
  const fail = (message: string, status: number): never => {
    process.stderr.write(`npm run users: ${message}\n`);
    process.exit(status);
  };
  let plan: UsersPlan | 'help';
  let pool: ReturnType<typeof poolOf>;
  try {
    plan = usersPlan(process.argv.slice(2));
    if (plan === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return;
    }
    pool = poolOf(plan);
  } catch (err) {
    return fail(`${(err as Error).message}${err instanceof UsageError ? '' : ' (npm run users -- --help)'}`, 2);
  }
  const password = process.env.MARK_USERS_PASSWORD || undefined;
  process.stdout.write(`${pool.description}:\n`);
  try {
    const outcomes = await createUsers(pool.client, pool.poolId, { users: plan.users, invite: plan.invite, password }, (line) => process.stdout.write(`  ${line}\n`));
    const printed = outcomes.some((o) => o.password) && !password;
    if (printed) process.stdout.write('Each generated password is printed once, here: hand it over and clear your scrollback.\n');
    if (plan.smokeEnv) {
      const missing = writeSmokeEnv(plan.smokeEnv, outcomes, pool.description);
      process.stdout.write(`wrote ${plan.smokeEnv} (mode 600: it holds passwords) for npm run smoke: set -a; . ${plan.smokeEnv}; set +a${missing.length ? `; it lacks ${missing.join(', ')}` : ''}\n`);
    }
  } catch (err) {
    return fail(err instanceof PoolError ? err.message : explain(err, pool.poolId, 'pool').message, 3);
  } finally {
    pool.client.destroy();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  void main();
}
