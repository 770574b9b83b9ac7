/**
 * The client configuration file (issue 19, part 4's contract): one shape, Amplify's ResourcesConfig,
 * for the local stack (written by npm start) and a deployed one (from `cdk deploy --outputs-file`),
 * which aws-amplify v6 takes as it is — the local pool's endpoint included, which Amplify Gen 2's
 * amplify_outputs.json cannot carry (parseAmplifyOutputs reads no endpoint).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Amplify } from 'aws-amplify';
import { ConsoleLogger } from 'aws-amplify/utils';
import { afterAll, describe, expect, it } from 'vitest';
import { amplifyOutputs, ClientConfigError, clientConfig, clientConfigFromOutputs, endpointsOf, parseClientConfig, stackOutputs } from '../infra/client-config';
import { REPO_ROOT } from '../infra/wiring';
import { localClientConfig } from '../local/client-config';
import { MARK_API_USER_POOL } from '../local/users';

const DEPLOYED = {
  GraphQLUrl: 'https://abcdefghijklmnopqrstuvwxyz.appsync-api.eu-west-2.amazonaws.com/graphql',
  Region: 'eu-west-2',
  UserPoolId: 'eu-west-2_AbCdEfGhI',
  UserPoolClientId: '1a2b3c4d5e6f7g8h9i0j1k2l3m',
  ApiKeyId: 'da2-keyid',
  MarksTableName: 'MarkApi-TablesMarks-1',
};

// Amplify warns of any user pool endpoint but Cognito's
ConsoleLogger.LOG_LEVEL = 'ERROR';
const folder = mkdtempSync(join(tmpdir(), 'mark-api-client-config-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('the client configuration', () => {
  it('of the local stack names the local pool endpoint, and Amplify takes it as it is', () => {
    const config = localClientConfig({
      graphqlUrl: 'http://127.0.0.1:4000/graphql',
      apiKey: 'da2-localmarkapidevelopment0',
      userPool: { endpoint: 'http://127.0.0.1:4001', pool: { poolId: MARK_API_USER_POOL.poolId, clientId: MARK_API_USER_POOL.clientId, region: 'us-east-1' } },
    } as Parameters<typeof localClientConfig>[0]);
    expect(config).toEqual({
      Auth: { Cognito: { userPoolId: 'us-east-1_LocalMarkApi', userPoolClientId: 'localmarkapiwebandmobile01', userPoolEndpoint: 'http://127.0.0.1:4001' } },
      API: { GraphQL: { endpoint: 'http://127.0.0.1:4000/graphql', region: 'us-east-1', defaultAuthMode: 'userPool', apiKey: 'da2-localmarkapidevelopment0' } },
    });
    // what a client does with the file's content (JSON, as read from disk)
    Amplify.configure(JSON.parse(JSON.stringify(config)));
    expect(Amplify.getConfig().Auth?.Cognito).toMatchObject({ userPoolEndpoint: 'http://127.0.0.1:4001', userPoolId: 'us-east-1_LocalMarkApi' });
    expect(Amplify.getConfig().API?.GraphQL).toMatchObject({ endpoint: 'http://127.0.0.1:4000/graphql', defaultAuthMode: 'userPool' });
  });

  it('of a deployed stack comes from its outputs, in the same shape without an endpoint for Cognito', () => {
    const config = clientConfigFromOutputs(stackOutputs({ MarkApi: DEPLOYED }, 'GraphQLUrl'), { apiKey: 'da2-public' });
    expect(config).toEqual({
      Auth: { Cognito: { userPoolId: DEPLOYED.UserPoolId, userPoolClientId: DEPLOYED.UserPoolClientId } },
      API: { GraphQL: { endpoint: DEPLOYED.GraphQLUrl, region: 'eu-west-2', defaultAuthMode: 'userPool', apiKey: 'da2-public' } },
    });
    expect(parseClientConfig(JSON.parse(JSON.stringify(config)))).toEqual(config);
  });

  it('of a deployed stack is also written as amplify_outputs.json, Amplify Gen 2\'s outputs for the Swift, Android and Flutter libraries', () => {
    const outputs = amplifyOutputs(endpointsOf(clientConfigFromOutputs(DEPLOYED, { apiKey: 'da2-public' })));
    expect(outputs).toEqual({
      version: '1',
      auth: { aws_region: 'eu-west-2', user_pool_id: DEPLOYED.UserPoolId, user_pool_client_id: DEPLOYED.UserPoolClientId },
      data: { aws_region: 'eu-west-2', url: DEPLOYED.GraphQLUrl, api_key: 'da2-public', default_authorization_type: 'AMAZON_COGNITO_USER_POOLS', authorization_types: ['API_KEY', 'AWS_IAM'] },
    });
    // aws-amplify reads the same format (parseAmplifyOutputs): the values land where the web client's file puts them
    Amplify.configure(JSON.parse(JSON.stringify(outputs)));
    expect(Amplify.getConfig().Auth?.Cognito).toMatchObject({ userPoolId: DEPLOYED.UserPoolId, userPoolClientId: DEPLOYED.UserPoolClientId });
    expect(Amplify.getConfig().API?.GraphQL).toMatchObject({ endpoint: DEPLOYED.GraphQLUrl, region: 'eu-west-2', apiKey: 'da2-public', defaultAuthMode: 'userPool' });
    // it has no place for the local pool's endpoint: refused rather than written without it
    const local = endpointsOf(clientConfig({ graphqlUrl: 'http://127.0.0.1:4000/graphql', region: 'us-east-1', userPoolId: 'us-east-1_LocalMarkApi', userPoolClientId: 'c', userPoolEndpoint: 'http://127.0.0.1:4001' }));
    expect(() => amplifyOutputs(local)).toThrow('amplify_outputs.json cannot name a user pool endpoint');
  });

  it('says what is wrong with an outputs file or a configuration file', () => {
    expect(() => stackOutputs({ A: DEPLOYED, B: DEPLOYED }, 'GraphQLUrl')).toThrow('must hold exactly one stack with a GraphQLUrl output (found 2: A, B; pick one with --stack)');
    expect(stackOutputs({ A: DEPLOYED, B: { ...DEPLOYED, Region: 'us-west-2' } }, 'GraphQLUrl', 'B').Region).toBe('us-west-2');
    expect(() => stackOutputs({ A: { Other: 'x' } }, 'GraphQLUrl')).toThrow(ClientConfigError);
    const { Region: _region, ...beforeRegion } = DEPLOYED;
    expect(() => clientConfigFromOutputs(beforeRegion)).toThrow('has no Region output (deploy the stack again: infra/stack.ts declares it)');
    expect(() => parseClientConfig({ API: { GraphQL: { endpoint: 'x' } } })).toThrow(
      'is not a client configuration: no API.GraphQL.region, Auth.Cognito.userPoolId, Auth.Cognito.userPoolClientId',
    );
  });

  it('npm run client-config writes it from a cdk outputs file', async () => {
    const outputs = join(folder, 'cdk-outputs.json');
    const out = join(folder, 'amplify-config.json');
    writeFileSync(outputs, JSON.stringify({ MarkApi: DEPLOYED }));
    const run = (args: string[]) =>
      promisify(execFile)(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), [join(REPO_ROOT, 'local', 'ops', 'client-config.ts'), ...args], { cwd: folder }).then(
        ({ stdout }) => ({ code: 0, text: stdout }),
        (err: { code: number; stderr: string }) => ({ code: err.code, text: err.stderr }),
      );
    expect(await run(['--outputs', outputs, '--out', out, '--api-key', 'da2-public'])).toEqual({
      code: 0,
      text: `client configuration of ${DEPLOYED.GraphQLUrl} written to amplify-config.json (web) and amplify_outputs.json (Swift, Android, Flutter)\n`,
    });
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(clientConfigFromOutputs(DEPLOYED, { apiKey: 'da2-public' }));
    // the mobile libraries' file, beside it, from the same outputs
    expect(JSON.parse(readFileSync(join(folder, 'amplify_outputs.json'), 'utf8'))).toEqual(amplifyOutputs(endpointsOf(clientConfigFromOutputs(DEPLOYED, { apiKey: 'da2-public' }))));
    expect(await run(['--outputs', join(folder, 'none.json')])).toMatchObject({ code: 2, text: expect.stringContaining(`--outputs: no such file ${join(folder, 'none.json')}`) });
  }, 120_000);
});
