/**
 * Who is calling, as AppSync decides it before any GraphQL runs, and what `ctx.identity` it then
 * gives resolvers ("Configuring authorization and authentication to secure your GraphQL APIs",
 * https://docs.aws.amazon.com/appsync/latest/devguide/security-authz.html; identity shapes from
 * "AWS AppSync JavaScript resolver context object reference",
 * https://docs.aws.amazon.com/appsync/latest/devguide/resolver-context-reference-js.html):
 *
 * - `Authorization: AWS4-HMAC-SHA256 ...` → IAM: the SigV4 signature is recomputed with the local
 *   credentials' secret and must match.
 * - any other `Authorization` → Cognito user pools: a JWT whose RS256 signature verifies against
 *   the pool's JWKS, whose issuer is the pool's, that has not expired, whose `token_use` is `id`
 *   or `access` and whose app client (`aud`, or `client_id` of an access token) is the API's.
 * - `x-api-key` → API key (ctx.identity is null: AppSync gives an API key caller no identity).
 *
 * A mode the API is not configured with is refused like a bad credential.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { createHash, timingSafeEqual } from 'node:crypto';

/** AppSync's authorization modes this endpoint enforces. */
export type AuthMode = 'AMAZON_COGNITO_USER_POOLS' | 'API_KEY' | 'AWS_IAM';

/** An API's modes, as AppSync configures them: one default, any additional. */
export interface AuthorizationModes {
  defaultMode: AuthMode;
  additionalModes: readonly AuthMode[];
}

export interface CognitoIdentity {
  sub: string;
  issuer: string;
  username: string;
  claims: JWTPayload;
  sourceIp: string[];
  defaultAuthStrategy: 'ALLOW';
  groups: string[] | null;
}

export interface IamIdentity {
  accountId: string;
  cognitoIdentityPoolId: null;
  cognitoIdentityId: null;
  sourceIp: string[];
  username: string;
  userArn: string;
  cognitoIdentityAuthType: null;
  cognitoIdentityAuthProvider: null;
}

export type Caller =
  | { mode: 'API_KEY'; identity: null }
  | { mode: 'AMAZON_COGNITO_USER_POOLS'; identity: CognitoIdentity }
  | { mode: 'AWS_IAM'; identity: IamIdentity };

export interface AuthRefusal {
  status: number;
  errorType: string;
  message: string;
}

export type AuthOutcome = { ok: true; caller: Caller } | ({ ok: false } & AuthRefusal);

export interface IamCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
  /** the principal's id as ctx.identity.username shows it */
  username: string;
  userArn: string;
}

export interface UserPoolTrust {
  /** <endpoint>/<poolId> */
  issuer: string;
  /** the app client whose tokens the API accepts (AppSync's appIdClientRegex, exactly) */
  clientId: string;
  /** the pool's JWKS: a URL (fetched and cached, as AppSync does) or a key lookup */
  jwks: URL | JWTVerifyGetKey;
}

export interface AuthConfig {
  modes: AuthorizationModes;
  apiKey?: string;
  userPool?: UserPoolTrust;
  iam?: IamCredentials;
  region?: string;
}

/** The request as far as authentication needs it. */
export interface AuthRequest {
  /** lower-cased names */
  headers: Record<string, string>;
  sourceIp: string;
  /** for SigV4: what was signed */
  method?: string;
  path?: string;
  body?: string;
}

export interface Authenticator {
  modes: AuthorizationModes;
  authenticate(request: AuthRequest): Promise<AuthOutcome>;
}

export const NOT_AUTHORIZED: AuthRefusal = { status: 401, errorType: 'UnauthorizedException', message: 'You are not authorized to make this call.' };
const NO_HEADER: AuthRefusal = { status: 401, errorType: 'UnauthorizedException', message: 'Valid authorization header not provided.' };
const UNPARSABLE: AuthRefusal = { status: 401, errorType: 'UnauthorizedException', message: 'Unable to parse JWT token.' };
const EXPIRED: AuthRefusal = { status: 401, errorType: 'UnauthorizedException', message: 'Token has expired.' };
const BAD_SIGNATURE: AuthRefusal = {
  status: 401,
  errorType: 'UnauthorizedException',
  message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
};

