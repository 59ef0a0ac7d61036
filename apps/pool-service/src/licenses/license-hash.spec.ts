import { keyedHash } from '@keypool/platform';
import { licenseHash } from './license-hash';

const hashKey = Buffer.alloc(32, 7);
const same = (a: string, b: string) => licenseHash(hashKey, a).equals(licenseHash(hashKey, b));

describe('licenseHash', () => {
  it('makes keys a person would call the same one key', () => {
    expect(same('\uff21\uff22\uff23-\uff11\uff12\uff13', 'ABC-123')).toBe(true);
    expect(same('\ufb01le-KEY', 'file-KEY')).toBe(true);
    expect(same('KEY\u00a0ONE', 'KEY ONE')).toBe(true);
    expect(same('Cafe\u0301-KEY', 'Caf\u00e9-KEY')).toBe(true);
  });

  it('keeps letter case: license keys and links are case-sensitive', () => {
    expect(same('abcd-efgh', 'ABCD-EFGH')).toBe(false);
  });

  it('is the plain keyed hash for a value already in NFKC form, so most version 1 rows keep their hash', () => {
    expect(licenseHash(hashKey, 'AAAA-BBBB-CCCC').equals(keyedHash(hashKey, 'AAAA-BBBB-CCCC'))).toBe(true);
  });
});
