/**
 * APIs started from their CloudFormation templates and from a CDK cloud assembly, laid out as
 * AWS's APPSYNC_JS samples (aws-samples/aws-appsync-resolver-samples) are, written anew for these
 * tests (test/fixtures/templates/): a template with inline code and a pipeline, one with code files,
 * pipelines, a Lambda data source, a user pool and resources the package does not run, a CDK app
 * synthesized here with aws-cdk-lib, and a template with HTTP data sources whose code uses the
 * global util (run against a local HTTP server). Each is served on the run's DynamoDB Local and
 * called over HTTP with real credentials.
 *
 * Pages: "AWS AppSync resource type reference" (AWS CloudFormation User Guide,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/AWS_AppSync.html) for the
 * resources and their Ref / Fn::GetAtt values; "Intrinsic function reference" for !Ref, !GetAtt,
 * !Sub, !Join and conditions.
 */
import { DescribeTableCommand, GetItemCommand, ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import * as appsync from 'aws-cdk-lib/aws-appsync';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { dynamoDbClient, graphqlHttpClient, signedIamHeaders } from '../src/index';
import { main } from '../src/cli';
import { localClientId, localPoolId, type ResourceReport } from '../src/template/read';
import { readApi, startFromTemplate, LOCAL_IAM, type TemplateApp } from '../src/template/start';
import { uniquePrefix } from './support/tables';

const FIXTURES = new URL('./fixtures/templates/', import.meta.url).pathname;

let client: DynamoDBClient;
beforeAll(() => {
  client = dynamoDbClient(inject('dynamodbEndpoint'));
});
afterAll(() => client.destroy());

/** POST a GraphQL request to the app's endpoint with these headers (or a function of the body). */
async function gql(app: TemplateApp, query: string, variables: Record<string, unknown>, auth: 'apiKey' | 'iam' | 'none') {
  const body = JSON.stringify({ query, variables });
  const http = graphqlHttpClient(app.api.graphqlUrl);
  try {
    const headers = auth === 'apiKey' ? { 'x-api-key': app.api.apiKey } : auth === 'iam' ? await signedIamHeaders(app.api.graphqlUrl, body, LOCAL_IAM) : {};
    return await http.post(body, headers);
  } finally {
    http.close();
  }
}

const outcome = (report: ResourceReport[], logicalId: string) => report.find((r) => r.logicalId === logicalId);

describe('a template with inline code (YAML, short-form tags, a pipeline)', () => {
  let app: TemplateApp;
  let prefix: string;
  beforeAll(async () => {
    prefix = uniquePrefix('todos');
    app = await startFromTemplate({ template: join(FIXTURES, 'todos-inline/template.yaml') }, { dynamodbEndpoint: inject('dynamodbEndpoint'), tablePrefix: prefix });
  });
  afterAll(() => app?.stop());

  it('creates the table in DynamoDB Local with its keys, index and stream', async () => {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: `${prefix}TodosTable` }));
    expect(Table?.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['byOwner']);
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    // the parameters' defaults and !Sub give the API its name; !Ref of the table gives ctx.env its physical name
    expect(app.template.name).toBe('todos-inline-dev');
    expect(app.template.env).toEqual({ TODOS_TABLE: `${prefix}TodosTable` });
  });

  it('answers a mutation through its pipeline and a query on the index, with the API key', async () => {
    const added = await gql(app, 'mutation ($o: String!, $t: String!) { addTodo(owner: $o, title: $t) { id owner title done } }', { o: 'ann', t: '  buy milk ' }, 'apiKey');
    expect(added.body.errors).toBeUndefined();
    const todo = (added.body.data as { addTodo: { id: string } }).addTodo;
    expect(todo).toMatchObject({ owner: 'ann', title: 'buy milk', done: false });
    const got = await gql(app, 'query ($id: ID!) { getTodo(id: $id) { title } }', { id: todo.id }, 'apiKey');
    expect(got.body).toEqual({ data: { getTodo: { title: 'buy milk' } } });
    const listed = await gql(app, 'query { todosOf(owner: "ann") { id } }', {}, 'apiKey');
    expect(listed.body).toEqual({ data: { todosOf: [{ id: todo.id }] } });
  });

  it('stops at the pipeline function that refuses, and writes nothing', async () => {
    const before = await client.send(new ScanCommand({ TableName: `${prefix}TodosTable`, Select: 'COUNT' }));
    const refused = await gql(app, 'mutation { addTodo(owner: "bob", title: "   ") { id } }', {}, 'apiKey');
    expect(refused.body.errors?.[0]).toMatchObject({ errorType: 'ValidationError', message: 'A to-do needs a title' });
    const after = await client.send(new ScanCommand({ TableName: `${prefix}TodosTable`, Select: 'COUNT' }));
    expect(after.Count).toBe(before.Count);
  });

  it('refuses a request without the key (the API key is the only mode)', async () => {
    const refused = await gql(app, 'query { todosOf(owner: "ann") { id } }', {}, 'none');
    expect(refused.status).toBe(401);
  });

  it('reports every resource, and why one does not run', () => {
    expect(app.template.report.map((r) => r.logicalId).sort()).toEqual(
      ['AddTodoResolver', 'Api', 'ApiKey', 'CheckTitleFunction', 'GetTodoResolver', 'NoneSource', 'ProdAlarmTopic', 'PutTodoFunction', 'Schema', 'TodosOfResolver', 'TodosRole', 'TodosSource', 'TodosTable'].sort(),
    );
    expect(outcome(app.template.report, 'ProdAlarmTopic')).toMatchObject({ outcome: 'not run', why: 'its condition IsProd is false' });
    expect(outcome(app.template.report, 'AddTodoResolver')?.outcome).toBe('runs');
  });
});

