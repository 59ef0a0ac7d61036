import { randomBytes, randomUUID } from 'node:crypto';
import { SecretBox } from '@keypool/platform';
import { licenseHash } from '../licenses/license-hash';
import { licenseValueContext } from '../keys/sealed-columns';
import { BulkLicenseHasher, LICENSE_COPY_COLUMNS, licenseCopyRows, sealLicenses } from './license-copy-rows';

describe('license COPY rows', () => {
  it('hashes exactly as licenseHash: NFKC form, case kept, any length and script', () => {
    const key = randomBytes(32);
    const hasher = new BulkLicenseHasher(key);
    const values = ['AAAA-BBBB', 'aaaa-bbbb', '\uff2e\uff26\uff2b\uff23-0001', '\ufb01le-0003', 'NFKC\u00a0KEY', 'ключ-😀-鍵', 'L'.repeat(2048), 'x'];
    for (const value of values) expect(hasher.hash(value).equals(licenseHash(key, value))).toBe(true);
    expect(hasher.hash('\ufb01le-0003').equals(hasher.hash('file-0003'))).toBe(true);
    expect(hasher.hash('ABC').equals(hasher.hash('abc'))).toBe(false);
  });

  it('encodes binary COPY rows of license with a value sealed to its row id, in order, leaving out the rows not kept', () => {
    const key = randomBytes(32);
    const cipher = new SecretBox(new Map([['k1', randomBytes(32)]]), 'k1');
    const batch = sealLicenses(
      [
        { line: 7, value: 'KEY-0007' },
        { line: 8, value: 'LEFT-OUT' },
        { line: 70000, value: 'ключ-0008' },
      ],
      new BulkLicenseHasher(key),
      cipher,
    );
    expect([...batch.lines]).toEqual([7, 8, 70000]);
    const poolId = randomUUID();
    const uploadId = randomUUID();
    const rows = licenseCopyRows(batch, { poolId, merchantId: 'm_ключ', hashVersion: 2, uploadId }, (i) => i !== 1);
    const uuid = (field: Buffer) => {
      const hex = field.toString('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    };
    const read: { id: string; hash: Buffer; value: Buffer }[] = [];
    for (let at = 0; at < rows.length;) {
      expect(rows.readInt16BE(at)).toBe(LICENSE_COPY_COLUMNS.split(', ').length);
      at += 2;
      const fields: Buffer[] = [];
      for (let f = 0; f < 7; f++) {
        const length = rows.readInt32BE(at);
        fields.push(rows.subarray(at + 4, at + 4 + length));
        at += 4 + length;
      }
      expect(uuid(fields[1])).toBe(poolId);
      expect(fields[2].toString('utf8')).toBe('m_ключ');
      expect(fields[5].readInt16BE(0)).toBe(2);
      expect(uuid(fields[6])).toBe(uploadId);
      read.push({ id: uuid(fields[0]), hash: fields[3], value: fields[4] });
    }
    expect(read.map((r) => cipher.decryptText(r.value, licenseValueContext(r.id)))).toEqual(['KEY-0007', 'ключ-0008']);
    expect(read[1].hash.equals(licenseHash(key, 'ключ-0008'))).toBe(true);
    expect(read[1].hash.equals(batch.hashes.subarray(64, 96))).toBe(true);
    expect(() => cipher.decrypt(read[0].value, licenseValueContext(read[1].id))).toThrow();
    expect(rows.includes(Buffer.from('KEY-0007'))).toBe(false);
    expect(licenseCopyRows(batch, { poolId, merchantId: 'm', hashVersion: 2, uploadId }, () => false).length).toBe(0);
  });
});
