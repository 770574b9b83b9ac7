/**
 * The API's authorization modes, in one home: the CDK construct configures AppSync with them and
 * the local endpoint (packages/appsync-local) enforces them. Default Cognito user pools (signed-in
 * users: purchasers, staff, data protection); API key for the public storefront's reads; IAM for
 * back-office services, which act as staff.
 */
import type { AuthorizationModes } from 'appsync-local';

export type { AuthMode, AuthorizationModes } from 'appsync-local';

export const MARK_API_AUTHORIZATION: AuthorizationModes = {
  defaultMode: 'AMAZON_COGNITO_USER_POOLS',
  additionalModes: ['API_KEY', 'AWS_IAM'],
};

/**
 * How the user pool treats names, in one home: infra/constructs/user-pool.ts creates the Cognito
 * pool and app client with it and local/users.ts gives it to the local pool. Usernames are one
 * namespace whatever their case (AWS's recommendation; Cognito fixes it when a pool is created, so
 * changing it means a new pool and a migration of its users), and sign-in does not tell which users exist.
 */
export const MARK_API_USER_POOL_BEHAVIOUR = {
  signInCaseSensitive: false,
  preventUserExistenceErrors: true,
} as const;
