import { randomBytes } from 'node:crypto';
import { SecretBox } from '@keypool/platform';
import { licenseHash } from '../licenses/license-hash';
import { licenseValueContext } from '../keys/sealed-columns';
import { BulkLicenseHasher, licenseCopyRows } from './license-copy-rows';

describe('license COPY rows', () => {
  it('hashes exactly as licenseHash: NFKC form, case kept, any length and script', () => {
    const key = randomBytes(32);
    const hasher = new BulkLicenseHasher(key);
    const values = ['AAAA-BBBB', 'aaaa-bbbb', '\uff2e\uff26\uff2b\uff23-0001', '\ufb01le-0003', 'NFKC\u00a0KEY', 'ключ-😀-鍵', 'L'.repeat(2048), 'x'];
    for (const value of values) expect(hasher.hash(value).equals(licenseHash(key, value))).toBe(true);
    expect(hasher.hash('\ufb01le-0003').equals(hasher.hash('file-0003'))).toBe(true);
    expect(hasher.hash('ABC').equals(hasher.hash('abc'))).toBe(false);
  });

  it('encodes binary COPY rows of line, id, hash and a value sealed to that id', () => {
    const key = randomBytes(32);
    const cipher = new SecretBox(new Map([['k1', randomBytes(32)]]), 'k1');
    const rows = licenseCopyRows(
      [
        { line: 7, value: 'KEY-0007' },
        { line: 70000, value: 'ключ-0008' },
      ],
      new BulkLicenseHasher(key),
      cipher,
    );
    const read: { line: number; id: string; hash: Buffer; value: Buffer }[] = [];
    for (let at = 0; at < rows.length;) {
      expect(rows.readInt16BE(at)).toBe(4);
      at += 2;
      const fields: Buffer[] = [];
      for (let f = 0; f < 4; f++) {
        const length = rows.readInt32BE(at);
        fields.push(rows.subarray(at + 4, at + 4 + length));
        at += 4 + length;
      }
      const hex = fields[1].toString('hex');
      read.push({
        line: fields[0].readInt32BE(0),
        id: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
        hash: fields[2],
        value: fields[3],
      });
    }
    expect(read.map((r) => r.line)).toEqual([7, 70000]);
    expect(read.map((r) => cipher.decryptText(r.value, licenseValueContext(r.id)))).toEqual(['KEY-0007', 'ключ-0008']);
    expect(read[1].hash.equals(licenseHash(key, 'ключ-0008'))).toBe(true);
    expect(() => cipher.decrypt(read[0].value, licenseValueContext(read[1].id))).toThrow();
    expect(rows.includes(Buffer.from('KEY-0007'))).toBe(false);
  });
});
