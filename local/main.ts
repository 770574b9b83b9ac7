/**
 * `npm start`: the local stack on this machine, until Ctrl-C. Prints where everything is.
 */
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { MARK_API_WIRING, REPO_ROOT } from '../infra/wiring';
import { DEFAULT_API_KEY, DEFAULT_PORT, DEFAULT_USER_POOL_PORT, startStack, type Stack } from './stack';
import { SEEDED_USERS } from './users';
import { LOCAL_CLIENT_CONFIG_FILE, localClientConfig, writeClientConfig } from './client-config';
import { portIsFree } from 'appsync-local';
import { watchSources, type SourceChange } from './watch';
import { buildWebClient, DEFAULT_WEB_PORT, serveWebClient } from './web-client';
import { DataFolderInUse, DEFAULT_DATA_DIR, holdStackFile } from './stack-file';

const USAGE = `Usage: npm start -- [options]

Runs mark-api locally: DynamoDB Local, the tables, the resolvers and an AppSync-compatible
endpoint with a GraphiQL console, and the downstream pipeline (kinesalite, s3rver, and the
relay, eraser and archive Lambda handlers run by local stream pollers).

Options:
  --port <n>        port of the GraphQL endpoint and console (default: ${DEFAULT_PORT},
                    or a free port when ${DEFAULT_PORT} is taken; 0 for a free port)
  --host <host>     address to listen on (default: 127.0.0.1)
  --in-memory       keep data in memory only (default: persist under --data-dir)
  --data-dir <dir>  where data persists (default: .data)
  --api-key <key>   the API key clients send as x-api-key (default: ${DEFAULT_API_KEY})
  --watch           rebuild the bundles when resolvers/, the wiring or schema.graphql change,
                    and swap them into the running endpoint (data, DynamoDB Local and the
                    pipeline stay up); a failed build is reported and the last good bundles serve
  --help            show this help
`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function parse() {
  try {
    const { values } = parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'in-memory': { type: 'boolean' },
        'data-dir': { type: 'string' },
        'api-key': { type: 'string' },
        watch: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
    return values;
  } catch (err) {
    fail(`npm start: ${(err as Error).message}`);
  }
}

