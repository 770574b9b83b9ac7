/**
 * Reads an AppSync API out of a CloudFormation template (hand-written, SAM, or CDK's synthesized
 * one with its assets) into what startAppSyncLocal takes: a wiring description with its schema and
 * code files, the DynamoDB tables to create, ctx.env, the auth modes and the local user pool's
 * configuration. Every resource of the template is accounted for in `report`: run, read for what
 * the runnable ones need, or not run and why. Nothing is skipped silently.
 *
 * Resource and attribute shapes: "AWS AppSync resource type reference" and "Amazon DynamoDB
 * resource type reference", AWS CloudFormation User Guide
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/AWS_AppSync.html, .../AWS_DynamoDB.html,
 * .../AWS_Cognito.html), Ref and Fn::GetAtt return values as listed on each resource's page.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { unsupportedDataSources } from '../runtime/datasources';
import type { AuthMode, AuthorizationModes } from '../server/auth';
import { Intrinsics, parseTemplate, referencedIds, type CfnResource, type CfnTemplate, type Json, type PhysicalIds } from './intrinsics';

/** Where the template's code and schema files are: its folder, and CDK's asset objects by S3 key. */
export interface TemplateFiles {
  /** the template's folder: relative paths in CodeS3Location, DefinitionS3Location, CodeUri resolve from it */
  baseDir: string;
  /** S3 object key → local file or folder (a CDK assembly's asset manifest) */
  assets?: Record<string, string>;
}

export interface ReadTemplateOptions {
  /** which GraphQL API (logical id or Name) when the template has more than one */
  api?: string;
  /** values of the template's parameters (their defaults otherwise) */
  parameters?: Record<string, string>;
  /** AWS::StackName (the file's base name by default) */
  stackName?: string;
  /** put before every generated table name, so that two runs can share one DynamoDB Local */
  tablePrefix?: string;
}

/** One resource of the template and what the package does with it. */
export interface ResourceReport {
  logicalId: string;
  type: string;
  /** runs: served locally; read: its settings are used by what runs; not run: ignored, see why */
  outcome: 'runs' | 'read' | 'not run';
  why?: string;
}

export type TemplateDataSource =
  | { type: 'AMAZON_DYNAMODB'; table: string; grants?: string[] }
  | { type: 'NONE' }
  | { type: 'AWS_LAMBDA'; handler: string }
  | {
      type: 'HTTP';
      endpoint: string;
      authorizationConfig?: { authorizationType: 'AWS_IAM'; awsIamConfig: { signingRegion: string; signingServiceName: string } };
    };

export interface TemplateApi {
  /** the API's Name */
  name: string;
  logicalId: string;
  /** the schema's SDL */
  schema: string;
  dataSources: Record<string, TemplateDataSource>;
  /** code: an absolute file, or inline text under `inline` */
  functions: Record<string, { dataSource: string; code: string }>;
  resolvers: Record<string, ({ dataSource: string } | { pipeline: string[] }) & { code: string }>;
  /** generated file name (relative to the wiring folder) → its text: inline code */
  inline: Record<string, string>;
  /** CreateTable inputs, with their physical names */
  tables: CreateTableCommandInput[];
  /** ctx.env: the API's EnvironmentVariables */
  env: Record<string, string>;
  auth: {
    modes: AuthorizationModes;
    /** true when the template has an AWS::AppSync::ApiKey for the API */
    apiKey: boolean;
    userPool?: { logicalId: string; poolId: string; clientId: string; groups: string[]; signInCaseSensitive: boolean; preventUserExistenceErrors: boolean };
  };
  report: ResourceReport[];
}

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const LOCAL_AUTH: Record<string, AuthMode> = { API_KEY: 'API_KEY', AMAZON_COGNITO_USER_POOLS: 'AMAZON_COGNITO_USER_POOLS', AWS_IAM: 'AWS_IAM' };

