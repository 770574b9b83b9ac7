/**
 * What is deployed is what runs locally (issue 28 part 2): mark-api's stack is synthesized here as
 * `npm run synth` does (the package's buildApi, then the CDK app into a cloud assembly), and the
 * package's template reader reads that assembly. It must give the same schema, resolvers and
 * functions (the very bundles), data sources with the same tables and grants, the tables of
 * infra/tables.ts with their keys, indexes and streams, and the same auth modes as
 * resolvers/wiring.json with infra/; then the API served from the assembly and the one served from
 * the wiring (the local stack) must give the same answers to the same operations.
 *
 * Expectations are derived from infra/tables.ts, infra/auth.ts and the wiring, never listed here,
 * so that a new table or index in infra/ is compared as well.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnElement } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApi, graphqlHttpClient, readApi, signedIamHeaders, startFromTemplate, type BuiltCode, type TemplateApi, type TemplateApp } from 'appsync-local';
import cdkJson from '../cdk.json';
import { MARK_API_AUTHORIZATION } from '../infra/auth';
import { ROLE_GROUPS } from '../infra/constructs/user-pool';
import { MarkApiStack } from '../infra/stack';
import { apiTables, tables, type TableDefinition } from '../infra/tables';
import { loadMarkApiWiring, type MarkApiWiring } from '../infra/wiring';
import { startTestStack, type TestStack } from './support/stack';
import { uniquePrefix } from './support/prefix';

let root: string;
let wiring: MarkApiWiring;
let bundles: BuiltCode[];
let assembly: string;
let read: TemplateApi;
let synthesized: MarkApiStack;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'mark-api-template-'));
  wiring = loadMarkApiWiring();
  bundles = await buildApi(wiring, join(root, 'build'));
  assembly = join(root, 'cdk.out');
  // cdk.json's context, less the default-rules validation report (it only reports, and costs most of a synthesis)
  const app = new App({ outdir: assembly, context: { ...cdkJson.context, '@aws-cdk/core:validateAgainstDefaultRules': false } });
  // the stack hosts the web client and refuses to synthesize without its index.html; npm test does
  // not build build/web, so a stub stands in (as in infra-nag.test.ts): the web client is not compared here
  const webDir = join(root, 'web');
  mkdirSync(webDir);
  writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>mark-api</title>');
  synthesized = new MarkApiStack(app, 'MarkApiLocal', { wiring, bundles, webDir });
  app.synth();
  read = readApi({ cdkOut: assembly });
}, 300_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/**
 * The name the reader gives a table of infra/tables.ts: the table has no TableName (CloudFormation
 * names it), so the reader names it after its logical id in the template. Found through the stack,
 * not through ctx.env, which holds only the tables of the API (inApi).
 */
const physical = (logicalName: string) => {
  // MarkTables.table throws for a name that is not in infra/tables.ts
  return synthesized.getLogicalId(synthesized.tables.table(logicalName).node.defaultChild as CfnElement);
};

