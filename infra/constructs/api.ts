/**
 * The AppSync GraphQL API: schema.graphql as is, the modes of infra/auth.ts (default Cognito user
 * pools for the app client only; additional API key and IAM), logging and
 * X-Ray, query depth and resolver count limits and introspection from infra/settings.ts, a WAF,
 * and every data source, pipeline function and resolver made by a loop over the wiring
 * description, with the code of the bundles the package's build (npm run build) produced — the very files the local
 * runtime executes. Each data source's role may do exactly what the wiring's `actions` list.
 */
import { Expiration, Stack, Validations } from 'aws-cdk-lib';
import * as appsync from 'aws-cdk-lib/aws-appsync';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { BuiltCode } from 'appsync-local';
import type { TableDefinition } from '../tables';
import type { DataSourceAccess, MarkApiWiring } from '../wiring';
import type { FieldLogLevelSetting } from '../settings';
import { MarkWebAcl } from './waf';
import { MARK_API_AUTHORIZATION, type AuthMode } from '../auth';

/** One bundle as appsync-local's `buildApi` (packages/appsync-local) reports it (a type-only import: no esbuild at runtime). */
export type CodeBundle = Pick<BuiltCode, 'kind' | 'name' | 'file' | 'size'>;

export interface MarkGraphqlApiProps {
  /** the API's name in AppSync */
  name: string;
  wiring: MarkApiWiring;
  bundles: readonly CodeBundle[];
  /** by logicalName */
  tables: Record<string, dynamodb.ITable>;
  /** by logicalName: gives each table its ctx.env variable */
  tableDefinitions: Record<string, TableDefinition>;
  fieldLogLevel: FieldLogLevelSetting;
  /** a fixed date (infra/settings.ts apiKeyExpires), so a deploy does not move it */
  apiKeyExpires: Date;
  /** a new generation is a new key resource, so a new value (infra/settings.ts apiKeyGeneration) */
  apiKeyGeneration: number;
  logRetention: logs.RetentionDays;
  /** AppSync queryDepthLimit (0: none) */
  queryDepthLimit: number;
  /** AppSync resolverCountLimit (0: AppSync's default) */
  resolverCountLimit: number;
  introspection: boolean;
  /** a WAF web ACL in front of the API (infra/settings.ts waf) */
  waf: boolean;
  /** the WAF rate-based rule's limit per client IP and 5 minutes */
  wafRateLimitPer5Minutes: number;
  /** the pool whose tokens the API accepts, and the one app client it accepts them for */
  userPool: cognito.IUserPool;
  userPoolClient: cognito.IUserPoolClient;
}

/** AppSync names (data sources, functions) allow only [_A-Za-z][_0-9A-Za-z]*. */
const safe = (name: string) => name.replace(/[^_0-9A-Za-z]/g, '_');

export class MarkGraphqlApi extends Construct {
  readonly api: appsync.GraphqlApi;
  readonly apiKey: appsync.CfnApiKey;
  readonly dataSources: Record<string, appsync.BaseDataSource> = {};
  readonly functions: Record<string, appsync.AppsyncFunction> = {};
  readonly resolvers: Record<string, appsync.Resolver> = {};
  readonly webAcl?: MarkWebAcl;