const refuse = (refusal: AuthRefusal): AuthOutcome => ({ ok: false, ...refusal });

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * How many verified user pool tokens the endpoint remembers. A token's signature, issuer and app
 * client cannot change, so what verifying it found holds until it expires; only tokens that passed
 * every check are kept (a refused one is checked again each time, as before), each until its `exp`
 * and never past it, the oldest dropped first when full, so that clients sending many tokens cost
 * memory no larger than this.
 */
export const VERIFIED_TOKENS_KEPT = 1_000;

type VerifiedIdentity = Omit<CognitoIdentity, 'sourceIp'>;

/** Verified tokens by their text, each with the identity it gave and when it expires (epoch ms). */
class VerifiedTokens {
  private readonly entries = new Map<string, { expiresAt: number; identity: VerifiedIdentity }>();

  constructor(private readonly capacity: number) {}

  get(token: string, now: number): VerifiedIdentity | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    // jose refuses a token once exp <= the current second: the same instant, so that an expired
    // token is verified again, and refused with "Token has expired." as before
    if (now >= entry.expiresAt) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.identity;
  }

  set(token: string, expiresAt: number, identity: VerifiedIdentity): void {
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, { expiresAt, identity });
  }
}

export function createAuthenticator(config: AuthConfig): Authenticator {
  const enabled = new Set<AuthMode>([config.modes.defaultMode, ...config.modes.additionalModes]);
  const keys = config.userPool ? (config.userPool.jwks instanceof URL ? createRemoteJWKSet(config.userPool.jwks) : config.userPool.jwks) : undefined;
  const region = config.region ?? 'us-east-1';
  const verified = new VerifiedTokens(VERIFIED_TOKENS_KEPT);

  const asUserPoolCaller = (identity: VerifiedIdentity, sourceIp: string): AuthOutcome => ({
    ok: true,
    // in the order AppSync gives ctx.identity's members
    caller: {
      mode: 'AMAZON_COGNITO_USER_POOLS',
      identity: { sub: identity.sub, issuer: identity.issuer, username: identity.username, claims: identity.claims, sourceIp: [sourceIp], defaultAuthStrategy: identity.defaultAuthStrategy, groups: identity.groups },
    },
  });

  async function viaUserPool(token: string, sourceIp: string): Promise<AuthOutcome> {
    if (!enabled.has('AMAZON_COGNITO_USER_POOLS') || !keys || !config.userPool) return refuse(NOT_AUTHORIZED);
    const known = verified.get(token, Date.now());
    if (known) return asUserPoolCaller(known, sourceIp);
    // AppSync reads the raw token; "Bearer <token>" fails to parse there too (aws-appsync-community#198).
    if (token.split('.').length !== 3) return refuse(UNPARSABLE);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, { issuer: config.userPool.issuer, algorithms: ['RS256'] }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) return refuse(EXPIRED);
      if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid || err instanceof SyntaxError || err instanceof TypeError) return refuse(UNPARSABLE);
      return refuse(NOT_AUTHORIZED);
    }
    const client = payload.token_use === 'id' ? payload.aud : payload.token_use === 'access' ? payload.client_id : undefined;
    if (client !== config.userPool.clientId || typeof payload.sub !== 'string') return refuse(NOT_AUTHORIZED);
    const groups = Array.isArray(payload['cognito:groups']) ? (payload['cognito:groups'] as unknown[]).filter((g): g is string => typeof g === 'string') : null;
    const username = String(payload['cognito:username'] ?? payload.username ?? payload.sub);
    const identity: VerifiedIdentity = { sub: payload.sub, issuer: config.userPool.issuer, username, claims: payload, defaultAuthStrategy: 'ALLOW', groups: groups && groups.length ? groups : null };
    if (typeof payload.exp === 'number') verified.set(token, payload.exp * 1000, identity);
    return asUserPoolCaller(identity, sourceIp);
  }

  async function viaIam(request: AuthRequest): Promise<AuthOutcome> {
    if (!enabled.has('AWS_IAM') || !config.iam) return refuse(NOT_AUTHORIZED);
    const verified = await verifySigV4(request, config.iam, { service: 'appsync', region });
    if (!verified.ok) {
      switch (verified.failure) {
        case 'missing':
        case 'incomplete':
          return refuse({ status: 403, errorType: 'IncompleteSignatureException', message: verified.message });
        case 'unknownKey':
          return refuse({ status: 403, errorType: 'UnrecognizedClientException', message: verified.message });
        case 'expired':
          return refuse({ status: 403, errorType: 'InvalidSignatureException', message: verified.message });
        default:
          return refuse(BAD_SIGNATURE);
      }
    }
    return {
      ok: true,
      caller: {
        mode: 'AWS_IAM',
        identity: {
          accountId: config.iam.accountId,
          cognitoIdentityPoolId: null,
          cognitoIdentityId: null,
          sourceIp: [request.sourceIp],
          username: config.iam.username,
          userArn: config.iam.userArn,
          cognitoIdentityAuthType: null,
          cognitoIdentityAuthProvider: null,
        },
      },
    };
  }

  return {
    modes: config.modes,
    async authenticate(request) {
      const authorization = request.headers.authorization;
      if (authorization !== undefined && authorization !== '') {
        if (authorization.startsWith('AWS4-HMAC-SHA256 ')) return viaIam(request);
        return viaUserPool(authorization, request.sourceIp);
      }
      const key = request.headers['x-api-key'];
      if (key !== undefined) {
        if (!enabled.has('API_KEY') || !config.apiKey || !sameText(key, config.apiKey)) return refuse(NOT_AUTHORIZED);
        return { ok: true, caller: { mode: 'API_KEY', identity: null } };
      }
      return refuse(config.modes.defaultMode === 'AMAZON_COGNITO_USER_POOLS' ? NO_HEADER : NOT_AUTHORIZED);
    },
  };
}

