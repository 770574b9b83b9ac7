/**
 * cdk-nag's AwsSolutions and Serverless packs over the app, applied as `npm run synth` applies
 * them (infra/nag.ts): zero findings that are neither fixed nor acknowledged, a new violation
 * fails, and every acknowledgement sits on a construct below the stack with a reason.
 * Lambda bundling is skipped (cdk-nag reads the template, not the handler code; infra.test.ts
 * covers bundling), which keeps each synthesis to a few seconds.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyNagPacks, NAG_PACKS } from '../infra/nag';
import { MarkApiStack } from '../infra/stack';
import { loadMarkApiWiring, type MarkApiWiring } from '../infra/wiring';
import { buildApi, type BuiltCode } from 'appsync-local';
import cdkJson from '../cdk.json';

interface Finding {
  pack: string;
  rule: string;
  severity: string;
  path: string;
}
interface Synthesis {
  app: App;
  stack: MarkApiStack;
  /** what synth threw (validation failed), if it threw */
  error?: Error;
  /** every finding left after acknowledgements, errors and warnings alike */
  findings: Finding[];
}

let root: string;
let wiring: MarkApiWiring;
let bundles: BuiltCode[];
let runs = 0;
let webDir: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'mark-api-nag-'));
  wiring = loadMarkApiWiring();
  bundles = await buildApi(wiring, join(root, 'build'));
  // what the web hosting uploads does not matter to the packs: a page stands in for the build
  webDir = join(root, 'web');
  mkdirSync(webDir);
  writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>mark-api</title>');
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** The app as infra/app.ts makes it (stack, then the packs), plus whatever `change` adds. */
function synthWithNag(change?: (stack: MarkApiStack) => void, context: Record<string, unknown> = {}): Synthesis {
  const outdir = join(root, `cdk.out.${++runs}`);
  const app = new App({
    outdir,
    context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], '@aws-cdk/core:validateAgainstDefaultRules': false, ...context },
  });
  const stack = new MarkApiStack(app, 'MarkApi', { wiring, bundles, webDir });
  change?.(stack);
  applyNagPacks(app);
  let error: Error | undefined;
  try {
    app.synth();
  } catch (err) {
    error = err as Error;
  }
  return { app, stack, error, findings: readFindings(outdir) };
}

function readFindings(outdir: string): Finding[] {
  const file = join(outdir, 'validation-report.json');
  if (!existsSync(file)) return [];
  const report = JSON.parse(readFileSync(file, 'utf8')) as {
    pluginReports: { pluginName: string; violations: { ruleName: string; severity: string; violatingConstructs: { constructPath: string }[] }[] }[];
  };
  return report.pluginReports.flatMap((p) =>
    p.violations.flatMap((v) => v.violatingConstructs.map((c) => ({ pack: p.pluginName, rule: v.ruleName, severity: v.severity, path: c.constructPath }))),
  );
}

/** Every acknowledgement recorded with Validations.of(construct).acknowledge, by construct. */
function acknowledgements(app: App): { construct: IConstruct; id: string; reason: string }[] {
  return app.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ construct, id, reason }))),
  );
}

