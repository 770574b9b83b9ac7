/**
 * The server's half of Cognito's Secure Remote Password sign-in (USER_SRP_AUTH, challenge
 * PASSWORD_VERIFIER), as Cognito's clients compute the other half: aws-amplify v6
 * (@aws-amplify/auth providers/cognito/utils/srp: AuthenticationHelper, calculate{A,S,U},
 * getHkdfKey, getSignatureString, getNowString) and amazon-cognito-identity-js
 * (AuthenticationHelper, CognitoUser.authenticateUserDefaultAuth). The protocol is SRP-6a
 * (RFC 5054) over the 3072-bit group of RFC 3526 with g = 2 and SHA-256, in Cognito's variant:
 *
 *   x = H(pad(salt) ‖ H(poolName ‖ username ‖ ":" ‖ password))   poolName: the pool id after "_"
 *   v = g^x                                                      (stored: salt and v, never the password)
 *   k = H(pad(N) ‖ pad(g)),  B = k·v + g^b,  u = H(pad(A) ‖ pad(B))
 *   S = (A·v^u)^b                                                (the client: (B − k·g^x)^(a + u·x))
 *   K = HKDF-SHA256(ikm = pad(S), salt = pad(u), info = "Caldera Derived Key"), 16 bytes
 *   PASSWORD_CLAIM_SIGNATURE = base64(HMAC-SHA256(K, poolName ‖ username ‖ SECRET_BLOCK bytes ‖ TIMESTAMP))
 *
 * H hashes bytes; "pad" is the hex of Java's BigInteger.toByteArray() (even length, a leading 00
 * when the top bit is set), hashed as the bytes it spells. Numbers travel as hex, the secret block
 * as base64 and TIMESTAMP as "ddd MMM D HH:mm:ss UTC YYYY" in UTC (Amplify's getNowString).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** RFC 3526's 3072-bit MODP group, as Cognito's clients carry it (INIT_N). */
export const N = BigInt(
  '0x' +
    'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD' +
    'EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED' +
    'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F' +
    '83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B' +
    'E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510' +
    '15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7' +
    'ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C' +
    'BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF',
);
export const g = 2n;

