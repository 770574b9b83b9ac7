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
import { signedIamHeaders } from 'appsync-local';
import { SEEDED_USERS, type SeededRole } from '../../local/users';
import { uniquePrefix } from './prefix';

export interface GqlResponse<T = Record<string, unknown>> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- GraphQL answers are arbitrary JSON
  body: { data?: T | null } & Record<string, any>;
}

/**
 * Who a test request is sent as: a seeded user of the local pool (by role, with an access token),
 * the back-office IAM principal (SigV4), the API key, or no credentials at all.
 */
export type Identity = SeededRole | 'iam' | 'apiKey' | 'none';

export interface GqlOptions {
  /** as whom; staff by default (the API key on an API whose default mode is the API key) */
  as?: Identity;
  /** send this API key (null: no credentials): the API key mode, whatever `as` says */
  apiKey?: string | null;
  headers?: Record<string, string>;
}

export interface TestStack extends Stack {
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, options?: GqlOptions): Promise<GqlResponse<T>>;
  /** the credential headers of an identity for an HTTP request with this body */
  credentials(as: Identity, body?: string): Promise<Record<string, string>>;
  /** a live user pool token (access token unless `id`) of a seeded role */
  token(role: SeededRole, kind?: 'access' | 'id'): Promise<string>;
  /** the identity gql uses when none is named */
  defaultIdentity: Identity;
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
  const defaultIdentity: Identity = (options.authorization?.defaultMode ?? 'AMAZON_COGNITO_USER_POOLS') === 'API_KEY' ? 'apiKey' : 'staff';
  const tokens = new Map<string, Promise<{ AccessToken: string; IdToken: string }>>();
  const token = async (role: SeededRole, kind: 'access' | 'id' = 'access') => {
    const username = SEEDED_USERS.find((u) => u.role === role)!.username;
    let pending = tokens.get(username);
    if (!pending) tokens.set(username, (pending = stack.userPool.pool.tokensFor(username)));
    const issued = await pending;
    return kind === 'id' ? issued.IdToken : issued.AccessToken;
  };
  const credentials = async (as: Identity, body = ''): Promise<Record<string, string>> => {
    switch (as) {
      case 'none':
        return {};
      case 'apiKey':
        return { 'x-api-key': stack.apiKey };
      case 'iam':
        return signedIamHeaders(stack.graphqlUrl, body, stack.iam);
      default:
        return { authorization: await token(as) };
    }
  };
  return {
    ...stack,
    post,
    defaultIdentity,
    token,
    credentials,
    gql: async (query, variables, opts = {}) => {
      const body = JSON.stringify({ query, variables });
      const auth = opts.apiKey !== undefined ? (opts.apiKey === null ? {} : { 'x-api-key': opts.apiKey }) : await credentials(opts.as ?? defaultIdentity, body);
      return post(body, { ...auth, ...opts.headers }) as never;
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
