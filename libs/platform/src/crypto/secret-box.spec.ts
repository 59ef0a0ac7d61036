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

  it('refuses a ciphertext whose tag was truncated', () => {
    const box = SecretBox.fromSpec(`k1:${key()}`);
    const sealed = box.encrypt('');
    // An empty secret ends with its tag: cutting bytes off shortens the tag itself.
    expect(() => box.decrypt(sealed.subarray(0, sealed.length - 4))).toThrow(/16-byte tag/);
    expect(() => box.decrypt(sealed.subarray(0, sealed.length - 15))).toThrow(/16-byte tag/);
  });

  it('binds a ciphertext to its row: it opens with its own context only', () => {
    const box = SecretBox.fromSpec(`k1:${key()}`);
    const sealed = box.encrypt('AAAA-BBBB', 'license:lic_1');
    expect(SecretBox.versionOf(sealed)).toBe(2);
    expect(box.decryptText(sealed, 'license:lic_1')).toBe('AAAA-BBBB');
    expect(() => box.decrypt(sealed, 'license:lic_2')).toThrow();
    expect(() => box.decrypt(sealed)).toThrow(/bound to a row/);
  });

  it('seals many values at once, each bound to its own row with an IV of its own', () => {
    const box = new SecretBox(new Map([['k1', randomBytes(32)]]), 'k1');
    const sealed = box.encryptMany(['first', 'second', 'first'], ['license:a', 'license:b', 'license:c']);
    expect(sealed.map((s, i) => box.decryptText(s, ['license:a', 'license:b', 'license:c'][i]))).toEqual(['first', 'second', 'first']);
    expect(sealed.map((s) => SecretBox.versionOf(s))).toEqual([2, 2, 2]);
    expect(() => box.decrypt(sealed[0], 'license:c')).toThrow();
    const ivs = new Set(sealed.map((s) => s.subarray(4, 16).toString('hex')));
    expect(ivs.size).toBe(3);
  });

  it('still reads version 1 rows (key id only) whatever context the reader names', () => {
    const box = SecretBox.fromSpec(`k1:${key()}`);
    const legacy = box.encrypt('OLD-KEY');
    expect(SecretBox.versionOf(legacy)).toBe(1);
    expect(box.decryptText(legacy, 'license:lic_1')).toBe('OLD-KEY');
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
