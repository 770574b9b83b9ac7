/**
 * The AppSync GraphQL API: schema.graphql as is, API key (default) and IAM auth, logging and
 * X-Ray, and every data source, pipeline function and resolver made by a loop over the wiring
 * description, with the code of the bundles local/build produced — the very files the local
 * runtime executes.
 */
import { Duration, Expiration } from 'aws-cdk-lib';
import * as appsync from 'aws-cdk-lib/aws-appsync';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { BuiltCode } from '../../local/build/build-resolvers';
import type { TableDefinition } from '../tables';
import type { LoadedWiring } from '../wiring';
import type { FieldLogLevelSetting } from '../settings';

/** One bundle as local/build/build-resolvers.ts `buildApi` reports it (a type-only import: no esbuild at runtime). */
export type CodeBundle = Pick<BuiltCode, 'kind' | 'name' | 'file' | 'size'>;

export interface MarkGraphqlApiProps {
  /** the API's name in AppSync */
  name: string;
  wiring: LoadedWiring;
  bundles: readonly CodeBundle[];
  /** by logicalName */
  tables: Record<string, dynamodb.ITable>;
  /** by logicalName: gives each table its ctx.env variable */
  tableDefinitions: Record<string, TableDefinition>;
  fieldLogLevel: FieldLogLevelSetting;
  apiKeyDays: number;
  logRetention: logs.RetentionDays;
}

/** AppSync names (data sources, functions) allow only [_A-Za-z][_0-9A-Za-z]*. */
const safe = (name: string) => name.replace(/[^_0-9A-Za-z]/g, '_');

export class MarkGraphqlApi extends Construct {
  readonly api: appsync.GraphqlApi;
  readonly apiKey: appsync.CfnApiKey;
  readonly dataSources: Record<string, appsync.BaseDataSource> = {};
  readonly functions: Record<string, appsync.AppsyncFunction> = {};
  readonly resolvers: Record<string, appsync.Resolver> = {};

  constructor(scope: Construct, id: string, props: MarkGraphqlApiProps) {
    super(scope, id);
    const { wiring } = props;
    const bundleOf = (kind: 'resolver' | 'function', name: string): appsync.Code => {
      const bundle = props.bundles.find((b) => b.kind === kind && b.name === name);
      if (!bundle) throw new Error(`no ${kind} bundle for ${name}: run the build (local/build/build-resolvers.ts) over ${wiring.file}`);
      return appsync.Code.fromAsset(bundle.file);
    };

    this.api = new appsync.GraphqlApi(this, 'Api', {
      name: props.name,
      // AWS scalars and directives are built into AppSync: the file goes in as it is.
      definition: appsync.Definition.fromFile(wiring.schemaFile),
      authorizationConfig: {
        defaultAuthorization: {
          authorizationType: appsync.AuthorizationType.API_KEY,
          // counted from synth time, so every deploy pushes the expiry out again
          apiKeyConfig: { description: `${props.name} default key`, expires: Expiration.after(Duration.days(props.apiKeyDays)) },
        },
        additionalAuthorizationModes: [{ authorizationType: appsync.AuthorizationType.IAM }],
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
      // ctx.env: the physical table names, under the same keys the local runtime uses
      environmentVariables: Object.fromEntries(
        Object.entries(props.tableDefinitions).map(([logicalName, def]) => [def.envVar, props.tables[logicalName].tableName]),
      ),
    });
    this.apiKey = this.api.node.findChild('DefaultApiKey') as appsync.CfnApiKey;

    for (const [name, ds] of Object.entries(wiring.dataSources)) {
      switch (ds.type) {
        case 'AMAZON_DYNAMODB': {
          const table = this.table(props, ds.table, `data source ${name}`);
          // grants read/write data on its own table (and indexes) to the data source's role
          const source = this.api.addDynamoDbDataSource(safe(name), table, { name: safe(name) });
          // a transaction spans tables: the role may use exactly the ones the wiring names
          for (const other of ds.grants ?? []) this.table(props, other, `data source ${name} grants`).grantReadWriteData(source);
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
