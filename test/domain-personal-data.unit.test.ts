/** personal-data.ts: what of a mark and of its events each caller sees (issue 12 Build 5). */
import { describe, expect, it } from 'vitest';
import { callerOf } from '../resolvers/lib/authorize';
import { toGraphQLEvent, toGraphQLMark } from '../resolvers/lib/output';
import { OPEN_EVENT_FIELDS, answerSight, redactMark, sightOf, splitEventData } from '../resolvers/lib/personal-data';
import { ENTITLEMENT, createdFor, event, forgotten, given, lockedBy, purchased, released } from './support/given';
import { DATA_PROTECTION, IAM_SERVICE, PUBLIC, PURCHASER_A, PURCHASER_B, STAFF } from './support/identities';

const A = PURCHASER_A.sub;
const B = PURCHASER_B.sub;
const as = callerOf;

describe('sight: who sees personal data of which version', () => {
  const aLife = given(released(1), lockedBy(2, '2024-05-01T12:05:00.000Z', A), purchased(3, A), event('NOMINEE_CHANGED', 4, { nomineeName: 'N' })).state;
  it('staff (and IAM) everything; the owner the versions of their ownership; anyone else nothing', () => {
    expect([1, 3, 4].map((v) => sightOf(as(STAFF), aLife, v))).toEqual(['all', 'all', 'all']);
    expect(sightOf(as(IAM_SERVICE), aLife, 1)).toBe('all');
    expect([1, 2, 3, 4].map((v) => sightOf(as(PURCHASER_A), aLife, v))).toEqual(['none', 'none', 'own', 'own']);
    for (const other of [PURCHASER_B, PUBLIC, DATA_PROTECTION]) expect(sightOf(as(other), aLife, 4)).toBe('none');
  });
  it('a new owner does not see the previous ownership, nor the previous owner the new one', () => {
    const resold = given(released(1), purchased(2, A), forgotten(3), released(4), purchased(5, B)).state;
    expect([2, 4, 5].map((v) => sightOf(as(PURCHASER_B), resold, v))).toEqual(['none', 'none', 'own']);
    expect([2, 5].map((v) => sightOf(as(PURCHASER_A), resold, v))).toEqual(['none', 'none']);
    // a mark staff created for A as available, then bought by B: A's entitlement is not B's to read
    const sold = given(createdFor(1, A, 'MARK_AVAILABLE'), purchased(2, B)).state;
    expect([1, 2].map((v) => sightOf(as(PURCHASER_B), sold, v))).toEqual(['none', 'own']);
  });
});

describe('event data', () => {
  it('splits open fields from personal ones by a list of what may be shown', () => {
    const data = { status: 'MARK_SOLD_ISSUE_CERTIFICATE_TO_PURCHASER', owner: A, entitlement: ENTITLEMENT, somethingNew: 'x' };
    expect(splitEventData(data, 'none')).toEqual({ open: { status: data.status }, personal: null });
    expect(splitEventData(data, 'own')).toEqual({ open: { status: data.status }, personal: { owner: A, entitlement: ENTITLEMENT, somethingNew: 'x' } });
    // another user's lock holder id: staff only
    expect(splitEventData({ lockedUntil: 't', holder: B }, 'own')).toEqual({ open: { lockedUntil: 't' }, personal: null });
    expect(splitEventData({ lockedUntil: 't', holder: B }, 'all').personal).toEqual({ holder: B });
    expect(OPEN_EVENT_FIELDS).not.toContain('entitlement');
  });
  it('a GraphQL event: data open, personalData per sight, ownership for events of the current ownership', () => {
    const events = [released(1), purchased(2, A)];
    const state = given(...events).state;
    const forA = toGraphQLEvent(events[1]!, sightOf(as(PURCHASER_A), state, 2), state);
    expect(forA).toMatchObject({ data: '{"status":"MARK_SOLD_ISSUE_CERTIFICATE_TO_PURCHASER"}', ownership: 2 });
    expect(JSON.parse(forA.personalData!)).toEqual({ owner: A, entitlement: ENTITLEMENT });
    expect(toGraphQLEvent(events[1]!, sightOf(as(PURCHASER_B), state, 2), state)).toMatchObject({ personalData: null, ownership: 2 });
    expect(toGraphQLEvent(events[0]!, 'all', state).ownership).toBeNull();
  });
  it('a mutation answer, every subscriber’s payload, never carries other people’s ids even for staff', () => {
    const state = given(released(1), lockedBy(2, '2024-05-01T12:05:00.000Z', A)).state;
    expect(answerSight(as(STAFF), state, lockedBy(2, 'x', A))).toBe('own');
    expect(toGraphQLEvent(lockedBy(2, 'x', A), answerSight(as(STAFF), state, lockedBy(2, 'x', A)), state).personalData).toBeNull();
  });
});

describe('a mark', () => {
  it('comes without its entitlement unless the caller may see it', () => {
    const state = given(released(1), purchased(2, A)).state;
    const mark = toGraphQLMark(state);
    expect(redactMark(mark, as(PURCHASER_A), state)).toEqual(mark);
    expect(redactMark(mark, as(STAFF), state)).toEqual(mark);
    expect(redactMark(mark, as(PURCHASER_B), state)).toEqual({ ...mark, entitlement: null });
    expect(redactMark(mark, as(PUBLIC), state)?.entitlement).toBeNull();
    expect(redactMark(null, as(STAFF), state)).toBeNull();
  });
});
