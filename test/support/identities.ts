/**
 * ctx.identity values in AppSync's documented shapes ("Resolver context object reference",
 * Identity), as inputs of the unit tests of the pure domain functions (resolvers/lib/authorize.ts,
 * the personal-data rules), which take an identity as an argument and run no endpoint. Integration
 * tests never use them: they call the endpoint with real credentials (test/support/stack.ts).
 */
import { DATA_PROTECTION_GROUP, STAFF_GROUP } from '../../resolvers/lib/roles';

const ISSUER = 'https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_local';

function userPoolIdentity(sub: string, username: string, groups: string[] | null) {
  return {
    sub,
    issuer: ISSUER,
    username,
    claims: { sub, iss: ISSUER, 'cognito:username': username, token_use: 'id', ...(groups ? { 'cognito:groups': groups } : {}) },
    sourceIp: ['127.0.0.1'],
    defaultAuthStrategy: 'ALLOW',
    groups,
  };
}

/** API key: AppSync gives no identity. */
export const PUBLIC = null;
export const PURCHASER_A = userPoolIdentity('0b5e8c1a-1111-4a6b-9c1d-aaaaaaaaaaaa', 'purchaser-a', null);
export const PURCHASER_B = userPoolIdentity('0b5e8c1a-2222-4a6b-9c1d-bbbbbbbbbbbb', 'purchaser-b', null);
export const STAFF = userPoolIdentity('0b5e8c1a-3333-4a6b-9c1d-cccccccccccc', 'registry-staff', [STAFF_GROUP]);
export const DATA_PROTECTION = userPoolIdentity('0b5e8c1a-4444-4a6b-9c1d-dddddddddddd', 'data-protection', [DATA_PROTECTION_GROUP]);
export const IAM_SERVICE = {
  accountId: '123456789012',
  cognitoIdentityPoolId: null,
  cognitoIdentityId: null,
  sourceIp: ['10.0.0.1'],
  username: 'AROAEXAMPLE:back-office',
  userArn: 'arn:aws:sts::123456789012:assumed-role/back-office/back-office',
  cognitoIdentityAuthType: null,
  cognitoIdentityAuthProvider: null,
};

export const IDENTITIES = { public: PUBLIC, purchaserA: PURCHASER_A, purchaserB: PURCHASER_B, staff: STAFF, dataProtection: DATA_PROTECTION, iam: IAM_SERVICE };
export type Role = keyof typeof IDENTITIES;
