/** The input rules of issue 3 (Build 4), one by one, and the stored time format. */
import { describe, expect, it } from 'vitest';
import { canonicalMark } from '../resolvers/lib/mark';
import { normaliseDateTime, parseDateTime } from '../resolvers/lib/datetime-input';
import { formatDateTime, parseStoredTime } from '../resolvers/lib/time';
import { canonicalPostcode, validateCommand, validateGetMarkAt, validateListMarkEvents, validateListMarks, validateMarkArgument } from '../resolvers/lib/validation';
import { ENTITLEMENT } from './support/given';

function problems(kind: string, input: Record<string, unknown>) {
  const result = validateCommand(kind, input);
  if (result.ok) return [];
  expect(result.error.errorType).toBe('ValidationError');
  return (result.error.errorInfo as { errors: { field: string; reason: string }[] }).errors;
}

const fields = (kind: string, input: Record<string, unknown>) => problems(kind, input).map((p) => p.field);
const release = (input: Record<string, unknown>) => fields('releaseMark', { mark: 'AB 12', price: 1, ...input });
const entitlement = (changes: Record<string, unknown>) => fields('createEntitlement', { mark: 'AB 12', entitlement: { ...ENTITLEMENT, ...changes } });
const address = (changes: Record<string, unknown>) => fields('changeAddress', { mark: 'AB 12', expectedVersion: 1, address: { ...ENTITLEMENT.address, ...changes } });

describe('mark', () => {
  it('is canonicalised: trimmed, upper case, single spaces', () => {
    expect(canonicalMark('  afc   f5 ')).toBe('AFC F5');
    const result = validateCommand('releaseMark', { mark: ' afc  f5', price: 1 });
    expect(result.ok && result.value.mark).toBe('AFC F5');
  });
  it('is 1 to 7 letters or digits with at most one space', () => {
    for (const good of ['A', '1', 'ABCDEFG', 'ABC DEFG', 'a1']) expect(release({ mark: good })).toEqual([]);
    for (const bad of ['', '   ', 'ABCDEFGH', 'AB CD EF', 'AB-12', 'AB\t12', 'ÄB 12', 'AB_1']) expect(release({ mark: bad })).toEqual(['input.mark']);
  });
  it('is checked in queries too', () => {
    expect(validateMarkArgument(' afc f5 ')).toEqual({ ok: true, value: 'AFC F5' });
    expect(validateMarkArgument('AFC F5 X').ok).toBe(false);
  });
});

describe('price', () => {
  it('is an integer from 0 to 10,000,000', () => {
    for (const good of [0, 1, 10_000_000]) expect(release({ price: good })).toEqual([]);
    for (const bad of [-1, 10_000_001, 1.5]) expect(release({ price: bad })).toEqual(['input.price']);
    expect(release({ price: null })).toEqual(['input.price']);
  });
});

describe('names and address lines', () => {
  it('are 1 to 100 characters without control characters', () => {
    expect(entitlement({ purchaserName: 'x'.repeat(100) })).toEqual([]);
    expect(entitlement({ purchaserName: 'x'.repeat(101) })).toEqual(['input.entitlement.purchaserName']);
    expect(entitlement({ nomineeName: '' })).toEqual(['input.entitlement.nomineeName']);
    expect(entitlement({ nomineeName: '   ' })).toEqual(['input.entitlement.nomineeName']);
    for (const control of ['\u0000', '\n', '\u001b', '\u007f', '\u0085', '\u2028']) {
      expect(entitlement({ purchaserName: `Felicity${control}Jones` })).toEqual(['input.entitlement.purchaserName']);
    }
    expect(address({ addLine2: 'a\tb' })).toEqual(['input.address.addLine2']);
    expect(fields('changeNominee', { mark: 'AB 12', expectedVersion: 1, nomineeName: 'y'.repeat(101) })).toEqual(['input.nomineeName']);
  });
  it('addLine1, postTown and postcode are required', () => {
    expect(address({ addLine1: undefined })).toEqual(['input.address.addLine1']);
    expect(address({ postTown: '' })).toEqual(['input.address.postTown']);
    expect(address({ postcode: ' ' })).toEqual(['input.address.postcode']);
    expect(fields('changeAddress', { mark: 'AB 12', expectedVersion: 1 })).toEqual(['input.address']);
  });
});