describe('a SAM template with code files, pipelines, Lambda data sources, a user pool and what does not run (JSON)', () => {
  let app: TemplateApp;
  let prefix: string;
  beforeAll(async () => {
    prefix = uniquePrefix('notes');
    app = await startFromTemplate({ template: join(FIXTURES, 'notes-files/template.json') }, { dynamodbEndpoint: inject('dynamodbEndpoint'), tablePrefix: prefix });
  });
  afterAll(() => app?.stop());

  it('configures the auth modes and the local pool from the template', () => {
    expect(app.template.auth.modes).toEqual({ defaultMode: 'AMAZON_COGNITO_USER_POOLS', additionalModes: ['API_KEY', 'AWS_IAM'] });
    expect(app.api.userPool?.pool.poolId).toBe(localPoolId('NotesPool'));
    // AppIdClientRegex ^<WebClient>$ picks the web client; the mobile client is reported
    expect(app.api.userPool?.pool.clientId).toBe(localClientId('WebClient'));
    expect(app.template.auth.userPool).toMatchObject({ groups: ['editors'], signInCaseSensitive: false, preventUserExistenceErrors: true });
    expect(app.api.iam).toEqual(LOCAL_IAM);
  });

  it('creates both tables, a provisioned one with its local index', async () => {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: `${prefix}CommentsTable` }));
    expect(Table?.KeySchema).toEqual([{ AttributeName: 'noteId', KeyType: 'HASH' }, { AttributeName: 'at', KeyType: 'RANGE' }]);
    expect(Table?.LocalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['byText']);
    expect(Table?.ProvisionedThroughput).toMatchObject({ ReadCapacityUnits: 2, WriteCapacityUnits: 2 });
    expect((await client.send(new DescribeTableCommand({ TableName: `${prefix}notes` }))).Table?.TableStatus).toBe('ACTIVE');
  });

  it('runs a pipeline whose transaction spans the tables its role grants', async () => {
    expect(app.template.dataSources.notes).toEqual({ type: 'AMAZON_DYNAMODB', table: `${prefix}notes`, grants: [`${prefix}CommentsTable`] });
    const added = await gql(app, 'mutation { addNote(id: "n1", title: "Plans") { id title comments } }', {}, 'apiKey');
    expect(added.body).toEqual({ data: { addNote: { id: 'n1', title: 'Plans', comments: 0 } } });
    const commented = await gql(app, 'mutation { addComment(noteId: "n1", text: "first") { noteId text } }', {}, 'apiKey');
    expect(commented.body).toEqual({ data: { addComment: { noteId: 'n1', text: 'first' } } });
    const note = await client.send(new GetItemCommand({ TableName: `${prefix}notes`, Key: { id: { S: 'n1' } } }));
    expect(note.Item?.comments).toEqual({ N: '1' });
    const comments = await client.send(new ScanCommand({ TableName: `${prefix}CommentsTable` }));
    expect(comments.Items?.map((i) => i.text)).toEqual([{ S: 'first' }]);
    const missing = await gql(app, 'mutation { addComment(noteId: "nope", text: "x") { noteId } }', {}, 'apiKey');
    expect(missing.body.errors?.[0]).toMatchObject({ errorType: 'NotFound', message: 'No note nope' });
  });

  it('invokes the Lambda functions of the template (an inline ZipFile, a SAM CodeUri folder)', async () => {
    const counted = await gql(app, 'query { wordCount(text: "one two  three") }', {}, 'iam');
    expect(counted.body).toEqual({ data: { wordCount: 3 } });
    // a SAM function (CodeUri folder, an ESM handler), with the API key
    expect((await gql(app, 'query { shout(text: "hi") }', {}, 'apiKey')).body).toEqual({ data: { shout: 'HI' } });
    // @aws_iam only: the API key is refused on that field
    const refused = await gql(app, 'query { wordCount(text: "one") }', {}, 'apiKey');
    expect(refused.body.errors?.[0]?.errorType).toBe('Unauthorized');
  });

  it('reports what it does not run, with why', () => {
    const report = app.template.report;
    expect(outcome(report, 'RdsSource')).toMatchObject({ outcome: 'not run', why: 'data source reports has type RELATIONAL_DATABASE, which appsync-local does not run (it runs AMAZON_DYNAMODB, NONE, AWS_LAMBDA, HTTP)' });
    expect(outcome(report, 'FromRds')).toMatchObject({ outcome: 'not run', why: expect.stringContaining('Query.fromRds: its data source reports is not run') });
    expect(outcome(report, 'Queue')).toMatchObject({ outcome: 'not run', why: 'AWS::SQS::Queue is not emulated by appsync-local' });
    expect(outcome(report, 'MobileClient')).toMatchObject({ outcome: 'not run', why: 'the local pool has one app client: WebClient' });
    expect(outcome(report, 'CommentsTable')?.why).toContain('TimeToLiveSpecification is not applied');
    expect(report.find((r) => r.why?.includes('OPENID_CONNECT'))).toMatchObject({ logicalId: 'NotesApi', outcome: 'not run' });
    expect(outcome(report, 'WordCountFunction')?.outcome).toBe('runs');
    expect(app.template.resolvers['Query.fromRds']).toBeUndefined();
  });
});

