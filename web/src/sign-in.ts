/**
 * Signing a user in with aws-amplify v6: the one place that decides how, for every client of the
 * API (the web client, npm run smoke).
 */
import { signIn } from 'aws-amplify/auth';

/**
 * Amplify's defaults, as a client of Cognito writes them: no authFlowType, so USER_SRP_AUTH — the
 * password never leaves the client, and the local pool speaks SRP as Cognito does.
 * Signs the user in, or fails saying at which step Cognito stopped (a new password, MFA...).
 */
export async function signInWithPassword(username: string, password: string): Promise<void> {
  const result = await signIn({ username, password });
  if (!result.isSignedIn) throw new Error(`sign-in of ${username} is not complete: Cognito asks for ${result.nextStep.signInStep}`);
}