describe('postcode', () => {
  it('is a UK postcode, canonicalised', () => {
    expect(canonicalPostcode('sw1 4rt')).toBe('SW1 4RT');
    expect(canonicalPostcode('SW1A1AA')).toBe('SW1A 1AA');
    expect(canonicalPostcode('m1 1ae')).toBe('M1 1AE');
    expect(canonicalPostcode('cr2 6xh')).toBe('CR2 6XH');
    expect(canonicalPostcode('dn55 1pt')).toBe('DN55 1PT');
    expect(canonicalPostcode('w1a 0ax')).toBe('W1A 0AX');
    expect(canonicalPostcode('gir0aa')).toBe('GIR 0AA');
    for (const bad of ['12345', 'SW1 4R', 'SW1 44T', 'ABCDE FG', 'SW1-4RT', 'S']) expect(canonicalPostcode(bad)).toBeNull();
    expect(address({ postcode: 'NOT A CODE' })).toEqual(['input.address.postcode']);
  });
});

describe('certificate numbers', () => {
  it('are 1 to 32 letters or digits', () => {
    expect(entitlement({ certificateNo: 'A'.repeat(32) })).toEqual([]);
    for (const bad of ['', 'A'.repeat(33), 'EV56-RP25', 'EV56 RP25']) expect(entitlement({ certificateNo: bad })).toEqual(['input.entitlement.certificateNo']);
  });
});

describe('versions and limits', () => {
  it('expectedVersion is at least 1', () => {
    expect(fields('lockMark', { mark: 'AB 12', expectedVersion: 0 })).toEqual(['input.expectedVersion']);
    expect(fields('lockMark', { mark: 'AB 12', expectedVersion: -3 })).toEqual(['input.expectedVersion']);
    expect(fields('lockMark', { mark: 'AB 12' })).toEqual(['input.expectedVersion']);
    expect(fields('lockMark', { mark: 'AB 12', expectedVersion: 1 })).toEqual([]);
  });
  it('limit is 1 to 100, fromVersion and version at least 1', () => {
    expect(validateListMarks({ limit: 100 }).ok).toBe(true);
    expect(validateListMarks({ limit: 0 }).ok).toBe(false);
    expect(validateListMarks({ limit: 101 }).ok).toBe(false);
    expect(validateListMarkEvents({ mark: 'AB 12', limit: 1000 }).ok).toBe(false);
    expect(validateListMarkEvents({ mark: 'AB 12', fromVersion: 0 }).ok).toBe(false);
    expect(validateGetMarkAt({ mark: 'AB 12', version: 0 }).ok).toBe(false);
  });
});

describe('times', () => {
  it('are stored as fixed-width UTC with milliseconds', () => {
    expect(normaliseDateTime('2019-11-29T09:26:43.837Z')).toBe('2019-11-29T09:26:43.837Z');
    expect(normaliseDateTime('2019-11-29T09:26:43Z')).toBe('2019-11-29T09:26:43.000Z');
    expect(normaliseDateTime('2019-11-29T09:26Z')).toBe('2019-11-29T09:26:00.000Z');
    expect(normaliseDateTime('2019-11-29T09:26:43.8Z')).toBe('2019-11-29T09:26:43.800Z');
    expect(normaliseDateTime('2019-11-29T09:26:43.123456789Z')).toBe('2019-11-29T09:26:43.123Z');
    expect(normaliseDateTime('2019-11-29T10:26:43.837+01:00')).toBe('2019-11-29T09:26:43.837Z');
    expect(normaliseDateTime('2020-02-29T23:30:00-01:00')).toBe('2020-03-01T00:30:00.000Z');
    for (const bad of ['2019-02-29T00:00:00Z', '2019-11-29T24:00:00Z', '2019-11-29 09:26:43Z', '2019-11-29T09:26:43', '2019-11-29T09:26:43.Z', 'yesterday']) {
      expect(normaliseDateTime(bad)).toBeNull();
    }
    expect(fields('releaseMark', { mark: 'AB 12', price: 1, eventTime: 'yesterday' })).toEqual(['input.eventTime']);
  });
  it('agree with Date for any instant', () => {
    for (const ms of [0, 951_782_400_000, 1_700_000_000_123, 4_102_444_799_999, -86_400_001]) {
      expect(formatDateTime(ms)).toBe(new Date(ms).toISOString());
      expect(parseDateTime(new Date(ms).toISOString())).toBe(ms);
      expect(parseStoredTime(new Date(ms).toISOString())).toBe(ms);
    }
  });
});