describe('mark-api read from its synthesized template', () => {
  it('has the schema of the wiring, as it is', () => {
    expect(read.schema).toBe(readFileSync(wiring.schemaFile, 'utf8'));
  });

  it('has every resolver and function of the wiring, of the same kind, running the same bundles', () => {
    expect(Object.keys(read.resolvers).sort()).toEqual(Object.keys(wiring.resolvers).sort());
    expect(Object.keys(read.functions).sort()).toEqual(Object.keys(wiring.functions).sort());
    for (const [field, r] of Object.entries(wiring.resolvers)) {
      const got = read.resolvers[field];
      expect(got, field).toMatchObject(r.pipeline ? { pipeline: r.pipeline } : { dataSource: r.dataSource });
      const bundle = bundles.find((b) => b.kind === 'resolver' && b.name === field)!;
      expect(readFileSync(got.code, 'utf8'), field).toBe(readFileSync(bundle.file, 'utf8'));
    }
    for (const [name, f] of Object.entries(wiring.functions)) {
      expect(read.functions[name].dataSource, name).toBe(f.dataSource);
      const bundle = bundles.find((b) => b.kind === 'function' && b.name === name)!;
      expect(readFileSync(read.functions[name].code, 'utf8'), name).toBe(readFileSync(bundle.file, 'utf8'));
    }
  });

  it('has the data sources of the wiring, each on its table, allowed the tables its deployed role is granted', () => {
    expect(Object.keys(read.dataSources).sort()).toEqual(Object.keys(wiring.dataSources).sort());
    for (const [name, ds] of Object.entries(wiring.dataSources)) {
      const got = read.dataSources[name];
      expect(got.type, name).toBe(ds.type);
      if (ds.type !== 'AMAZON_DYNAMODB' || got.type !== 'AMAZON_DYNAMODB') continue;
      expect(got.table, name).toBe(physical(ds.table));
      // the role is granted exactly the wiring's actions: their tables, less its own, are what the local runtime allows
      const granted = new Set(Object.keys(ds.actions ?? {}).map((target) => target.split('/')[0]).filter((t) => t !== ds.table));
      expect([...(got.grants ?? [])].sort(), name).toEqual([...granted].map(physical).sort());
      expect([...(got.grants ?? [])].sort(), `${name}: local grants`).toEqual((ds.grants ?? []).map(physical).sort());
    }
  });

  it('has every table of infra/tables.ts with its keys, indexes and stream', () => {
    // every table of the template is one of infra/tables.ts, in the API (ctx.env) or not, and the reverse
    expect(read.tables).toHaveLength(tables.length);
    expect(read.tables.map((t) => t.TableName).sort()).toEqual(tables.map((t) => physical(t.logicalName)).sort());
    const keys = (partition: TableDefinition['partitionKey'], sort?: TableDefinition['sortKey']) => [
      { AttributeName: partition.name, KeyType: 'HASH' },
      ...(sort ? [{ AttributeName: sort.name, KeyType: 'RANGE' }] : []),
    ];
    for (const def of tables) {
      const table = read.tables.find((t) => t.TableName === physical(def.logicalName));
      expect(table, def.logicalName).toBeDefined();
      expect(table!.KeySchema, def.logicalName).toEqual(keys(def.partitionKey, def.sortKey));
      const types = Object.fromEntries((table!.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]));
      for (const key of [def.partitionKey, def.sortKey, ...[...(def.globalSecondaryIndexes ?? []), ...(def.localSecondaryIndexes ?? [])].flatMap((i) => [i.partitionKey, i.sortKey])]) {
        if (key) expect(types[key.name], `${def.logicalName}.${key.name}`).toBe(key.type);
      }
      const indexes = (list: TemplateApi['tables'][number]['GlobalSecondaryIndexes']) => (list ?? []).map((i) => ({ name: i.IndexName, keys: i.KeySchema, projection: i.Projection?.ProjectionType }));
      const expected = (list?: TableDefinition['globalSecondaryIndexes']) =>
        (list ?? []).map((i) => ({ name: i.indexName, keys: keys(i.partitionKey, i.sortKey), projection: i.projection?.type ?? 'ALL' }));
      expect(indexes(table!.GlobalSecondaryIndexes), def.logicalName).toEqual(expected(def.globalSecondaryIndexes));
      expect(indexes(table!.LocalSecondaryIndexes), def.logicalName).toEqual(expected(def.localSecondaryIndexes));
      expect(table!.StreamSpecification?.StreamViewType, def.logicalName).toBe(def.stream);
    }
  });

  it('has the auth modes of infra/auth.ts, the API key, and a pool with the groups of the roles', () => {
    expect(read.auth.modes).toEqual(MARK_API_AUTHORIZATION);
    expect(read.auth.apiKey).toBe(true);
    expect([...(read.auth.userPool?.groups ?? [])].sort()).toEqual(Object.keys(ROLE_GROUPS).sort());
    // ctx.env: the tables of the API, each under its envVar, with the name of that very table
    expect(Object.keys(read.env).sort()).toEqual(apiTables.map((t) => t.envVar).sort());
    for (const def of apiTables) expect(read.env[def.envVar], def.envVar).toBe(physical(def.logicalName));
  });

  it('lists what it does not run, and runs every AppSync resource of the stack', () => {
    const appSync = read.report.filter((r) => r.type.startsWith('AWS::AppSync::') && r.type !== 'AWS::AppSync::ApiKey');
    expect(appSync.filter((r) => r.outcome !== 'runs')).toEqual([]);
    // the pipeline's functions, Kinesis and the archive are mark-api's own local stack's (local/pollers), not the package's
    expect(read.report.find((r) => r.type === 'AWS::Kinesis::Stream')?.outcome).toBe('not run');
    expect(read.report.every((r) => r.outcome === 'runs' || r.why)).toBe(true);
  });
});

