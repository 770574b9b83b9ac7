/**
 * `npm run smoke` against the local stack (issue 19, part 5): the journey passes with the typed
 * client operations through aws-amplify v6, configured by the client configuration file the
 * local stack's own writer makes; a failing step stops it with what was expected and what came
 * back, and the mark it created is forgotten all the same. The command itself runs here too, as
 * a user runs it: with --config, with --help, and exiting 1 on a refused sign-in.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleLogger } from 'aws-amplify/utils';
import { REPO_ROOT } from '../infra/wiring';
import { localClientConfig, writeClientConfig } from '../local/client-config';
import { runSmoke, type SmokeTarget } from '../local/ops/journey';
import { smokeTarget } from '../local/ops/smoke';
import { UsageError } from '../local/ops/target';
import { SEEDED_USERS, type SeededRole } from '../local/users';
import { startTestStack, type TestStack } from './support/stack';

const STEPS = [
  /^sign in as purchaser A \(purchaser-a\)$/,
  /^subscribe to SM \w{5} as purchaser A \(open fields\)$/,
  /^release SM \w{5} as staff \(IAM\)$/,
  /^lock as purchaser A$/,
  /^buy as purchaser A$/,
  /^read as owner: the mark with its entitlement$/,
  /^list my marks as purchaser A: the mark, with A's entitlement$/,
  /^receive on the subscription: release, lock and purchase, no personal data$/,
  /^sign in as purchaser B \(purchaser-b\)$/,
  /^read as purchaser B: no personal data$/,
  /^sign in as data protection \(dataprotection\)$/,
  /^forget as data protection$/,
  /^clean up: the mark is gone, its history erased$/,
];

let stack: TestStack;
let folder = '';
let configFile = '';

beforeAll(async () => {
  // as npm run smoke does: Amplify warns of any user pool endpoint but Cognito's
  ConsoleLogger.LOG_LEVEL = 'ERROR';
  stack = await startTestStack({ label: 'smoke' });
  folder = mkdtempSync(join(tmpdir(), 'mark-api-smoke-'));
  configFile = join(folder, 'amplify-config.json');
  writeClientConfig(localClientConfig(stack), configFile);
});

afterAll(async () => {
  await stack?.stop();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

function target(users: Partial<SmokeTarget['users']> = {}): SmokeTarget {
  const seeded = (role: SeededRole) => {
    const user = SEEDED_USERS.find((u) => u.role === role)!;
    return { username: user.username, password: user.password };
  };
  return {
    description: 'the test stack',
    config: localClientConfig(stack),
    users: { purchaserA: seeded('purchaserA'), purchaserB: seeded('purchaserB'), dataProtection: seeded('dataProtection'), ...users },
    staff: async () => stack.iam,
  };
}

async function staffRead(mark: string) {
  const response = await stack.gql<{ getMark: { version: number } | null }>('query($mark: ID!) { getMark(mark: $mark) { version } }', { mark }, { as: 'iam' });
  return response.body.data?.getMark;
}

describe('the smoke journey on the local stack', () => {
  it('passes every step, printing each with its time, and leaves the mark forgotten and no subscription open', async () => {
    const lines: string[] = [];
    const result = await runSmoke(target(), { log: (line) => lines.push(line) });
    expect(result.failure).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.steps.map((s) => s.name)).toEqual(STEPS.map((pattern) => expect.stringMatching(pattern)));
    expect(result.steps.every((s) => s.ok && s.ms >= 0)).toBe(true);
    // one printed line per step: ✓, its name and its time
    expect(lines.filter((l) => /^✓ .+ +\d+ ms$/.test(l))).toHaveLength(STEPS.length);
    // what it created: the mark, forgotten (the view is gone; its tombstone event is all that is listed)
    expect(result.cleanup).toEqual([expect.stringMatching(new RegExp(`^${result.mark}: forgotten`))]);
    expect(await staffRead(result.mark)).toBeNull();
    await expect.poll(() => stack.realtime.stats().subscriptions, { timeout: 10_000 }).toBe(0);
  });

  it('stops at the first failing step with what was expected and what came back, and forgets the mark it released', async () => {
    const lines: string[] = [];
    const result = await runSmoke(target({ purchaserB: { username: 'purchaser-b', password: 'Not-The-Password-1' } }), { log: (line) => lines.push(line) });
    expect(result.ok).toBe(false);
    expect(result.failure).toMatchObject({ step: 'sign in as purchaser B (purchaser-b)', expected: 'it to succeed', got: expect.stringContaining('Incorrect username or password') });
    // nothing after the failing step ran
    expect(result.steps.map((s) => s.ok)).toEqual([true, true, true, true, true, true, true, true, false]);
    expect(lines.at(-1)).toMatch(/^✗ sign in as purchaser B/);
    // the mark A bought was forgotten by staff: nothing of it, or of A, is left readable
    expect(result.cleanup).toEqual([expect.stringMatching(new RegExp(`^${result.mark}: forgotten by staff at version 4 after the failure`))]);
    expect(await staffRead(result.mark)).toBeNull();
  });
});

describe('npm run smoke', () => {
  const smoke = (args: string[], env: Record<string, string> = {}) =>
    promisify(execFile)(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), [join(REPO_ROOT, 'local', 'ops', 'smoke.ts'), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      timeout: 120_000,
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (err: { code?: number; stdout: string; stderr: string }) => ({ code: err.code ?? -1, stdout: err.stdout, stderr: err.stderr }),
    );

  it('passes against the local stack given its client configuration, and exits 0', async () => {
    const { code, stdout, stderr } = await smoke(['--config', configFile]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    for (const pattern of STEPS) expect(stdout).toMatch(new RegExp(`^✓ ${pattern.source.slice(1, -1)} +\\d+ ms$`, 'm'));
    expect(stdout).toMatch(/^clean-up: SM \w{5}: forgotten/m);
    expect(stdout).toMatch(/^smoke passed: 13 steps in [\d.]+ s$/m);
  }, 120_000);

  it('exits 1 on a failing step, saying what was expected and what came back', async () => {
    const { code, stdout, stderr } = await smoke(['--config', configFile, '--timeout', '20000'], { SMOKE_PURCHASER_B_PASSWORD: 'Not-The-Password-1' });
    expect(code).toBe(1);
    expect(stdout).toMatch(/^✗ sign in as purchaser B \(purchaser-b\) +\d+ ms$/m);
    expect(stderr).toMatch(/smoke FAILED at "sign in as purchaser B \(purchaser-b\)" after [\d.]+ s\n {2}expected: it to succeed\n {2}got: +.*Incorrect username or password/);
  }, 120_000);

  it('--help says how to run it against a deployed stack', async () => {
    const { code, stdout } = await smoke(['--help']);
    expect(code).toBe(0);
    for (const text of ['--outputs <file>', 'npm run deploy -- --outputs-file cdk-outputs.json', 'SMOKE_PURCHASER_A_PASSWORD', 'SMOKE_DATA_PROTECTION', 'AWS_PROFILE', 'dataProtection group']) {
      expect(stdout).toContain(text);
    }
  }, 120_000);
});

describe('the smoke command line', () => {
  it('names a deployed stack by its outputs, and refuses one without its test users before anything runs', () => {
    const outputs = join(folder, 'cdk-outputs.json');
    writeFileSync(outputs, JSON.stringify({ MarkApi: { GraphQLUrl: 'https://example.appsync-api.eu-west-2.amazonaws.com/graphql', Region: 'eu-west-2', UserPoolId: 'eu-west-2_abc', UserPoolClientId: 'client1' } }));
    expect(() => smokeTarget({ outputs }, {})).toThrow(
      new UsageError('a deployed stack needs its test users: --purchaser-a (or SMOKE_PURCHASER_A), --purchaser-b (or SMOKE_PURCHASER_B), --data-protection (or SMOKE_DATA_PROTECTION) (npm run smoke -- --help)'),
    );
    // a user name without its password is refused too: passwords come from the environment only
    expect(() => smokeTarget({ outputs, 'purchaser-a': 'a', 'purchaser-b': 'b', 'data-protection': 'dpo' }, { SMOKE_PURCHASER_A_PASSWORD: 'x', SMOKE_PURCHASER_B_PASSWORD: 'y' })).toThrow(
      'a deployed stack needs its test users: SMOKE_DATA_PROTECTION_PASSWORD',
    );
    const deployed = smokeTarget({ outputs }, {
      SMOKE_PURCHASER_A: 'alice', SMOKE_PURCHASER_A_PASSWORD: 'pa',
      SMOKE_PURCHASER_B: 'bob', SMOKE_PURCHASER_B_PASSWORD: 'pb',
      SMOKE_DATA_PROTECTION: 'dora', SMOKE_DATA_PROTECTION_PASSWORD: 'pd',
    });
    expect(deployed.config).toEqual({
      Auth: { Cognito: { userPoolId: 'eu-west-2_abc', userPoolClientId: 'client1' } },
      API: { GraphQL: { endpoint: 'https://example.appsync-api.eu-west-2.amazonaws.com/graphql', region: 'eu-west-2', defaultAuthMode: 'userPool' } },
    });
    expect(deployed.users).toEqual({ purchaserA: { username: 'alice', password: 'pa' }, purchaserB: { username: 'bob', password: 'pb' }, dataProtection: { username: 'dora', password: 'pd' } });
    // the local stack's file: the seeded users, unless named otherwise
    const local = smokeTarget({ config: configFile }, {});
    expect(local.users.purchaserA).toEqual({ username: 'purchaser-a', password: 'PurchaserA-Local-1' });
    expect(() => smokeTarget({ config: join(folder, 'missing.json') }, {})).toThrow(`--config: no such file ${join(folder, 'missing.json')}`);
  });
});
