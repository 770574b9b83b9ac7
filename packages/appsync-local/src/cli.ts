/**
 * The command line: `appsync-local --template t.yaml | --cdk-out cdk.out [--stack Name] | --wiring
 * wiring.json`. Starts the API (and DynamoDB Local with its tables), prints what a client needs
 * (endpoint, API key, user pool and app client ids, the default auth mode, the tables) and every
 * resource of the template it does not run with why; runs until Ctrl-C. A failure is one line on
 * stderr and exit status 1: a busy port, no Java, an unsupported resource, a resolver that does not build.
 */
import { parseArgs } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startAppSyncLocal, type AppSyncLocal } from './app';
import { portIsFree } from './services/ports';
import { LOCAL_IAM, startFromTemplate } from './template/start';
import type { TemplateApi } from './template/read';

export const USAGE = `Usage: appsync-local (--template <file> | --cdk-out <dir> [--stack <name>] | --wiring <wiring.json>) [options]

Runs an AWS AppSync API with APPSYNC_JS resolvers on this machine: the HTTP and real-time
endpoints, its auth modes, a local Cognito user pool and DynamoDB Local (needs Java 17+).

  --template <file>     a CloudFormation template (YAML or JSON; hand-written, SAM or CDK's)
  --cdk-out <dir>       a CDK cloud assembly (cdk synth's cdk.out), its assets included
  --stack <name>        the stack of the assembly, when more than one has an AppSync API
  --api <name>          the GraphQL API of the template, when it has more than one
  --parameter <k=v>     a template parameter's value (repeatable; defaults otherwise)
  --wiring <file>       a wiring.json instead of a template (tables are then the caller's)
  --port <n>            the endpoint's port (default 4000)
  --data-dir <dir>      keep DynamoDB Local's data here between runs (in memory otherwise)
  --dynamodb <url>      use this DynamoDB Local instead of starting one
  --help                this text
`;

/** A failure as one line: what failed and what to do. */
export function oneLine(err: unknown, port?: number): string {
  const e = err as NodeJS.ErrnoException & { errors?: unknown[] };
  if (e?.code === 'EADDRINUSE') return `port ${port ?? '?'} is in use: stop what listens there or choose another with --port`;
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

function describe(api: AppSyncLocal, template?: TemplateApi): string {
  const lines = [
    `GraphQL endpoint   ${api.graphqlUrl}`,
    `real-time endpoint ${api.realtimeUrl}`,
    `console            ${api.url}`,
  ];
  const modes = template?.auth.modes;
  if (modes) lines.push(`default auth mode  ${modes.defaultMode}${modes.additionalModes.length ? ` (also ${modes.additionalModes.join(', ')})` : ''}`);
  if (!template || template.auth.apiKey || modes?.defaultMode === 'API_KEY' || modes?.additionalModes.includes('API_KEY')) lines.push(`API key            ${api.apiKey}`);
  if (api.userPool) {
    lines.push(`user pool id       ${api.userPool.pool.poolId}`, `app client id      ${api.userPool.pool.clientId}`, `user pool endpoint ${api.userPool.endpoint}`);
  }
  if (api.iam) lines.push(`IAM access key     ${api.iam.accessKeyId} (secret ${api.iam.secretAccessKey})`);
  if (template) {
    for (const t of template.tables) {
      const keys = (t.KeySchema ?? []).map((k) => `${k.AttributeName} ${k.KeyType}`).join(', ');
      const indexes = [...(t.GlobalSecondaryIndexes ?? []), ...(t.LocalSecondaryIndexes ?? [])].map((i) => i.IndexName).join(', ');
      lines.push(`table              ${t.TableName} (${keys}${indexes ? `; indexes ${indexes}` : ''}${t.StreamSpecification ? `; stream ${t.StreamSpecification.StreamViewType}` : ''})`);
    }
    const notRun = template.report.filter((r) => r.outcome === 'not run');
    if (notRun.length) {
      lines.push(`not run (${notRun.length}):`);
      for (const r of notRun) lines.push(`  ${r.logicalId} (${r.type}): ${r.why}`);
    }
  }
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        template: { type: 'string' },
        'cdk-out': { type: 'string' },
        stack: { type: 'string' },
        api: { type: 'string' },
        parameter: { type: 'string', multiple: true },
        wiring: { type: 'string' },
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        dynamodb: { type: 'string' },
        help: { type: 'boolean' },
      },
    }).values;
  } catch (err) {
    process.stderr.write(`appsync-local: ${oneLine(err)} (see --help)\n`);
    return 1;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const sources = [args.template, args['cdk-out'], args.wiring].filter((s) => s !== undefined);
  if (sources.length !== 1) {
    process.stderr.write(`appsync-local: give one of --template, --cdk-out or --wiring (see --help)\n`);
    return 1;
  }
  const port = args.port === undefined ? 4000 : Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`appsync-local: --port ${args.port} is not a port number\n`);
    return 1;
  }
  try {
    if (port !== 0 && !(await portIsFree(port))) throw Object.assign(new Error('busy'), { code: 'EADDRINUSE' });
    let stop: () => Promise<void>;
    if (args.wiring) {
      const buildRoot = mkdtempSync(join(tmpdir(), 'appsync-local-build-'));
      const api = await startAppSyncLocal({ wiringFile: args.wiring, buildRoot, port, auth: { modes: { defaultMode: 'API_KEY', additionalModes: [] }, iam: LOCAL_IAM } }).catch((err: unknown) => {
        rmSync(buildRoot, { recursive: true, force: true });
        throw err;
      });
      process.stdout.write(`${describe(api)}\n`);
      stop = async () => {
        await api.stop();
        rmSync(buildRoot, { recursive: true, force: true });
      };
    } else {
      const parameters = Object.fromEntries((args.parameter ?? []).map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
      const app = await startFromTemplate(args.template ? { template: args.template } : { cdkOut: args['cdk-out']!, stack: args.stack }, {
        api: args.api,
        parameters,
        port,
        dataDir: args['data-dir'],
        dynamodbEndpoint: args.dynamodb,
        log: (line) => process.stdout.write(`${line}\n`),
      });
      process.stdout.write(`${describe(app.api, app.template)}\n`);
      stop = app.stop;
    }
    process.stdout.write('ready (Ctrl-C stops)\n');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await stop();
    return 0;
  } catch (err) {
    process.stderr.write(`appsync-local: ${oneLine(err, port)}\n`);
    return 1;
  }
}

// `tsx src/cli.ts ...` in this repository; the installed package's bin/appsync-local.js calls main()
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exit(await main(process.argv.slice(2)));
