/**
 * The schema's auth directives, enforced as AppSync enforces them on an API with several
 * authorization modes ("Configuring authorization and authentication to secure your GraphQL
 * APIs", section "Using additional authorization modes",
 * https://docs.aws.amazon.com/appsync/latest/devguide/security-authz.html):
 *
 * - a field's own directives decide for it; without any, its type's directives; without any
 *   there either, only the API's default mode may reach it;
 * - directives replace, they do not add: a type that names other modes is closed to the default
 *   mode unless it names that mode too;
 * - `@aws_cognito_user_pools(cognito_groups: [...])` (and the older `@aws_auth`) admit only
 *   users in one of the groups; without the argument, any user of the pool;
 * - a field the caller may not reach resolves to null with
 *   `Not Authorized to access <field> on type <Type>`, errorType `Unauthorized`.
 */
import { Kind, type ConstDirectiveNode, type GraphQLNamedType, type GraphQLSchema } from 'graphql';
import type { AuthMode, AuthorizationModes, Caller } from './auth';

interface Rule {
  mode: AuthMode | 'OPENID_CONNECT' | 'AWS_LAMBDA';
  /** Cognito only: the caller must be in one of these */
  groups?: string[];
}

const DIRECTIVE_MODES: Record<string, Rule['mode']> = {
  aws_api_key: 'API_KEY',
  aws_iam: 'AWS_IAM',
  aws_cognito_user_pools: 'AMAZON_COGNITO_USER_POOLS',
  aws_auth: 'AMAZON_COGNITO_USER_POOLS',
  aws_oidc: 'OPENID_CONNECT',
  aws_lambda: 'AWS_LAMBDA',
};

function rulesOf(directives: readonly ConstDirectiveNode[] | undefined): Rule[] | undefined {
  const rules: Rule[] = [];
  for (const directive of directives ?? []) {
    const mode = DIRECTIVE_MODES[directive.name.value];
    if (!mode) continue;
    const groups = directive.arguments?.find((a) => a.name.value === 'cognito_groups')?.value;
    const list = groups?.kind === Kind.LIST ? groups.values.flatMap((v) => (v.kind === Kind.STRING ? [v.value] : [])) : groups?.kind === Kind.STRING ? [groups.value] : undefined;
    rules.push(list ? { mode, groups: list } : { mode });
  }
  return rules.length ? rules : undefined;
}

export interface FieldAccess {
  /** may this caller reach Type.field? */
  allows(typeName: string, fieldName: string, caller: Caller): boolean;
  /** the rules that apply to Type.field (for tests and the console) */
  rulesFor(typeName: string, fieldName: string): readonly Rule[];
}

export const unauthorizedMessage = (fieldName: string, typeName: string) => `Not Authorized to access ${fieldName} on type ${typeName}`;
export const UNAUTHORIZED_ERROR_TYPE = 'Unauthorized';

export function fieldAccess(schema: GraphQLSchema, modes: AuthorizationModes): FieldAccess {
  const enabled = new Set<string>([modes.defaultMode, ...modes.additionalModes]);
  const defaultRules: Rule[] = [{ mode: modes.defaultMode }];
  const cache = new Map<string, Rule[]>();

  const typeRules = (type: GraphQLNamedType | undefined): Rule[] | undefined => {
    if (!type?.astNode) return undefined;
    const nodes = [type.astNode, ...(type.extensionASTNodes ?? [])];
    const all = nodes.flatMap((n) => rulesOf(n.directives) ?? []);
    return all.length ? all : undefined;
  };

  const rulesFor = (typeName: string, fieldName: string): Rule[] => {
    const key = `${typeName}.${fieldName}`;
    let rules = cache.get(key);
    if (!rules) {
      const type = schema.getType(typeName);
      const field = type && 'getFields' in type ? type.getFields()[fieldName] : undefined;
      rules = rulesOf(field?.astNode?.directives) ?? typeRules(type) ?? defaultRules;
      cache.set(key, rules);
    }
    return rules;
  };

  return {
    rulesFor,
    allows(typeName, fieldName, caller) {
      // Introspection's meta-fields belong to no type of the schema's own.
      if (fieldName.startsWith('__')) return true;
      return rulesFor(typeName, fieldName).some((rule) => {
        if (rule.mode !== caller.mode || !enabled.has(rule.mode)) return false;
        if (caller.mode !== 'AMAZON_COGNITO_USER_POOLS' || !rule.groups) return true;
        const groups = caller.identity.groups ?? [];
        return rule.groups.some((g) => groups.includes(g));
      });
    },
  };
}
