import { randomBytes } from 'node:crypto';
import { SecretBox } from '@keypool/platform';
import { licenseHash } from '../licenses/license-hash';
import { licenseValueContext } from '../keys/sealed-columns';
import type { SealedBatch } from './license-copy-rows';
import { InlineLicenseSealer, WorkerLicenseSealer } from './license-sealer';

const idOf = (batch: SealedBatch, i: number) => {
  const hex = batch.ids.toString('hex', 16 * i, 16 * (i + 1));
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};
const sealedOf = (batch: SealedBatch, i: number) => batch.sealed.subarray(i === 0 ? 0 : batch.sealedEnds[i - 1], batch.sealedEnds[i]);

describe('license sealers', () => {
  const encryptionKeys = `old:${randomBytes(32).toString('base64')},k2:${randomBytes(32).toString('base64')}`;
  const cipher = SecretBox.fromSpec(encryptionKeys);
  const hashKey = randomBytes(32);
  const lines = [
    { line: 3, value: 'KEY-0003' },
    { line: 9, value: '\ufb01le-0009' },
    { line: 70000, value: 'ключ-😀-鍵' },
  ];

  it.each([
    ['on worker threads', () => new WorkerLicenseSealer({ encryptionKeys, hashKey }, 2)],
    ['on the event loop', () => new InlineLicenseSealer(cipher, hashKey)],
  ])('seal %s: hashes as licenseHash and seals to each row id with the active key, batches in the order asked', async (_, make) => {
    const sealer = make();
    try {
      const batches = await Promise.all(Array.from({ length: 5 }, (_, n) => sealer.seal(lines.map((l) => ({ ...l, line: l.line + n })))));
      batches.forEach((batch, n) => {
        expect([...batch.lines]).toEqual(lines.map((l) => l.line + n));
        lines.forEach((l, i) => {
          expect(batch.hashes.subarray(32 * i, 32 * (i + 1)).equals(licenseHash(hashKey, l.value))).toBe(true);
          expect(cipher.decryptText(sealedOf(batch, i), licenseValueContext(idOf(batch, i)))).toBe(l.value);
          expect(SecretBox.keyIdOf(sealedOf(batch, i))).toBe('k2');
        });
        expect(batch.sealed.includes(Buffer.from('KEY-0003'))).toBe(false);
      });
      expect(new Set(batches.flatMap((b) => lines.map((_, i) => idOf(b, i)))).size).toBe(15);
    } finally {
      if (sealer instanceof WorkerLicenseSealer) await sealer.close();
    }
  });

  it('fails the batches of a worker that cannot start, and starts a new one for the next', async () => {
    const broken = new WorkerLicenseSealer({ encryptionKeys: 'bad spec', hashKey }, 1);
    await expect(broken.seal(lines)).rejects.toThrow();
    await broken.close();
  });
});
