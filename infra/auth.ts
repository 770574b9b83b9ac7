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
