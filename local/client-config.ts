/**
 * The local stack's client configuration (infra/client-config.ts): what `npm start` writes to
 * amplify-config.json at the repository root, for the web client and `npm run smoke`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clientConfig, type ClientConfig } from '../infra/client-config';
import { REPO_ROOT } from '../infra/wiring';
import type { Stack } from './stack';

/** Where npm start writes it (gitignored: its ports and key are this machine's). */
export const LOCAL_CLIENT_CONFIG_FILE = join(REPO_ROOT, 'amplify-config.json');

/** The region is the local pool's (its id is "<region>_<id>", as Cognito's), which SigV4 signatures name too. */
export function localClientConfig(stack: Pick<Stack, 'graphqlUrl' | 'apiKey' | 'userPool'>): ClientConfig {
  const { pool, endpoint } = stack.userPool;
  return clientConfig({
    graphqlUrl: stack.graphqlUrl,
    region: pool.region,
    userPoolId: pool.poolId,
    userPoolClientId: pool.clientId,
    userPoolEndpoint: endpoint,
    apiKey: stack.apiKey,
  });
}

export function writeClientConfig(config: ClientConfig, file: string): void {
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
}