describe("a CDK app's cloud assembly (cdk.out), synthesized here with aws-cdk-lib", () => {
  let app: TemplateApp;
  let outdir: string;
  let prefix: string;
  beforeAll(async () => {
    outdir = mkdtempSync(join(tmpdir(), 'appsync-local-cdk-'));
    // without the default-rules validation report (it only reports, and costs most of a synthesis)
    const cdk = new App({ outdir, context: { '@aws-cdk/core:validateAgainstDefaultRules': false } });
    // a second stack without an API: the reader picks the one with the API
    new CfnResource(new Stack(cdk, 'Unrelated'), 'Queue', { type: 'AWS::SQS::Queue' });
    const stack = new Stack(cdk, 'ItemsStack');
    const table = new dynamodb.Table(stack, 'Items', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING }, billingMode: dynamodb.BillingMode.PAY_PER_REQUEST });
    const api = new appsync.GraphqlApi(stack, 'Api', {
      name: 'items',
      definition: appsync.Definition.fromFile(join(FIXTURES, 'cdk-items/schema.graphql')),
      environmentVariables: { ITEMS_TABLE: table.tableName },
    });
    const items = api.addDynamoDbDataSource('items', table);
    items.createResolver('ItemResolver', {
      typeName: 'Query',
      fieldName: 'item',
      runtime: appsync.FunctionRuntime.JS_1_0_0,
      code: appsync.Code.fromInline("import { get } from '@aws-appsync/utils/dynamodb';\nexport const request = (ctx) => get({ key: { pk: ctx.args.pk } });\nexport const response = (ctx) => ctx.result;\n"),
    });
    const putItem = new appsync.AppsyncFunction(stack, 'PutItem', { api, name: 'putItem', dataSource: items, runtime: appsync.FunctionRuntime.JS_1_0_0, code: appsync.Code.fromAsset(join(FIXTURES, 'cdk-items/putItem.js')) });
    new appsync.Resolver(stack, 'PutItemResolver', {
      api,
      typeName: 'Mutation',
      fieldName: 'putItem',
      runtime: appsync.FunctionRuntime.JS_1_0_0,
      pipelineConfig: [putItem],
      code: appsync.Code.fromInline('export const request = () => ({});\nexport const response = (ctx) => ctx.prev.result;\n'),
    });
    cdk.synth();
    prefix = uniquePrefix('cdk');
    app = await startFromTemplate({ cdkOut: outdir }, { dynamodbEndpoint: inject('dynamodbEndpoint'), tablePrefix: prefix });
  });
  afterAll(async () => {
    await app?.stop();
    rmSync(outdir, { recursive: true, force: true });
  });

  it('runs the asset file the assembly holds, and the inline code, over the table CDK defined', async () => {
    // CDK's default: an API key as the default mode, the key resource in the template
    expect(app.template.auth).toMatchObject({ modes: { defaultMode: 'API_KEY' }, apiKey: true });
    expect(app.template.functions.putItem.code).toMatch(new RegExp(`^${outdir}/asset\\.[0-9a-f]+\\.js$`));
    const [table] = app.template.tables;
    expect(table.TableName?.startsWith(`${prefix}Items`)).toBe(true);
    expect(app.template.env).toEqual({ ITEMS_TABLE: table.TableName });
    const put = await gql(app, 'mutation { putItem(pk: "a", label: "first") { pk label } }', {}, 'apiKey');
    expect(put.body).toEqual({ data: { putItem: { pk: 'a', label: 'first' } } });
    const got = await gql(app, 'query { item(pk: "a") { label } }', {}, 'apiKey');
    expect(got.body).toEqual({ data: { item: { label: 'first' } } });
  });

  it('names the stacks when the one asked for is not there', () => {
    expect(() => readApi({ cdkOut: outdir, stack: 'Nope' })).toThrow(`${outdir} has no stack Nope (stacks: Unrelated, ItemsStack)`);
  });
});

