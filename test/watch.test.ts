/**
 * `npm start -- --watch` on a copy of the tree (issue 11): a saved resolver answers the next
 * request with the new code, with the data, the open subscription and the stack kept; a saved
 * schema is served on the same URL; a broken save is reported on the terminal and the last good
 * code keeps answering.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectRealtime, signedIamHeaders, type RealtimeClient } from 'appsync-local';
import { DEFAULT_API_KEY, LOCAL_IAM_CREDENTIALS } from '../local/stack';
import { copyOfTree } from './support/tree';

let folder: string;
let tree: string;
let child: ChildProcess;
let output = '';
let graphqlUrl: string;
let realtimeUrl: string;
let realtime: RealtimeClient | undefined;

/** Waits (generously: the machine is shared) until the terminal shows what is asked. */
async function terminalShows(pattern: RegExp, from = 0, timeoutMs = 60_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = output.slice(from).match(pattern);
    if (match) return match;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start never showed ${pattern}:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * One request on a connection of its own: the schema reload closes the endpoint's open ones.
 * Signed with the IAM principal npm start prints (staff): releasing a mark is staff's.
 */
async function gql(query: string, variables: Record<string, unknown> = {}) {
  const body = JSON.stringify({ query, variables });
  const headers = await signedIamHeaders(graphqlUrl, body, LOCAL_IAM_CREDENTIALS);
  return new Promise<{ data?: Record<string, { price?: number; version?: number } | null>; errors?: unknown[] }>((resolve, reject) => {
    const req = httpRequest(graphqlUrl, { method: 'POST', agent: false, headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve(JSON.parse(body)));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const GET = 'query ($mark: ID!) { getMark(mark: $mark) { mark price version } }';
const RESOLVER = 'resolvers/Query.getMark.ts';

beforeAll(async () => {
  ({ folder, tree } = copyOfTree('mark-api-watch-'));
  child = spawn('npm', ['start', '--', '--watch', '--port', '0', '--in-memory'], { cwd: tree, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  graphqlUrl = (await terminalShows(/GraphQL endpoint\s+(\S+)/, 0, 180_000))[1];
  realtimeUrl = (await terminalShows(/Real-time\s+(\S+)/))[1];
  await terminalShows(/Watching resolvers\//);
}, 200_000);

afterAll(async () => {
  await realtime?.close();
  if (child?.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
  if (folder) rmSync(folder, { recursive: true, force: true });
});

it('swaps a saved resolver in for the next request, and keeps the old code when a save does not build', async () => {
  const mark = 'WATCH 1';
  expect((await gql('mutation ($mark: ID!) { releaseMark(input: { mark: $mark, price: 100 }) { version } }', { mark })).errors).toBeUndefined();
  expect((await gql(GET, { mark })).data?.getMark?.price).toBe(100);
  realtime = await connectRealtime({ url: realtimeUrl, apiKey: DEFAULT_API_KEY });
  await realtime.init();
  expect((await realtime.start('s', 'subscription ($mark: ID) { onMarkEvent(mark: $mark) { version type } }', { mark })).type).toBe('start_ack');

  // a save: the response step now marks the price, so the new code is visible in the answer
  let from = output.length;
  writeFileSync(
    join(tree, RESOLVER),
    `import type { Context } from '@aws-appsync/utils';
import { getMarkResponse } from './handlers/queries';
export { getMarkRequest as request } from './handlers/queries';

export function response(ctx: Context) {
  const mark = getMarkResponse(ctx);
  return mark ? { ...mark, price: mark.price + 7 } : mark;
}
`,
  );
  await terminalShows(/\[watch\] resolvers\/Query\.getMark\.ts changed: \d+ bundles rebuilt and serving/, from);
  // the data from before the reload, answered by the new code
  expect((await gql(GET, { mark })).data?.getMark).toEqual({ mark, price: 107, version: 1 });
  // the subscription opened before the reload still delivers
  // (as in AppSync, a subscriber sees what the mutation selected: mark for the filter, and the rest)
  expect((await gql('mutation ($mark: ID!) { lockMark(input: { mark: $mark, expectedVersion: 1 }) { mark version type } }', { mark })).errors).toBeUndefined();
  expect((await realtime.next((m) => m.type === 'data' && m.id === 's', 15_000)).payload).toEqual({ data: { onMarkEvent: { version: 2, type: 'MARK_LOCKED' } } });

  // a schema save: the endpoint serves the new schema on the same URL, data kept
  from = output.length;
  const schemaFile = join(tree, 'schema.graphql');
  writeFileSync(schemaFile, readFileSync(schemaFile, 'utf8').replace('"The current state; null for an unknown or forgotten mark."', '"The current state, watched."'));
  await terminalShows(/\[watch\] schema\.graphql changed: \d+ bundles rebuilt and serving .*endpoint restarted on the same port/, from);
  const described = await gql('{ __type(name: "Query") { fields { name description } } }');
  expect(JSON.stringify(described.data)).toContain('"name":"getMark","description":"The current state, watched."');
  expect((await gql(GET, { mark })).data?.getMark).toEqual({ mark, price: 107, version: 2 });

  // a save that does not build: reported, and the last good code keeps answering
  from = output.length;
  writeFileSync(join(tree, RESOLVER), `export function response(ctx) {\n  return {{ ctx.result;\n}\n`);
  const report = await terminalShows(/\[watch\] resolvers\/Query\.getMark\.ts changed: the build failed, the last good bundles keep serving\.\n([^\n]+)/, from);
  expect(report[1]).toContain('Query.getMark');
  expect((await gql(GET, { mark })).data?.getMark).toEqual({ mark, price: 107, version: 2 });
}, 120_000);
