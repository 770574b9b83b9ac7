/**
 * The one file a client is configured by: the GraphQL endpoint, its region, the user pool, its app
 * client and — for the local pool — the pool's endpoint, in the shape aws-amplify v6's
 * `Amplify.configure` takes (its `ResourcesConfig`), so a client passes the file's content as it is.
 * Pointing a client at AWS instead of the local stack is a change of this file alone.
 *
 * Why ResourcesConfig for the web client and the local stack, not Amplify Gen 2's amplify_outputs.json:
 * its reader (parseAmplifyOutputs in @aws-amplify/core) carries no user pool endpoint, which the local
 * pool needs; ResourcesConfig has `userPoolEndpoint`. For a deployed stack `npm run client-config`
 * writes amplify_outputs.json too (amplifyOutputs below), the file Amplify's Swift, Android and
 * Flutter libraries read.
 *
 * Written by `npm start` for the local stack (local/client-config.ts) and, for a deployed stack,
 * by `npm run client-config` from `cdk deploy --outputs-file` (the outputs named here, which
 * infra/stack.ts declares).
 */
import type { ResourcesConfig } from 'aws-amplify';
import { MARK_API_AUTHORIZATION } from './auth';

/** The CfnOutputs of infra/stack.ts a client configuration is made of. */
export const CLIENT_OUTPUTS = {
  graphqlUrl: 'GraphQLUrl',
  region: 'Region',
  userPoolId: 'UserPoolId',
  userPoolClientId: 'UserPoolClientId',
  /** the web client's CloudFront URL (not part of the configuration; where the deployed page is) */
  webUrl: 'WebUrl',
} as const;

export interface ClientEndpoints {
  graphqlUrl: string;
  region: string;
  userPoolId: string;
  userPoolClientId: string;
  /** the local pool's endpoint; absent for Cognito (Amplify derives it from the pool id's region) */
  userPoolEndpoint?: string;
  /** the public storefront's key; the CDK app does not output it (aws appsync list-api-keys) */
  apiKey?: string;
}

/** What a client configuration file holds: Amplify's ResourcesConfig with the parts mark-api uses. */
export interface ClientConfig extends ResourcesConfig {
  Auth: { Cognito: { userPoolId: string; userPoolClientId: string; userPoolEndpoint?: string } };
  API: { GraphQL: { endpoint: string; region: string; defaultAuthMode: 'userPool'; apiKey?: string } };
}

export class ClientConfigError extends Error {}

export function clientConfig(endpoints: ClientEndpoints): ClientConfig {
  return {
    Auth: {
      Cognito: {
        userPoolId: endpoints.userPoolId,
        userPoolClientId: endpoints.userPoolClientId,
        ...(endpoints.userPoolEndpoint ? { userPoolEndpoint: endpoints.userPoolEndpoint } : {}),
      },
    },
    API: {
      GraphQL: {
        endpoint: endpoints.graphqlUrl,
        region: endpoints.region,
        // as the API's default mode (infra/auth.ts): a signed-in user's token
        defaultAuthMode: 'userPool',
        ...(endpoints.apiKey ? { apiKey: endpoints.apiKey } : {}),
      },
    },
  };
}

/**
 * The stack's outputs in a `cdk deploy --outputs-file` file ({ "<stack>": { "<output>": value } }):
 * the one stack that has `required`, or the one named.
 */
export function stackOutputs(file: unknown, required: string, stackName?: string): Record<string, string> {
  if (!file || typeof file !== 'object') throw new ClientConfigError('is not a cdk outputs file (an object of stacks)');
  const stacks = Object.entries(file as Record<string, unknown>).filter(
    ([name, outputs]) => (stackName === undefined || name === stackName) && outputs && typeof outputs === 'object' && required in outputs,
  );
  if (stacks.length !== 1) {
    throw new ClientConfigError(
      `must hold exactly one stack${stackName ? ` named ${stackName}` : ''} with a ${required} output (found ${stacks.length}${stacks.length > 1 ? `: ${stacks.map(([n]) => n).join(', ')}; pick one with --stack` : ''})`,
    );
  }
  return stacks[0]![1] as Record<string, string>;
}

