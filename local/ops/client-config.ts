/**
 * `npm run client-config -- --outputs <cdk outputs file>`: a deployed stack's client configuration
 * (infra/client-config.ts), written where the web client reads it — the same file npm start writes
 * for the local stack, so pointing a client at AWS is a change of that file alone.
 */
import { dirname, join, relative } from 'node:path';
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { amplifyOutputs, CLIENT_OUTPUTS, clientConfigFromOutputs, endpointsOf } from '../../infra/client-config';
import { LOCAL_CLIENT_CONFIG_FILE, writeClientConfig } from '../client-config';
import { readStackOutputs, UsageError } from './target';

/** The name Amplify Gen 2's mobile libraries look for. */
export const AMPLIFY_OUTPUTS_FILE = 'amplify_outputs.json';

const USAGE = `Usage: npm run client-config -- --outputs <file> [options]

Writes a deployed stack's client configuration from its outputs, made by
  npm run deploy -- --outputs-file cdk-outputs.json
in two formats, side by side: amplify-config.json (aws-amplify v6's ResourcesConfig: the web
client and npm run smoke read it) and amplify_outputs.json (Amplify Gen 2's outputs, which
Amplify's Swift, Android and Flutter libraries read). Both hold the GraphQL endpoint, the region,
the user pool, its app client and, when given, the public API key.

Options:
  --outputs <file>   the stack's outputs (required)
  --stack <name>     the stack in the file, when it holds several
  --api-key <key>    the public storefront's API key, which the stack does not output
                     (aws appsync list-api-keys --api-id <GraphQLApiId>)
  --out <file>       where to write amplify-config.json (default: ${relative(process.cwd(), LOCAL_CLIENT_CONFIG_FILE)}, where npm start
                     writes the local one); amplify_outputs.json goes in the same folder
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
    const mobile = join(dirname(out), AMPLIFY_OUTPUTS_FILE);
    writeFileSync(mobile, `${JSON.stringify(amplifyOutputs(endpointsOf(config)), null, 2)}\n`);
    process.stdout.write(`client configuration of ${config.API.GraphQL.endpoint} written to ${relative(process.cwd(), out) || out} (web) and ${relative(process.cwd(), mobile) || mobile} (Swift, Android, Flutter)\n`);
  } catch (err) {
    process.stderr.write(`npm run client-config: ${(err as Error).message} (npm run client-config -- --help)\n`);
    process.exit(2);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