describe('all problems together', () => {
  it('are reported in one ValidationError', () => {
    const result = validateCommand('createEntitlement', {
      mark: 'TOO LONG MARK',
      price: -5,
      entitlement: { certificateNo: '!!', purchaserName: '', address: { addLine1: 'x', postTown: 'y', postcode: 'nope' } },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.errorInfo).toEqual({
      errors: [
        { field: 'input.mark', reason: 'must be 1 to 7 letters or digits with at most one space' },
        { field: 'input.price', reason: 'must be an integer from 0 to 10000000' },
        { field: 'input.entitlement.certificateNo', reason: 'must be 1 to 32 letters or digits' },
        { field: 'input.entitlement.purchaserName', reason: 'must be 1 to 100 characters' },
        { field: 'input.entitlement.address.postcode', reason: 'must be a UK postcode' },
      ],
    });
    expect(result.error.message).toContain('input.price: must be an integer from 0 to 10000000');
  });
});

describe('purchaseMark and the owner staff may name', () => {
  const buyer = { purchaserName: ' Gwen Price ', address: { addLine1: '9 Hill Road', postTown: 'Neath', postcode: 'sa111aa' } };
  it('takes a buyer’s entitlement without a certificate number (the server issues it), canonicalised', () => {
    const result = validateCommand('purchaseMark', { mark: 'ab 12', expectedVersion: 1, entitlement: buyer });
    expect(result).toEqual({ ok: true, value: { kind: 'purchaseMark', mark: 'AB 12', expectedVersion: 1, entitlement: { purchaserName: 'Gwen Price', address: { ...buyer.address, postcode: 'SA11 1AA' } } } });
    // a certificate number in the input is not the buyer's to choose: it is dropped, never stored
    const withNumber = validateCommand('purchaseMark', { mark: 'AB 12', expectedVersion: 1, entitlement: { ...buyer, certificateNo: 'MINE1' } });
    expect(withNumber.ok && withNumber.value.kind === 'purchaseMark' && 'certificateNo' in withNumber.value.entitlement).toBe(false);
  });
  it('reports every problem of a buyer’s entitlement', () => {
    expect(fields('purchaseMark', { mark: 'AB 12', expectedVersion: 1, entitlement: { address: { postTown: 'Neath', postcode: 'nope' } } })).toEqual([
      'input.entitlement.purchaserName',
      'input.entitlement.address.addLine1',
      'input.entitlement.address.postcode',
    ]);
    expect(fields('purchaseMark', { mark: 'AB 12', expectedVersion: 1 })).toEqual(['input.entitlement', 'input.entitlement.purchaserName', 'input.entitlement.address']);
  });
  it('createEntitlement’s owner is an optional short id', () => {
    expect(fields('createEntitlement', { mark: 'AB 12', entitlement: ENTITLEMENT, owner: '0b5e8c1a-1111-4a6b-9c1d-aaaaaaaaaaaa' })).toEqual([]);
    expect(fields('createEntitlement', { mark: 'AB 12', entitlement: ENTITLEMENT, owner: 'x'.repeat(65) })).toEqual(['input.owner']);
  });
});