/** A Cognito-shaped id from a logical id: stable across runs, so a client's configuration keeps working. */
const stableId = (seed: string, length: number) => BigInt(`0x${createHash('sha256').update(seed).digest('hex')}`).toString(36).slice(0, length).padStart(length, '0');
export const localPoolId = (logicalId: string) => `${REGION}_${stableId(`pool/${logicalId}`, 9)}`;
export const localClientId = (logicalId: string) => stableId(`client/${logicalId}`, 26);

/** Reads a template file (JSON or YAML). */
export function readTemplateFile(file: string, options: ReadTemplateOptions = {}, files?: Partial<TemplateFiles>): TemplateApi {
  const absolute = resolve(file);
  if (!existsSync(absolute)) throw new Error(`template ${file} does not exist`);
  const template = parseTemplate(readFileSync(absolute, 'utf8'), file);
  const stackName = options.stackName ?? absolute.split('/').pop()!.replace(/\.(template\.)?(json|ya?ml)$/, '');
  return readTemplate(template, { baseDir: dirname(absolute), ...files }, { ...options, stackName });
}

export function readTemplate(template: CfnTemplate, files: TemplateFiles, options: ReadTemplateOptions = {}): TemplateApi {
  const resources = template.Resources;
  const stackName = options.stackName ?? 'Local';
  const prefix = options.tablePrefix ?? '';
  const report = new Map<string, ResourceReport>();
  const note = (logicalId: string, outcome: ResourceReport['outcome'], why?: string) =>
    report.set(logicalId, { logicalId, type: resources[logicalId].Type, outcome, ...(why ? { why } : {}) });

  const byType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type && intrinsics.exists(r));
  const props = (r: CfnResource) => r.Properties ?? {};

  // What Ref and Fn::GetAtt give, per type; physical names are made up locally the way CloudFormation would name them.
  const tableName = (id: string) => prefix + (props(resources[id]).TableName ? intrinsics.string(props(resources[id]).TableName, `${id}.TableName`) : id);
  const apiId = (id: string) => stableId(`api/${id}`, 26);
  const ids: PhysicalIds = {
    ref: (id, r) => {
      switch (r.Type) {
        case 'AWS::DynamoDB::Table':
        case 'AWS::DynamoDB::GlobalTable':
          return tableName(id);
        case 'AWS::Cognito::UserPool':
          return localPoolId(id);
        case 'AWS::Cognito::UserPoolClient':
          return localClientId(id);
        case 'AWS::Cognito::UserPoolGroup':
          return props(r).GroupName ? intrinsics.string(props(r).GroupName, `${id}.GroupName`) : id;
        case 'AWS::AppSync::GraphQLApi':
          return `arn:aws:appsync:${REGION}:${ACCOUNT}:apis/${apiId(id)}`;
        case 'AWS::AppSync::FunctionConfiguration':
          return `arn:aws:appsync:${REGION}:${ACCOUNT}:apis/local/functions/${id}`;
        case 'AWS::IAM::Role':
        case 'AWS::Lambda::Function':
        case 'AWS::Serverless::Function':
          return props(r).RoleName ?? props(r).FunctionName ? intrinsics.string(props(r).RoleName ?? props(r).FunctionName, `${id}.Name`) : `${stackName}-${id}`;
        default:
          return id;
      }
    },
    getAtt: (id, r, attribute) => {
      const key = `${r.Type}.${attribute}`;
      switch (key) {
        case 'AWS::DynamoDB::Table.Arn':
        case 'AWS::DynamoDB::GlobalTable.Arn':
          return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${tableName(id)}`;
        case 'AWS::DynamoDB::Table.StreamArn':
        case 'AWS::DynamoDB::GlobalTable.StreamArn':
          return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${tableName(id)}/stream/local`;
        case 'AWS::AppSync::GraphQLApi.ApiId':
          return apiId(id);
        case 'AWS::AppSync::GraphQLApi.Arn':
          return ids.ref(id, r);
        case 'AWS::AppSync::DataSource.Name':
        case 'AWS::AppSync::FunctionConfiguration.Name':
          return intrinsics.string(props(r).Name, `${id}.Name`);
        case 'AWS::AppSync::FunctionConfiguration.FunctionId':
          return id;
        case 'AWS::AppSync::FunctionConfiguration.FunctionArn':
          return ids.ref(id, r);
        case 'AWS::Cognito::UserPool.Arn':
          return `arn:aws:cognito-idp:${REGION}:${ACCOUNT}:userpool/${localPoolId(id)}`;
        case 'AWS::Cognito::UserPool.UserPoolId':
          return localPoolId(id);
        case 'AWS::Cognito::UserPoolClient.ClientId':
          return localClientId(id);
        case 'AWS::IAM::Role.Arn':
          return `arn:aws:iam::${ACCOUNT}:role/${ids.ref(id, r)}`;
        case 'AWS::Lambda::Function.Arn':
        case 'AWS::Serverless::Function.Arn':
          return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${ids.ref(id, r)}`;
        default:
          return `${id}.${attribute}`;
      }
    },
  };
  const intrinsics = new Intrinsics(template, ids, { region: REGION, accountId: ACCOUNT, stackName, parameters: options.parameters });

  for (const [id, r] of Object.entries(resources)) if (!intrinsics.exists(r)) report.set(id, { logicalId: id, type: r.Type, outcome: 'not run', why: `its condition ${r.Condition} is false` });

  // The API: the one in the template, or the one asked for.
  const apis = byType('AWS::AppSync::GraphQLApi');
  if (apis.length === 0) {
    const sam = Object.keys(resources).find((id) => resources[id].Type === 'AWS::Serverless::GraphQLApi');
    throw new Error(
      sam
        ? `the template declares its API with SAM's AWS::Serverless::GraphQLApi (${sam}), which is not expanded locally: declare it with AWS::AppSync resources`
        : 'the template has no AWS::AppSync::GraphQLApi',
    );
  }
  const chosen = options.api ? apis.filter(([id, r]) => id === options.api || props(r).Name === options.api) : apis;
  if (chosen.length !== 1) {
    throw new Error(`the template has ${apis.length} GraphQL APIs (${apis.map(([id]) => id).join(', ')}): choose one${options.api ? ` (none is ${options.api})` : ''}`);
  }
  const [apiLogicalId, apiResource] = chosen[0];
  const apiProps = props(apiResource);
  const name = intrinsics.string(apiProps.Name ?? apiLogicalId, `${apiLogicalId}.Name`);
  note(apiLogicalId, 'runs');
  for (const [id] of apis) if (id !== apiLogicalId) note(id, 'not run', `one API runs at a time: this is ${apiLogicalId}`);
  /** Whether a resource's ApiId points at the chosen API. */
  const ofApi = (r: CfnResource) => {
    if (referencedIds(props(r).ApiId).includes(apiLogicalId)) return true;
    try {
      return intrinsics.resolve(props(r).ApiId, 'ApiId') === apiId(apiLogicalId);
    } catch {
      return false; // an ApiId this template cannot resolve (Fn::ImportValue, say) is not this API's
    }
  };
  const ofOtherApi = (type: string) => byType(type).filter(([, r]) => !ofApi(r));
  for (const type of ['AWS::AppSync::GraphQLSchema', 'AWS::AppSync::DataSource', 'AWS::AppSync::Resolver', 'AWS::AppSync::FunctionConfiguration', 'AWS::AppSync::ApiKey']) {
    for (const [id] of ofOtherApi(type)) note(id, 'not run', 'it belongs to another API');
  }

  /** A local file from a path or an s3:// location: relative to the template, or a CDK asset. */
  const localFile = (location: string, where: string): string => {
    const s3 = /^s3:\/\/[^/]+\/(.+)$/.exec(location);
    if (s3) {
      const asset = files.assets?.[s3[1]];
      if (!asset) throw new Error(`${where}: ${location} is in S3, not on this machine (nor a CDK asset of this assembly)`);
      return asset;
    }
    const file = isAbsolute(location) ? location : resolve(files.baseDir, location);
    if (!existsSync(file)) throw new Error(`${where}: ${location} does not exist (looked for ${file})`);
    return file;
  };

  // Schema
  const schemas = byType('AWS::AppSync::GraphQLSchema').filter(([, r]) => ofApi(r));
  let schema: string | undefined = apiProps.Definition ? intrinsics.string(apiProps.Definition, `${apiLogicalId}.Definition`) : undefined;
  for (const [id, r] of schemas) {
    const p = props(r);
    schema = p.Definition !== undefined ? intrinsics.string(p.Definition, `${id}.Definition`) : readFileSync(localFile(intrinsics.string(p.DefinitionS3Location, `${id}.DefinitionS3Location`), id), 'utf8');
    note(id, 'runs');
  }
  if (schema === undefined) throw new Error(`${apiLogicalId}: no schema (no AWS::AppSync::GraphQLSchema for it, and no Definition)`);

  // Tables
  const tables: CreateTableCommandInput[] = [];
  const tableIds = new Map<string, string>(); // physical name → logical id
  for (const [id, r] of [...byType('AWS::DynamoDB::Table'), ...byType('AWS::DynamoDB::GlobalTable')]) {
    tables.push(createTableInput(id, r, intrinsics, tableName(id)));
    tableIds.set(tableName(id), id);
    const ttl = props(r).TimeToLiveSpecification as { Enabled?: boolean } | undefined;
    note(id, 'runs', ttl?.Enabled ? 'created in DynamoDB Local; its TimeToLiveSpecification is not applied (items do not expire locally)' : undefined);
  }
  const tableArn = /^arn:aws:dynamodb:[^:]*:[^:]*:table\/([^/]+)(\/.*)?$/;

  /** The tables a role's policies allow DynamoDB actions on (the data source's grants). */
  const tablesOfRole = (roleArn: Json | undefined): string[] | undefined => {
    const roleId = referencedIds(roleArn).find((id) => resources[id]?.Type === 'AWS::IAM::Role');
    if (!roleId) return undefined;
    const statements: Json[] = [];
    const collect = (document: Json | undefined) => {
      const s = (document as { Statement?: Json })?.Statement;
      statements.push(...(Array.isArray(s) ? s : s ? [s] : []));
    };
    for (const policy of (props(resources[roleId]).Policies as Array<{ PolicyDocument: Json }> | undefined) ?? []) collect(policy.PolicyDocument);
    for (const [, p] of [...byType('AWS::IAM::Policy'), ...byType('AWS::IAM::ManagedPolicy')]) {
      if (referencedIds(props(p).Roles).includes(roleId)) collect(props(p).PolicyDocument);
    }
    const found = new Set<string>();
    for (const statement of statements) {
      const s = statement as { Effect?: string; Action?: Json; Resource?: Json };
      const actions = [s.Action].flat().map(String);
      if (s.Effect !== 'Allow' || !actions.some((a) => /^(dynamodb:|\*)/.test(a))) continue;
      for (const raw of [s.Resource].flat()) {
        let arn: Json;
        try {
          arn = intrinsics.resolve(raw as Json, `${roleId} policy`);
        } catch {
          continue;
        }
        if (arn === '*') return [...tableIds.keys()];
        const m = tableArn.exec(String(arn));
        if (m) for (const t of tableIds.keys()) if (new RegExp(`^${m[1].replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(t)) found.add(t);
      }
    }
    return [...found];
  };

  // Data sources
  const dataSources: Record<string, TemplateDataSource> = {};
  const inline: Record<string, string> = {};
  const unrunnable = new Map<string, string>(); // data source name → why
  for (const [id, r] of byType('AWS::AppSync::DataSource').filter(([, r]) => ofApi(r))) {
    const p = props(r);
    const dsName = intrinsics.string(p.Name, `${id}.Name`);
    const type = intrinsics.string(p.Type, `${id}.Type`);
    try {
      // the runtime's own list of what it runs, and its one-line refusal
      const unsupported = unsupportedDataSources({ dataSources: { [dsName]: { type } } })[0];
      if (unsupported) throw new Error(unsupported.message);
      if (type === 'NONE') dataSources[dsName] = { type: 'NONE' };
      else if (type === 'AMAZON_DYNAMODB') {
        const config = intrinsics.resolve(p.DynamoDBConfig, `${id}.DynamoDBConfig`) as { TableName: string };
        if (!tableIds.has(config.TableName)) throw new Error(`its table ${config.TableName} is not a table of the template`);
        const grants = (tablesOfRole(p.ServiceRoleArn) ?? []).filter((t) => t !== config.TableName);
        dataSources[dsName] = { type: 'AMAZON_DYNAMODB', table: config.TableName, ...(grants.length ? { grants } : {}) };
      } else if (type === 'HTTP') {
        const config = intrinsics.resolve(p.HttpConfig, `${id}.HttpConfig`) as { Endpoint: string; AuthorizationConfig?: { AuthorizationType: string; AwsIamConfig?: { SigningRegion?: string; SigningServiceName?: string } } };
        const iam = config.AuthorizationConfig;
        if (iam && iam.AuthorizationType !== 'AWS_IAM') throw new Error(`HTTP authorization type ${iam.AuthorizationType} is not AWS_IAM`);
        dataSources[dsName] = {
          type: 'HTTP',
          endpoint: config.Endpoint,
          ...(iam ? { authorizationConfig: { authorizationType: 'AWS_IAM', awsIamConfig: { signingRegion: iam.AwsIamConfig?.SigningRegion ?? REGION, signingServiceName: iam.AwsIamConfig?.SigningServiceName ?? '' } } } : {}),
        };
      } else {
        const fnId = referencedIds((p.LambdaConfig as Record<string, Json> | undefined)?.LambdaFunctionArn).find((ref) => /^AWS::(Lambda|Serverless)::Function$/.test(resources[ref]?.Type ?? ''));
        if (!fnId) throw new Error('its LambdaFunctionArn is not a function of the template');
        dataSources[dsName] = { type: 'AWS_LAMBDA', handler: lambdaHandler(fnId, resources[fnId], intrinsics, localFile, inline) };
        const env = (props(resources[fnId]).Environment as { Variables?: Json } | undefined)?.Variables;
        note(fnId, 'runs', `run in this process as data source ${dsName}${env ? '; its Environment variables are not set locally' : ''}`);
      }
      note(id, 'runs');
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      unrunnable.set(dsName, why);
      note(id, 'not run', why);
    }
  }

  // Functions and resolvers: APPSYNC_JS code, inline or from a file.
  const codeOf = (id: string, p: Record<string, Json>, file: string): string => {
    const runtime = intrinsics.resolve(p.Runtime, `${id}.Runtime`) as { Name?: string } | null;
    if (runtime?.Name !== 'APPSYNC_JS') throw new Error(p.RequestMappingTemplate !== undefined || p.RequestMappingTemplateS3Location !== undefined ? 'VTL mapping templates are not run locally (APPSYNC_JS only)' : 'no APPSYNC_JS runtime');
    if (p.Code !== undefined) {
      inline[file] = intrinsics.string(p.Code, `${id}.Code`);
      return file;
    }
    if (p.CodeS3Location !== undefined) {
      const path = localFile(intrinsics.string(p.CodeS3Location, `${id}.CodeS3Location`), `${id}.CodeS3Location`);
      if (statSync(path).isDirectory()) throw new Error(`${id}.CodeS3Location is a folder, not a code file`);
      return path;
    }
    throw new Error('no Code or CodeS3Location');
  };
  const functions: TemplateApi['functions'] = {};
  const functionNames = new Map<string, string>(); // logical id → Name
  for (const [id, r] of byType('AWS::AppSync::FunctionConfiguration').filter(([, r]) => ofApi(r))) {
    const p = props(r);
    const fnName = intrinsics.string(p.Name, `${id}.Name`);
    try {
      const dsName = intrinsics.string(p.DataSourceName, `${id}.DataSourceName`);
      if (unrunnable.has(dsName)) throw new Error(`its data source ${dsName} is not run: ${unrunnable.get(dsName)}`);
      if (!dataSources[dsName]) throw new Error(`its data source ${dsName} is not in the template`);
      functions[fnName] = { dataSource: dsName, code: codeOf(id, p, `functions/${fnName}.js`) };
      functionNames.set(id, fnName);
      note(id, 'runs');
    } catch (err) {
      unrunnable.set(`function:${id}`, err instanceof Error ? err.message : String(err));
      note(id, 'not run', err instanceof Error ? err.message : String(err));
    }
  }
  const resolvers: TemplateApi['resolvers'] = {};
  for (const [id, r] of byType('AWS::AppSync::Resolver').filter(([, r]) => ofApi(r))) {
    const p = props(r);
    const field = `${intrinsics.string(p.TypeName, `${id}.TypeName`)}.${intrinsics.string(p.FieldName, `${id}.FieldName`)}`;
    try {
      const kind = p.Kind === undefined ? 'UNIT' : intrinsics.string(p.Kind, `${id}.Kind`);
      const code = codeOf(id, p, `${field}.js`);
      if (kind === 'PIPELINE') {
        const steps = (intrinsics.resolve((p.PipelineConfig as Record<string, Json> | undefined)?.Functions ?? [], `${id}.PipelineConfig`) as string[]).map((ref) => {
          const fnId = ref.split('/').pop()!;
          if (unrunnable.has(`function:${fnId}`)) throw new Error(`its function ${fnId} is not run: ${unrunnable.get(`function:${fnId}`)}`);
          const fnName = functionNames.get(fnId);
          if (!fnName) throw new Error(`its pipeline names ${ref}, not a function of this API`);
          return fnName;
        });
        resolvers[field] = { pipeline: steps, code };
      } else {
        const dsName = intrinsics.string(p.DataSourceName, `${id}.DataSourceName`);
        if (unrunnable.has(dsName)) throw new Error(`its data source ${dsName} is not run: ${unrunnable.get(dsName)}`);
        if (!dataSources[dsName]) throw new Error(`its data source ${dsName} is not in the template`);
        resolvers[field] = { dataSource: dsName, code };
      }
      note(id, 'runs');
    } catch (err) {
      note(id, 'not run', `${field}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  // Auth modes, the API key and the user pool
  const providers = [
    { AuthenticationType: apiProps.AuthenticationType, UserPoolConfig: apiProps.UserPoolConfig },
    ...((apiProps.AdditionalAuthenticationProviders as Array<Record<string, Json>> | undefined) ?? []),
  ].map((provider, i) => ({
    ...(intrinsics.resolve(provider as Json, `${apiLogicalId}.AuthenticationProviders[${i}]`) as { AuthenticationType?: Json; UserPoolConfig?: Json }),
    raw: provider,
  }));
  const modes: AuthMode[] = [];
  for (const [i, provider] of providers.entries()) {
    const mode = LOCAL_AUTH[String(provider.AuthenticationType)];
    if (!mode) {
      if (i === 0) throw new Error(`${apiLogicalId}: its default auth mode ${String(provider.AuthenticationType)} is not run locally (API_KEY, AMAZON_COGNITO_USER_POOLS and AWS_IAM are)`);
      report.set(`${apiLogicalId}#auth${i}`, { logicalId: apiLogicalId, type: 'AWS::AppSync::GraphQLApi', outcome: 'not run', why: `additional auth mode ${String(provider.AuthenticationType)} is not run locally` });
    } else if (!modes.includes(mode)) modes.push(mode);
  }
  const keys = byType('AWS::AppSync::ApiKey').filter(([, r]) => ofApi(r));
  keys.forEach(([id], i) => note(id, i === 0 ? 'runs' : 'not run', i === 0 ? 'served as the API key printed at start' : 'one API key runs locally'));

  let userPool: TemplateApi['auth']['userPool'];
  const poolProvider = providers.find((p) => p.AuthenticationType === 'AMAZON_COGNITO_USER_POOLS');
  if (poolProvider) {
    const rawConfig = (poolProvider.raw as Record<string, Json>).UserPoolConfig as Record<string, Json> | undefined;
    const poolIdOf = referencedIds(rawConfig?.UserPoolId).find((ref) => resources[ref]?.Type === 'AWS::Cognito::UserPool');
    if (!poolIdOf) throw new Error(`${apiLogicalId}: its user pool is not an AWS::Cognito::UserPool of the template`);
    const config = poolProvider.UserPoolConfig as { AppIdClientRegex?: string };
    const clients = byType('AWS::Cognito::UserPoolClient').filter(([, c]) => referencedIds(props(c).UserPoolId).includes(poolIdOf));
    const accepted = clients.filter(([cid]) => !config.AppIdClientRegex || new RegExp(config.AppIdClientRegex).test(localClientId(cid)));
    if (accepted.length === 0) throw new Error(`${apiLogicalId}: no AWS::Cognito::UserPoolClient of pool ${poolIdOf}${config.AppIdClientRegex ? ` matches AppIdClientRegex ${config.AppIdClientRegex}` : ''}`);
    const [clientLogicalId, client] = accepted[0];
    for (const [cid] of clients) note(cid, cid === clientLogicalId ? 'runs' : 'not run', cid === clientLogicalId ? undefined : `the local pool has one app client: ${clientLogicalId}`);
    const groups = byType('AWS::Cognito::UserPoolGroup').filter(([, g]) => referencedIds(props(g).UserPoolId).includes(poolIdOf));
    for (const [gid] of groups) note(gid, 'runs');
    const poolProps = props(resources[poolIdOf]);
    const caseSensitive = (intrinsics.resolve(poolProps.UsernameConfiguration, `${poolIdOf}.UsernameConfiguration`) as { CaseSensitive?: boolean } | null)?.CaseSensitive;
    const prevent = props(client).PreventUserExistenceErrors === undefined ? 'LEGACY' : intrinsics.string(props(client).PreventUserExistenceErrors, `${clientLogicalId}.PreventUserExistenceErrors`);
    userPool = {
      logicalId: poolIdOf,
      poolId: localPoolId(poolIdOf),
      clientId: localClientId(clientLogicalId),
      groups: groups.map(([gid, g]) => ids.ref(gid, g)),
      // CreateUserPool: a pool without UsernameConfiguration is case sensitive
      signInCaseSensitive: caseSensitive ?? true,
      // CreateUserPoolClient: LEGACY when PreventUserExistenceErrors is not given
      preventUserExistenceErrors: prevent === 'ENABLED',
    };
    note(poolIdOf, 'runs', 'the local user pool: sign-up, sign-in (SRP, password), groups; its other settings (MFA, triggers, e-mail) are not run');
  }

  const env = (intrinsics.resolve(apiProps.EnvironmentVariables, `${apiLogicalId}.EnvironmentVariables`) ?? {}) as Record<string, string>;

  for (const [id, r] of Object.entries(resources)) if (!report.has(id)) report.set(id, { logicalId: id, type: r.Type, ...notRun(r.Type) });
  return {
    name,
    logicalId: apiLogicalId,
    schema,
    dataSources,
    functions,
    resolvers,
    inline,
    tables,
    env,
    auth: { modes: { defaultMode: modes[0], additionalModes: modes.slice(1) }, apiKey: keys.length > 0, ...(userPool ? { userPool } : {}) },
    report: [...report.values()],
  };
}

/** Why a resource the reader did not use is not run. */
function notRun(type: string): Pick<ResourceReport, 'outcome' | 'why'> {
  if (type.startsWith('AWS::IAM::')) return { outcome: 'read', why: 'IAM is not enforced locally; a data source role\'s DynamoDB grants are read as the tables it may use' };
  if (type === 'AWS::CDK::Metadata') return { outcome: 'not run', why: 'CDK metadata' };
  if (type.startsWith('AWS::Logs::') || type.startsWith('AWS::CloudWatch::')) return { outcome: 'not run', why: 'logs and alarms: resolver logs go to the console locally' };
  if (type === 'AWS::AppSync::DomainName' || type === 'AWS::AppSync::DomainNameApiAssociation') return { outcome: 'not run', why: 'the local endpoint has no custom domain' };
  if (type === 'AWS::Lambda::Function' || type === 'AWS::Serverless::Function') return { outcome: 'not run', why: 'no data source of the API invokes it' };
  return { outcome: 'not run', why: `${type} is not emulated by appsync-local` };
}

/** CreateTable input from an AWS::DynamoDB::Table (or GlobalTable), under its local physical name. */
function createTableInput(id: string, r: CfnResource, intrinsics: Intrinsics, name: string): CreateTableCommandInput {
  const p = intrinsics.resolve(r.Properties ?? {}, id) as Record<string, unknown>;
  const billing = (p.BillingMode as string | undefined) ?? (p.ProvisionedThroughput ? 'PROVISIONED' : 'PAY_PER_REQUEST');
  const throughput = (t: unknown) => (billing === 'PROVISIONED' ? { ProvisionedThroughput: (t as CreateTableCommandInput['ProvisionedThroughput']) ?? { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } } : {});
  const index = (ix: Record<string, unknown>) => ({ IndexName: ix.IndexName as string, KeySchema: ix.KeySchema as never, Projection: ix.Projection as never });
  const gsis = (p.GlobalSecondaryIndexes as Array<Record<string, unknown>> | undefined) ?? [];
  const lsis = (p.LocalSecondaryIndexes as Array<Record<string, unknown>> | undefined) ?? [];
  const stream = p.StreamSpecification as { StreamViewType?: string } | undefined;
  return {
    TableName: name,
    AttributeDefinitions: p.AttributeDefinitions as never,
    KeySchema: p.KeySchema as never,
    BillingMode: billing as 'PROVISIONED' | 'PAY_PER_REQUEST',
    ...throughput(p.ProvisionedThroughput),
    ...(gsis.length ? { GlobalSecondaryIndexes: gsis.map((ix) => ({ ...index(ix), ...throughput(ix.ProvisionedThroughput) })) } : {}),
    ...(lsis.length ? { LocalSecondaryIndexes: lsis.map(index) } : {}),
    ...(stream?.StreamViewType ? { StreamSpecification: { StreamEnabled: true, StreamViewType: stream.StreamViewType as never } } : {}),
  };
}

/**
 * The wiring's "file#export" of a Lambda function's handler: Handler "dir/file.export" in its code
 * (ZipFile or InlineCode written out, a local CodeUri folder, or a CDK asset folder).
 */
function lambdaHandler(id: string, r: CfnResource, intrinsics: Intrinsics, localFile: (location: string, where: string) => string, inline: Record<string, string>): string {
  const p = r.Properties ?? {};
  const handler = intrinsics.string(p.Handler, `${id}.Handler`);
  const dot = handler.lastIndexOf('.');
  const [module, exportName] = [handler.slice(0, dot), handler.slice(dot + 1)];
  const code = p.Code as Record<string, Json> | undefined;
  const inlineText = code?.ZipFile ?? p.InlineCode;
  if (inlineText !== undefined) {
    // Lambda writes ZipFile as index.js of a CommonJS package
    const file = `lambda/${id}/${module}.cjs`;
    inline[file] = intrinsics.string(inlineText, `${id}.Code.ZipFile`);
    return `${file}#${exportName}`;
  }
  let folder: string;
  if (code?.S3Key !== undefined) folder = localFile(`s3://bucket/${intrinsics.string(code.S3Key, `${id}.Code.S3Key`)}`, `${id}.Code`);
  else if (typeof p.CodeUri === 'string') folder = localFile(p.CodeUri, `${id}.CodeUri`);
  else if (p.CodeUri) folder = localFile(`s3://bucket/${intrinsics.string((p.CodeUri as Record<string, Json>).Key, `${id}.CodeUri.Key`)}`, `${id}.CodeUri`);
  else throw new Error(`function ${id} has no code this package can run (Code.ZipFile, Code.S3Key of an asset, CodeUri)`);
  const file = ['.mjs', '.js', '.cjs'].map((ext) => join(folder, `${module}${ext}`)).find((f) => existsSync(f));
  if (!file) throw new Error(`function ${id}: its handler ${handler} is not in ${folder} (${module}.mjs, .js or .cjs)`);
  return `${file}#${exportName}`;
}
