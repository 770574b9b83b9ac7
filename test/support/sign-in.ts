/**
 * Signing in to a user pool as a client does, for the integration tests: InitiateAuth over the
 * pool's Cognito Identity Provider API with the AWS SDK, once per user, the tokens kept until they
 * near their expiry and then renewed with the refresh token (REFRESH_TOKEN_AUTH), as Amplify
 * renews them ("Refresh tokens", Amazon Cognito developer guide,
 * https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-refresh-token.html).
 * A request then carries a real token that the endpoint verifies, never a synthetic identity.
 *
 * The sign-in flow lives in `signIn` alone: USER_PASSWORD_AUTH, one of the flows the app client
 * allows in AWS and locally, and the cheapest for a test helper. SRP, Amplify's default, is what
 * the clients use; it is tested with Amplify itself (test/realtime-amplify.test.ts, the smoke).
 */
import { CognitoIdentityProviderClient, InitiateAuthCommand, type AuthenticationResultType } from '@aws-sdk/client-cognito-identity-provider';

export interface UserCredentials {
  username: string;
  password: string;
}

export interface SignedIn {
  accessToken: string;
  idToken: string;
  refreshToken: string;
  /** epoch milliseconds, by the client's clock when the tokens arrived */
  expiresAt: number;
}

export interface SignInsOptions {
  /** the pool's Cognito endpoint (the SDK's `endpoint`) */
  endpoint: string;
  clientId: string;
  region: string;
  /** renew tokens this long before they expire; 5 minutes by default */
  renewBeforeMs?: number;
  /** the client's clock */
  now?: () => number;
}

/** The pool's answer as tokens; `refreshToken` is kept from the sign-in (a refresh returns none). */
function signedIn(result: AuthenticationResultType | undefined, refreshToken: string | undefined, now: number): SignedIn {
  if (!result?.AccessToken || !result.IdToken || !result.ExpiresIn || !(result.RefreshToken ?? refreshToken)) {
    throw new Error(`the user pool answered without tokens: ${JSON.stringify(result)}`);
  }
  return { accessToken: result.AccessToken, idToken: result.IdToken, refreshToken: (result.RefreshToken ?? refreshToken)!, expiresAt: now + result.ExpiresIn * 1000 };
}

/** One sign-in with the user's password: the flow a client runs (USER_PASSWORD_AUTH). */
async function signIn(client: CognitoIdentityProviderClient, clientId: string, user: UserCredentials, now: number): Promise<SignedIn> {
  const out = await client.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: user.username, PASSWORD: user.password } }));
  return signedIn(out.AuthenticationResult, undefined, now);
}

async function renew(client: CognitoIdentityProviderClient, clientId: string, previous: SignedIn, now: number): Promise<SignedIn> {
  const out = await client.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: previous.refreshToken } }));
  return signedIn(out.AuthenticationResult, previous.refreshToken, now);
}

/** The signed-in users of one pool: `tokens(user)` signs in at the first call and renews near expiry. */
export class SignIns {
  private readonly client: CognitoIdentityProviderClient;
  private readonly sessions = new Map<string, Promise<SignedIn>>();
  private readonly renewBeforeMs: number;
  private readonly now: () => number;
  /** InitiateAuth calls made so far, by flow: what the cache saves is countable */
  readonly calls = { signIn: 0, renew: 0 };

  constructor(private readonly options: SignInsOptions) {
    // InitiateAuth is unsigned in AWS; the SDK wants credentials all the same
    this.client = new CognitoIdentityProviderClient({ endpoint: options.endpoint, region: options.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    this.renewBeforeMs = options.renewBeforeMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Live tokens of the user; concurrent callers share one sign-in (or one renewal). */
  async tokens(user: UserCredentials): Promise<SignedIn> {
    const pending = this.sessions.get(user.username);
    if (!pending) return this.keep(user.username, this.first(user));
    const current = await pending;
    if (this.now() < current.expiresAt - this.renewBeforeMs) return current;
    // another caller may have started the renewal while this one waited
    if (this.sessions.get(user.username) !== pending) return this.tokens(user);
    return this.keep(user.username, this.renewed(user, current));
  }

  destroy(): void {
    this.client.destroy();
  }

  private keep(username: string, session: Promise<SignedIn>): Promise<SignedIn> {
    this.sessions.set(username, session);
    // a failed sign-in is not kept: the next call tries again
    session.catch(() => this.sessions.get(username) === session && this.sessions.delete(username));
    return session;
  }

  private first(user: UserCredentials): Promise<SignedIn> {
    this.calls.signIn += 1;
    return signIn(this.client, this.options.clientId, user, this.now());
  }

  private async renewed(user: UserCredentials, previous: SignedIn): Promise<SignedIn> {
    this.calls.renew += 1;
    try {
      return await renew(this.client, this.options.clientId, previous, this.now());
    } catch (err) {
      // a refresh token the pool no longer takes (Cognito: NotAuthorizedException): sign in again
      if ((err as { name?: string }).name !== 'NotAuthorizedException') throw err;
      return this.first(user);
    }
  }
}