describe('the same operations, answered by the API from the template and by the one from the wiring', () => {
  let stack: TestStack;
  let fromTemplate: TemplateApp;
  beforeAll(async () => {
    stack = await startTestStack({ label: 'wiring' });
    fromTemplate = await startFromTemplate({ cdkOut: assembly }, { dynamodbEndpoint: inject('dynamodbEndpoint'), tablePrefix: uniquePrefix('template'), iam: stack.iam });
  }, 300_000);
  afterAll(async () => {
    await fromTemplate?.stop();
    await stack?.stop();
  });

  /** One request to both APIs with the same kind of credentials; both answers. */
  const both = async (query: string, variables: Record<string, unknown>, as: 'iam' | 'apiKey') => {
    const body = JSON.stringify({ query, variables });
    return Promise.all(
      [stack.graphqlUrl, fromTemplate.api.graphqlUrl].map(async (url, i) => {
        const http = graphqlHttpClient(url);
        try {
          const headers = as === 'iam' ? await signedIamHeaders(url, body, stack.iam) : { 'x-api-key': i === 0 ? stack.apiKey : fromTemplate.api.apiKey };
          const answer = await http.post(body, headers);
          return { status: answer.status, body: answer.body };
        } finally {
          http.close();
        }
      }),
    );
  };

  /** Each operation, and what the wiring's API answers (so that two equal answers are the right ones). */
  const operations: Array<[string, string, Record<string, unknown>, 'iam' | 'apiKey', object]> = [
    ['a release (staff, over IAM)', 'mutation ($i: ReleaseMarkInput!) { releaseMark(input: $i) { mark version type data } }', { i: { mark: 'eq  1', price: 250 } }, 'iam', { data: { releaseMark: { mark: 'EQ 1', version: 1, type: 'MARK_RELEASED' } } }],
    ['the same release again: MarkAlreadyExists', 'mutation ($i: ReleaseMarkInput!) { releaseMark(input: $i) { mark version } }', { i: { mark: 'EQ 1', price: 250 } }, 'iam', { errors: [{ errorType: 'MarkAlreadyExists' }] }],
    ['bad input: ValidationError', 'mutation ($i: ReleaseMarkInput!) { releaseMark(input: $i) { mark } }', { i: { mark: '', price: -1 } }, 'iam', { errors: [{ errorType: 'ValidationError' }] }],
    ['the view, with the API key', 'query { getMark(mark: "EQ 1") { mark status price version } }', {}, 'apiKey', { data: { getMark: { mark: 'EQ 1', status: 'MARK_AVAILABLE', price: 250, version: 1 } } }],
    ['the events, over IAM', 'query { listMarkEvents(mark: "EQ 1") { items { mark version type data } nextToken } }', {}, 'iam', { data: { listMarkEvents: { items: [{ mark: 'EQ 1', version: 1, type: 'MARK_RELEASED' }], nextToken: null } } }],
    ['a field the API key may not read', 'query { listMarkEvents(mark: "EQ 1") { items { version } } }', {}, 'apiKey', { errors: [{ errorType: 'Unauthorized' }] }],
    ['an unknown mark', 'query { getMark(mark: "NO SUCH") { mark } }', {}, 'apiKey', { data: { getMark: null } }],
  ];

  it.each(operations)('%s', async (_label, query, variables, as, expected) => {
    const [wired, templated] = await both(query, variables, as);
    expect(wired.body).toMatchObject(expected);
    expect(templated).toEqual(wired);
  });
});
