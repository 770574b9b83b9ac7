/**
 * Signing a user in with aws-amplify v6: the one place that picks the Cognito flow, for every
 * client of the API (the web client, npm run smoke).
 */
import { signIn } from 'aws-amplify/auth';

/**
 * USER_PASSWORD_AUTH, which the local user pool speaks (and the deployed app client allows, over
 * TLS). Once the local pool speaks SRP, this becomes Amplify's default 'USER_SRP_AUTH', which
 * keeps the password off the wire.
 */
export const SIGN_IN_FLOW = 'USER_PASSWORD_AUTH' as const;

/** Signs the user in, or fails saying at which step Cognito stopped (a new password, MFA...). */
export async function signInWithPassword(username: string, password: string): Promise<void> {
  const result = await signIn({ username, password, options: { authFlowType: SIGN_IN_FLOW } });
  if (!result.isSignedIn) throw new Error(`sign-in of ${username} is not complete: Cognito asks for ${result.nextStep.signInStep}`);
}