describe('cdk-nag AwsSolutions and Serverless packs', () => {
  let clean: Synthesis;
  beforeAll(() => {
    clean = synthWithNag();
  }, 120_000);

  it('finds nothing that is neither fixed nor acknowledged in the app', () => {
    expect(clean.findings).toEqual([]);
    expect(clean.error).toBeUndefined();
  });

  it('finds nothing either in a production stage (Cognito PLUS, the WAF, on-demand Kinesis, SES, an alarm subscriber)', () => {
    const production = synthWithNag(undefined, { stage: 'production', sesFromEmail: 'no-reply@registry.example', sesRegion: 'eu-west-1', alarmEmail: 'oncall@registry.example' });
    expect(production.findings).toEqual([]);
    expect(production.error).toBeUndefined();
    // the development stage's acknowledgement of its cheaper feature plan is not carried into production
    expect(acknowledgements(production.app).filter((a) => a.id.includes('COG3') || a.id.includes('COG8'))).toEqual([]);
    expect(acknowledgements(clean.app).filter((a) => a.id.includes('COG3')).map((a) => a.construct.node.path)).toEqual(['MarkApi/Users/Users']);
  }, 120_000);

  it('fails synthesis on a new violation: an unencrypted queue added to the stack', () => {
    const { error, findings } = synthWithNag((stack) => {
      new sqs.Queue(stack, 'Unencrypted', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    });
    // the thrown error is the validation report, naming the construct and the rules
    expect(error?.message).toContain('MarkApi/Unencrypted/Resource');
    expect(error?.message).toContain('AwsSolutions::AwsSolutions-SQS2');
    const onQueue = findings.filter((f) => f.path === 'MarkApi/Unencrypted/Resource');
    // both packs ran: the AwsSolutions encryption and TLS rules and the Serverless redrive rule
    expect(onQueue.map((f) => f.rule)).toEqual(expect.arrayContaining(['AwsSolutions-SQS2', 'AwsSolutions-SQS4', 'Serverless-SQSRedrivePolicy']));
    expect(new Set(onQueue.map((f) => f.pack))).toEqual(new Set(NAG_PACKS));
    // and nothing else: the rest of the app stays clean
    expect(findings.filter((f) => f.path !== 'MarkApi/Unencrypted/Resource')).toEqual([]);
  });

  it('does not let an acknowledgement on one construct cover another of the same kind', () => {
    // The access-log bucket's S1 is acknowledged; a second bucket without logs is still a finding.
    const { error, findings } = synthWithNag((stack) => {
      new s3.Bucket(stack.archive, 'Unlogged', { enforceSSL: true });
    });
    expect(error).toBeDefined();
    expect(findings).toContainEqual(expect.objectContaining({ rule: 'AwsSolutions-S1', path: 'MarkApi/Archive/Unlogged/Resource' }));
    expect(findings.some((f) => f.path.startsWith('MarkApi/Archive/AccessLogs/'))).toBe(false);
  });

  it('acknowledges on constructs below the stack, one finding id at a time, each with a reason', () => {
    const acks = acknowledgements(clean.app);
    expect(acks.length).toBeGreaterThan(0);
    for (const { construct, id, reason } of acks) {
      const where = `${id} on ${construct.node.path}`;
      expect(construct instanceof App || Stack.isStack(construct), `${where}: not on the app or a stack`).toBe(false);
      expect(construct.node.scopes.length, `${where}: below the stack's own constructs`).toBeGreaterThan(2);
      // a rule id (with its finding in brackets for IAM4/IAM5), never a bare pack name or a wildcard
      expect(id, where).toMatch(/^(AwsSolutions|Serverless)::(AwsSolutions|Serverless)-[A-Za-z0-9]+(\[[^\]]+\])?$/);
      expect(reason.length, `${where}: a reason a reviewer can check`).toBeGreaterThanOrEqual(60);
    }
  });

  it('fixes, not acknowledges, the archive bucket logs, the API data-source roles and the archive grants', () => {
    const acks = acknowledgements(clean.app);
    const on = (prefix: string) => acks.filter((a) => a.construct.node.path.startsWith(prefix)).map((a) => a.id);
    expect(on('MarkApi/Archive/Bucket')).toEqual([]);
    expect(on('MarkApi/GraphQL/Api/Marks')).toEqual([]);
    expect(on('MarkApi/GraphQL/Api/MarkEvents')).toEqual([]);
    // the archive function's wildcard findings are its two key prefixes only, no action wildcard
    expect(on('MarkApi/Archive/Archive').filter((id) => id.includes('IAM5')).every((id) => /\[Resource::<[A-Za-z0-9]+\.Arn>\/(events\/\*|erasures\/\*\.json)\]$/.test(id))).toBe(true);
  });
});
