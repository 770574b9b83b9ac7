/**
 * Who may do what (DESIGN.md section 7, docs/AUTHORIZATION.md): the one home of the roles and of
 * the rule of every operation. Pure: the caller's ctx.identity and the mark's state (as loadMark
 * read it) in, allowed or an `Unauthorized` error out, before anything is written.
 *
 * Roles come from ctx.identity as AppSync builds it (Resolver context object reference):
 *  - API key (identity null, or one without a user): public;
 *  - Amazon Cognito user pools ({ sub, issuer, username, claims, groups, ... }): purchaser, plus
 *    staff with the group STAFF_GROUP and data protection with DATA_PROTECTION_GROUP;
 *  - IAM ({ accountId, userArn, ... }): back-office services, staff.
 * Roles add up: a staff member or a data protection officer is also a signed-in user.
 */
import type { DomainError } from './errors';
import { unauthorized } from './errors';
import type { MarkStatus } from './graphql';
import { DATA_PROTECTION_GROUP, STAFF_GROUP } from './roles';
import type { MarkState } from './state';
import { isLive } from './state';

export interface Caller {
  /** a user pool user's `sub`: the only principal that can own a mark */
  sub: string | null;
  /** who this caller is for locks: the `sub`, or an IAM caller's user ARN; null for the public */
  principal: string | null;
  signedIn: boolean;
  staff: boolean;
  dataProtection: boolean;
}

const PUBLIC: Caller = { sub: null, principal: null, signedIn: false, staff: false, dataProtection: false };

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** The caller's roles, from ctx.identity in any of AppSync's shapes. */
export function callerOf(identity: unknown): Caller {
  if (!identity || typeof identity !== 'object') return PUBLIC;
  const id = identity as Record<string, unknown>;
  const userArn = text(id.userArn);
  if (userArn || text(id.accountId)) {
    // credentials from a Cognito identity pool belong to app users (even guests), not to a service
    if (text(id.cognitoIdentityId) || text(id.cognitoIdentityAuthType)) return PUBLIC;
    // IAM (SigV4): back-office services, full access as the staff role (issue 12)
    const principal = userArn ?? `${text(id.accountId)}:${text(id.username) ?? ''}`;
    return { sub: null, principal, signedIn: true, staff: true, dataProtection: false };
  }
  const sub = text(id.sub);
  if (!sub) return PUBLIC;
  const groups = Array.isArray(id.groups) ? (id.groups as unknown[]) : [];
  return { sub, principal: sub, signedIn: true, staff: groups.indexOf(STAFF_GROUP) >= 0, dataProtection: groups.indexOf(DATA_PROTECTION_GROUP) >= 0 };
}

export type QueryKind = 'getMark' | 'getMarkAt' | 'listMarkEvents' | 'listMarks' | 'listMyMarks' | 'onMarkEvent';

/** What is asked: a command (its kind is the mutation's name) or a read (with listMarks' status, listMyMarks' owner). */
export interface Operation {
  kind: string;
  status?: MarkStatus | null;
  /** listMyMarks: the purchaser named in the arguments (staff only); absent, the caller's own marks */
  owner?: string | null;
}

export type Authorization = { ok: true; caller: Caller } | { ok: false; error: DomainError };

const QUERIES = ['getMark', 'getMarkAt', 'listMarkEvents', 'listMarks', 'listMyMarks'];

function isOwner(caller: Caller, state: MarkState | null): boolean {
  return !!caller.sub && isLive(state) && state.owner === caller.sub;
}

/** Whether the caller took the mark's last lock (live or expired): Mark.lockedByYou, and who may clear it. */
export function holdsLock(caller: Caller, state: MarkState | null): boolean {
  // the holder of the last lock, live or expired: an expired lock is theirs to clear too
  return !!caller.principal && isLive(state) && !!state.lockedUntil && state.lockHolder === caller.principal;
}

/** Whether the caller may do this; the state only matters for the owner's and the lock holder's rights. */
export function mayDo(operation: Operation, caller: Caller, state: MarkState | null): boolean {
  // the buyer becomes the owner, and only a user pool user (a sub) can own: not even IAM staff buy
  if (operation.kind === 'purchaseMark') return !!caller.sub;
  // a caller's own marks are those of their sub; another purchaser's are staff's to ask for, and
  // an IAM caller (staff, but no sub: it owns nothing) names the purchaser
  if (operation.kind === 'listMyMarks') return operation.owner ? caller.staff : !!caller.sub;
  if (caller.staff) return true;
  switch (operation.kind) {
    case 'getMark':
    case 'onMarkEvent':
      return true;
    case 'listMarks':
      // the public storefront lists the marks for sale, nothing else
      return caller.signedIn || operation.status === 'MARK_AVAILABLE';
    case 'getMarkAt':
    case 'listMarkEvents':
      return caller.signedIn;
    case 'lockMark':
      // a would-be buyer is a user pool user: the lock holder is their sub
      return !!caller.sub;
    case 'unlockMark':
      return holdsLock(caller, state);
    case 'extendEntitlement':
    case 'changeAddress':
    case 'changeNominee':
    case 'issueDuplicateCertificate':
      return isOwner(caller, state);
    case 'forgetMark':
      return caller.dataProtection;
    default:
      // releaseMark, createEntitlement, and anything not named here: staff only
      return false;
  }
}

/**
 * authorize(operation, identity, state): allowed (with the caller's roles) or `Unauthorized`.
 * Runs in every command pipeline after the view is read and before decide and the write; reads run
 * it before they answer, and personal-data.ts then decides what of the answer the caller may see.
 */
export function authorize(operation: Operation, identity: unknown, state: MarkState | null): Authorization {
  const caller = callerOf(identity);
  if (mayDo(operation, caller, state)) return { ok: true, caller };
  const typeName = operation.kind === 'onMarkEvent' ? 'Subscription' : QUERIES.indexOf(operation.kind) >= 0 ? 'Query' : 'Mutation';
  return { ok: false, error: unauthorized(operation.kind, typeName) };
}