describe('a template with HTTP data sources and code using the global util', () => {
  it('maps HttpConfig as the wiring takes it, the SigV4 signing configuration included', () => {
    const api = readApi({ template: join(FIXTURES, 'weather-http/template.yaml') });
    expect(api.dataSources).toEqual({
      forecasts: { type: 'HTTP', endpoint: 'https://forecast.example.com' },
      parameters: {
        type: 'HTTP',
        endpoint: 'https://ssm.us-east-1.amazonaws.com',
        authorizationConfig: { authorizationType: 'AWS_IAM', awsIamConfig: { signingRegion: 'us-east-1', signingServiceName: 'ssm' } },
      },
    });
    expect(api.resolvers['Query.forecast']).toEqual({ dataSource: 'forecasts', code: 'Query.forecast.js' });
  });

  it('calls the endpoint (a parameter of the template) from code that uses util without importing it', async () => {
    const requests: string[] = [];
    const backend = createHttpServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`sunny in ${decodeURIComponent(req.url!.split('/').pop()!.replace(/\+/g, ' '))}`);
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(backend.address() as { port: number }).port}`;
    const app = await startFromTemplate({ template: join(FIXTURES, 'weather-http/template.yaml') }, { parameters: { ForecastEndpoint: endpoint } });
    try {
      const answer = await gql(app, 'query ($c: String!) { forecast(city: $c) }', { c: 'Rio de Janeiro' }, 'apiKey');
      expect(answer.body).toEqual({ data: { forecast: 'sunny in Rio de Janeiro' } });
      expect(requests).toEqual(['GET /cities/Rio+de+Janeiro']);
    } finally {
      await app.stop();
      backend.close();
    }
  });
});

describe('the command line', () => {
  let lines: string[];
  const run = async (...args: string[]) => {
    lines = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((text) => (lines.push(String(text)), true));
    const out = vi.spyOn(process.stdout, 'write').mockImplementation((text) => (lines.push(String(text)), true));
    try {
      return await main(args);
    } finally {
      spy.mockRestore();
      out.mockRestore();
    }
  };
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'appsync-local-cli-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const template = (name: string, api: Record<string, unknown>, code = 'export const request = () => ({});\nexport const response = (ctx) => ctx.result;\n') => {
    const file = join(work, `${name}.json`);
    const resources = {
      Api: { Type: 'AWS::AppSync::GraphQLApi', Properties: { Name: name, AuthenticationType: 'API_KEY', ...api } },
      Schema: { Type: 'AWS::AppSync::GraphQLSchema', Properties: { ApiId: { 'Fn::GetAtt': ['Api', 'ApiId'] }, Definition: 'type Query { hello: String }' } },
      None: { Type: 'AWS::AppSync::DataSource', Properties: { ApiId: { 'Fn::GetAtt': ['Api', 'ApiId'] }, Name: 'none', Type: 'NONE' } },
      Hello: { Type: 'AWS::AppSync::Resolver', Properties: { ApiId: { 'Fn::GetAtt': ['Api', 'ApiId'] }, TypeName: 'Query', FieldName: 'hello', DataSourceName: 'none', Runtime: { Name: 'APPSYNC_JS', RuntimeVersion: '1.0.0' }, Code: code } },
      Table: { Type: 'AWS::DynamoDB::Table', Properties: { KeySchema: [{ AttributeName: 'k', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'k', AttributeType: 'S' }] } },
    };
    writeFileSync(file, JSON.stringify({ Resources: resources }));
    return file;
  };

  it('prints its usage', async () => {
    expect(await run('--help')).toBe(0);
    expect(lines.join('')).toContain('appsync-local (--template <file> | --cdk-out <dir> [--stack <name>] | --wiring <wiring.json>)');
  });

  it('says in one line which port is busy', async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      expect(await run('--template', template('busy', {}), '--port', String(port))).toBe(1);
    } finally {
      busy.close();
    }
    expect(lines).toEqual([`appsync-local: port ${port} is in use: stop what listens there or choose another with --port\n`]);
  });

  it('says in one line which resource it cannot run', async () => {
    expect(await run('--template', template('oidc', { AuthenticationType: 'OPENID_CONNECT' }), '--port', '0')).toBe(1);
    expect(lines).toEqual(['appsync-local: Api: its default auth mode OPENID_CONNECT is not run locally (API_KEY, AMAZON_COGNITO_USER_POOLS and AWS_IAM are)\n']);
  });

  it('says in one line which resolver does not build', async () => {
    const file = template('broken', {}, 'export function request(ctx) { return {\n');
    expect(await run('--template', file, '--port', '0', '--dynamodb', inject('dynamodbEndpoint'))).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^appsync-local: broken: resolver Query\.hello: Build failed with 1 error: .*ERROR: Expected identifier but found end of file\n$/);
  });

  it('says in one line that Java is missing', async () => {
    const path = process.env.PATH;
    process.env.PATH = work; // no java here
    try {
      expect(await run('--template', template('nojava', {}), '--port', '0')).toBe(1);
    } finally {
      process.env.PATH = path;
    }
    expect(lines).toEqual([expect.stringMatching(/^appsync-local: could not start DynamoDB Local \(is Java >= 17 installed and on PATH\?\)/)]);
    expect(lines[0].trimEnd()).not.toContain('\n');
  });
});