  constructor(scope: Construct, id: string, props: MarkGraphqlApiProps) {
    super(scope, id);
    const { wiring } = props;
    const bundleOf = (kind: 'resolver' | 'function', name: string): appsync.Code => {
      const bundle = props.bundles.find((b) => b.kind === kind && b.name === name);
      if (!bundle) throw new Error(`no ${kind} bundle for ${name}: run the build (npm run build) over ${wiring.file}`);
      return appsync.Code.fromAsset(bundle.file);
    };

    // The key's construct id carries its generation (generation 1 keeps the original id, so
    // adopting this setting replaces nothing); a new id is a new CloudFormation resource.
    const keyName = props.apiKeyGeneration === 1 ? 'Default' : `Generation${props.apiKeyGeneration}`;
    const modeOf = (mode: AuthMode): appsync.AuthorizationMode => {
      switch (mode) {
        case 'AMAZON_COGNITO_USER_POOLS':
          // appIdClientRegex: tokens of this app client only (the local endpoint checks the same)
          return {
            authorizationType: appsync.AuthorizationType.USER_POOL,
            userPoolConfig: { userPool: props.userPool, appIdClientRegex: `^${props.userPoolClient.userPoolClientId}$`, defaultAction: appsync.UserPoolDefaultAction.ALLOW },
          };
        case 'API_KEY':
          // A fixed date from cdk.json: Expiration.after() counted from synth time, so every deploy
          // pushed the expiry out again and no two synths agreed.
          return {
            authorizationType: appsync.AuthorizationType.API_KEY,
            apiKeyConfig: { name: keyName, description: `${props.name} public key, generation ${props.apiKeyGeneration}`, expires: Expiration.atDate(props.apiKeyExpires) },
          };
        case 'AWS_IAM':
          return { authorizationType: appsync.AuthorizationType.IAM };
      }
    };
    this.api = new appsync.GraphqlApi(this, 'Api', {
      name: props.name,
      // AWS scalars and directives are built into AppSync: the file goes in as it is.
      definition: appsync.Definition.fromFile(wiring.schemaFile),
      authorizationConfig: {
        defaultAuthorization: modeOf(MARK_API_AUTHORIZATION.defaultMode),
        additionalAuthorizationModes: MARK_API_AUTHORIZATION.additionalModes.map(modeOf),
      },
      logConfig: {
        fieldLogLevel: appsync.FieldLogLevel[props.fieldLogLevel],
        // Marks carry names and addresses: the verbose content (headers, ctx, evaluated code and
        // results) stays out of the logs, even at ALL.
        excludeVerboseContent: true,
        // set on /aws/appsync/apis/<apiId> by the construct's log-retention helper
        retention: props.logRetention,
      },
      xrayEnabled: true,
      queryDepthLimit: props.queryDepthLimit,
      resolverCountLimit: props.resolverCountLimit,
      introspectionConfig: props.introspection ? appsync.IntrospectionConfig.ENABLED : appsync.IntrospectionConfig.DISABLED,
      // ctx.env: the physical table names, under the same keys the local runtime uses
      environmentVariables: Object.fromEntries(
        Object.entries(props.tableDefinitions).map(([logicalName, def]) => [def.envVar, props.tables[logicalName].tableName]),
      ),
    });
    this.apiKey = this.api.node.findChild(`${keyName}ApiKey`) as appsync.CfnApiKey;
    // GraphqlApi sets the retention of its log group with the LogRetention custom resource, a
    // singleton Lambda function at the stack's root whose role these acknowledgements are on.
    const logRetentionRole = Stack.of(this).node.children.find((c) => /^LogRetention[0-9a-f]{32}$/.test(c.node.id))?.node.findChild('ServiceRole');
    if (logRetentionRole) {
      Validations.of(logRetentionRole).acknowledge(
        {
          id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason: 'The CDK log-retention helper writes only its own logs through this policy (logs:CreateLogGroup, CreateLogStream, PutLogEvents).',
        },
        {
          id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
          reason:
            'The CDK log-retention helper, a stack-wide singleton whose policy CDK writes with Resource "*": its only actions are ' +
            'logs:PutRetentionPolicy and DeleteRetentionPolicy, so it can change how long logs are kept but never read or write them.',
        },
      );
    }
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions::AwsSolutions-ASC3',
      reason:
        'Request-level logging is on (LogConfig with a role, FieldLogLevel from the apiLogLevel setting); only excludeVerboseContent is true, ' +
        'on purpose: verbose content is request headers, ctx and results, which carry names and addresses (docs/PRIVACY.md).',
    });
    Validations.of(this.api.node.findChild('ApiLogsRole')).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSAppSyncPushToCloudWatchLogs]',
      reason:
        'The role only appsync.amazonaws.com may assume, to write the API\'s own logs; the managed policy allows only ' +
        'logs:CreateLogGroup, CreateLogStream and PutLogEvents: it can add log lines, never read logs or touch data.',
    });

    if (props.waf) this.webAcl = new MarkWebAcl(this, 'Firewall', { name: props.name, rateLimitPer5Minutes: props.wafRateLimitPer5Minutes, apiArn: this.api.arn });

    for (const [name, ds] of Object.entries(wiring.dataSources)) {
      switch (ds.type) {
        case 'AMAZON_DYNAMODB': {
          if (!ds.actions) throw new Error(`data source ${name}: no "actions" in ${wiring.file}; a deployed role is granted exactly those`);
          const table = this.table(props, ds.table, `data source ${name}`);
          const source = new ExactDynamoDbDataSource(this.api, safe(name), { api: this.api, name: safe(name), table });
          grantExactly(source, ds.actions, (logicalName) => this.table(props, logicalName, `data source ${name} actions`));
          this.dataSources[name] = source;
          break;
        }
        case 'NONE':
          this.dataSources[name] = this.api.addNoneDataSource(safe(name), { name: safe(name) });
          break;
        default:
          // AWS_LAMBDA data sources point at local modules for test APIs; nothing to deploy.
          throw new Error(`data source ${name}: type ${(ds as { type: string }).type} is local-only and cannot be deployed`);
      }
    }

    for (const [name, fn] of Object.entries(wiring.functions)) {
      this.functions[name] = new appsync.AppsyncFunction(this, `Function_${safe(name)}`, {
        api: this.api,
        name: safe(name),
        dataSource: this.dataSources[fn.dataSource],
        runtime: appsync.FunctionRuntime.JS_1_0_0,
        code: bundleOf('function', name),
      });
    }

    for (const [field, r] of Object.entries(wiring.resolvers)) {
      const [typeName, fieldName] = field.split('.');
      const code = bundleOf('resolver', field);
      this.resolvers[field] = new appsync.Resolver(this, `Resolver_${typeName}_${fieldName}`, {
        api: this.api,
        typeName,
        fieldName,
        runtime: appsync.FunctionRuntime.JS_1_0_0,
        code,
        ...(r.pipeline ? { pipelineConfig: r.pipeline.map((fn) => this.functions[fn]) } : { dataSource: this.dataSources[r.dataSource] }),
      });
    }
  }

  private table(props: MarkGraphqlApiProps, logicalName: string, where: string): dynamodb.ITable {
    const table = props.tables[logicalName];
    if (!table) throw new Error(`${where}: no table ${logicalName} in infra/tables.ts`);
    return table;
  }
}