export type SigV4Failure = 'missing' | 'incomplete' | 'unknownKey' | 'expired' | 'wrongScope' | 'mismatch';
export type SigV4Outcome = { ok: true } | { ok: false; failure: SigV4Failure; message: string };

/**
 * A raw query string as SigV4 reads it: each name and value percent-decoded (RFC 3986; a "+" is a
 * plus, not a space as in HTML forms), a name given twice keeping both values. URLSearchParams
 * would decode "+" as a space, so a request sent "a+b" would verify as if it had signed "a b".
 */
function canonicalQueryOf(query: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  for (const pair of query.split('&')) {
    if (!pair) continue;
    const at = pair.indexOf('=');
    const key = decode(at < 0 ? pair : pair.slice(0, at));
    const value = at < 0 ? '' : decode(pair.slice(at + 1));
    const held = out[key];
    out[key] = held === undefined ? value : Array.isArray(held) ? [...held, value] : [held, value];
  }
  return out;
}

/** How far a SigV4 signing time may be from now: AWS refuses a request signed more than 5 minutes off ("Signature expired"). */
export const SIGV4_SKEW_MS = 5 * 60_000;

/**
 * A request's Signature Version 4 checked against one principal's credentials, as AWS checks it
 * ("Create a signed AWS API request",
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html;
 * "Elements of an AWS API request signature",
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-signing-elements.html): the
 * access key must be the principal's, the credential scope this service's and region's, `host`
 * and `x-amz-date` among the signed headers (and any other x-amz-* header the request carries
 * that says what it does: `x-amz-target` for a JSON protocol's operation, the security token,
 * the payload hash), the signing time within 5 minutes of now, the payload hash the body's, and
 * the signature the one the secret key gives for what was signed. One verifier for every
 * endpoint (the GraphQL endpoint's IAM mode, the user pool's administrators' operations); the
 * failure says which check failed, in AWS's words, and each endpoint answers it with its own
 * service's error. `requiredHeaders` names headers an endpoint needs signed beyond those.
 */
