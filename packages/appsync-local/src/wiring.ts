/**
 * The wiring description of an API: which field has which resolver (unit or pipeline), which
 * pipeline functions exist and which data source each uses. It is JSON beside the resolver code it
 * wires; code is found by name: resolver `Type.field` is `<dir>/Type.field.ts` or `.js`, function
 * `name` is `<dir>/functions/name.ts` or `.js`, where `<dir>` is the folder of the wiring file. A
 * resolver or function may instead name its file (`code`, relative to the wiring file), as a
 * template's resolvers do (template/): TypeScript or plain ESM JavaScript, as AppSync takes it.
 *
 * Data sources name their DynamoDB tables by a name of the API's own choosing (`table`); the API
 * says which physical table each name is when it starts (AppSyncLocalOptions.tables), as a
 * deployment does. Members this package does not read (an IAM `actions` list, say) are kept as
 * they are for the API's own tools.
 * Plain data and node:fs only.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export type DataSourceDefinition =
  | {
      type: 'AMAZON_DYNAMODB';
      /** the table's name in the API's table map (AppSyncLocalOptions.tables) */
      table: string;
      /** other tables (names in the same map) this data source may use, e.g. in a transaction */
      grants?: string[];
    }
  | { type: 'NONE' }
  /** "relative/path.ts#exportName", relative to the wiring file: a Lambda handler run in process */
  | { type: 'AWS_LAMBDA'; handler: string }
  /** CloudFormation's AWS::AppSync::DataSource HttpConfig */
  | { type: 'HTTP'; endpoint: string; authorizationConfig?: HttpAuthorizationConfig };

/** HttpConfig.AuthorizationConfig: AWS_IAM signs every request with SigV4. */
export interface HttpAuthorizationConfig {
  authorizationType: 'AWS_IAM';
  awsIamConfig?: { signingRegion?: string; signingServiceName?: string };
}

export interface FunctionDefinition {
  dataSource: string;
  /** the function's code file (.ts or .js), relative to the wiring file; by default functions/<name>.ts or .js */
  code?: string;
}

export type ResolverDefinition = (
  | { dataSource: string; pipeline?: undefined }
  | { pipeline: string[]; dataSource?: undefined }
) & {
  /** the resolver's code file (.ts or .js), relative to the wiring file; by default Type.field.ts or .js */
  code?: string;
};

export interface Wiring<D extends DataSourceDefinition = DataSourceDefinition> {
  dataSources: Record<string, D>;
  functions: Record<string, FunctionDefinition>;
  /** key: "Type.field" */
  resolvers: Record<string, ResolverDefinition>;
}

export interface LoadedWiring<D extends DataSourceDefinition = DataSourceDefinition> extends Wiring<D> {
  /** absolute path of the wiring file */
  file: string;
  /** the folder holding the resolver code: <dir>/Type.field.ts, <dir>/functions/<name>.ts */
  codeDir: string;
  /** absolute path of the schema: the wiring's "schema" member (relative to it), or schema.graphql beside it */
  schemaFile: string;
  /** short name of the API (the wiring's "name", or its folder's name), used for build output folders */
  name: string;
}

/** Reads and checks a wiring file: every resolver names a known data source or known functions. */
export function loadWiring<D extends DataSourceDefinition = DataSourceDefinition>(file: string): LoadedWiring<D> {
  const absolute = resolve(file);
  const wiring = JSON.parse(readFileSync(absolute, 'utf8')) as Wiring<D> & { schema?: string; name?: string };
  const codeDir = dirname(absolute);
  const schemaFile = resolve(codeDir, wiring.schema ?? 'schema.graphql');
  const name = wiring.name ?? codeDir.split('/').pop()!;
  for (const [field, r] of Object.entries(wiring.resolvers)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/.test(field)) throw new Error(`wiring: "${field}" is not Type.field`);
    if (r.pipeline) {
      for (const fn of r.pipeline) if (!wiring.functions[fn]) throw new Error(`wiring: ${field} names unknown function ${fn}`);
    } else if (!wiring.dataSources[r.dataSource]) {
      throw new Error(`wiring: ${field} names unknown data source ${r.dataSource}`);
    }
  }
  for (const [fnName, f] of Object.entries(wiring.functions)) {
    if (!wiring.dataSources[f.dataSource]) throw new Error(`wiring: function ${fnName} names unknown data source ${f.dataSource}`);
  }
  for (const [name, entry] of [...Object.entries(wiring.resolvers), ...Object.entries(wiring.functions)]) {
    if (entry.code !== undefined && (typeof entry.code !== 'string' || !CODE_EXTENSIONS.some((ext) => entry.code!.endsWith(ext)))) {
      throw new Error(`wiring: ${name}: "code" must name a ${CODE_EXTENSIONS.join(' or ')} file, relative to the wiring file`);
    }
  }
  return { ...wiring, file: absolute, codeDir, schemaFile, name };
}

/** Resolver and function code: TypeScript, or plain JavaScript (ESM) as AppSync takes it. */
export const CODE_EXTENSIONS = ['.ts', '.js'] as const;

/** The file named by `code`, or the first of <base>.ts, <base>.js that exists (<base>.ts when neither does, for the error). */
function codeFile(codeDir: string, code: string | undefined, base: string): string {
  if (code) return resolve(codeDir, code);
  const candidates = CODE_EXTENSIONS.map((ext) => join(codeDir, `${base}${ext}`));
  const found = candidates.filter((file) => existsSync(file));
  if (found.length > 1) throw new Error(`wiring: both ${found.join(' and ')} exist: keep one, or name it with "code"`);
  return found[0] ?? candidates[0];
}

export function resolverSourceFile(wiring: Pick<LoadedWiring, 'codeDir' | 'resolvers'>, field: string): string {
  return codeFile(wiring.codeDir, wiring.resolvers[field]?.code, field);
}

export function functionSourceFile(wiring: Pick<LoadedWiring, 'codeDir' | 'functions'>, name: string): string {
  return codeFile(wiring.codeDir, wiring.functions[name]?.code, join('functions', name));
}