async function main() {
  const flags = parse();
  if (flags.help) {
    process.stdout.write(USAGE);
    return;
  }
  let port = flags.port === undefined ? undefined : Number(flags.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) fail(`npm start: --port must be a port number, not "${flags.port}"`);
  if (port === 0) port = undefined;
  else if (port === undefined) {
    if (await portIsFree(DEFAULT_PORT, flags.host)) port = DEFAULT_PORT;
    else process.stdout.write(`Port ${DEFAULT_PORT} is taken; using a free port instead (pass --port to choose one).\n`);
  }
  if (flags['api-key'] !== undefined && !flags['api-key'].trim()) fail('npm start: --api-key must not be empty');
  if (!existsSync(MARK_API_WIRING)) {
    process.stderr.write(`npm start: ${MARK_API_WIRING} does not exist yet, so there is no API to serve.\n`);
    process.exit(1);
  }

  // One npm start per data folder, and the file by which verify, rebuild, seed and smoke find it
  // (local/stack-file.ts). Taken before DynamoDB Local opens the folder; removed on every way out.
  let lease;
  try {
    lease = holdStackFile(flags['data-dir'] ?? DEFAULT_DATA_DIR, flags['in-memory'] === true);
  } catch (err) {
    if (!(err instanceof DataFolderInUse)) throw err;
    process.stderr.write(`npm start: ${err.message}\n`);
    process.exit(2);
  }
  const stackFile = lease;
  process.on('exit', () => stackFile.release());

  // filled once started; a signal may arrive before that
  const running: { stack?: Stack } = {};
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping…\n`);
    try {
      await running.stack?.stop();
      process.exit(0);
    } catch (err) {
      process.stderr.write(`${String(err)}\n`);
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGHUP', () => void shutdown('SIGHUP'));
  // A launcher (npm, a shell) may die without passing its signal on; when the parent is gone,
  // stop too rather than leave this process and DynamoDB Local's JVM running as orphans.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void shutdown('parent process exited');
  }, 1000).unref();

  // the user pool and the web client on stable ports too when they are free, so sign-in settings
  // and bookmarks survive a restart
  const stablePort = async (stable: number) => (port === DEFAULT_PORT && (await portIsFree(stable, flags.host)) ? stable : undefined);
  const userPoolPort = await stablePort(DEFAULT_USER_POOL_PORT);
  // The web client (web/): built while the stack starts, served on an origin of its own before the
  // stack starts, since the user pool answers a browser page only from the origins it is given.
  const webBuild = buildWebClient().then(
    () => undefined,
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  );
  const web = await serveWebClient({ configFile: LOCAL_CLIENT_CONFIG_FILE, port: await stablePort(DEFAULT_WEB_PORT), host: flags.host });
  const stack = await startStack({
    port,
    userPoolPort,
    allowedOrigins: [web.origin],
    onUserPoolLog: (line) => process.stdout.write(`  ${line}\n`),
    host: flags.host,
    inMemory: flags['in-memory'],
    dataDir: flags['data-dir'],
    apiKey: flags['api-key'],
    // the bundles of the API it serves, built at every start so they match the sources
    build: true,
    log: (line) => process.stdout.write(`  ${line}\n`),
    // relay, eraser and archive mappings over kinesalite and s3rver (local/pollers)
    pipeline: true,
    onResolverLog: (level, text, module) => process.stdout.write(`  [${module}] ${level}: ${text}\n`),
  });
  stack.addService({ name: 'web client', stop: () => web.stop() });
  running.stack = stack;
  if (stopping) return void (await stack.stop());
  // the web client and npm run smoke read where everything is from this one file
  writeClientConfig(localClientConfig(stack), LOCAL_CLIENT_CONFIG_FILE);
  stackFile.update({
    graphqlUrl: stack.graphqlUrl,
    dynamodbEndpoint: stack.dynamodbEndpoint,
    userPoolEndpoint: stack.userPool.endpoint,
    tablePrefix: stack.tablePrefix,
    clientConfigFile: LOCAL_CLIENT_CONFIG_FILE,
  });
  const webBuildFailure = await webBuild;

  process.stdout.write(`
mark-api is running locally.

  GraphQL endpoint  ${stack.graphqlUrl}
  Console           ${stack.url}/
  Web client        ${webBuildFailure ? `not built: ${webBuildFailure}` : `${web.url}   (storefront and owner's page; sign up with the code printed here)`}
                    (its live events use the real-time endpoint's self-signed certificate: open ${stack.url.replace(/^http:/, 'https:')}/health once and accept it)
  Real-time         ${stack.realtimeUrl}
  API key           ${stack.apiKey}   (public reads only; send it as the x-api-key header)
  User pool         ${stack.userPool.endpoint}   (Cognito Identity Provider API: USER_SRP_AUTH, Amplify's signIn, and USER_PASSWORD_AUTH)
    user pool id    ${stack.userPool.pool.poolId}
    app client id   ${stack.userPool.pool.clientId}
    users (a development convenience: these passwords are printed, never use them elsewhere)
${SEEDED_USERS.map((u) => `      ${u.username.padEnd(16)}${u.password.padEnd(24)}${u.groups.length ? `groups: ${u.groups.join(', ')}` : 'purchaser'}`).join('\n')}
    sign-up codes   printed here (the local pool mails nothing)
  IAM (staff)       access key ${stack.iam.accessKeyId}, secret ${stack.iam.secretAccessKey}
                    (signs back-office calls to the API and the user pool's Admin* operations)
  Client config     ${relative(process.cwd(), LOCAL_CLIENT_CONFIG_FILE) || LOCAL_CLIENT_CONFIG_FILE}   (Amplify.configure's ResourcesConfig: the web client and npm run smoke read it)
  Data              ${flags['in-memory'] ? 'in memory (gone when stopped)' : `persistent under ${flags['data-dir'] ?? '.data'}/`}   (held by ${relative(process.cwd(), stackFile.file) || stackFile.file}: verify, rebuild, seed and smoke find this stack there)
  Archive           ${stack.pipeline?.archiveLocation ?? 'not started'}

Press Ctrl-C to stop.
`);
  if (flags.watch) {
    watchSources(stack.wiring, (change) => reloadOnSave(stack, change));
    process.stdout.write(`Watching ${relative(REPO_ROOT, stack.wiring.codeDir)}/ and ${relative(REPO_ROOT, stack.wiring.schemaFile)}: a save rebuilds and swaps the bundles.\n`);
  }
}

async function reloadOnSave(stack: Stack, change: SourceChange) {
  const started = performance.now();
  const what = change.files.map((f) => relative(REPO_ROOT, f.startsWith('/') ? f : `${stack.wiring.codeDir}/${f}`)).join(', ');
  try {
    const reloaded = await stack.reload({ schema: change.schema });
    const ms = Math.round(performance.now() - started);
    process.stdout.write(
      `[watch] ${what} changed: ${reloaded.bundles} bundles rebuilt and serving in ${ms} ms` +
        `${reloaded.endpointRestarted ? ' (new schema: endpoint restarted on the same port, WebSocket clients reconnect)' : ''}\n`,
    );
  } catch (err) {
    process.stderr.write(`[watch] ${what} changed: the build failed, the last good bundles keep serving.\n${indent(err instanceof Error ? err.message : String(err))}\n`);
  }
}

const indent = (text: string) => text.split('\n').map((line) => `  ${line}`).join('\n');

main().catch((err) => {
  process.stderr.write(`npm start failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
