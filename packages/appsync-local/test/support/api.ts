/**
 * Test helper of the package: one fixture API (test/fixtures/*) served by startAppSyncLocal on the
 * run's shared DynamoDB Local, under a table prefix of its own, with a small GraphQL client that
 * sends real credentials (a user pool token, an IAM signature, the API key).
 */
import { inject } from 'vitest';
import { dynamoDbClient, graphqlHttpClient, signedIamHeaders, startAppSyncLocal, type AppSyncLocal, type AppSyncLocalOptions, type GraphQLHttpResponse, type IamCredentials } from '../../src/index';
import { fixtureTables, uniquePrefix } from './tables';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** The pool's test users: the username is the role. */
export const TEST_USERS = [
  { role: 'staff', username: 'staff', email: 'staff@example.com', password: 'Staff-Test-1', groups: ['staff'] },
  { role: 'dataProtection', username: 'dataProtection', email: 'dpo@example.com', password: 'DataProtection-Test-1', groups: ['dataProtection'] },
  { role: 'purchaserA', username: 'purchaserA', email: 'a@example.com', password: 'PurchaserA-Test-1', groups: [] },
  { role: 'purchaserB', username: 'purchaserB', email: 'b@example.com', password: 'PurchaserB-Test-1', groups: [] },
] as const;
export type TestUser = (typeof TEST_USERS)[number]['username'];

export const TEST_IAM: IamCredentials = {
  accessKeyId: 'AKIAAPPSYNCLOCALTEST1',
  secretAccessKey: 'appsync-local-test-secret',
  accountId: '111111111111',
  username: 'AIDAAPPSYNCLOCALTEST1',
  userArn: 'arn:aws:iam::111111111111:user/appsync-local-test',
};

export const API_KEY_ONLY = { defaultMode: 'API_KEY', additionalModes: [] } as const;
/** Cognito user pools by default, API key and IAM beside it. */
export const ALL_MODES = { defaultMode: 'AMAZON_COGNITO_USER_POOLS', additionalModes: ['API_KEY', 'AWS_IAM'] } as const;

export type GqlResponse<T = Record<string, unknown>> = GraphQLHttpResponse<T>;

export type Identity = TestUser | 'iam' | 'apiKey' | 'none';

export interface GqlOptions {
  /** as whom; the API key on an API whose default mode is the API key, staff otherwise */
  as?: Identity;
  /** send this API key (null: no credentials), whatever `as` says */
  apiKey?: string | null;
  headers?: Record<string, string>;
}

export interface TestApi extends AppSyncLocal {
  dynamodb: DynamoDBClient;
  tables: Record<string, string>;
  env: Record<string, string>;
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, options?: GqlOptions): Promise<GqlResponse<T>>;
  /** POST /graphql with a raw body */
  post(body: string, headers?: Record<string, string>): Promise<GqlResponse>;
  /** a live token (access unless `id`) of a test user */
  token(user: TestUser, kind?: 'access' | 'id'): Promise<string>;
  userPool: NonNullable<AppSyncLocal['userPool']>;
  iam: IamCredentials;
}

export interface TestApiOptions extends Partial<Omit<AppSyncLocalOptions, 'wiringFile'>> {
  wiringFile: string;
  label?: string;
}

export async function startTestApi(options: TestApiOptions): Promise<TestApi> {
  const dynamodb = dynamoDbClient(inject('dynamodbEndpoint'));
  const { tables, env } = await fixtureTables(dynamodb, uniquePrefix(options.label ?? 'api'));
  const modes = options.auth?.modes ?? ALL_MODES;
  const api = await startAppSyncLocal({
    buildRoot: inject('fixtureBuildRoot'),
    build: false,
    dynamodb,
    tables,
    env,
    ...options,
    auth: { modes, iam: TEST_IAM, userPool: { groups: ['staff', 'dataProtection'], users: TEST_USERS }, ...options.auth },
  });
  const http = graphqlHttpClient(api.graphqlUrl);
  const post = http.post;
  const token = async (user: TestUser, kind: 'access' | 'id' = 'access') => {
    const issued = await api.userPool!.pool.tokensFor(user);
    return kind === 'id' ? issued.IdToken : issued.AccessToken;
  };
  const credentials = async (as: Identity, body: string): Promise<Record<string, string>> => {
    if (as === 'none') return {};
    if (as === 'apiKey') return { 'x-api-key': api.apiKey };
    if (as === 'iam') return signedIamHeaders(api.graphqlUrl, body, TEST_IAM);
    return { authorization: await token(as) };
  };
  const defaultIdentity: Identity = modes.defaultMode === 'API_KEY' ? 'apiKey' : 'staff';
  return Object.assign(Object.create(api) as AppSyncLocal, {
    dynamodb,
    tables,
    env,
    post,
    token,
    userPool: api.userPool!,
    iam: TEST_IAM,
    gql: async (query: string, variables?: Record<string, unknown>, opts: GqlOptions = {}) => {
      const body = JSON.stringify({ query, variables });
      const auth = opts.apiKey !== undefined ? (opts.apiKey === null ? {} : { 'x-api-key': opts.apiKey }) : await credentials(opts.as ?? defaultIdentity, body);
      return post(body, { ...auth, ...opts.headers }) as never;
    },
    stop: async () => {
      http.close();
      try {
        await api.stop();
      } finally {
        dynamodb.destroy();
      }
    },
  }) as TestApi;
}