/**
 * A DynamoDB data source whose role gets no grant of its own: addDynamoDbDataSource (and
 * DynamoDbDataSource) give the role read/write on the whole table, DeleteItem, UpdateItem,
 * BatchWriteItem and Scan included. The event store is append-only to the API, so the role is
 * given exactly the wiring's actions instead (grantExactly).
 */
class ExactDynamoDbDataSource extends appsync.BackedDataSource {
  constructor(scope: Construct, id: string, props: appsync.BackedDataSourceProps & { table: dynamodb.ITable }) {
    super(scope, id, props, {
      type: 'AMAZON_DYNAMODB',
      dynamoDbConfig: { tableName: props.table.tableName, awsRegion: props.table.env.region },
    });
  }
}

/** One statement per table or index the wiring names, with the DynamoDB actions listed for it. */
function grantExactly(source: appsync.BackedDataSource, access: DataSourceAccess, tableOf: (logicalName: string) => dynamodb.ITable): void {
  for (const [target, actions] of Object.entries(access)) {
    const [logicalName, index] = target.split('/index/');
    const table = tableOf(logicalName);
    source.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: actions.map((a) => `dynamodb:${a}`),
        resources: [index ? `${table.tableArn}/index/${index}` : table.tableArn],
      }),
    );
  }
}
