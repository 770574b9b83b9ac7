/**
 * `npm run client-config -- --outputs <cdk outputs file>`: a deployed stack's client configuration
 * (infra/client-config.ts), written where the web client reads it — the same file npm start writes
 * for the local stack, so pointing a client at AWS is a change of that file alone.
 */
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CLIENT_OUTPUTS, clientConfigFromOutputs } from '../../infra/client-config';
import { LOCAL_CLIENT_CONFIG_FILE, writeClientConfig } from '../client-config';
import { readStackOutputs, UsageError } from './target';

const USAGE = `Usage: npm run client-config -- --outputs <file> [options]

Writes a deployed stack's client configuration (aws-amplify v6's ResourcesConfig: GraphQL endpoint,
region, user pool and app client) from its outputs, made by
  npm run deploy -- --outputs-file cdk-outputs.json

Options:
  --outputs <file>   the stack's outputs (required)
  --stack <name>     the stack in the file, when it holds several
  --api-key <key>    the public storefront's API key, which the stack does not output
                     (aws appsync list-api-keys --api-id <GraphQLApiId>)
  --out <file>       where to write (default: ${relative(process.cwd(), LOCAL_CLIENT_CONFIG_FILE)}, where npm start writes the local one)
  --help             show this help`;

function main(): void {
  try {
    const { values: flags } = parseArgs({
      options: { outputs: { type: 'string' }, stack: { type: 'string' }, 'api-key': { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
    if (flags.help) return void process.stdout.write(`${USAGE}\n`);
    if (flags.outputs === undefined) throw new UsageError('--outputs <cdk outputs file> is required');
    const outputs = readStackOutputs(flags.outputs, CLIENT_OUTPUTS.graphqlUrl, flags.stack);
    let config;
    try {
      config = clientConfigFromOutputs(outputs, { apiKey: flags['api-key'] });
    } catch (err) {
      throw new UsageError(`--outputs: ${flags.outputs} ${(err as Error).message}`);
    }
    const out = flags.out ?? LOCAL_CLIENT_CONFIG_FILE;
    writeClientConfig(config, out);
    process.stdout.write(`client configuration of ${config.API.GraphQL.endpoint} written to ${relative(process.cwd(), out) || out}\n`);
  } catch (err) {
    process.stderr.write(`npm run client-config: ${(err as Error).message} (npm run client-config -- --help)\n`);
    process.exit(2);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
