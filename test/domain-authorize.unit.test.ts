/**
 * authorize(operation, identity, state), specified as the resolvers run it: authorize on the view,
 * then decide with the caller's principal (given(...).by(identity).when(command)). Roles and rules:
 * issue 12 Build 4, docs/AUTHORIZATION.md. Identities are AppSync's shapes (test/support/identities.ts).
 */
import { describe, expect, it } from 'vitest';
import { authorize, callerOf } from '../resolvers/lib/authorize';
import type { Command } from '../resolvers/lib/commands';
import { certificateNumberFrom } from '../resolvers/lib/decide';
import { ADDRESS, ENTITLEMENT, ENV, MARK, NOW, created, createdFor, forgotten, given, lockedBy, purchased, released } from './support/given';
import { DATA_PROTECTION, IAM_SERVICE, IDENTITIES, PUBLIC, PURCHASER_A, PURCHASER_B, STAFF, type Role } from './support/identities';

const A = PURCHASER_A.sub;
const B = PURCHASER_B.sub;
const LIVE = '2024-05-01T12:05:00.000Z';
const EXPIRED = '2024-05-01T11:55:00.000Z';
const BUYER = { purchaserName: 'Gwen Price', nomineeName: 'Mr Rhys Price', address: { addLine1: '9 Hill Road', postTown: 'Neath', postcode: 'SA11 1AA' } };

const cmd = (kind: string, expectedVersion: number, extra: Record<string, unknown> = {}) => ({ kind, mark: MARK, expectedVersion, ...extra }) as Command;
const release = { kind: 'releaseMark', mark: MARK, price: 299 } as Command;
const create = { kind: 'createEntitlement', mark: MARK, status: 'MARK_ASSIGNED', entitlement: ENTITLEMENT } as Command;

/** Every role's outcome of one command on one state: an event type, or an errorType. */
function outcomes(state: ReturnType<typeof given>, command: Command): Record<Role, string> {
  const out = {} as Record<Role, string>;
  for (const role of Object.keys(IDENTITIES) as Role[]) {
    const { decision } = state.by(IDENTITIES[role]).when(command);
    out[role] = decision.ok ? decision.event.type : decision.error.errorType;
  }
  return out;
}

const U = 'Unauthorized';

describe('roles from the identity', () => {
  it('reads each of AppSync’s identity shapes', () => {
    expect(callerOf(PUBLIC)).toMatchObject({ signedIn: false, staff: false, principal: null });
    expect(callerOf(PURCHASER_A)).toMatchObject({ signedIn: true, staff: false, dataProtection: false, sub: A, principal: A });
    expect(callerOf(STAFF)).toMatchObject({ staff: true, dataProtection: false });
    expect(callerOf(DATA_PROTECTION)).toMatchObject({ staff: false, dataProtection: true, signedIn: true });
    // IAM: back-office, full access as staff, but no user pool sub: it can never own a mark
    expect(callerOf(IAM_SERVICE)).toMatchObject({ staff: true, sub: null, principal: IAM_SERVICE.userArn });
    // IAM credentials handed out by a Cognito identity pool are an app's users (even guests), not a back office
    expect(callerOf({ ...IAM_SERVICE, cognitoIdentityId: 'eu-west-2:1234', cognitoIdentityAuthType: 'unauthenticated' })).toMatchObject({ staff: false, signedIn: false });
    // a user pool identity without a sub, or an unknown shape, is no one
    expect(callerOf({ username: 'x', groups: ['staff'] })).toMatchObject({ signedIn: false, staff: false });
  });
});

describe('creating marks: staff only', () => {
  it('releaseMark and createEntitlement', () => {
    const expectedRelease = { public: U, purchaserA: U, purchaserB: U, staff: 'MARK_RELEASED', dataProtection: U, iam: 'MARK_RELEASED' };
    expect(outcomes(given(), release)).toEqual(expectedRelease);
    expect(outcomes(given(released(1), forgotten(2)), release)).toEqual(expectedRelease);
    expect(outcomes(given(), create)).toEqual({ ...expectedRelease, staff: 'ENTITLEMENT_CREATED', iam: 'ENTITLEMENT_CREATED' });
  });
  it('createEntitlement by staff may name an owner (a user pool sub), who then owns the mark from that version', () => {
    const event = given().by(STAFF).when({ ...create, owner: A } as Command).then({ type: 'ENTITLEMENT_CREATED', data: { owner: A } });
    expect(given(event).state).toMatchObject({ owner: A, ownerSince: 1 });
    expect(given(created(1)).state).not.toHaveProperty('owner');
  });
});

