/**
 * The web client's words for values (web/src/labels.ts, web/src/errors.ts), issue 27: prices in
 * pounds and dates in one locale (en-GB) everywhere, a lock that says whose it is, and no made-up
 * value for a time that is missing (new Date(null) is 1 January 1970).
 */
import { describe, expect, it } from 'vitest';
import { readableError } from '../web/src/errors';
import { eventTimeLabel, lockLabel, priceLabel } from '../web/src/labels';

const EN_GB = /^\d{1,2} [A-Z][a-z]{2,3} \d{4}, \d{2}:\d{2}:\d{2}$/;

describe('labels', () => {
  it('writes prices in pounds with en-GB grouping', () => {
    expect(priceLabel(18503)).toBe('£18,503');
    expect(priceLabel(0)).toBe('£0');
    expect(priceLabel(null)).toBe('not priced');
  });

  it('writes a time in en-GB whatever the machine’s locale, and nothing for a missing or broken one', () => {
    expect(eventTimeLabel('2024-05-01T12:05:00.000Z')).toMatch(EN_GB);
    for (const missing of [null, undefined, '', 'not a time']) expect(eventTimeLabel(missing)).toBeNull();
  });

  it('says whose a live lock is, and nothing of a past one', () => {
    const now = Date.parse('2024-05-01T12:00:00.000Z');
    expect(lockLabel('2024-05-01T12:05:00.000Z', true, now)).toMatch(/^Locked by you until \d/);
    expect(lockLabel('2024-05-01T12:05:00.000Z', false, now)).toMatch(/^Locked by someone else until \d/);
    expect(lockLabel('2024-05-01T11:55:00.000Z', true, now)).toBe('Not locked');
  });
});

describe('MarkLocked in words', () => {
  it('says the mark is being bought by someone else, until when, and offers a reload', () => {
    const err = { errors: [{ errorType: 'MarkLocked', message: 'Mark X is locked', errorInfo: { mark: 'X', status: 'MARK_AVAILABLE', lockedUntil: '2024-05-01T12:05:00.000Z' } }] };
    const readable = readableError(err, { signedIn: true });
    expect(readable).toMatchObject({ code: 'MarkLocked', reload: true });
    expect(readable.message).toMatch(/^Someone else is buying this mark: it is locked until \d{1,2} [A-Z][a-z]{2,3} \d{4}, .+\. Try again once the lock ends\.$/);
  });
});
