/**
 * Integration-test helper: the local stack on the run's shared DynamoDB Local (started once by
 * test/setup/global.ts), under a table prefix of its own, with its bundles built in a folder of
 * its own (test files run in parallel), plus a small GraphQL client that sends every request over
 * HTTP with real credentials: a token of the local pool (its seeded users sign in once per stack,
 * test/support/sign-in.ts), a SigV4 signature or the API key, which the endpoint verifies.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { startStack, type Stack, type StackOptions } from '../../local/stack';
import { graphqlHttpClient, signedIamHeaders, type CognitoIdentity, type GraphQLHttpResponse, type IamIdentity } from 'appsync-local';
import { SEEDED_USERS, type SeededRole } from '../../local/users';
import { uniquePrefix } from './prefix';
import { SignIns } from './sign-in';
import { registerArchiveKeys } from './pipeline-fixtures';

export type GqlResponse<T = Record<string, unknown>> = GraphQLHttpResponse<T>;

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
  /**
   * a live user pool token (access token unless `id`) of a seeded role: the user signed in over
   * the pool's Cognito API once per stack, renewed near expiry
   */
  token(role: SeededRole, kind?: 'access' | 'id'): Promise<string>;
  /** the user pool sub of a seeded role, as its token carries it (the owner and lock holder the API records) */
  sub(role: SeededRole): Promise<string>;
  /**
   * The ctx.identity the endpoint gives resolvers for an identity's real credentials, verified by
   * the endpoint's own authenticator: for tests that call the resolver runtime directly (to see a
   * subscription's filters or a mutation's invalidations, which no answer carries)
   */
  identity(as: Identity): Promise<CognitoIdentity | IamIdentity | null>;
  /** the sign-ins of this stack's pool (how many InitiateAuth calls the tests made) */
  signIns: SignIns;
  /** the identity gql uses when none is named */
  defaultIdentity: Identity;
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
  // readArchive and archiveText find this stack's archive keys without being told (one stack per test file, as a rule)
  const unregisterKeys = registerArchiveKeys({ dynamodb: stack.dynamodb, table: stack.env.MARK_ARCHIVE_KEYS_TABLE });
  const http = graphqlHttpClient(stack.graphqlUrl);
  const post = http.post;
  const defaultIdentity: Identity = (options.authorization?.defaultMode ?? 'AMAZON_COGNITO_USER_POOLS') === 'API_KEY' ? 'apiKey' : 'staff';
  const signIns = new SignIns({ endpoint: stack.userPool.endpoint, clientId: stack.userPool.pool.clientId, region: stack.userPool.pool.region });
  const token = async (role: SeededRole, kind: 'access' | 'id' = 'access') => {
    const user = SEEDED_USERS.find((u) => u.role === role);
    if (!user) throw new Error(`no seeded user has the role ${role}`);
    const tokens = await signIns.tokens(user);
    return kind === 'id' ? tokens.idToken : tokens.accessToken;
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
  const graphqlPath = new URL(stack.graphqlUrl).pathname;
  return {
    ...stack,
    post,
    defaultIdentity,
    token,
    sub: async (role) => (JSON.parse(Buffer.from((await token(role, 'id')).split('.')[1], 'base64url').toString('utf8')) as { sub: string }).sub,
    identity: async (as) => {
      const headers = Object.fromEntries(Object.entries(await credentials(as)).map(([name, value]) => [name.toLowerCase(), value]));
      const outcome = await stack.server.authenticator.authenticate({ headers, sourceIp: '127.0.0.1', method: 'POST', path: graphqlPath, body: '' });
      if (!outcome.ok) throw new Error(`the endpoint refused the credentials of ${as}: ${outcome.message}`);
      return outcome.caller.identity;
    },
    signIns,
    credentials,
    gql: async (query, variables, opts = {}) => {
      const body = JSON.stringify({ query, variables });
      const auth = opts.apiKey !== undefined ? (opts.apiKey === null ? {} : { 'x-api-key': opts.apiKey }) : await credentials(opts.as ?? defaultIdentity, body);
      return post(body, { ...auth, ...opts.headers }) as never;
    },
    stop: async () => {
      unregisterKeys();
      http.close();
      signIns.destroy();
      try {
        await stack.stop();
      } finally {
        rmSync(buildRoot, { recursive: true, force: true });
      }
    },
  };
}