describe('locks: any signed-in user takes one and is recorded as its holder', () => {
  it('lockMark on an available mark', () => {
    expect(outcomes(given(released(1)), cmd('lockMark', 1))).toEqual({
      public: U, purchaserA: 'MARK_LOCKED', purchaserB: 'MARK_LOCKED', staff: 'MARK_LOCKED', dataProtection: 'MARK_LOCKED', iam: 'MARK_LOCKED',
    });
    given(released(1)).by(PURCHASER_A).when(cmd('lockMark', 1)).then({ data: { lockedUntil: '2024-05-01T12:10:00.000Z', holder: A } });
    given(released(1)).by(IAM_SERVICE).when(cmd('lockMark', 1)).then({ data: { holder: IAM_SERVICE.userArn } });
  });
  it('a live lock is refused to everyone (the domain rule), an expired one is none', () => {
    expect(outcomes(given(released(1), lockedBy(2, LIVE, A)), cmd('lockMark', 2))).toMatchObject({ purchaserA: 'MarkLocked', purchaserB: 'MarkLocked', staff: 'MarkLocked', public: U });
    given(released(1), lockedBy(2, EXPIRED, A)).by(PURCHASER_B).when(cmd('lockMark', 2)).then({ type: 'MARK_LOCKED', data: { holder: B } });
  });
  it('unlockMark: the holder of the lock (live or expired) or staff', () => {
    expect(outcomes(given(released(1), lockedBy(2, LIVE, A)), cmd('unlockMark', 2))).toEqual({
      public: U, purchaserA: 'MARK_UNLOCKED', purchaserB: U, staff: 'MARK_UNLOCKED', dataProtection: U, iam: 'MARK_UNLOCKED',
    });
    expect(outcomes(given(released(1), lockedBy(2, EXPIRED, A)), cmd('unlockMark', 2))).toMatchObject({ purchaserA: 'MARK_UNLOCKED', purchaserB: U });
    // no lock: nothing of a purchaser's to clear
    expect(outcomes(given(released(1)), cmd('unlockMark', 1))).toMatchObject({ purchaserA: U, purchaserB: U, staff: 'MARK_UNLOCKED' });
    // a lock recorded before holders were (no holder): staff only
    const legacy = given(released(1), { ...lockedBy(2, LIVE, A), data: { lockedUntil: LIVE } } as never);
    expect(outcomes(legacy, cmd('unlockMark', 2))).toMatchObject({ purchaserA: U, staff: 'MARK_UNLOCKED' });
  });
  it('after an unlock the holder is gone', () => {
    const { state } = given(released(1), lockedBy(2, LIVE, A), { ...released(3), type: 'MARK_UNLOCKED', data: {} } as never);
    expect(state).not.toHaveProperty('lockHolder');
  });
});

describe('purchaseMark: the buyer is the caller', () => {
  const purchase = (version: number) => cmd('purchaseMark', version, { entitlement: BUYER });
  it('sells an unlocked available mark to any user pool user, with a server certificate number', () => {
    expect(outcomes(given(released(1)), purchase(1))).toEqual({
      public: U, purchaserA: 'MARK_PURCHASED', purchaserB: 'MARK_PURCHASED', staff: 'MARK_PURCHASED', dataProtection: 'MARK_PURCHASED',
      // IAM has no user to be the owner: staff record such sales with createEntitlement
      iam: U,
    });
    const event = given(released(1)).by(PURCHASER_B).when(purchase(1)).then({
      type: 'MARK_PURCHASED',
      data: { status: 'MARK_SOLD_ISSUE_CERTIFICATE_TO_PURCHASER', owner: B, entitlement: { ...BUYER, certificateNo: certificateNumberFrom(ENV.randomId), certificateTime: NOW } },
    });
    expect(given(released(1), event).state).toMatchObject({ owner: B, ownerSince: 2, status: 'MARK_SOLD_ISSUE_CERTIFICATE_TO_PURCHASER' });
  });
  it('a live lock keeps the mark for its holder; an expired one does not', () => {
    expect(outcomes(given(released(1), lockedBy(2, LIVE, A)), purchase(2))).toMatchObject({ purchaserA: 'MARK_PURCHASED', purchaserB: 'MarkLocked', staff: 'MarkLocked' });
    expect(outcomes(given(released(1), lockedBy(2, EXPIRED, A)), purchase(2))).toMatchObject({ purchaserA: 'MARK_PURCHASED', purchaserB: 'MARK_PURCHASED' });
    const bought = given(released(1), lockedBy(2, LIVE, A)).by(PURCHASER_A).when(purchase(2)).then({ data: { owner: A } });
    const after = given(released(1), lockedBy(2, LIVE, A), bought).state;
    expect(after).not.toHaveProperty('lockedUntil');
    expect(after).not.toHaveProperty('lockHolder');
  });
  it('a sold mark is not for sale again; an unknown one is not found', () => {
    expect(outcomes(given(released(1), purchased(2, A)), purchase(2))).toMatchObject({ purchaserA: 'MarkNotAvailable', purchaserB: 'MarkNotAvailable' });
    expect(outcomes(given(), purchase(1))).toMatchObject({ purchaserA: 'MarkNotFound', public: U });
  });
});

