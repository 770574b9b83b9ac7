/**
 * What `cdk deploy` would create, checked without an AWS account: the stack is synthesized once
 * (bundling the resolvers with buildApi and the Lambda handlers with local esbuild, as
 * `npm run synth` does) and the template is read with aws-cdk-lib/assertions.
 */
import { mkdtempSync, readFileSync, rmSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { Kind, parse, type ObjectTypeDefinitionNode, type ObjectTypeExtensionNode } from 'graphql';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { eraserFilterPattern } from '../functions/eraser/filter';
import { contextOf, readSettings } from '../infra/settings';
import { MarkApiStack } from '../infra/stack';
import { CLIENT_OUTPUTS, parseClientConfig } from '../infra/client-config';
import { apiTables, tables, type TableDefinition } from '../infra/tables';
import { loadMarkApiWiring, type MarkApiWiring } from '../infra/wiring';
import { buildWebClient } from '../local/web-client';
import { createSandbox, APPSYNC_CODE_LIMIT, buildApi, type BuiltCode } from 'appsync-local';
import cdkJson from '../cdk.json';
import { DATA_PROTECTION_GROUP, STAFF_GROUP } from '../resolvers/lib/roles';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

let root: string;
let wiring: MarkApiWiring;
let bundles: BuiltCode[];
let stack: MarkApiStack;
let template: Template;
let json: Json;
let assemblyDir: string;
let webDir: string;
const PRODUCTION = { stage: 'production', alarmEmail: 'oncall@registry.example', sesFromEmail: 'no-reply@registry.example', sesRegion: 'eu-west-1' };

/** The logical id of a construct's CloudFormation resource in the synthesized template. */
const logicalId = (c: IConstruct) => stack.getLogicalId((CfnElement.isCfnElement(c) ? c : c.node.defaultChild) as CfnElement);
const resourcesOf = (type: string): [string, Json][] => Object.entries(json.Resources as Json).filter(([, r]) => r.Type === type);
/** Whether a template value (Ref, Fn::GetAtt, Fn::Join...) points at the resource. */
const refersTo = (value: unknown, id: string) => JSON.stringify(value).includes(`"${id}"`);
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOfStatement = (s: Statement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);

/** Every statement of every inline policy attached to the role of a Lambda function or data source. */
function statementsOfRole(roleId: string): Statement[] {
  return resourcesOf('AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties.Roles as unknown[]).some((r) => refersTo(r, roleId)))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[]);
}
function statementsOfFunction(fn: IConstruct): Statement[] {
  const role = json.Resources[logicalId(fn)].Properties.Role;
  const roleId = (role['Fn::GetAtt'] as string[])[0];
  // Only the AWS managed basic-execution policy (CloudWatch Logs) besides the inline grants.
  const managed = JSON.stringify(json.Resources[roleId].Properties.ManagedPolicyArns ?? []);
  expect(managed).toContain('service-role/AWSLambdaBasicExecutionRole');
  expect(json.Resources[roleId].Properties.ManagedPolicyArns).toHaveLength(1);
  return statementsOfRole(roleId);
}
/** Does an IAM action pattern (with * wildcards) grant this action? */
const grants = (pattern: string, action: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i').test(action);
const allowed = (statements: Statement[], action: string) =>
  statements.filter((s) => s.Effect === 'Allow' && actionsOf(s).some((p) => grants(p, action)));
const allActions = (statements: Statement[]) => statements.flatMap(actionsOf);

const NO_VALIDATION_REPORT = { '@aws-cdk/core:validateAgainstDefaultRules': false };
const tableId = (name: string) => logicalId(stack.tables.table(name));

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'mark-api-infra-'));
  wiring = loadMarkApiWiring();
  // Bundles go to a private folder: other test files may be building build/ at the same time.
  bundles = await buildApi(wiring, join(root, 'build'));
  // The same feature flags `cdk synth` reads from cdk.json, less the default-rules validation
  // report: it only reports (synth does not fail on it) and costs most of the synthesis time.
  webDir = join(root, 'web');
  await buildWebClient(webDir);
  // A production stage, which has every protection on (development's cheaper defaults: 'context settings')
  const app = new App({ outdir: join(root, 'cdk.out'), context: { ...cdkJson.context, ...NO_VALIDATION_REPORT, ...PRODUCTION } });
  stack = new MarkApiStack(app, 'MarkApiTest', { wiring, bundles, webDir });
  // One synthesis (Template.fromStack would synthesize, and bundle, again).
  const assembly = app.synth();
  assemblyDir = assembly.directory;
  json = assembly.getStackArtifact(stack.artifactId).template as Json;
  template = Template.fromJSON(json);
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('tables', () => {
  it('makes one on-demand, point-in-time-recoverable, retained table per definition in infra/tables.ts', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', tables.length);
    for (const def of tables) {
      const table = json.Resources[tableId(def.logicalName)];
      expect(table.Type).toBe('AWS::DynamoDB::Table');
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.UpdateReplacePolicy).toBe('Retain');
      const p = table.Properties;
      expect(p.TableName, 'CloudFormation names the tables').toBeUndefined();
      expect(p.BillingMode).toBe('PAY_PER_REQUEST');
      // DynamoDB's default window (35 days), or the table's own (docs/PRIVACY.md states each)
      expect(p.PointInTimeRecoverySpecification).toEqual(
        def.pointInTimeRecoveryDays ? { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: def.pointInTimeRecoveryDays } : { PointInTimeRecoveryEnabled: true },
      );
      // retained, so protected from a DeleteTable outside CloudFormation too
      expect(p.DeletionProtectionEnabled).toBe(true);
      expect(p.SSESpecification).toEqual({ SSEEnabled: true });
      expect(p.KeySchema).toEqual(keySchema(def.partitionKey, def.sortKey));
      expect(p.StreamSpecification).toEqual(def.stream ? { StreamViewType: def.stream } : undefined);
      expect((p.GlobalSecondaryIndexes ?? []).map(indexShape)).toEqual(
        (def.globalSecondaryIndexes ?? []).map((i) => ({ IndexName: i.indexName, KeySchema: keySchema(i.partitionKey, i.sortKey) })),
      );
      expect((p.LocalSecondaryIndexes ?? []).map(indexShape)).toEqual(
        (def.localSecondaryIndexes ?? []).map((i) => ({ IndexName: i.indexName, KeySchema: keySchema(i.partitionKey, i.sortKey) })),
      );
    }
  });

  it('streams MarkEvents (new images) without an index, indexes Marks by status (keys and price) and MarkSnapshots by updatedAt (keys)', () => {
    const events = json.Resources[tableId('MarkEvents')].Properties;
    expect(events.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
    // an index entry per event was 2 of a command's 8 write units (docs/PERFORMANCE.md)
    expect(events.LocalSecondaryIndexes).toBeUndefined();
    expect(events.GlobalSecondaryIndexes).toBeUndefined();
    const snapshots = json.Resources[tableId('MarkSnapshots')].Properties;
    expect(snapshots.LocalSecondaryIndexes).toEqual([
      {
        IndexName: 'byUpdatedAt',
        KeySchema: [
          { AttributeName: 'mark', KeyType: 'HASH' },
          { AttributeName: 'updatedAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ]);
    const marks = json.Resources[tableId('Marks')].Properties;
    expect(marks.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'byStatus',
        KeySchema: [
          { AttributeName: 'status', KeyType: 'HASH' },
          { AttributeName: 'mark', KeyType: 'RANGE' },
        ],
        // only what listMarks answers from the index: a write that changes neither status nor
        // price leaves the entry alone (a projection ALL was rewritten by every command)
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['price'] },
      },
      {
        // listMyMarks (issue 27): sparse and keys only, written only when a mark's owner changes
        IndexName: 'byOwner',
        KeySchema: [
          { AttributeName: 'owner', KeyType: 'HASH' },
          { AttributeName: 'mark', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ]);
  });
});

describe('GraphQL API', () => {
  it('serves schema.graphql as it is, default Cognito user pools (the app client only), API key and IAM, logging and X-Ray', () => {
    const [poolId] = resourcesOf('AWS::Cognito::UserPool').map(([id]) => id);
    const [clientId] = resourcesOf('AWS::Cognito::UserPoolClient').map(([id]) => id);
    template.hasResourceProperties('AWS::AppSync::GraphQLApi', {
      AuthenticationType: 'AMAZON_COGNITO_USER_POOLS',
      UserPoolConfig: { UserPoolId: { Ref: poolId }, DefaultAction: 'ALLOW', AppIdClientRegex: { 'Fn::Join': ['', ['^', { Ref: clientId }, '$']] }, AwsRegion: Match.anyValue() },
      AdditionalAuthenticationProviders: [{ AuthenticationType: 'API_KEY' }, { AuthenticationType: 'AWS_IAM' }],
      XrayEnabled: true,
      LogConfig: { FieldLogLevel: 'ERROR', ExcludeVerboseContent: true, CloudWatchLogsRoleArn: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::AppSync::GraphQLSchema', { Definition: readFileSync(wiring.schemaFile, 'utf8') });
    // the fixed date of cdk.json, as epoch seconds
    template.hasResourceProperties('AWS::AppSync::ApiKey', { Expires: Date.parse(`${cdkJson.context.apiKeyExpires}T00:00:00Z`) / 1000 });
  });

  it('limits query depth and resolver count as infra/settings.ts says by default, and turns introspection off in a production stage', () => {
    template.hasResourceProperties('AWS::AppSync::GraphQLApi', { QueryDepthLimit: 10, ResolverCountLimit: 100, IntrospectionConfig: 'DISABLED' });
  });

  it('puts a WAF web ACL in front of the API: a rate-based rule per IP, then the AWS managed common rule set', () => {
    template.resourceCountIs('AWS::WAFv2::WebACL', 1);
    const [[aclId, acl]] = resourcesOf('AWS::WAFv2::WebACL');
    expect(acl.Properties).toMatchObject({ Scope: 'REGIONAL', DefaultAction: { Allow: {} } });
    const rules = (acl.Properties.Rules as Json[]).sort((a, b) => a.Priority - b.Priority);
    expect(rules).toHaveLength(2);
    expect(rules[0]).toMatchObject({
      Statement: { RateBasedStatement: { AggregateKeyType: 'IP', Limit: 2000, EvaluationWindowSec: 300 } },
      Action: { Block: {} },
      VisibilityConfig: { CloudWatchMetricsEnabled: true },
    });
    expect(rules[1]).toMatchObject({
      Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' } },
      OverrideAction: { None: {} },
    });
    expect(rules[1].Action).toBeUndefined();
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: { 'Fn::GetAtt': [logicalId(stack.api.api), 'Arn'] },
      WebACLArn: { 'Fn::GetAtt': [aclId, 'Arn'] },
    });
  });

  it('has a user pool for self sign-up with email verification, case-insensitive names, a public app client that hides who exists, and a group per role', () => {
    template.resourceCountIs('AWS::Cognito::UserPool', 1);
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      // Staff and staff are one user, as in the local pool (AWS's recommendation; fixed at creation)
      UsernameConfiguration: { CaseSensitive: false },
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
      AutoVerifiedAttributes: ['email'],
      VerificationMessageTemplate: Match.objectLike({ DefaultEmailOption: 'CONFIRM_WITH_CODE' }),
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 8, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true }) },
    });
    template.resourceCountIs('AWS::Cognito::UserPoolClient', 1);
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      ExplicitAuthFlows: Match.arrayWith(['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']),
      // an unknown user is answered as a wrong password, as the local pool answers it
      PreventUserExistenceErrors: 'ENABLED',
    });
    const groups = resourcesOf('AWS::Cognito::UserPoolGroup').map(([, r]) => r.Properties.GroupName as string).sort();
    expect(groups).toEqual([DATA_PROTECTION_GROUP, STAFF_GROUP].sort());
    // every group the schema's directives name exists in the pool (one schema, read by AppSync and the local endpoint)
    const named = [...readFileSync(wiring.schemaFile, 'utf8').matchAll(/cognito_groups:\s*\[([^\]]*)\]/g)].flatMap((m) => [...m[1].matchAll(/"([^"]+)"/g)].map((g) => g[1]));
    expect(named.length).toBeGreaterThan(0);
    for (const group of named) expect(groups).toContain(group);
    expect(Object.keys(json.Outputs as Json)).toEqual(expect.arrayContaining(['UserPoolId', 'UserPoolClientId']));
  });

  it('gives resolvers the name of every table of the API in ctx.env, under each table definition\'s envVar, and not the archive\'s keys', () => {
    const [[, api]] = resourcesOf('AWS::AppSync::GraphQLApi');
    const env = api.Properties.EnvironmentVariables as Json;
    expect(Object.keys(env).sort()).toEqual(apiTables.map((t) => t.envVar).sort());
    for (const def of apiTables) expect(env[def.envVar]).toEqual({ Ref: tableId(def.logicalName) });
    expect(env.MARK_ARCHIVE_KEYS_TABLE).toBeUndefined();
  });

  it('makes every data source of the wiring description, each role limited to its own tables', () => {
    const sources = resourcesOf('AWS::AppSync::DataSource');
    expect(sources.map(([, s]) => s.Properties.Name).sort()).toEqual(Object.keys(wiring.dataSources).sort());
    for (const [name, ds] of Object.entries(wiring.dataSources)) {
      const [, source] = sources.find(([, s]) => s.Properties.Name === name)!;
      expect(source.Properties.Type).toBe(ds.type);
      if (ds.type !== 'AMAZON_DYNAMODB') {
        expect(source.Properties.ServiceRoleArn).toBeUndefined();
        continue;
      }
      expect(source.Properties.DynamoDBConfig.TableName).toEqual({ Ref: tableId(ds.table) });
      const statements = statementsOfRole(source.Properties.ServiceRoleArn['Fn::GetAtt'][0]);
      const mayUse = new Set([ds.table, ...(ds.grants ?? [])].map(tableId));
      for (const s of statements) {
        expect(actionsOf(s).every((a) => a.startsWith('dynamodb:'))).toBe(true);
        for (const r of resourcesOfStatement(s)) {
          const ids = tables.map((t) => tableId(t.logicalName)).filter((id) => refersTo(r, id));
          expect(ids, `${name}: ${JSON.stringify(r)}`).toHaveLength(1);
          expect(mayUse.has(ids[0]), `${name} may not use ${ids[0]}`).toBe(true);
        }
      }
      // exactly the wiring's actions, each on exactly the table or index it names
      const granted = statements.flatMap((s) => actionsOf(s).flatMap((a) => resourcesOfStatement(s).map((r) => `${a} ${JSON.stringify(r)}`)));
      const expected = Object.entries(ds.actions!).flatMap(([target, actions]) => {
        const [table, index] = target.split('/index/');
        const arn = { 'Fn::GetAtt': [tableId(table), 'Arn'] };
        const resource = index ? { 'Fn::Join': ['', [arn, `/index/${index}`]] } : arn;
        return actions.map((a) => `dynamodb:${a} ${JSON.stringify(resource)}`);
      });
      expect(granted.sort(), name).toEqual(expected.sort());
    }
  });

  it('keeps MarkEvents append-only to the API: no AppSync role may delete, update, batch-write or scan it', () => {
    const appsyncRoles = resourcesOf('AWS::IAM::Role').filter(([, r]) => JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('appsync.amazonaws.com'));
    // the three data-source roles (Marks, MarkEvents, MarkSnapshots) and the logging role
    expect(appsyncRoles).toHaveLength(4);
    const events = tableId('MarkEvents');
    const onEvents = (statements: Statement[], action: string) => allowed(statements, action).filter((s) => resourcesOfStatement(s).some((r) => refersTo(r, events)));
    let puts = 0;
    for (const [roleId, role] of appsyncRoles) {
      // managed policies: only the logging role's, which holds logs:* actions alone
      expect(JSON.stringify(role.Properties.ManagedPolicyArns ?? [])).not.toMatch(/dynamodb|Administrator|PowerUser|FullAccess/i);
      const statements = statementsOfRole(roleId);
      expect(statements.every((s) => s.Effect === 'Allow' && actionsOf(s).every((a) => !a.includes('*'))), roleId).toBe(true);
      for (const forbidden of ['dynamodb:DeleteItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem', 'dynamodb:Scan', 'dynamodb:PartiQLDelete', 'dynamodb:PartiQLUpdate', 'dynamodb:DeleteTable']) {
        expect(onEvents(statements, forbidden), `${roleId} ${forbidden} on MarkEvents`).toEqual([]);
      }
      puts += onEvents(statements, 'dynamodb:PutItem').length;
    }
    // the one write: appendEvent's PutItem, conditioned in the resolver (pinned below)
    expect(puts).toBe(1);
  });

  it('lets no role but the eraser\'s delete or overwrite-in-bulk on MarkEvents', () => {
    const eraserRole = (json.Resources[logicalId(stack.pipeline.eraser)].Properties.Role['Fn::GetAtt'] as string[])[0];
    const events = tableId('MarkEvents');
    const deleters = new Set<string>();
    for (const [roleId] of resourcesOf('AWS::IAM::Role')) {
      const statements = statementsOfRole(roleId);
      for (const action of ['dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:UpdateItem', 'dynamodb:PartiQLDelete']) {
        if (allowed(statements, action).some((s) => resourcesOfStatement(s).some((r) => refersTo(r, events)))) deleters.add(roleId);
      }
    }
    expect([...deleters]).toEqual([eraserRole]);
  });

  it('grants each data source the operations its resolvers\' requests name, no more and no fewer', () => {
    const codeOf = (kind: 'resolver' | 'function', name: string) => readFileSync(bundles.find((b) => b.kind === kind && b.name === name)!.file, 'utf8');
    const users: Record<string, string[]> = {};
    for (const [name, f] of Object.entries(wiring.functions)) (users[f.dataSource] ??= []).push(codeOf('function', name));
    for (const [field, r] of Object.entries(wiring.resolvers)) if (r.dataSource) (users[r.dataSource] ??= []).push(codeOf('resolver', field));
    for (const [name, ds] of Object.entries(wiring.dataSources)) {
      if (ds.type !== 'AMAZON_DYNAMODB') continue;
      // a transaction needs each item's own action (its PutItem items name "PutItem" too), not a Transact* action
      const used = new Set((users[name] ?? []).flatMap((code) => [...code.matchAll(/operation:\s*["'](\w+)["']/g)].map((m) => m[1])).filter((op) => !op.startsWith('Transact')));
      expect(used.size, name).toBeGreaterThan(0);
      expect([...new Set(Object.values(ds.actions!).flat())].sort(), name).toEqual([...used].sort());
    }
  });

  it('pins appendEvent\'s event PutItem to attribute_not_exists, so the one write cannot overwrite an event', () => {
    const code = readFileSync(bundles.find((b) => b.kind === 'function' && b.name === 'appendEvent')!.file, 'utf8');
    const env = Object.fromEntries(tables.map((t) => [t.envVar, `${t.logicalName}-table`]));
    const out = createSandbox(code).invoke({
      handler: 'request',
      typeName: 'Mutation',
      fieldName: 'releaseMark',
      authType: 'API Key Authorization',
      ctx: {
        arguments: {},
        env,
        stash: { mark: 'ABC123', view: null, stored: null, now: '2026-12-01T10:00:00.000Z', randomId: 'r1', command: { kind: 'releaseMark', mark: 'ABC123', price: 250 } },
      },
    } as Parameters<ReturnType<typeof createSandbox>['invoke']>[0]);
    expect(out.status, JSON.stringify(out)).toBe('return');
    const request = (out as { value: unknown }).value as { operation: string; transactItems: { table: string; operation: string; condition?: { expression: string; expressionNames: Record<string, string> } }[] };
    expect(request.operation).toBe('TransactWriteItems');
    const onEvents = request.transactItems.filter((i) => i.table === env.MARK_EVENTS_TABLE);
    expect(onEvents).toHaveLength(1);
    expect(onEvents[0].operation).toBe('PutItem');
    expect(onEvents[0].condition?.expression).toBe('attribute_not_exists(#version)');
    expect(onEvents[0].condition?.expressionNames).toEqual({ '#version': 'version' });
  });

  it('wires every resolver and pipeline function of the wiring description, APPSYNC_JS 1.0.0', () => {
    const resolvers = resourcesOf('AWS::AppSync::Resolver').map(([, r]) => r.Properties as Json);
    const functions = resourcesOf('AWS::AppSync::FunctionConfiguration');
    expect(resolvers.map((r) => `${r.TypeName}.${r.FieldName}`).sort()).toEqual(Object.keys(wiring.resolvers).sort());
    expect(functions.map(([, f]) => f.Properties.Name).sort()).toEqual(Object.keys(wiring.functions).sort());
    const functionIdOf = (name: string) => functions.find(([, f]) => f.Properties.Name === name)![0];

    for (const [field, def] of Object.entries(wiring.resolvers)) {
      const r = resolvers.find((x) => `${x.TypeName}.${x.FieldName}` === field)!;
      expect(r.Runtime).toEqual({ Name: 'APPSYNC_JS', RuntimeVersion: '1.0.0' });
      expect(r.CodeS3Location, `${field} code`).toBeDefined();
      if (def.pipeline) {
        expect(r.Kind).toBe('PIPELINE');
        expect(r.PipelineConfig.Functions).toEqual(def.pipeline.map((fn) => ({ 'Fn::GetAtt': [functionIdOf(fn), 'FunctionId'] })));
      } else {
        expect(r.Kind).toBe('UNIT');
        expect(r.DataSourceName).toBe(def.dataSource);
      }
    }
    for (const [name, def] of Object.entries(wiring.functions)) {
      const [, f] = functions.find(([, x]) => x.Properties.Name === name)!;
      expect(f.Properties.DataSourceName).toBe(def.dataSource);
      expect(f.Properties.Runtime).toEqual({ Name: 'APPSYNC_JS', RuntimeVersion: '1.0.0' });
    }
  });

  it('wires every Query, Mutation and Subscription field of the schema, and only fields the schema has', () => {
    const document = parse(readFileSync(wiring.schemaFile, 'utf8'));
    const roots = new Map<string, string>([
      ['query', 'Query'],
      ['mutation', 'Mutation'],
      ['subscription', 'Subscription'],
    ]);
    for (const def of document.definitions) {
      if (def.kind === Kind.SCHEMA_DEFINITION) for (const op of def.operationTypes) roots.set(op.operation, op.type.name.value);
    }
    const fields = new Map<string, string[]>();
    for (const def of document.definitions) {
      if (def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
      const type = def as ObjectTypeDefinitionNode | ObjectTypeExtensionNode;
      fields.set(type.name.value, [...(fields.get(type.name.value) ?? []), ...(type.fields ?? []).map((f) => f.name.value)]);
    }
    const needed = [...roots.values()].flatMap((type) => (fields.get(type) ?? []).map((f) => `${type}.${f}`));
    expect(needed.length).toBeGreaterThan(0);
    const wired = new Set(Object.keys(wiring.resolvers));
    expect(needed.filter((f) => !wired.has(f)), 'schema fields without a resolver').toEqual([]);
    const inSchema = new Set([...fields].flatMap(([type, names]) => names.map((f) => `${type}.${f}`)));
    expect([...wired].filter((f) => !inSchema.has(f)), 'resolvers of fields the schema lacks').toEqual([]);
  });

  it('deploys the very bundles buildApi made, each at most 32,768 characters', () => {
    const assets = JSON.parse(readFileSync(join(assemblyDir, `${stack.artifactId}.assets.json`), 'utf8')) as {
      files: Record<string, { source: { path: string }; destinations: Record<string, { objectKey: string }> }>;
    };
    const fileOfKey = new Map<string, string>();
    for (const asset of Object.values(assets.files)) {
      for (const d of Object.values(asset.destinations)) fileOfKey.set(d.objectKey, join(assemblyDir, asset.source.path));
    }
    const codeOf = (location: unknown) => {
      const key = JSON.stringify(location).match(/\/([0-9a-f]{64}\.js)/)?.[1];
      expect(key, JSON.stringify(location)).toBeDefined();
      return readFileSync(fileOfKey.get(key!)!, 'utf8');
    };
    const deployed = [
      ...resourcesOf('AWS::AppSync::Resolver').map(([, r]) => ({ kind: 'resolver', name: `${r.Properties.TypeName}.${r.Properties.FieldName}`, code: codeOf(r.Properties.CodeS3Location) })),
      ...resourcesOf('AWS::AppSync::FunctionConfiguration').map(([, f]) => ({ kind: 'function', name: f.Properties.Name as string, code: codeOf(f.Properties.CodeS3Location) })),
    ];
    expect(deployed).toHaveLength(bundles.length);
    for (const d of deployed) {
      const bundle = bundles.find((b) => b.kind === d.kind && b.name === d.name)!;
      expect(d.code, `${d.kind} ${d.name}`).toBe(readFileSync(bundle.file, 'utf8'));
      expect(d.code.length, `${d.kind} ${d.name}`).toBeLessThanOrEqual(APPSYNC_CODE_LIMIT);
      // self-contained: the only imports left are AppSync's own modules
      expect(d.code).not.toMatch(/^\s*(?:import|export)\b[^;]*?\bfrom\s*["'](?!@aws-appsync\/)/m);
      expect(d.code).not.toMatch(/^\s*import\s*["'](?!@aws-appsync\/)/m);
    }
  });
});

describe('Kinesis and the stream consumers', () => {
  it('makes an encrypted on-demand stream with an enhanced fan-out consumer', () => {
    template.resourceCountIs('AWS::Kinesis::Stream', 1);
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
    });
    template.hasResourceProperties('AWS::Kinesis::StreamConsumer', {
      StreamARN: { 'Fn::GetAtt': [logicalId(stack.pipeline.stream), 'Arn'] },
      ConsumerName: Match.anyValue(),
    });
  });

  const mappingOf = (fn: IConstruct) => {
    const found = resourcesOf('AWS::Lambda::EventSourceMapping').filter(([, m]) => refersTo(m.Properties.FunctionName, logicalId(fn)));
    expect(found).toHaveLength(1);
    return found[0][1].Properties as Json;
  };
  const failureHandling = (queue: IConstruct) => ({
    StartingPosition: 'TRIM_HORIZON',
    BisectBatchOnFunctionError: true,
    MaximumRetryAttempts: 10,
    FunctionResponseTypes: ['ReportBatchItemFailures'],
    DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(queue), 'Arn'] } } },
  });

  it('feeds the archive from the consumer (production), not the shared stream, with the failure handling', () => {
    const m = mappingOf(stack.archive.fn);
    expect(m).toMatchObject(failureHandling(stack.archive.guard.failures));
    expect(m.EventSourceArn).toEqual({ 'Fn::GetAtt': [logicalId(stack.archive.consumer!), 'ConsumerARN'] });
    expect(m.BatchSize).toBeGreaterThan(1);
  });

  it('feeds the relay every INSERT of the MarkEvents stream, with the failure handling', () => {
    const m = mappingOf(stack.pipeline.relay);
    expect(m).toMatchObject(failureHandling(stack.pipeline.relayGuard.failures));
    expect(m.EventSourceArn).toEqual({ 'Fn::GetAtt': [tableId('MarkEvents'), 'StreamArn'] });
    expect(m.BatchSize).toBeGreaterThan(1);
    expect(m.BatchSize).toBe(500); // one PutRecords call's worth per invocation
    expect(m.FilterCriteria.Filters.map((f: Json) => JSON.parse(f.Pattern))).toEqual([{ eventName: ['INSERT'] }]);
  });

  it('feeds the eraser only MARK_FORGOTTEN inserts, through the eraser\'s own filter pattern', () => {
    const m = mappingOf(stack.pipeline.eraser);
    expect(m).toMatchObject(failureHandling(stack.pipeline.eraserGuard.failures));
    expect(m.EventSourceArn).toEqual({ 'Fn::GetAtt': [tableId('MarkEvents'), 'StreamArn'] });
    const patterns = m.FilterCriteria.Filters.map((f: Json) => JSON.parse(f.Pattern));
    expect(patterns).toEqual([{ eventName: ['INSERT'], dynamodb: { NewImage: { type: { S: ['MARK_FORGOTTEN'] } } } }]);
    expect(patterns).toEqual([eraserFilterPattern]);
  });
});

describe('Lambda functions', () => {
  const fns = () => ({ relay: stack.pipeline.relay, eraser: stack.pipeline.eraser, archive: stack.archive.fn });

  it('runs Node.js 24 on arm64 with modest memory and the Powertools settings', () => {
    for (const [name, fn] of Object.entries(fns())) {
      const p = json.Resources[logicalId(fn)].Properties;
      expect(p.Runtime, name).toBe('nodejs24.x');
      expect(p.Architectures, name).toEqual(['arm64']);
      expect(p.MemorySize, name).toBe(256);
      expect(p.Handler, name).toBe('index.handler');
      expect(p.Environment.Variables, name).toMatchObject({
        POWERTOOLS_SERVICE_NAME: name,
        POWERTOOLS_METRICS_NAMESPACE: 'MarkApi',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      });
    }
    expect(json.Resources[logicalId(stack.pipeline.relay)].Properties.Environment.Variables.KINESIS_STREAM_NAME).toEqual({
      Ref: logicalId(stack.pipeline.stream),
    });
    expect(json.Resources[logicalId(stack.pipeline.eraser)].Properties.Environment.Variables).toMatchObject({
      MARK_EVENTS_TABLE: { Ref: tableId('MarkEvents') },
      MARK_SNAPSHOTS_TABLE: { Ref: tableId('MarkSnapshots') },
      MARK_ARCHIVE_KEYS_TABLE: { Ref: tableId('MarkArchiveKeys') },
    });
    expect(json.Resources[logicalId(stack.archive.fn)].Properties.Environment.Variables).toMatchObject({
      ARCHIVE_BUCKET: { Ref: logicalId(stack.archive.bucket) },
      MARK_ARCHIVE_KEYS_TABLE: { Ref: tableId('MarkArchiveKeys') },
    });
  });

  it('ships each handler as a small minified CommonJS bundle built locally (no Docker), without a source map to read at start', () => {
    const assets = readdirSync(assemblyDir).filter((d) => d.startsWith('asset.') && existsSync(join(assemblyDir, d, 'index.js')));
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const [name, fn] of Object.entries(fns())) {
      const key = JSON.stringify(json.Resources[logicalId(fn)].Properties.Code.S3Key).match(/([0-9a-f]{64})\.zip/)![1];
      const file = join(assemblyDir, `asset.${key}`, 'index.js');
      const code = readFileSync(file, 'utf8');
      expect(code.length).toBeLessThan(1_000_000);
      // minified: long lines (bundled dependencies keep a few line breaks of their own)
      expect(code.length / code.split('\n').length, 'minified').toBeGreaterThan(1_000);
      // the AWS SDK is bundled in rather than loaded file by file from the runtime's copy (the one
      // require left is the SDK's own try of the optional CRT signer, which it does without)
      expect(code).not.toMatch(/require\("@aws-sdk\/(?!signature-v4-crt")/);
      // CommonJS, which the runtime require()s: no static import of any built-in at start
      expect(code).not.toMatch(/^import\s|[;}]import\s*[{*\w]/m);
      expect(code).toMatch(/module\.exports\s*=/);
      expect(code).toMatch(/\bhandler:\s*\(\)\s*=>/);
      // Node would read and index the source map while loading the bundle (docs/PERFORMANCE.md)
      expect(json.Resources[logicalId(fn)].Properties.Environment.Variables.NODE_OPTIONS, name).toBeUndefined();
    }
  });

  it('lets the relay read the MarkEvents stream and put to Kinesis, nothing else', () => {
    const statements = statementsOfFunction(stack.pipeline.relay);
    const streamId = logicalId(stack.pipeline.stream);
    expect(allowed(statements, 'kinesis:PutRecords').every((s) => resourcesOfStatement(s).every((r) => refersTo(r, streamId)))).toBe(true);
    expect(allowed(statements, 'kinesis:PutRecords')).not.toHaveLength(0);
    expect(allowed(statements, 'dynamodb:GetRecords').every((s) => JSON.stringify(s.Resource).includes('StreamArn'))).toBe(true);
    for (const forbidden of ['s3:PutObject', 's3:DeleteObject', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:Query', 'kinesis:GetRecords', 'kinesis:ListShards']) {
      expect(allowed(statements, forbidden), `relay ${forbidden}`).toEqual([]);
    }
    expectOnly(statements, ['kinesis:PutRecord', 'kinesis:PutRecords', ...STREAM_READ, ...DLQ_SEND]);
  });

  it('lets the eraser read the stream, Query/BatchWriteItem MarkEvents and MarkSnapshots, and UpdateItem the archive keys only', () => {
    const statements = statementsOfFunction(stack.pipeline.eraser);
    expectOnly(statements, ['dynamodb:Query', 'dynamodb:BatchWriteItem', 'dynamodb:UpdateItem', ...STREAM_READ, ...DLQ_SEND]);
    expect(allowed(statements, 'dynamodb:UpdateItem').flatMap(resourcesOfStatement)).toEqual([{ 'Fn::GetAtt': [tableId('MarkArchiveKeys'), 'Arn'] }]);
    for (const action of ['dynamodb:Query', 'dynamodb:BatchWriteItem']) {
      const resources = allowed(statements, action).flatMap(resourcesOfStatement);
      expect(resources.some((r) => refersTo(r, tableId('MarkEvents')))).toBe(true);
      expect(resources.some((r) => refersTo(r, tableId('MarkSnapshots')))).toBe(true);
      expect(resources.some((r) => refersTo(r, tableId('Marks'))), `eraser ${action} on Marks`).toBe(false);
    }
    for (const forbidden of ['s3:PutObject', 'kinesis:PutRecords', 'dynamodb:PutItem', 'dynamodb:Scan']) {
      expect(allowed(statements, forbidden), `eraser ${forbidden}`).toEqual([]);
    }
  });

  it('lets the archive read its consumer, put batch objects under events/ (no read, list or delete) and read and put its keys only', () => {
    const statements = statementsOfFunction(stack.archive.fn);
    const bucketId = logicalId(stack.archive.bucket);
    for (const forbidden of ['kinesis:PutRecord', 'kinesis:PutRecords', 's3:GetObject', 's3:ListBucket', 's3:DeleteObject', 's3:PutBucketPolicy', 's3:DeleteBucket', 's3:PutObjectAcl', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Scan', 'dynamodb:Query']) {
      expect(allowed(statements, forbidden), `archive ${forbidden}`).toEqual([]);
    }
    for (const s of statements.filter((x) => actionsOf(x).some((a) => a.startsWith('s3:')))) {
      for (const r of resourcesOfStatement(s)) expect(refersTo(r, bucketId), JSON.stringify(r)).toBe(true);
    }
    expect(allActions(statements).filter((a) => a.startsWith('s3:'))).toEqual(['s3:PutObject']);
    expect(allowed(statements, 's3:PutObject').flatMap(resourcesOfStatement).map((r) => JSON.stringify(r))).toEqual([expect.stringContaining('/events/*')]);
    // the keys: one BatchGetItem a batch, a PutItem for a new life's key or a forget, a GetItem after a lost race
    expect(allActions(statements).filter((a) => a.startsWith('dynamodb:')).sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem']);
    for (const action of ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem']) {
      expect(allowed(statements, action).flatMap(resourcesOfStatement)).toEqual([{ 'Fn::GetAtt': [tableId('MarkArchiveKeys'), 'Arn'] }]);
    }
    expect(allActions(statements).filter((a) => a.startsWith('kinesis:')).every((a) => /^kinesis:(Describe|Get|List|Subscribe)/.test(a))).toBe(true);
  });

  it('gives each function its own on-failure queue, and only SendMessage-side rights on it', () => {
    for (const [fn, queue] of [
      [stack.pipeline.relay, stack.pipeline.relayGuard.failures],
      [stack.pipeline.eraser, stack.pipeline.eraserGuard.failures],
      [stack.archive.fn, stack.archive.guard.failures],
    ] as const) {
      const sqs = statementsOfFunction(fn).filter((s) => actionsOf(s).some((a) => a.startsWith('sqs:')));
      expect(sqs.flatMap(resourcesOfStatement)).toEqual([{ 'Fn::GetAtt': [logicalId(queue), 'Arn'] }]);
    }
  });
});

describe('archive bucket', () => {
  it('logs every access to a log bucket of its own, which expires the logs and logs nothing itself', () => {
    const bucket = json.Resources[logicalId(stack.archive.bucket)];
    const logsId = logicalId(stack.archive.accessLogs);
    expect(bucket.Properties.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: logsId }, LogFilePrefix: 'archive/' });
    const logs = json.Resources[logsId];
    expect(logs.Properties.LoggingConfiguration).toBeUndefined();
    expect(logs.DeletionPolicy).toBe('Retain');
    expect(logs.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
    expect(logs.Properties.PublicAccessBlockConfiguration).toMatchObject({ BlockPublicAcls: true, RestrictPublicBuckets: true });
    expect(logs.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    // kept as long as every other log of the stack (logRetentionDays, 30 by default)
    expect(logs.Properties.LifecycleConfiguration.Rules).toEqual([expect.objectContaining({ Status: 'Enabled', ExpirationInDays: 30 })]);
    // S3 log delivery may write there, for the archive bucket only, and nothing reaches it over plain HTTP
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logsId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Action: 's3:PutObject',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Condition: Match.objectLike({ ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalId(stack.archive.bucket), 'Arn'] } } }),
          }),
        ]),
      },
    });
  });

  it('has no hard-coded name, is encrypted, private, TLS-only, retained, with a lifecycle rule', () => {
    const bucket = json.Resources[logicalId(stack.archive.bucket)];
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties.BucketName).toBeUndefined();
    expect(bucket.Properties.VersioningConfiguration, 'erasure must be final: no noncurrent versions').toBeUndefined();
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.LifecycleConfiguration.Rules[0]).toMatchObject({
      Status: 'Enabled',
      Transitions: [
        { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
        { StorageClass: 'GLACIER_IR', TransitionInDays: 90 },
      ],
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalId(stack.archive.bucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('alarms and outputs', () => {
  it('alarms on the iterator age of each stream consumer and on each failure queue', () => {
    const alarms = resourcesOf('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties as Json);
    const topicId = logicalId(stack.alarmTopic);
    for (const [fn, queue] of [
      [stack.pipeline.relay, stack.pipeline.relayGuard.failures],
      [stack.pipeline.eraser, stack.pipeline.eraserGuard.failures],
      [stack.archive.fn, stack.archive.guard.failures],
    ] as const) {
      const age = alarms.filter((a) => a.MetricName === 'IteratorAge' && refersTo(a.Dimensions, logicalId(fn)));
      expect(age).toHaveLength(1);
      expect(age[0]).toMatchObject({ Namespace: 'AWS/Lambda', Statistic: 'Maximum', Threshold: 300_000 });
      const failures = alarms.filter((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible' && refersTo(a.Dimensions, logicalId(queue)));
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatchObject({ Namespace: 'AWS/SQS', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
      for (const a of [...age, ...failures]) expect(a.AlarmActions).toEqual([{ Ref: topicId }]);
    }
  });

  it('outputs the GraphQL URL, API key id, stream ARN, bucket name and table names', () => {
    const outputs = json.Outputs as Json;
    const apiId = logicalId(stack.api.api);
    expect(outputs.GraphQLUrl.Value).toEqual({ 'Fn::GetAtt': [apiId, 'GraphQLUrl'] });
    expect(outputs.ApiKeyId.Value).toEqual({ 'Fn::GetAtt': [logicalId(stack.api.apiKey), 'ApiKeyId'] });
    expect(outputs.KinesisStreamArn.Value).toEqual({ 'Fn::GetAtt': [logicalId(stack.pipeline.stream), 'Arn'] });
    expect(outputs.ArchiveBucketName.Value).toEqual({ Ref: logicalId(stack.archive.bucket) });
    for (const def of tables) expect(outputs[`${def.logicalName}TableName`].Value).toEqual({ Ref: tableId(def.logicalName) });
    // the API key value itself is not an output
    expect(JSON.stringify(outputs)).not.toMatch(/"ApiKey"\]/);
  });

  it('outputs what a client configuration is made of (npm run client-config, npm run smoke -- --outputs)', () => {
    const outputs = json.Outputs as Json;
    for (const name of Object.values(CLIENT_OUTPUTS)) expect(Object.keys(outputs)).toContain(name);
    expect(outputs.Region.Value).toEqual({ Ref: 'AWS::Region' });
    expect(outputs.UserPoolId.Value).toEqual({ Ref: logicalId(stack.users.userPool) });
    expect(outputs.UserPoolClientId.Value).toEqual({ Ref: logicalId(stack.users.client) });
  });

  it('is environment-agnostic: no account or region baked in', () => {
    expect(stack.account).toMatch(/^\$\{Token/);
    expect(stack.region).toMatch(/^\$\{Token/);
  });
});

describe('web hosting (issue 27, part 4)', () => {
  const deployment = () => resourcesOf('Custom::CDKBucketDeployment')[0]![1].Properties as Json;
  /** the folder of a source the deployment uploads (cdk.out/asset.<hash>/, what the zip holds) */
  const sourceDir = (index: number) => join(assemblyDir, `asset.${(deployment().SourceObjectKeys[index] as string).replace(/\.zip$/, '')}`);

  it('serves a private bucket through CloudFront with origin access control, over HTTPS only', () => {
    template.resourceCountIs('AWS::CloudFront::Distribution', 1);
    const [[distributionId, distribution]] = resourcesOf('AWS::CloudFront::Distribution');
    const config = distribution!.Properties.DistributionConfig as Json;
    expect(config).toMatchObject({ DefaultRootObject: 'index.html', DefaultCacheBehavior: { ViewerProtocolPolicy: 'redirect-to-https' } });
    const bucketId = logicalId(stack.web.bucket);
    expect(config.Origins).toHaveLength(1);
    expect(config.Origins[0]).toMatchObject({ DomainName: { 'Fn::GetAtt': [bucketId, 'RegionalDomainName'] }, S3OriginConfig: { OriginAccessIdentity: '' } });
    const [[oacId, oac]] = resourcesOf('AWS::CloudFront::OriginAccessControl');
    expect(oac!.Properties.OriginAccessControlConfig).toMatchObject({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' });
    expect(config.Origins[0].OriginAccessControlId).toEqual({ 'Fn::GetAtt': [oacId, 'Id'] });
    // the configuration is never cached: a deploy that changes the stack's values is seen at once
    expect(config.CacheBehaviors).toEqual([expect.objectContaining({ PathPattern: '/amplify-config.json', ViewerProtocolPolicy: 'redirect-to-https', CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad' })]);
    // no public access; only this distribution may read, and only over TLS
    expect(json.Resources[bucketId].Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    const policy = resourcesOf('AWS::S3::BucketPolicy').find(([, p]) => refersTo(p.Properties.Bucket, bucketId))![1].Properties.PolicyDocument.Statement as Json[];
    const read = policy.filter((st) => st.Effect === 'Allow');
    expect(read).toHaveLength(1);
    expect(read[0]).toMatchObject({ Action: 's3:GetObject', Principal: { Service: 'cloudfront.amazonaws.com' } });
    expect(JSON.stringify(read[0].Condition)).toContain(distributionId);
    expect(policy.some((st) => st.Effect === 'Deny' && JSON.stringify(st.Condition).includes('aws:SecureTransport'))).toBe(true);
    expect(json.Outputs.WebUrl.Value).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }, '/']] });
  });

  it('uploads build/web/ without its source map, and writes amplify-config.json at deploy time from the stack\'s own values, API key included', () => {
    const d = deployment();
    expect(d).toMatchObject({ DestinationBucketName: { Ref: logicalId(stack.web.bucket) }, DistributionId: { Ref: logicalId(stack.web.distribution) }, DistributionPaths: ['/*'], Prune: true });
    expect(readdirSync(sourceDir(0)).sort()).toEqual(readdirSync(webDir).filter((f) => !f.endsWith('.map')).sort());
    expect(readdirSync(webDir)).toContain('app.js.map');
    expect(readdirSync(sourceDir(1))).toEqual(['amplify-config.json']);
    // the file holds markers that the deployment replaces with the values of the template's references
    const written = JSON.parse(readFileSync(join(sourceDir(1), 'amplify-config.json'), 'utf8')) as Json;
    const markers = d.SourceMarkers[1] as Record<string, unknown>;
    const value = (marker: string) => markers[marker];
    expect(value(written.API.GraphQL.endpoint)).toEqual({ 'Fn::GetAtt': [logicalId(stack.api.api), 'GraphQLUrl'] });
    expect(value(written.API.GraphQL.region)).toEqual({ Ref: 'AWS::Region' });
    expect(value(written.API.GraphQL.apiKey)).toEqual({ 'Fn::GetAtt': [logicalId(stack.api.apiKey), 'ApiKey'] });
    expect(value(written.Auth.Cognito.userPoolId)).toEqual({ Ref: logicalId(stack.users.userPool) });
    expect(value(written.Auth.Cognito.userPoolClientId)).toEqual({ Ref: logicalId(stack.users.client) });
    expect(written.API.GraphQL.defaultAuthMode).toBe('userPool');
    // the deployed page reads it as npm start's and npm run client-config's: the same shape
    expect(parseClientConfig(written)).toBe(written);
    expect(d.SourceMarkersConfig[1]).toEqual({ jsonEscape: true });
  });

  it('makes the web client\'s origin the app client\'s only callback and sign-out URL (AppSync has no origin setting)', () => {
    const origin = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(stack.web.distribution), 'DomainName'] }, '/']] };
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', { CallbackURLs: [origin], LogoutURLs: [origin], AllowedOAuthFlows: ['code'] });
    // CDK's default callback (https://example.com) is gone
    expect(JSON.stringify(json)).not.toContain('example.com');
    // AppSync answers every origin (Access-Control-Allow-Origin: *) and CreateGraphqlApi takes no CORS setting
    expect(JSON.stringify(resourcesOf('AWS::AppSync::GraphQLApi')[0]![1].Properties)).not.toMatch(/cors|origin/i);
  });
});

describe('context settings', () => {
  it('destroys tables and bucket, provisions shards and logs everything when asked', async () => {
    // Lambda bundling is skipped here: the first synthesis covered it.
    const app = new App({
      outdir: join(root, 'cdk.out.variant'),
      context: {
        ...cdkJson.context,
        'aws:cdk:bundling-stacks': [],
        ...NO_VALIDATION_REPORT,
        retainTables: 'false',
        retainArchive: false,
        kinesisShards: '4',
        apiLogLevel: 'ALL',
        // as `cdk deploy -c queryDepthLimit=5 ...` passes them: strings
        queryDepthLimit: '5',
        resolverCountLimit: '20',
        introspection: 'false',
        waf: 'true',
        wafRateLimitPer5Minutes: '500',
      },
    });
    const variant = new MarkApiStack(app, 'MarkApiVariant', { wiring, bundles, webDir });
    const t = app.synth().getStackArtifact(variant.artifactId).template as Json;
    const of = (type: string) => Object.values(t.Resources as Json).filter((r: Json) => r.Type === type) as Json[];
    expect(of('AWS::DynamoDB::Table').map((r) => r.DeletionPolicy)).toEqual(tables.map(() => 'Delete'));
    // a throwaway stack's tables can be deleted
    expect(of('AWS::DynamoDB::Table').map((r) => r.Properties.DeletionProtectionEnabled)).toEqual(tables.map(() => false));
    // the archive and its access-log bucket (the web client's bucket holds only the build: always Delete)
    expect(of('AWS::S3::Bucket').map((r) => r.DeletionPolicy)).toEqual(['Delete', 'Delete', 'Delete']);
    expect(of('Custom::S3AutoDeleteObjects')).toHaveLength(2);
    expect(of('AWS::AppSync::GraphQLApi')[0].Properties).toMatchObject({ QueryDepthLimit: 5, ResolverCountLimit: 20, IntrospectionConfig: 'DISABLED' });
    expect(of('AWS::WAFv2::WebACL')[0].Properties.Rules[0].Statement.RateBasedStatement.Limit).toBe(500);
    expect(of('AWS::Kinesis::Stream')[0].Properties).toMatchObject({ ShardCount: 4, StreamModeDetails: { StreamMode: 'PROVISIONED' } });
    expect(of('AWS::AppSync::GraphQLApi')[0].Properties.LogConfig.FieldLogLevel).toBe('ALL');
  });

  it('a production stage: Cognito PLUS with threat protection enforced, SES as the email sender, the alarm email subscribed, on-demand Kinesis, the WAF', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      EmailConfiguration: Match.objectLike({ EmailSendingAccount: 'DEVELOPER', From: 'no-reply@registry.example', SourceArn: Match.anyValue() }),
    });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@registry.example', TopicArn: { Ref: logicalId(stack.alarmTopic) } });
    template.hasResourceProperties('AWS::Kinesis::Stream', { StreamModeDetails: { StreamMode: 'ON_DEMAND' } });
    template.resourceCountIs('AWS::WAFv2::WebACL', 1);
  });

  it('a development stage (the default) takes the cheaper choice where one exists, and uploads the source map only when asked', () => {
    const app = new App({ outdir: join(root, 'cdk.out.development'), context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...NO_VALIDATION_REPORT, webSourceMap: 'true' } });
    const development = new MarkApiStack(app, 'MarkApiDevelopment', { wiring, bundles, webDir });
    const assembly = app.synth();
    const t = Template.fromJSON(assembly.getStackArtifact(development.artifactId).template as Json);
    const pool = Object.values(t.findResources('AWS::Cognito::UserPool'))[0]!.Properties as Json;
    expect(pool.UserPoolTier).toBe('ESSENTIALS');
    expect(pool.UserPoolAddOns).toBeUndefined();
    // Cognito's own sender (50 emails a day), said in the README
    expect(pool.EmailConfiguration).toBeUndefined();
    t.resourceCountIs('AWS::WAFv2::WebACL', 0);
    t.resourceCountIs('AWS::SNS::Subscription', 0);
    t.hasResourceProperties('AWS::Kinesis::Stream', { ShardCount: 1, StreamModeDetails: { StreamMode: 'PROVISIONED' } });
    t.hasResourceProperties('AWS::AppSync::GraphQLApi', { IntrospectionConfig: 'ENABLED' });
    // the archive, the stream's only reader, polls it instead of paying for an enhanced fan-out consumer
    t.resourceCountIs('AWS::Kinesis::StreamConsumer', 0);
    const t_logicalId = (c: IConstruct) => development.getLogicalId(c.node.defaultChild as CfnElement);
    const archiveMapping = Object.values(t.findResources('AWS::Lambda::EventSourceMapping')).map((r) => r.Properties as Json).find((m) => JSON.stringify(m.FunctionName).includes(t_logicalId(development.archive.fn)));
    expect(archiveMapping?.EventSourceArn).toEqual({ 'Fn::GetAtt': [t_logicalId(development.pipeline.stream), 'Arn'] });
    expect(readSettings(contextOf({ archiveFanOut: 'true' })).archiveFanOut).toBe(true);
    expect(readSettings(contextOf({ stage: 'production' })).archiveFanOut).toBe(true);
    const keys = Object.values(t.findResources('Custom::CDKBucketDeployment'))[0]!.Properties.SourceObjectKeys as string[];
    expect(readdirSync(join(assembly.directory, `asset.${keys[0]!.replace(/\.zip$/, '')}`))).toContain('app.js.map');
    // -c kinesisShards=on-demand asks for on demand in any stage
    expect(readSettings(contextOf({ kinesisShards: 'on-demand' })).kinesisShards).toBeUndefined();
    expect(readSettings(contextOf({ stage: 'production', kinesisShards: 2 })).kinesisShards).toBe(2);
  });

  it('reads without apiKeyExpires for the local stack, which has no key, and with the date from cdk.json', () => {
    expect(readSettings(contextOf({})).apiKeyExpires).toBeUndefined();
    expect(readSettings(contextOf(cdkJson.context)).apiKeyExpires?.toISOString()).toBe(`${cdkJson.context.apiKeyExpires}T00:00:00.000Z`);
  });

  it('rejects settings AWS would reject at deploy time', () => {
    for (const context of [{ kinesisShards: '0' }, { retainTables: 'maybe' }, { apiLogLevel: 'LOUD' }, { archiveInfrequentAccessDays: 10 }, { logRetentionDays: 11 }, { apiKeyExpires: 'next year' }, { apiKeyExpires: '2020-01-01' }, { apiKeyExpires: '' }, { apiKeyDays: 400 }, { queryDepthLimit: 76 }, { resolverCountLimit: '-1' }, { introspection: 'no' }, { wafRateLimitPer5Minutes: 5 }, { stage: 'staging' }, { cognitoFeaturePlan: 'GOLD' }, { alarmEmail: 'nobody' }, { sesFromEmail: 'no-reply@registry.example' }, { waf: 'yes' }]) {
      const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...context } });
      expect(() => new MarkApiStack(app, 'Bad', { wiring, bundles, webDir }), JSON.stringify(context)).toThrow(/context/);
    }
  });
});

