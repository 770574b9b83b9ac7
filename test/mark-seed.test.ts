/** npm run seed: its flags, and 51 random available marks released through the local stack. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SNAPSHOT_INTERVAL } from '../resolvers/lib/mark';
import { validateMarkArgument } from '../resolvers/lib/validation';
import { parseSeedArgs, randomMark, seed, SeedUsageError } from '../local/seed';
import { startTestStack, type TestStack } from './support/stack';
import { DEFAULT_GRAPHQL_URL, LOCAL_IAM_CREDENTIALS } from '../local/stack';
import { storedView } from './support/marks';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ label: 'markseed' });
});

afterAll(async () => {
  await stack?.stop();
});

describe('seed flags', () => {
  it('explain what is wrong', () => {
    const url = 'http://127.0.0.1:1/graphql';
    expect(() => parseSeedArgs(['--url', url], {})).toThrow(/--count is required/);
    expect(() => parseSeedArgs(['--count', '0', '--url', url], {})).toThrow(/--count must be a whole number/);
    expect(() => parseSeedArgs(['--count', 'ten', '--url', url], {})).toThrow(SeedUsageError);
    // with neither --url nor MARK_API_URL, the endpoint npm start serves on its default port
    expect(parseSeedArgs(['--count', '5'], {})).toMatchObject({ url: DEFAULT_GRAPHQL_URL });
    expect(() => parseSeedArgs(['--count', '5', '--url', 'not a url'], {})).toThrow(/--url must be a URL/);
    expect(() => parseSeedArgs(['--count', '5', '--url', url, '--bogus'], {})).toThrow(/bogus/);
    expect(() => parseSeedArgs(['--count', '5', '--url', url, '--concurrency', '100'], {})).toThrow(/--concurrency/);
    expect(parseSeedArgs(['--count', '5'], { MARK_API_URL: url, MARK_API_ACCESS_KEY_ID: 'AKIA1', MARK_API_SECRET_ACCESS_KEY: 's' })).toEqual({ count: 5, url, credentials: { accessKeyId: 'AKIA1', secretAccessKey: 's' }, concurrency: 8 });
    // by default the local stack's back-office principal
    expect(parseSeedArgs(['--count', '5'], {})).toMatchObject({ credentials: { accessKeyId: LOCAL_IAM_CREDENTIALS.accessKeyId } });
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
