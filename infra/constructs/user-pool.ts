/**
 * The API's users: a Cognito user pool where purchasers sign themselves up (email verified with
 * a code) and staff are added to their groups by administrators, one app client for the web and
 * mobile apps (public: no secret), and a group per role of resolvers/lib/roles.ts. The local
 * stack stands in for it with packages/appsync-local's user pool (same groups, same client-side
 * flows, same treatment of names: infra/auth.ts's MARK_API_USER_POOL_BEHAVIOUR).
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { DATA_PROTECTION_GROUP, STAFF_GROUP } from '../../resolvers/lib/roles';
import { MARK_API_USER_POOL_BEHAVIOUR } from '../auth';
import type { CognitoFeaturePlan } from '../settings';

export interface MarkUserPoolProps {
  /** keep the pool (and its users) when the stack is deleted */
  retain: boolean;
  /** Cognito's feature plan (infra/settings.ts cognitoFeaturePlan): threat protection is enforced with PLUS */
  featurePlan: CognitoFeaturePlan;
  /**
   * Origins of the web client (its CloudFront URL): the app client's only callback and sign-out
   * URLs. The web client signs in with SRP over the Cognito API and uses no redirect, but an app
   * client with OAuth flows needs some, and CDK's default is https://example.com.
   */
  webOrigins: readonly string[];
  /** send the pool's email through SES from this verified identity instead of Cognito's 50-a-day sender */
  sesFromEmail?: string;
  sesRegion?: string;
}

/** Group name → what membership grants (the matrix is docs/AUTHORIZATION.md). */
export const ROLE_GROUPS: Record<string, string> = {
  [STAFF_GROUP]: 'Registry staff: every command and every read',
  [DATA_PROTECTION_GROUP]: 'Data protection officers: forgetMark and the reads it needs',
};

export class MarkUserPool extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  readonly groups: Record<string, cognito.CfnUserPoolGroup> = {};

  constructor(scope: Construct, id: string, props: MarkUserPoolProps) {
    super(scope, id);
    this.userPool = new cognito.UserPool(this, 'Users', {
      selfSignUpEnabled: true,
      signInAliases: { username: true, email: true },
      // Staff, STAFF and staff are one user. Cognito fixes this when the pool is created
      // ("Updating user pool and app client configuration": to change it, create a new pool);
      // CloudFormation's schema does not mark UsernameConfiguration create-only, so changing it
      // here would not replace the deployed pool either: a new pool and a migration of its users.
      signInCaseSensitive: MARK_API_USER_POOL_BEHAVIOUR.signInCaseSensitive,
      autoVerify: { email: true },
      userVerification: { emailStyle: cognito.VerificationEmailStyle.CODE },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: { minLength: 8, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      // With PLUS, threat protection (compromised credentials, adaptive authentication) enforced,
      // not audited; LITE and ESSENTIALS have none (a development stage's cheaper default).
      featurePlan: cognito.FeaturePlan[props.featurePlan],
      ...(props.featurePlan === 'PLUS' ? { standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION } : {}),
      ...(props.sesFromEmail ? { email: cognito.UserPoolEmail.withSES({ fromEmail: props.sesFromEmail, sesRegion: props.sesRegion }) } : {}),
      deletionProtection: props.retain,
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // cdk-nag's AwsSolutions-COG2 asks for MFA required. Acknowledged on this pool only: purchasers
    // sign themselves up from the apps and may opt in to TOTP (mfa OPTIONAL, checkable in the
    // template); requiring it would block self sign-up. Roles come only from groups an
    // administrator grants, and threat protection is enforced (AdvancedSecurityMode ENFORCED).
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions::AwsSolutions-COG2',
      reason: 'MFA is OPTIONAL (TOTP opt-in) so purchasers can sign themselves up; roles are granted only by administrators through groups, and (feature plan PLUS, production\'s default) threat protection is ENFORCED',
    });
    if (props.featurePlan !== 'PLUS') {
      const reason = `Feature plan ${props.featurePlan}, a development stage's cheaper default (-c cognitoFeaturePlan): threat protection needs PLUS, which a production stage has by default (README "Deploy to AWS")`;
      Validations.of(this.userPool).acknowledge({ id: 'AwsSolutions::AwsSolutions-COG3', reason }, { id: 'AwsSolutions::AwsSolutions-COG8', reason });
    }
    this.client = this.userPool.addClient('WebAndMobile', {
      // a public client: the web and mobile apps cannot keep a secret
      generateSecret: false,
      // SRP is Amplify's default (the local pool speaks it too); USER_PASSWORD_AUTH is the
      // console's, over TLS in AWS
      authFlows: { userSrp: true, userPassword: true },
      // an unknown user is answered as a wrong password: sign-in does not tell who has an account
      preventUserExistenceErrors: MARK_API_USER_POOL_BEHAVIOUR.preventUserExistenceErrors,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      enableTokenRevocation: true,
      // the code grant only (implicit is for browsers without PKCE), back to the web client alone
      oAuth: {
        flows: { authorizationCodeGrant: true },
        callbackUrls: props.webOrigins.map((o) => `${o}/`),
        logoutUrls: props.webOrigins.map((o) => `${o}/`),
      },
    });
    for (const [groupName, description] of Object.entries(ROLE_GROUPS)) {
      this.groups[groupName] = new cognito.CfnUserPoolGroup(this, `Group_${groupName}`, { userPoolId: this.userPool.userPoolId, groupName, description });
    }
  }
}