/** The client configuration of a deployed stack, from its outputs (one stack's, see stackOutputs). */
export function clientConfigFromOutputs(outputs: Record<string, string>, options: { apiKey?: string } = {}): ClientConfig {
  const value = (key: keyof typeof CLIENT_OUTPUTS) => {
    const found = outputs[CLIENT_OUTPUTS[key]];
    if (typeof found !== 'string' || !found) throw new ClientConfigError(`has no ${CLIENT_OUTPUTS[key]} output (deploy the stack again: infra/stack.ts declares it)`);
    return found;
  };
  return clientConfig({ graphqlUrl: value('graphqlUrl'), region: value('region'), userPoolId: value('userPoolId'), userPoolClientId: value('userPoolClientId'), apiKey: options.apiKey });
}

/** A client configuration file's content, checked: what is missing is named. */
export function parseClientConfig(value: unknown): ClientConfig {
  const config = value as Partial<ClientConfig> | null;
  const missing = [
    ['API.GraphQL.endpoint', config?.API?.GraphQL?.endpoint],
    ['API.GraphQL.region', config?.API?.GraphQL?.region],
    ['Auth.Cognito.userPoolId', config?.Auth?.Cognito?.userPoolId],
    ['Auth.Cognito.userPoolClientId', config?.Auth?.Cognito?.userPoolClientId],
  ].filter(([, v]) => typeof v !== 'string' || !v);
  if (missing.length) throw new ClientConfigError(`is not a client configuration: no ${missing.map(([k]) => k).join(', ')}`);
  return config as ClientConfig;
}

/**
 * Amplify Gen 2's outputs file, amplify_outputs.json, the one Amplify's Swift, Android and Flutter
 * libraries read (`Amplify.configure(with: .amplifyOutputs)`, `AmplifyOutputs.fromResource(R.raw.amplify_outputs)`,
 * `Amplify.configure(amplifyConfig)` with its content): for a deployed stack only — the format has no
 * place for the local pool's endpoint. Schema version 1 (the Swift library's AmplifyOutputsData:
 * "Currently supports schema version 1"; aws-amplify's parseAmplifyOutputs reads the same keys).
 */
export interface AmplifyOutputsFile {
  version: '1';
  auth: { aws_region: string; user_pool_id: string; user_pool_client_id: string };
  data: { aws_region: string; url: string; api_key?: string; default_authorization_type: string; authorization_types: string[] };
}

export function amplifyOutputs(endpoints: ClientEndpoints): AmplifyOutputsFile {
  if (endpoints.userPoolEndpoint) throw new ClientConfigError('amplify_outputs.json cannot name a user pool endpoint: it is for a deployed stack (Cognito), not the local pool');
  return {
    version: '1',
    auth: { aws_region: endpoints.region, user_pool_id: endpoints.userPoolId, user_pool_client_id: endpoints.userPoolClientId },
    data: {
      aws_region: endpoints.region,
      url: endpoints.graphqlUrl,
      ...(endpoints.apiKey ? { api_key: endpoints.apiKey } : {}),
      // the API's modes as AppSync names them (infra/auth.ts): the same words in this format
      default_authorization_type: MARK_API_AUTHORIZATION.defaultMode,
      authorization_types: [...MARK_API_AUTHORIZATION.additionalModes],
    },
  };
}

/** The endpoints of a client configuration (ResourcesConfig), for writing them in another format. */
export function endpointsOf(config: ClientConfig): ClientEndpoints {
  return {
    graphqlUrl: config.API.GraphQL.endpoint,
    region: config.API.GraphQL.region,
    userPoolId: config.Auth.Cognito.userPoolId,
    userPoolClientId: config.Auth.Cognito.userPoolClientId,
    userPoolEndpoint: config.Auth.Cognito.userPoolEndpoint,
    apiKey: config.API.GraphQL.apiKey,
  };
}
