/** npm run seed: its flags, and 51 random available marks released through the local stack. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SNAPSHOT_INTERVAL } from '../resolvers/lib/mark';
import { validateMarkArgument } from '../resolvers/lib/validation';
import { parseSeedArgs, randomMark, seed, SeedUsageError } from '../local/seed';
import { startTestStack, type TestStack } from './support/stack';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_IAM_CREDENTIALS } from '../local/stack';
import { storedView } from './support/marks';

let stack: TestStack;
const emptyDataDir = mkdtempSync(join(tmpdir(), 'mark-seed-data-'));

beforeAll(async () => {
  stack = await startTestStack({ label: 'markseed' });
});

afterAll(async () => {
  rmSync(emptyDataDir, { recursive: true, force: true });
  await stack?.stop();
});

describe('seed flags', () => {
  it('explain what is wrong', () => {
    const url = 'http://127.0.0.1:1/graphql';
    expect(() => parseSeedArgs(['--url', url], {})).toThrow(/--count is required/);
    expect(() => parseSeedArgs(['--count', '0', '--url', url], {})).toThrow(/--count must be a whole number/);
    expect(() => parseSeedArgs(['--count', 'ten', '--url', url], {})).toThrow(SeedUsageError);
    // with neither --url nor MARK_API_URL, the stack npm start runs on the data folder, whatever its
    // port (ops-verify-rebuild.test.ts runs that against a stack); none running is said, not guessed
    expect(() => parseSeedArgs(['--count', '5', '--data-dir', emptyDataDir], {})).toThrow(`no local stack is running on ${emptyDataDir}`);
    expect(() => parseSeedArgs(['--count', '5', '--data-dir', emptyDataDir, '--url', url], {})).toThrow('--url and --data-dir name different stacks');
    expect(() => parseSeedArgs(['--count', '5', '--url', 'not a url'], {})).toThrow(/--url must be a URL/);
    expect(() => parseSeedArgs(['--count', '5', '--url', url, '--bogus'], {})).toThrow(/bogus/);
    expect(() => parseSeedArgs(['--count', '5', '--url', url, '--concurrency', '100'], {})).toThrow(/--concurrency/);
    expect(parseSeedArgs(['--count', '5'], { MARK_API_URL: url, MARK_API_ACCESS_KEY_ID: 'AKIA1', MARK_API_SECRET_ACCESS_KEY: 's' })).toEqual({ count: 5, url, credentials: { accessKeyId: 'AKIA1', secretAccessKey: 's' }, concurrency: 8, description: url });
    // the local stack's back-office principal for a local URL; the AWS credential chain (a provider)
    // and the endpoint's region for AppSync's, or for a deployed stack's outputs
    expect(parseSeedArgs(['--count', '5', '--url', url], {})).toMatchObject({ credentials: { accessKeyId: LOCAL_IAM_CREDENTIALS.accessKeyId } });
    const appsync = 'https://abcdefghijklmnopqrstuvwxyz.appsync-api.eu-west-2.amazonaws.com/graphql';
    const outputs = join(emptyDataDir, 'cdk-outputs.json');
    writeFileSync(outputs, JSON.stringify({ MarkApi: { GraphQLUrl: appsync, Region: 'eu-west-2' } }));
    for (const args of [['--url', appsync], ['--outputs', outputs]]) {
      const deployed = parseSeedArgs(['--count', '5', ...args], {});
      expect(deployed).toMatchObject({ url: appsync, region: 'eu-west-2' });
      expect(typeof (deployed as { credentials: unknown }).credentials).toBe('function');
    }
    expect(parseSeedArgs(['--help'], {})).toBe('help');
  });
  it('random marks are valid marks', () => {
    for (let i = 0; i < 500; i += 1) expect(validateMarkArgument(randomMark()).ok).toBe(true);
  });
});

describe('seeding', () => {
  it(`releases ${SNAPSHOT_INTERVAL + 1} available marks through the API`, async () => {
    const progress: number[] = [];
    const marks = await seed({ count: 51, url: stack.graphqlUrl, credentials: stack.iam, concurrency: 4 }, (done) => progress.push(done));
    expect(marks).toHaveLength(51);
    expect(new Set(marks).size).toBe(51);
    expect(progress.at(-1)).toBe(51);
    for (const mark of marks.slice(0, 5)) expect(await storedView(stack, mark)).toMatchObject({ status: 'MARK_AVAILABLE', version: 1 });
  });
  it('says clearly when the endpoint cannot be reached or the credentials are wrong', async () => {
    await expect(seed({ count: 1, url: 'http://127.0.0.1:1/graphql', credentials: stack.iam, concurrency: 1 })).rejects.toThrow(/could not reach/);
    await expect(seed({ count: 1, url: stack.graphqlUrl, credentials: { ...stack.iam, secretAccessKey: 'wrong' }, concurrency: 1 })).rejects.toThrow(/releaseMark .* failed \(HTTP 401\)/);
  });
});
