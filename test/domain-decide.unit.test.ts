/** decide and evolve, specified in given-when-then form (resolvers/lib, no runtime needed). */
import { describe, expect, it } from 'vitest';
import { certificateNumberFrom } from '../resolvers/lib/decide';
import { evolve, fold } from '../resolvers/lib/state';
import { ADDRESS, ENTITLEMENT, ENV, MARK, NOW, created, event, forgotten, given, locked, released } from './support/given';

const versioned = (kind: string, expectedVersion: number, extra: Record<string, unknown> = {}) => ({ kind, mark: MARK, expectedVersion, ...extra }) as never;

describe('creating a mark', () => {
  it('releases a new mark as available at version 1, recorded now', () => {
    given().when({ kind: 'releaseMark', mark: MARK, price: 299 }).then({ type: 'MARK_RELEASED', version: 1, recordedAt: NOW, data: { status: 'MARK_AVAILABLE', price: 299 } });
  });
  it('creates an entitlement with the given status, eventTime and commandId', () => {
    given()
      .when({ kind: 'createEntitlement', mark: MARK, status: 'MARK_ASSIGNED', entitlement: ENTITLEMENT, eventTime: '2019-11-29T09:26:43.837Z', commandId: 'c1' })
      .then({ type: 'ENTITLEMENT_CREATED', version: 1, eventTime: '2019-11-29T09:26:43.837Z', commandId: 'c1', data: { status: 'MARK_ASSIGNED', entitlement: ENTITLEMENT } });
  });
  it('refuses a create on a live mark', () => {
    given(released()).when({ kind: 'releaseMark', mark: MARK, price: 1 }).thenFails('MarkAlreadyExists', { mark: MARK, version: 1 });
    given(created(), locked(2, NOW)).when({ kind: 'createEntitlement', mark: MARK, status: 'MARK_ASSIGNED', entitlement: ENTITLEMENT }).thenFails('MarkAlreadyExists', { mark: MARK, version: 2 });
  });
  it('continues a forgotten mark’s stream at the next version', () => {
    given(released(1), forgotten(2)).when({ kind: 'releaseMark', mark: MARK, price: 5 }).then({ type: 'MARK_RELEASED', version: 3 });
  });
});

describe('commands on an existing mark', () => {
  it('need the mark to exist and not be forgotten', () => {
    given().when(versioned('lockMark', 1)).thenFails('MarkNotFound', { mark: MARK });
    given(released(1), forgotten(2)).when(versioned('changeNominee', 2, { nomineeName: 'X' })).thenFails('MarkNotFound', { mark: MARK });
  });
  it('need the expected version to be the current one', () => {
    given(released(1), locked(2, NOW)).when(versioned('unlockMark', 1)).thenFails('ConcurrentModification', { expectedVersion: 1, actualVersion: 2 });
  });
  it('extend an entitlement to a later expiry only', () => {
    given(created(1)).when(versioned('extendEntitlement', 1, { expiryTime: '2030-01-01T00:00:00.000Z' })).then({ type: 'ENTITLEMENT_EXTENDED', version: 2, data: { expiryTime: '2030-01-01T00:00:00.000Z' } });
    const withExpiry = created(1, { ...ENTITLEMENT, expiryTime: '2030-01-01T00:00:00.000Z' });
    const refused = given(withExpiry).when(versioned('extendEntitlement', 1, { expiryTime: '2030-01-01T00:00:00.000Z' })).thenFails('ValidationError');
    expect(refused.errorInfo).toEqual({ errors: [{ field: 'input.expiryTime', reason: 'must be later than the current expiry 2030-01-01T00:00:00.000Z' }] });
  });
  it('change address and nominee of an entitlement', () => {
    const address = { ...ADDRESS, addLine1: '5 Your Street' };
    given(created(1)).when(versioned('changeAddress', 1, { address })).then({ type: 'ADDRESS_CHANGED', data: { address } });
    given(created(1)).when(versioned('changeNominee', 1, { nomineeName: 'Mrs Jane Jones' })).then({ type: 'NOMINEE_CHANGED', data: { nomineeName: 'Mrs Jane Jones' } });
  });
  it('refuse entitlement changes on a mark without one', () => {
    given(released(1)).when(versioned('changeNominee', 1, { nomineeName: 'X' })).thenFails('ValidationError', { errors: [{ field: 'input.mark', reason: 'the mark has no entitlement' }] });
  });
  it('issue a duplicate certificate with a number generated from the random id', () => {
    given(created(1)).when(versioned('issueDuplicateCertificate', 1)).then({ type: 'DUPLICATE_CERTIFICATE_ISSUED', data: { certificateNo: certificateNumberFrom(ENV.randomId), certificateTime: NOW } });
    expect(certificateNumberFrom(ENV.randomId)).toMatch(/^[A-Z0-9]{20}$/);
  });
  it('forget a mark with an event that carries no personal data', () => {
    given(created(1)).when(versioned('forgetMark', 1)).then({ type: 'MARK_FORGOTTEN', version: 2, data: {} });
  });
});

