/**
 * No request stops the stack (issue 24, part 2). From a process of its own, an attacker sends raw
 * bytes (node:net) to every port the stack opens — the GraphQL endpoint (HTTP, TLS, real-time
 * upgrades), the user pool, the web client, kinesalite and s3rver —: the two requests that stopped
 * it (`GET /%E0%A4%A` on the web client, an upgrade to `//[` on the endpoint), the named malformed
 * request lines, targets, headers, methods, encodings, bodies and upgrades of
 * packages/appsync-local/test/support/raw-requests.ts, then inputs composed by fast-check; after
 * each, every port must answer a well-formed request. Meanwhile a well-behaved client reads a mark
 * (test/support/attack.ts). DynamoDB Local (a Java process, not a listener of ours) is not fuzzed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveWebClient, type WebClientServer } from '../../../local/web-client';
import { MALFORMED_INPUTS, sendRaw } from '../../../packages/appsync-local/test/support/raw-requests';
import { reportAttack, wellBehavedDuring } from '../../support/attack';
import { startHostileLoad, type HostileLoad, type RawPort } from '../../support/hostile-load';
import { ok, freshMark } from '../../support/marks';
import { Tally } from '../../support/reliability';
import { startTestStack, type TestStack } from '../../support/stack';

/** inputs fast-check composes after the named ones */
const COMPOSED = 150;

let stack: TestStack;
let web: WebClientServer;
let load: HostileLoad | undefined;
let folder: string;
const tally = new Tally('attack listeners');

beforeAll(async () => {
  stack = await startTestStack({ label: 'attlisten', pipeline: true });
  folder = mkdtempSync(join(tmpdir(), 'mark-api-web-'));
  writeFileSync(join(folder, 'index.html'), '<!doctype html><title>web client</title>');
  writeFileSync(join(folder, 'config.json'), '{}');
  web = await serveWebClient({ root: folder, configFile: join(folder, 'config.json') });
  load = await startHostileLoad();
});

afterAll(async () => {
  tally.print();
  try {
    await load?.stop();
    await web?.stop();
  } finally {
    await stack?.stop();
    rmSync(folder, { recursive: true, force: true });
  }
});

const portOf = (url: string) => Number(new URL(url).port);

describe('every port of the stack under malformed input', () => {
  it('answers each input on its own port and keeps every port answering, the well-behaved client throughout', async () => {
    const mark = freshMark('LZ');
    await ok(stack, 'releaseMark', { mark, price: 1 });
    const ports: RawPort[] = [
      { name: 'GraphQL endpoint', port: stack.server.port, path: '/health' },
      { name: 'user pool', port: portOf(stack.userPool.endpoint), path: '/' },
      { name: 'web client', port: portOf(web.url), path: '/' },
      { name: 'kinesalite', port: portOf(stack.pipeline!.kinesis.endpoint), path: '/' },
      { name: 's3rver', port: portOf(stack.pipeline!.archive.endpoint), path: '/' },
    ];
    await load!.run({ kind: 'connect', target: { graphqlUrl: stack.graphqlUrl, realtimeUrl: stack.realtimeUrl, apiKey: stack.apiKey, staffToken: await stack.token('staff') } });
    const figures = await wellBehavedDuring(stack, mark, async () => {
      const out = await load!.run({ kind: 'raw', ports, runs: COMPOSED });
      tally.merge(out.tally);
    });
    reportAttack(tally, 'malformed input to every port', figures);
    const inputs = MALFORMED_INPUTS.length + COMPOSED;
    expect(tally.extra['raw inputs sent']).toBe(inputs);
    expect(tally.extra['ports answering after an input']).toBe(inputs * ports.length);
  });

  it('answers the two requests of issue 24 with an error of their own: 400 on the web client, 404 on the endpoint', async () => {
    const [percent, bracket] = MALFORMED_INPUTS;
    expect((await sendRaw(portOf(web.url), percent!.bytes)).status).toBe(400);
    expect((await sendRaw(stack.server.port, bracket!.bytes)).status).toBe(404);
    tally.attempted += 2;
    tally.rejected += 2;
    expect((await stack.gql('{ __typename }', {}, { as: 'apiKey' })).body.data).toEqual({ __typename: 'Query' });
  });
});
