/**
 * The package as others get it: packed (scripts/build.mjs builds dist/ and the packing manifest, as
 * `npm pack`'s prepack does, here in a staging folder), the tarball installed into
 * an empty folder outside this repository (dependencies from the npm cache, the registry only for
 * what is not there), and the installed command run there with npx: --help, an API started from a
 * CloudFormation template (a table, resolvers, a pipeline; a query and a mutation over HTTP) and
 * one from a CDK cloud assembly. The installed JavaScript entry is imported as well.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App, Stack } from 'aws-cdk-lib';
import * as appsync from 'aws-cdk-lib/aws-appsync';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { graphqlHttpClient } from '../src/index';

const run = promisify(execFile);
const PACKAGE = new URL('..', import.meta.url).pathname;
const REPOSITORY = new URL('../../..', import.meta.url).pathname;
const TEMPLATE = new URL('./fixtures/templates/todos-inline/template.yaml', import.meta.url).pathname;

let work: string;
let app: string;
const started: ChildProcess[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'appsync-local-pack-'));
  expect(work.startsWith(REPOSITORY)).toBe(false);
  // the package's build, staged outside the repository and packed from there: `npm pack` in the
  // package folder would rewrite its manifest (prepack) under the test files running beside this one
  const stage = join(work, 'stage');
  await run(process.execPath, [join(PACKAGE, 'scripts/build.mjs'), '--stage', stage]);
  await run('npm', ['pack', stage, '--pack-destination', work], { cwd: work });
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  expect(tarball).toBeDefined();
  app = join(work, 'app');
  await run('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'newcomer', private: true, type: 'module' }));
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, tarball!)], { cwd: app });
}, 600_000);

afterAll(async () => {
  // a command a failed test left running (its group: npx and the command)
  for (const child of started) if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Starts the installed command and waits for it to say it is ready; returns what it printed. */
async function startCli(args: string[]): Promise<{ child: ChildProcess; printed: Record<string, string>; text: string }> {
  // a process group of its own, as a terminal gives a command: Ctrl-C reaches npx and the command alike
  const child = spawn('npx', ['appsync-local', ...args], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  started.push(child);
  let text = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('ready (Ctrl-C stops)')) resolve();
    });
    child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`appsync-local exited (${code}): ${text}`)));
  });
  const printed = Object.fromEntries(text.split('\n').map((line) => /^([a-zA-Z -]+?)\s{2,}(\S+)/.exec(line)).filter((m) => m !== null).map((m) => [m![1].trim(), m![2]]));
  return { child, printed, text };
}

/** Ctrl-C: the command stops the API and exits without a word on stderr. */
async function stopCli(child: ChildProcess): Promise<string> {
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(-child.pid!, 'SIGINT');
  await exited;
  return errors;
}

const post = async (url: string, apiKey: string, query: string) => {
  const http = graphqlHttpClient(url);
  try {
    return await http.post(JSON.stringify({ query }), { 'x-api-key': apiKey });
  } finally {
    http.close();
  }
};

describe('the packed package, installed outside the repository', () => {
  it('ships JavaScript with type declarations, and imports as a module', async () => {
    const installed = join(app, 'node_modules', 'appsync-local');
    expect(existsSync(join(installed, 'dist', 'index.js'))).toBe(true);
    expect(existsSync(join(installed, 'dist', 'types', 'index.d.ts'))).toBe(true);
    expect(existsSync(join(installed, 'src'))).toBe(false);
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', "const m = await import('appsync-local'); console.log(typeof m.startAppSyncLocal, typeof m.startDynamoDbLocal)"], { cwd: app });
    expect(stdout.trim()).toBe('function function');
  });

  it('answers npx appsync-local --help', async () => {
    const { stdout } = await run('npx', ['appsync-local', '--help'], { cwd: app });
    expect(stdout).toContain('--template <file>');
    expect(stdout).toContain('--cdk-out <dir>');
  });

  it('starts an API from a CloudFormation template: its table, resolvers and pipeline, a mutation and a query over HTTP', async () => {
    copyFileSync(TEMPLATE, join(app, 'template.yaml'));
    const { child, printed, text } = await startCli(['--template', 'template.yaml', '--port', '0', '--dynamodb', inject('dynamodbEndpoint')]);
    expect(printed['default auth mode']).toBe('API_KEY');
    expect(text).toContain('table              TodosTable (id HASH; indexes byOwner; stream NEW_AND_OLD_IMAGES)');
    const url = printed['GraphQL endpoint'];
    const key = printed['API key'];
    const added = await post(url, key, 'mutation { addTodo(owner: "pat", title: "from the tarball") { id title } }');
    expect(added.body.errors).toBeUndefined();
    expect((added.body.data as { addTodo: { title: string } }).addTodo.title).toBe('from the tarball');
    const listed = await post(url, key, 'query { todosOf(owner: "pat") { title } }');
    expect(listed.body).toEqual({ data: { todosOf: [{ title: 'from the tarball' }] } });
    expect(await stopCli(child)).toBe('');
  }, 240_000);

  it('starts an API from a CDK cloud assembly', async () => {
    const outdir = join(app, 'cdk.out');
    const cdk = new App({ outdir, context: { '@aws-cdk/core:validateAgainstDefaultRules': false } });
    const stack = new Stack(cdk, 'Hello');
    const api = new appsync.GraphqlApi(stack, 'Api', { name: 'hello', definition: appsync.Definition.fromFile(join(PACKAGE, 'test/fixtures/templates/cdk-items/schema.graphql')) });
    api.addNoneDataSource('none').createResolver('Item', {
      typeName: 'Query',
      fieldName: 'item',
      runtime: appsync.FunctionRuntime.JS_1_0_0,
      code: appsync.Code.fromInline("export const request = (ctx) => ({ payload: { pk: ctx.args.pk, label: 'from cdk.out' } });\nexport const response = (ctx) => ctx.result;\n"),
    });
    cdk.synth();
    const { child, printed } = await startCli(['--cdk-out', 'cdk.out', '--port', '0']);
    const answer = await post(printed['GraphQL endpoint'], printed['API key'], 'query { item(pk: "x") { pk label } }');
    expect(answer.body).toEqual({ data: { item: { pk: 'x', label: 'from cdk.out' } } });
    expect(await stopCli(child)).toBe('');
  }, 240_000);
});
