/**
 * The API's authorization modes, in one home: the CDK construct configures AppSync with them and
 * the local endpoint enforces them. Default Cognito user pools (signed-in users: purchasers,
 * staff, data protection); API key for the public storefront's reads; IAM for back-office
 * services, which act as staff.
 */
export type AuthMode = 'AMAZON_COGNITO_USER_POOLS' | 'API_KEY' | 'AWS_IAM';

export interface AuthorizationModes {
  defaultMode: AuthMode;
  additionalModes: readonly AuthMode[];
}

export const MARK_API_AUTHORIZATION: AuthorizationModes = {
  defaultMode: 'AMAZON_COGNITO_USER_POOLS',
  additionalModes: ['API_KEY', 'AWS_IAM'],
};

/** An API that knows only API keys (the test fixtures' small APIs). */
export const API_KEY_ONLY: AuthorizationModes = { defaultMode: 'API_KEY', additionalModes: [] };