/** Java BigInteger.toByteArray() as hex, for a non-negative number. */
export function padHex(n: bigint): string {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return /^[89a-f]/i.test(hex) ? `00${hex}` : hex;
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();
const hashHex = (hex: string) => BigInt(`0x${sha256(Buffer.from(hex, 'hex')).toString('hex')}`);

/**
 * The big-number work done so far, counted: a modular exponentiation over N is what a sign-in
 * costs, so that two paths cost the same can be checked by counting (tests compare a known
 * and an unknown name's sign-in by it rather than by the clock).
 */
export const srpWork = { modPows: 0 };

export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  srpWork.modPows++;
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

const k = hashHex(padHex(N) + padHex(g));

/** The pool's name as the clients hash it: the pool id after its region ("us-east-1_Abc" → "Abc"). */
export const poolNameOf = (poolId: string) => poolId.split('_')[1] ?? '';

function passwordExponent(poolName: string, username: string, password: string, saltHex: string): bigint {
  const inner = sha256(`${poolName}${username}:${password}`).toString('hex');
  return hashHex(padHex(BigInt(`0x${saltHex}`)) + inner);
}

/** What the pool keeps of a password: a salt and the verifier g^x, both hex. */
export interface PasswordVerifier {
  salt: string;
  verifier: string;
}

export function createVerifier(poolName: string, username: string, password: string, saltHex = randomBytes(16).toString('hex')): PasswordVerifier {
  return { salt: saltHex, verifier: padHex(modPow(g, passwordExponent(poolName, username, password, saltHex), N)) };
}

/**
 * A verifier for a name no user has, without the exponentiation a real one costs: HMAC output
 * stretched to N's size and reduced mod N. g^x for an unknown x is a number no one can tell from
 * such a one, and B = k·v + g^b is then computed for it as for a real user's verifier, so a
 * simulated challenge costs what a real one does (one exponentiation) and looks like one.
 */
export function simulatedVerifier(secret: Buffer, name: string): string {
  const blocks: Buffer[] = [];
  for (let i = 0; blocks.length * 32 < 384 + 32; i++) blocks.push(createHmac('sha256', secret).update(`verifier/${i}/${name}`).digest());
  const v = BigInt(`0x${Buffer.concat(blocks).toString('hex')}`) % N;
  return padHex(v === 0n ? 1n : v);
}

/** USER_PASSWORD_AUTH against a stored verifier: the verifier recomputed from the password given. */
export function passwordMatchesVerifier(poolName: string, username: string, password: string, stored: PasswordVerifier): boolean {
  const actual = Buffer.from(createVerifier(poolName, username, password, stored.salt).verifier, 'hex');
  const expected = Buffer.from(stored.verifier, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** The server's ephemeral pair for one PASSWORD_VERIFIER challenge. */
export interface ServerEphemeral {
  b: bigint;
  B: bigint;
}

export function serverEphemeral(verifierHex: string): ServerEphemeral {
  const v = BigInt(`0x${verifierHex}`);
  for (;;) {
    // 256 random bits, as RFC 5054 section 2.5.3 asks of b at least
    const b = BigInt(`0x${randomBytes(32).toString('hex')}`);
    const B = (k * v + modPow(g, b, N)) % N;
    if (B !== 0n) return { b, B };
  }
}

/** SRP_A as a client sends it, or undefined when it is not a number the protocol allows (A mod N = 0). */
export function parseClientPublic(hex: unknown): bigint | undefined {
  if (typeof hex !== 'string' || !/^[0-9a-fA-F]{1,1536}$/.test(hex)) return undefined;
  const A = BigInt(`0x${hex}`);
  return A % N === 0n ? undefined : A;
}

/** K, the 16-byte key both sides derive; the client's matches only if it knew the password. */
export function sessionKey(A: bigint, ephemeral: ServerEphemeral, verifierHex: string): Buffer | undefined {
  const u = hashHex(padHex(A) + padHex(ephemeral.B));
  if (u === 0n) return undefined;
  const v = BigInt(`0x${verifierHex}`);
  const S = modPow((A * modPow(v, u, N)) % N, ephemeral.b, N);
  const prk = createHmac('sha256', Buffer.from(padHex(u), 'hex')).update(Buffer.from(padHex(S), 'hex')).digest();
  return createHmac('sha256', prk).update(Buffer.concat([Buffer.from('Caldera Derived Key', 'utf8'), Buffer.from([1])])).digest().subarray(0, 16);
}

/** PASSWORD_CLAIM_SIGNATURE as the client computes it with K. */
export function passwordClaimSignature(key: Buffer, poolName: string, username: string, secretBlock: Buffer, timestamp: string): Buffer {
  return createHmac('sha256', key).update(Buffer.concat([Buffer.from(poolName, 'utf8'), Buffer.from(username, 'utf8'), secretBlock, Buffer.from(timestamp, 'utf8')])).digest();
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A time in TIMESTAMP's format ("Tue Mar 5 09:04:01 UTC 2024": the day unpadded, the rest padded). */
export function formatTimestamp(time: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${WEEKDAYS[time.getUTCDay()]} ${MONTHS[time.getUTCMonth()]} ${time.getUTCDate()} ${two(time.getUTCHours())}:${two(time.getUTCMinutes())}:${two(time.getUTCSeconds())} UTC ${time.getUTCFullYear()}`;
}

/** TIMESTAMP read back, or undefined when it is not in that format, names no real day or the wrong weekday. */
export function parseTimestamp(text: unknown): Date | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{1,2}) (\d{2}):(\d{2}):(\d{2}) UTC (\d{4})$/.exec(text);
  if (!m) return undefined;
  const time = new Date(Date.UTC(Number(m[7]), MONTHS.indexOf(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  // the day as Java's "d" reads it: "5" or "05"
  return formatTimestamp(time) === text.replace(/^(\w{3} \w{3}) 0(\d)/, '$1 $2') ? time : undefined;
}
