/**
 * Signing a user in with aws-amplify v6: the one place that picks the Cognito flow, for every
 * client of the API (the web client, npm run smoke).
 */
import { signIn } from 'aws-amplify/auth';

/**
 * Amplify's default, USER_SRP_AUTH: the password never leaves the client (the local pool speaks SRP
 * as Cognito does). 'USER_PASSWORD_AUTH' would send it, over TLS, to a pool that allows it.
 */
export const SIGN_IN_FLOW = 'USER_SRP_AUTH' as const;

/** Signs the user in, or fails saying at which step Cognito stopped (a new password, MFA...). */
export async function signInWithPassword(username: string, password: string): Promise<void> {
  const result = await signIn({ username, password, options: { authFlowType: SIGN_IN_FLOW } });
  if (!result.isSignedIn) throw new Error(`sign-in of ${username} is not complete: Cognito asks for ${result.nextStep.signInStep}`);
}