describe('API key expiry', () => {
  const expiresAt = (day: string) => {
    vi.setSystemTime(new Date(day));
    const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...NO_VALIDATION_REPORT } });
    const s = new MarkApiStack(app, 'MarkApiClock', { wiring, bundles, webDir });
    return Template.fromStack(s).findResources('AWS::AppSync::ApiKey');
  };
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is the same in two synths a day apart: a deploy no longer moves it', () => {
    const first = Object.values(expiresAt('2026-12-01T09:00:00Z'))[0].Properties.Expires;
    const second = Object.values(expiresAt('2026-12-02T09:00:00Z'))[0].Properties.Expires;
    expect(first).toBe(Date.parse(`${cdkJson.context.apiKeyExpires}T00:00:00Z`) / 1000);
    expect(second).toBe(first);
  });

  it('is replaced, a new key resource, when apiKeyGeneration is raised, and only then', () => {
    vi.setSystemTime(new Date('2026-12-01T09:00:00Z'));
    const keyIds = (context: Record<string, unknown>) => {
      const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...NO_VALIDATION_REPORT, ...context } });
      return Object.keys(Template.fromStack(new MarkApiStack(app, 'MarkApiRotation', { wiring, bundles, webDir })).findResources('AWS::AppSync::ApiKey'));
    };
    const first = keyIds({});
    expect(first).toHaveLength(1);
    expect(keyIds({ apiKeyGeneration: 1 })).toEqual(first);
    const second = keyIds({ apiKeyGeneration: '2' });
    expect(second).toHaveLength(1);
    expect(second[0]).not.toBe(first[0]);
  });

  it('refuses to synthesize once the date is less than a day away, pointing at the rotation steps', () => {
    const lastDay = new Date(Date.parse(`${cdkJson.context.apiKeyExpires}T00:00:00Z`) - 12 * 60 * 60 * 1000).toISOString();
    expect(() => expiresAt(lastDay)).toThrow(/apiKeyExpires .* less than a day away: rotate the key/);
  });
});

const STREAM_READ = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'];
const DLQ_SEND = ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'];

/** Every action granted is one of these (no wildcards beyond them). */
function expectOnly(statements: Statement[], actions: string[]) {
  expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
  expect([...new Set(allActions(statements))].sort()).toEqual([...new Set(actions)].sort());
}

function keySchema(pk: TableDefinition['partitionKey'], sk?: TableDefinition['sortKey']) {
  return [{ AttributeName: pk.name, KeyType: 'HASH' }, ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' }] : [])];
}
function indexShape(i: Json) {
  return { IndexName: i.IndexName, KeySchema: i.KeySchema };
}
