/**
 * Overhead of the local AppSync endpoint over the data source call it makes.
 *
 * In one run, on one DynamoDB Local: the latency of a GraphQL mutation whose APPSYNC_JS resolver
 * issues one TransactWriteItems (test/fixtures/runtime-api Mutation.appendEvent), sent over HTTP
 * with keep-alive, against the same TransactWriteItems sent straight through the AWS SDK.
 * The two are interleaved call by call so that drift in DynamoDB Local (JIT, GC, the other load on
 * the machine) hits both alike. Prints median, p99 and their ratios; target median ratio <= 1.3.
 *
 *   npx tsx bench/runtime-overhead.ts [--iterations 2000] [--warmup 300]
 */
import { TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../infra/wiring';
import { startStack } from '../local/stack';
import { dynamoDbClient } from '../local/services/dynamodb-local';

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '2000' }, warmup: { type: 'string', default: '300' } } });
const ITERATIONS = Number(values.iterations);
const WARMUP = Number(values.warmup);

const buildRoot = mkdtempSync(join(tmpdir(), 'mark-api-bench-'));
const stack = await startStack({
  inMemory: true,
  wiringFile: join(REPO_ROOT, 'test', 'fixtures', 'runtime-api', 'resolvers', 'wiring.json'),
  tablePrefix: 'bench_',
  buildRoot,
});
const sdk = dynamoDbClient(stack.dynamodbEndpoint);
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const url = new URL(stack.graphqlUrl);
const QUERY = 'mutation Append($mark: String!) { appendEvent(mark: $mark, expectedVersion: 0) { mark version } }';

function viaEndpoint(mark: string): Promise<void> {
  const body = JSON.stringify({ query: QUERY, variables: { mark } });
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-api-key': stack.apiKey } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => (text.includes('"errors"') || res.statusCode !== 200 ? reject(new Error(`endpoint answered ${res.statusCode}: ${text}`)) : resolve()));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

// The same two writes the resolver asks for (Mutation.appendEvent with expectedVersion 0).
async function viaSdk(mark: string): Promise<void> {
  await sdk.send(
    new TransactWriteItemsCommand({
      TransactItems: [
        {
          Put: {
            TableName: stack.env.MARK_EVENTS_TABLE,
            Item: { mark: { S: mark }, version: { N: '1' }, type: { S: 'TEST_EVENT' }, recordedAt: { S: new Date().toISOString() } },
            ConditionExpression: 'attribute_not_exists(#version)',
            ExpressionAttributeNames: { '#version': 'version' },
          },
        },
        {
          Update: {
            TableName: stack.env.MARKS_TABLE,
            Key: { mark: { S: mark } },
            UpdateExpression: 'SET #version = :version',
            ConditionExpression: 'attribute_not_exists(#mark)',
            ExpressionAttributeNames: { '#version': 'version', '#mark': 'mark' },
            ExpressionAttributeValues: { ':version': { N: '1' } },
          },
        },
      ],
    }),
  );
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

try {
  const endpoint: number[] = [];
  const direct: number[] = [];
  for (let i = 0; i < WARMUP + ITERATIONS; i++) {
    // Alternate which path goes first so neither always follows the other.
    const a = await (i % 2 ? timed(() => viaSdk(`sdk-${i}`)) : timed(() => viaEndpoint(`gql-${i}`)));
    const b = await (i % 2 ? timed(() => viaEndpoint(`gql-${i}`)) : timed(() => viaSdk(`sdk-${i}`)));
    if (i < WARMUP) continue;
    (i % 2 ? direct : endpoint).push(a);
    (i % 2 ? endpoint : direct).push(b);
  }
  // Ratio per block of consecutive pairs: how steady the overhead was across the run.
  const BLOCK = Math.max(50, Math.floor(ITERATIONS / 5));
  const blockRatios: string[] = [];
  for (let start = 0; start + BLOCK <= endpoint.length; start += BLOCK) {
    const e = endpoint.slice(start, start + BLOCK).sort((x, y) => x - y);
    const d = direct.slice(start, start + BLOCK).sort((x, y) => x - y);
    blockRatios.push((quantile(e, 0.5) / quantile(d, 0.5)).toFixed(2));
  }
  endpoint.sort((x, y) => x - y);
  direct.sort((x, y) => x - y);
  const row = (name: string, xs: number[]) => `${name.padEnd(34)} ${quantile(xs, 0.5).toFixed(3).padStart(8)} ms ${quantile(xs, 0.99).toFixed(3).padStart(9)} ms`;
  const medianRatio = quantile(endpoint, 0.5) / quantile(direct, 0.5);
  const p99Ratio = quantile(endpoint, 0.99) / quantile(direct, 0.99);
  console.log(`runtime overhead: ${ITERATIONS} calls each after ${WARMUP} warm-up, Node ${process.version}, DynamoDB Local (in memory)`);
  // The figures move with the machine's other load; print it so a reader can judge them.
  console.log(`machine: ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`${''.padEnd(34)} ${'median'.padStart(11)} ${'p99'.padStart(12)}`);
  console.log(row('GraphQL mutation via local AppSync', endpoint));
  console.log(row('TransactWriteItems via AWS SDK', direct));
  console.log(`median ratio per block of ${BLOCK} calls: ${blockRatios.join(' ')}`);
  console.log(`ratio (endpoint / SDK)             median ${medianRatio.toFixed(2)}   p99 ${p99Ratio.toFixed(2)}   target median <= 1.3: ${medianRatio <= 1.3 ? 'met' : 'MISSED'}`);
} finally {
  agent.destroy();
  sdk.destroy();
  await stack.stop();
  rmSync(buildRoot, { recursive: true, force: true });
}