describe('the owner’s commands: the owner or staff', () => {
  const ownerCommands = [
    cmd('changeAddress', 2, { address: { ...ADDRESS, addLine1: '7 New Street' } }),
    cmd('changeNominee', 2, { nomineeName: 'Mrs Ann Other' }),
    cmd('extendEntitlement', 2, { expiryTime: '2035-01-01T00:00:00.000Z' }),
    cmd('issueDuplicateCertificate', 2),
  ];
  it.each(ownerCommands.map((c) => [c.kind, c] as const))('%s', (_kind, command) => {
    const owned = outcomes(given(released(1), purchased(2, A)), command);
    expect(owned.purchaserA).not.toBe(U);
    expect(owned.staff).toBe(owned.purchaserA);
    expect(owned.iam).toBe(owned.purchaserA);
    expect(owned).toMatchObject({ public: U, purchaserB: U, dataProtection: U });
    // a mark with an entitlement but no owner (staff recorded a sale elsewhere): staff only
    expect(outcomes(given(created(1), { ...created(2), type: 'NOMINEE_CHANGED', data: { nomineeName: 'X' } } as never), command)).toMatchObject({ purchaserA: U, purchaserB: U, staff: owned.staff });
    // a mark A no longer owns (forgotten, then sold to B in a new life)
    const resold = given(released(1), purchased(2, A), forgotten(3), released(4), purchased(5, B));
    expect(outcomes(resold, { ...command, expectedVersion: 5 } as Command)).toMatchObject({ purchaserA: U, purchaserB: owned.purchaserA });
  });
  it('an owner named by staff has the owner’s rights', () => {
    expect(outcomes(given(createdFor(1, A)), cmd('changeNominee', 1, { nomineeName: 'N' }))).toMatchObject({ purchaserA: 'NOMINEE_CHANGED', purchaserB: U });
  });
});

describe('forgetMark: data protection or staff', () => {
  it('on an owned mark', () => {
    expect(outcomes(given(released(1), purchased(2, A)), cmd('forgetMark', 2))).toEqual({
      public: U, purchaserA: U, purchaserB: U, staff: 'MARK_FORGOTTEN', dataProtection: 'MARK_FORGOTTEN', iam: 'MARK_FORGOTTEN',
    });
  });
});

describe('reads', () => {
  const read = (kind: string, status?: string) => {
    const out = {} as Record<Role, boolean>;
    for (const role of Object.keys(IDENTITIES) as Role[]) out[role] = authorize({ kind, status: status as never }, IDENTITIES[role], null).ok;
    return out;
  };
  const everyone = { public: true, purchaserA: true, purchaserB: true, staff: true, dataProtection: true, iam: true };
  it('getMark and onMarkEvent: everyone (personal data is another matter: personal-data.ts)', () => {
    expect(read('getMark')).toEqual(everyone);
    expect(read('onMarkEvent')).toEqual(everyone);
  });
  it('listMarks: the public lists the marks for sale only', () => {
    expect(read('listMarks', 'MARK_AVAILABLE')).toEqual(everyone);
    expect(read('listMarks')).toEqual({ ...everyone, public: false });
    expect(read('listMarks', 'MARK_ASSIGNED')).toEqual({ ...everyone, public: false });
  });
  it('history (getMarkAt, listMarkEvents): signed-in callers', () => {
    expect(read('getMarkAt')).toEqual({ ...everyone, public: false });
    expect(read('listMarkEvents')).toEqual({ ...everyone, public: false });
  });
  it("listMyMarks: a user pool user's own marks; another purchaser's are staff's to ask for", () => {
    const mine = (owner?: string) => {
      const out = {} as Record<Role, boolean>;
      for (const role of Object.keys(IDENTITIES) as Role[]) out[role] = authorize({ kind: 'listMyMarks', owner }, IDENTITIES[role], null).ok;
      return out;
    };
    // IAM staff have no sub: they own nothing, and name the purchaser
    expect(mine()).toEqual({ ...everyone, public: false, iam: false });
    expect(mine(B)).toEqual({ public: false, purchaserA: false, purchaserB: false, staff: true, dataProtection: false, iam: true });
    // naming oneself is still naming an owner: the argument is staff's
    expect(authorize({ kind: 'listMyMarks', owner: A }, PURCHASER_A, null)).toEqual({ ok: false, error: { errorType: U, message: 'Not Authorized to access listMyMarks on type Query', errorInfo: null } });
  });
});

describe('revokeSubscriptions', () => {
  it('is staff’s (and the back office’s) only', () => {
    const allowed = (identity: unknown) => authorize({ kind: 'revokeSubscriptions' }, identity, null).ok;
    expect([PUBLIC, PURCHASER_A, DATA_PROTECTION, STAFF, IAM_SERVICE].map(allowed)).toEqual([false, false, false, true, true]);
  });
});

describe('a refusal', () => {
  it('is AppSync’s Unauthorized, with no errorInfo and nothing about the mark’s people', () => {
    const error = given(released(1), purchased(2, A)).by(PURCHASER_B).when(cmd('changeNominee', 2, { nomineeName: 'X' })).thenFails(U, null);
    expect(error.message).toBe('Not Authorized to access changeNominee on type Mutation');
    expect(JSON.stringify(error)).not.toContain(A);
    expect(JSON.stringify(error)).not.toContain(ENTITLEMENT.purchaserName);
    expect(authorize({ kind: 'listMarks' }, PUBLIC, null)).toEqual({ ok: false, error: { errorType: U, message: 'Not Authorized to access listMarks on type Query', errorInfo: null } });
  });
});
