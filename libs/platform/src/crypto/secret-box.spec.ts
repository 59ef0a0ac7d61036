import { randomBytes } from 'node:crypto';
import { SecretBox, keyedHash } from './secret-box';

const key = () => randomBytes(32).toString('base64');

describe('SecretBox', () => {
  it('round-trips a secret and never stores it in the clear', () => {
    const box = SecretBox.fromSpec(`k1:${key()}`);
    const sealed = box.encrypt('AAAA-BBBB-CCCC');
    expect(sealed.includes(Buffer.from('AAAA-BBBB-CCCC'))).toBe(false);
    expect(box.decryptText(sealed)).toBe('AAAA-BBBB-CCCC');
  });

  it('reads rows sealed with an older key after rotation', () => {
    const k1 = key();
    const old = SecretBox.fromSpec(`k1:${k1}`);
    const rotated = SecretBox.fromSpec(`k1:${k1},k2:${key()}`, 'k2');
    const sealedOld = old.encrypt('old-secret');
    expect(rotated.decryptText(sealedOld)).toBe('old-secret');
    expect(SecretBox.keyIdOf(rotated.encrypt('new'))).toBe('k2');
  });

  it('refuses a tampered ciphertext', () => {
    const box = SecretBox.fromSpec(`k1:${key()}`);
    const sealed = box.encrypt('secret');
    sealed[sealed.length - 1] ^= 1;
    expect(() => box.decrypt(sealed)).toThrow();
  });

  it('rejects keys of the wrong size with a message saying what is expected', () => {
    expect(() => SecretBox.fromSpec('k1:c2hvcnQ=')).toThrow(/32 bytes/);
  });

  it('gives equal keyed hashes for equal values only', () => {
    const hmacKey = randomBytes(32);
    expect(keyedHash(hmacKey, 'a').equals(keyedHash(hmacKey, 'a'))).toBe(true);
    expect(keyedHash(hmacKey, 'a').equals(keyedHash(hmacKey, 'b'))).toBe(false);
  });
});
