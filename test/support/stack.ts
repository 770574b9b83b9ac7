/**
 * Integration-test helper: the local stack on the run's shared DynamoDB Local (started once by
 * test/setup/global.ts), under a table prefix of its own, with its bundles built in a folder of
 * its own (test files run in parallel), plus a small GraphQL client.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { startStack, type Stack, type StackOptions } from '../../local/stack';
import { uniquePrefix } from './prefix';

export interface GqlResponse<T = Record<string, unknown>> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- GraphQL answers are arbitrary JSON
  body: { data?: T | null } & Record<string, any>;
}

export interface TestStack extends Stack {
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, options?: { apiKey?: string | null; headers?: Record<string, string> }): Promise<GqlResponse<T>>;
  /**
   * The request run in process as the caller with this ctx.identity (test/support/identities.ts):
   * what the endpoint does once it has verified a caller, without a token
   */
  gqlAs<T = Record<string, unknown>>(identity: unknown, query: string, variables?: Record<string, unknown>): Promise<GqlResponse<T>>;
  /** POST /graphql with a raw body (for malformed requests) */
  post(body: string, headers?: Record<string, string>): Promise<GqlResponse>;
}

export interface TestStackOptions extends Omit<StackOptions, 'dynamodbEndpoint' | 'tablePrefix' | 'buildRoot'> {
  /** label in the table prefix (defaults to "stack") */
  label?: string;
  /** a DynamoDB endpoint of the test's own (the reliability crash test kills it); the run's shared one by default */
  dynamodbEndpoint?: string;
}

export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const buildRoot = mkdtempSync(join(tmpdir(), 'mark-api-build-'));
  const stack = await startStack({
    ...options,
    dynamodbEndpoint: options.dynamodbEndpoint ?? inject('dynamodbEndpoint'),
    tablePrefix: uniquePrefix(options.label ?? 'stack'),
    buildRoot,
  });
  const agent = new Agent({ keepAlive: true });
  const post = (body: string, headers: Record<string, string> = {}) =>
    new Promise<GqlResponse>((resolve, reject) => {
      const req = httpRequest(stack.graphqlUrl, { method: 'POST', agent, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: GqlResponse['body'];
          try {
            body = JSON.parse(text);
          } catch {
            body = { raw: text };
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  return {
    ...stack,
    post,
    gql: (query, variables, opts = {}) => {
      const apiKey = opts.apiKey === undefined ? stack.apiKey : opts.apiKey;
      return post(JSON.stringify({ query, variables }), { ...(apiKey === null ? {} : { 'x-api-key': apiKey }), ...opts.headers }) as never;
    },
    gqlAs: async (identity, query, variables) => {
      const body = await stack.server.execute({ query, variables: variables ?? null, headers: {}, identity });
      return { status: 200, headers: {}, body } as never;
    },
    stop: async () => {
      agent.destroy();
      try {
        await stack.stop();
      } finally {
        rmSync(buildRoot, { recursive: true, force: true });
      }
    },
  };
}
