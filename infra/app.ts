/**
 * The CDK app: `npm run synth` / `npm run deploy` (cdk.json runs this file with tsx).
 * It bundles the resolvers first, with the same build the local runtime uses, so AWS and the
 * local stack run the same files; then it describes one environment-agnostic stack.
 *
 * Synthesis runs cdk-nag's AwsSolutions and Serverless packs (infra/nag.ts) and fails on an
 * unacknowledged finding.
 *
 * Context (cdk.json or -c key=value): stackName (default MarkApi), retainTables, retainArchive,
 * kinesisShards, apiLogLevel, apiKeyExpires, apiKeyGeneration, lambdaLogLevel, logRetentionDays,
 * archiveInfrequentAccessDays, archiveGlacierDays, iteratorAgeAlarmMs, queryDepthLimit,
 * resolverCountLimit, introspection, wafRateLimitPer5Minutes, stage, cognitoFeaturePlan, waf,
 * sesFromEmail, sesRegion, alarmEmail, webSourceMap — see infra/settings.ts.
 */
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildApi } from 'appsync-local';
import { buildWebClient, WEB_BUILD_DIR } from '../local/web-client';
import { applyNagPacks } from './nag';
import { MarkApiStack } from './stack';
import { loadMarkApiWiring, REPO_ROOT } from './wiring';

const app = new App();
const stackName = String(app.node.tryGetContext('stackName') ?? 'MarkApi');
const wiring = loadMarkApiWiring();
// build/<api>/..., the same place `npm run build` writes, whatever the working directory
const bundles = await buildApi(wiring, join(REPO_ROOT, 'build'));
// the web client the stack hosts (infra/constructs/web-hosting.ts), from the same build npm start serves: esbuild, a second or two
await buildWebClient(WEB_BUILD_DIR);

new MarkApiStack(app, stackName, {
  wiring,
  bundles,
  webDir: WEB_BUILD_DIR,
  description: 'mark-api: event-sourced GraphQL API for personalised vehicle registration marks',
});
applyNagPacks(app);

app.synth();