describe('lock rules', () => {
  const tenMinutesLater = '2024-05-01T12:10:00.000Z';
  it('lock an available mark for ten minutes', () => {
    given(released(1)).when(versioned('lockMark', 1)).then({ type: 'MARK_LOCKED', data: { lockedUntil: tenMinutesLater } });
  });
  it('refuse a live lock, accept an expired one as none', () => {
    given(released(1), locked(2, '2024-05-01T12:00:00.001Z')).when(versioned('lockMark', 2)).thenFails('MarkLocked', { mark: MARK, status: 'MARK_AVAILABLE', lockedUntil: '2024-05-01T12:00:00.001Z' });
    given(released(1), locked(2, NOW)).when(versioned('lockMark', 2)).then({ type: 'MARK_LOCKED', version: 3 });
  });
  it('refuse a mark that is not available', () => {
    given(created(1)).when(versioned('lockMark', 1)).thenFails('MarkNotAvailable', { mark: MARK, status: 'MARK_SOLD_ISSUE_CERTIFICATE_TO_PURCHASER', lockedUntil: null });
  });
  it('unlock clears the lock', () => {
    const { state } = given(released(1), locked(2, NOW), event('MARK_UNLOCKED', 3, {}));
    expect(state).toMatchObject({ version: 3 });
    expect(state && 'lockedUntil' in state).toBe(false);
  });
});

describe('recordedAt', () => {
  it('is the server time, or 1 ms after the previous event when the clock is behind', () => {
    const future = event('MARK_RELEASED', 1, { status: 'MARK_AVAILABLE', price: 1 }, { recordedAt: '2024-05-01T12:00:05.000Z' });
    given(future).when(versioned('lockMark', 1)).then({ recordedAt: '2024-05-01T12:00:05.001Z', data: { lockedUntil: '2024-05-01T12:10:05.001Z' } });
  });
});

describe('evolve', () => {
  it('folds a lifecycle into the view, last event wins', () => {
    const state = fold([
      created(1),
      event('ENTITLEMENT_EXTENDED', 2, { expiryTime: '2030-01-01T00:00:00.000Z' }, { eventTime: '2024-01-01T00:00:00.000Z' }),
      event('ADDRESS_CHANGED', 3, { address: { addLine1: '5 Your Street', postTown: 'Cardiff', postcode: 'CF10 1AA' } }),
      event('NOMINEE_CHANGED', 4, { nomineeName: 'Mrs Jane Jones' }),
    ]);
    expect(state).toEqual({
      mark: MARK,
      version: 4,
      status: 'MARK_SOLD_ISSUE_CERTIFICATE_TO_PURCHASER',
      price: 299,
      eventTime: '2024-01-01T00:00:00.000Z',
      updatedAt: created(4).recordedAt,
      createdVersion: 1,
      entitlement: { ...ENTITLEMENT, nomineeName: 'Mrs Jane Jones', expiryTime: '2030-01-01T00:00:00.000Z', address: { addLine1: '5 Your Street', postTown: 'Cardiff', postcode: 'CF10 1AA' } },
    });
  });
  it('turns a forgotten mark into a tombstone without personal data, and a create after it keeps where history starts', () => {
    const tombstone = fold([created(1), forgotten(2)]);
    expect(tombstone).toEqual({ mark: MARK, version: 2, forgotten: true, updatedAt: forgotten(2).recordedAt, historyStartsAt: 2 });
    expect(evolve(tombstone, released(3))).toMatchObject({ version: 3, status: 'MARK_AVAILABLE', createdVersion: 3, historyStartsAt: 2 });
  });
  it('is the identity on nothing', () => {
    expect(fold([])).toBeNull();
  });
});