export async function verifySigV4(
  request: AuthRequest,
  credentials: Pick<IamCredentials, 'accessKeyId' | 'secretAccessKey'>,
  scope: { service: string; region: string; requiredHeaders?: readonly string[] },
): Promise<SigV4Outcome> {
  const authorization = request.headers.authorization;
  if (!authorization) return { ok: false, failure: 'missing', message: 'Missing Authentication Token' };
  const credential = /Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization);
  const signedHeaders = /SignedHeaders=([^,\s]+)/.exec(authorization)?.[1]?.split(';');
  const signature = /Signature=([0-9a-f]{64})/.exec(authorization)?.[1];
  const amzDate = request.headers['x-amz-date'];
  if (!authorization.startsWith('AWS4-HMAC-SHA256 ') || !credential || !signedHeaders || !signature || !amzDate || !/^\d{8}T\d{6}Z$/.test(amzDate)) {
    return { ok: false, failure: 'incomplete', message: 'Authorization header requires Credential, SignedHeaders and Signature, and the request an X-Amz-Date.' };
  }
  // what the signature must cover: the host, the date, and each header present that says what the request does
  const mustSign = ['host', 'x-amz-date', ...(scope.requiredHeaders ?? []), ...['x-amz-target', 'x-amz-security-token', 'x-amz-content-sha256'].filter((h) => request.headers[h] !== undefined)];
  const unsigned = mustSign.filter((h) => !signedHeaders.includes(h) || request.headers[h] === undefined);
  if (unsigned.length) {
    // as AWS: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization." is an IncompleteSignatureException
    return { ok: false, failure: 'incomplete', message: `The request signature does not cover ${[...new Set(unsigned)].join(', ')}: each must be present and listed in SignedHeaders.` };
  }
  if (credential[1] !== credentials.accessKeyId) return { ok: false, failure: 'unknownKey', message: 'The security token included in the request is invalid.' };
  if (credential[4] !== scope.service) return { ok: false, failure: 'wrongScope', message: `Credential should be scoped to correct service: '${scope.service}'.` };
  if (credential[3] !== scope.region) return { ok: false, failure: 'wrongScope', message: 'Credential should be scoped to a valid region.' };
  const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  if (Number.isNaN(signingDate.getTime()) || Math.abs(Date.now() - signingDate.getTime()) > SIGV4_SKEW_MS) {
    return { ok: false, failure: 'expired', message: `Signature expired: ${amzDate} is not within 5 minutes of the server's time.` };
  }
  // The signer takes a signed x-amz-content-sha256 as the payload's hash: it must be the body's, or
  // a signature would vouch for whatever body came with it.
  const declaredHash = request.headers['x-amz-content-sha256'];
  if (declaredHash !== undefined && declaredHash !== createHash('sha256').update(request.body ?? '').digest('hex')) {
    return { ok: false, failure: 'mismatch', message: "The provided 'x-amz-content-sha256' header does not match what was computed." };
  }
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) if (request.headers[name] !== undefined) headers[name] = request.headers[name];
  const [path, query = ''] = (request.path ?? '/').split('?');
  const signer = new SignatureV4({ service: scope.service, region: scope.region, sha256: Sha256, credentials, applyChecksum: false });
  const signed = await signer.sign(
    {
      method: request.method ?? 'POST',
      protocol: 'https:',
      hostname: headers.host ?? '',
      path,
      query: canonicalQueryOf(query),
      headers,
      body: request.body ?? '',
    },
    { signingDate, unsignableHeaders: new Set(), signableHeaders: new Set(signedHeaders) },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization ?? signed.headers.Authorization))?.[1] ?? '';
  if (!sameText(expected, signature)) {
    return { ok: false, failure: 'mismatch', message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.' };
  }
  return { ok: true };
}

/** Headers of a SigV4-signed POST to an AppSync endpoint: what a back-office client sends. */
export async function signedIamHeaders(url: string, body: string, credentials: Pick<IamCredentials, 'accessKeyId' | 'secretAccessKey'> & { sessionToken?: string }, region = 'us-east-1'): Promise<Record<string, string>> {
  const target = new URL(url);
  const signer = new SignatureV4({ service: 'appsync', region, sha256: Sha256, credentials, applyChecksum: false });
  const signed = await signer.sign({
    method: 'POST',
    protocol: target.protocol,
    hostname: target.hostname,
    port: target.port ? Number(target.port) : undefined,
    path: target.pathname,
    query: {},
    headers: { host: target.host, 'content-type': 'application/json' },
    body,
  });
  return signed.headers as Record<string, string>;
}
