/**
 * Issue 10, defects 6, 8 and 9 (text): each a class of input that validation let through.
 *   8: any character outside the mark alphabet, checked before case mapping folds it into one
 *      ("ß 7" → "SS 7"), in commands, queries and subscription filters, and in postcodes.
 *   9: free text made of, or holding, control, format (zero-width, bidi) or separator characters.
 *   6: an AWSDateTime whose UTC instant is outside years 0000..9999.
 */
import { describe, expect, it } from 'vitest';
import { normaliseDateTime } from '../resolvers/lib/datetime-input';
import {
  canonicalPostcode,
  hasForbiddenCharacter,
  validateCommand,
  validateGetMarkAt,
  validateListMarkEvents,
  validateMarkArgument,
  validateSubscription,
} from '../resolvers/lib/validation';
import { ENTITLEMENT } from './support/given';

function problemFields(kind: string, input: Record<string, unknown>): string[] {
  const result = validateCommand(kind, input);
  if (result.ok) return [];
  return (result.error.errorInfo as { errors: { field: string }[] }).errors.map((p) => p.field);
}

const ASCII_MARK_ALPHABET = /^[A-Za-z0-9 ]$/;

describe('defect 8: the mark alphabet is checked before any case mapping', () => {
  it("rejects the issue's folded marks everywhere a mark is taken", () => {
    for (const mark of ['ß 7', 'ﬁ 99', 'ı 12', 'ＡＢ 1', 'AB\u00a012', 'AB 12\u3000', '\u2003AB 12', 'ǅ 1', '\u212a 1']) {
      expect(problemFields('releaseMark', { mark, price: 1 }), mark).toEqual(['input.mark']);
      expect(validateMarkArgument(mark).ok, mark).toBe(false);
      expect(validateGetMarkAt({ mark }).ok, mark).toBe(false);
      expect(validateListMarkEvents({ mark }).ok, mark).toBe(false);
      expect(validateSubscription({ mark }).ok, mark).toBe(false);
    }
  });

  it('rejects every BMP character outside ASCII letters, digits and space, whatever toUpperCase makes of it', () => {
    const accepted: string[] = [];
    for (let code = 0; code <= 0xffff; code += 1) {
      const c = String.fromCharCode(code);
      if (ASCII_MARK_ALPHABET.test(c)) continue;
      if (validateMarkArgument(`A${c}1`).ok || validateSubscription({ mark: `${c}B` }).ok) accepted.push(c);
    }
    expect(accepted).toEqual([]);
  });

  it('still canonicalises what is in the alphabet', () => {
    expect(validateMarkArgument('  afc   f5 ')).toEqual({ ok: true, value: 'AFC F5' });
    expect(validateSubscription({ mark: 'afc f5' })).toEqual({ ok: true, value: { mark: 'AFC F5' } });
  });

  it('holds for postcodes, which are upper-cased too', () => {
    expect(canonicalPostcode('ß1 1AA')).toBeNull();
    expect(canonicalPostcode('ﬁ1 1AA')).toBeNull();
    expect(canonicalPostcode('sw1 4rt')).toBe('SW1 4RT');
  });
});

/** Node's Unicode tables: the class validation must reject (Cs: any lone surrogate). */
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

describe('defect 9: free text holds no control, format (zero-width, bidi) or separator character', () => {
  it("agrees with Unicode's Cc, Cf, Zl, Zp and Cs for every code point", () => {
    const disagreements: string[] = [];
    for (let code = 0; code <= 0x10ffff; code += 1) {
      const c = String.fromCodePoint(code);
      if (hasForbiddenCharacter(`a${c}b`) !== FORBIDDEN.test(c)) disagreements.push(code.toString(16));
    }
    expect(disagreements).toEqual([]);
    // lone surrogates, which String.fromCodePoint(0xd800..) above already gives one at a time
    expect(hasForbiddenCharacter('a\ud800')).toBe(true);
    expect(hasForbiddenCharacter('\udc00a')).toBe(true);
    expect(hasForbiddenCharacter('Zoë 😀 Łukasz')).toBe(false);
  });

  const ZERO_WIDTH_ONLY = '\u200b\u200b\u200b';
  const BIDI_OVERRIDE = 'Felicity \u202eseno\u202c';

  it('is applied to every free-text input of every mutation', () => {
    for (const bad of [ZERO_WIDTH_ONLY, BIDI_OVERRIDE, 'Fe\u2066li\u2069city', '\ufeffFelicity', 'Fe\u00adlicity', 'Fe\u200dlicity']) {
      for (const field of ['purchaserName', 'nomineeName', 'customerId', 'telephoneNo']) {
        expect(problemFields('createEntitlement', { mark: 'AB 12', entitlement: { ...ENTITLEMENT, [field]: bad } }), field).toEqual([`input.entitlement.${field}`]);
      }
      for (const field of ['addLine1', 'addLine2', 'addLine3', 'addLine4', 'postTown']) {
        expect(problemFields('changeAddress', { mark: 'AB 12', expectedVersion: 1, address: { ...ENTITLEMENT.address, [field]: bad } }), field).toEqual([
          `input.address.${field}`,
        ]);
      }
      expect(problemFields('changeNominee', { mark: 'AB 12', expectedVersion: 1, nomineeName: bad })).toEqual(['input.nomineeName']);
      expect(problemFields('lockMark', { mark: 'AB 12', expectedVersion: 1, commandId: bad })).toEqual(['input.commandId']);
    }
    expect(problemFields('changeNominee', { mark: 'AB 12', expectedVersion: 1, nomineeName: 'Zoë Ørsted-Łukasz' })).toEqual([]);
  });
});

describe('defect 6: an AWSDateTime is valid only when its UTC instant is in years 0000..9999', () => {
  const OUTSIDE = ['0000-01-01T00:00:00+01:00', '0000-01-01T00:59:59.999+01:00', '9999-12-31T23:00:00-01:00', '9999-12-31T23:59:59.999-00:01'];
  const EDGES = { '0000-01-01T00:00:00Z': '0000-01-01T00:00:00.000Z', '0000-01-01T01:00:00+01:00': '0000-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z': '9999-12-31T23:59:59.999Z', '9999-12-31T22:59:59.999-01:00': '9999-12-31T23:59:59.999Z' };

  it('normalises the edges and refuses what lies beyond them', () => {
    for (const [text, stored] of Object.entries(EDGES)) expect(normaliseDateTime(text)).toBe(stored);
    for (const text of OUTSIDE) expect(normaliseDateTime(text)).toBeNull();
  });

  it('is applied to every AWSDateTime input', () => {
    for (const text of OUTSIDE) {
      expect(problemFields('releaseMark', { mark: 'AB 12', price: 1, eventTime: text })).toEqual(['input.eventTime']);
      for (const field of ['certificateTime', 'agreementTime', 'expiryTime']) {
        expect(problemFields('createEntitlement', { mark: 'AB 12', entitlement: { ...ENTITLEMENT, [field]: text } })).toEqual([`input.entitlement.${field}`]);
      }
      expect(problemFields('extendEntitlement', { mark: 'AB 12', expectedVersion: 1, expiryTime: text, agreementTime: text })).toEqual([
        'input.expiryTime',
        'input.agreementTime',
      ]);
      const at = validateGetMarkAt({ mark: 'AB 12', at: text });
      expect(!at.ok && at.error.errorInfo).toEqual({ errors: [{ field: 'at', reason: expect.stringContaining('0000-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z') }] });
    }
    for (const text of Object.keys(EDGES)) expect(problemFields('releaseMark', { mark: 'AB 12', price: 1, eventTime: text })).toEqual([]);
  });
});
