/**
 * The credential provider of the deployed Lambda bundles, in place of the SDK's default chain
 * (`@aws-sdk/credential-provider-node`, swapped by an esbuild alias: infra/lambda-bundle.ts).
 *
 * In Lambda the execution role's credentials are always in the environment (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN: "Defined runtime environment variables" in the Lambda
 * developer guide), which is the first link the default chain tries and the one it settles on
 * there. The rest of the chain (SSO, STS web identity, ini files, container and instance
 * metadata, with their own SDK clients) can never be reached in Lambda, yet it made up a third of
 * each bundle and a sixth of its cold load (docs/PERFORMANCE.md, Pipeline; the SDK's issue 5516).
 * Run from the TypeScript sources (tests, the local pollers) the SDK keeps its default chain.
 */
export interface EnvironmentCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** The credentials in an environment, or a clear error when there are none. */
export function credentialsFromEnvironment(env: NodeJS.ProcessEnv): EnvironmentCredentials {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env;
  if (!accessKeyId || !secretAccessKey) {
    throw new Error('no AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY): the Lambda runtime sets them from the execution role');
  }
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}

/**
 * What the SDK clients' runtime config calls, `credentialDefaultProvider(clientConfig)`: a
 * provider of the environment's credentials, read when a request is signed.
 */
export const defaultProvider = (_clientConfig?: unknown) => async (): Promise<EnvironmentCredentials> => credentialsFromEnvironment(process.env);
