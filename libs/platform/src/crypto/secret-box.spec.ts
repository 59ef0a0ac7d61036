import { randomBytes } from 'node:crypto';
import { SecretBox, UnknownKeyIdError, keyedHash } from './secret-box';

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

  describe('format', () => {
    // Sealed by the implementation before IVs were pooled and ciphertexts written in one buffer
    // (commit 2d5293d): rows already stored must keep opening.
    const stored = SecretBox.fromSpec('k-2026:AQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=');

    it('opens version 1 and 2 ciphertexts sealed by the earlier implementation', () => {
      const v1 = Buffer.from('01066b2d32303236c132025e3689049ad2c55a06c875bec00993342cdce4861310acddebd0a44cb6949f66c54e9ecd6d43e8f3', 'hex');
      const v2 = Buffer.from('02066b2d32303236ec2dbaa4a6011bec6ae4f20996aab682286426af4000e109aa4a9d6e1d227a9221548edb8640db684b4a76c0bab1', 'hex');
      const many = Buffer.from('02066b2d323032363ea11686594257bdd5331d5894e43fb4dc767ab1c64ddb4efcb7872e4ebf14ec280af5b1501e', 'hex');
      expect(stored.decryptText(v1)).toBe('LEGACY-V1-VALUE');
      expect(stored.decryptText(v2, 'license:0193a1b2-0000-7000-8000-000000000001')).toBe('AAAA-BBBB-ÇÇ-€');
      expect(stored.decryptText(many, 'license:bulk-1')).toBe('bulk-value');
      expect(() => stored.decrypt(v2, 'license:0193a1b2-0000-7000-8000-000000000002')).toThrow();
    });

    it('writes version, key id length, key id, 12-byte IV, 16-byte tag, then a body as long as the UTF-8 plaintext', () => {
      const value = 'ÇÇ-€-value';
      for (const sealed of [stored.encrypt(value), stored.encrypt(value, 'license:x'), stored.encryptMany([value], ['license:x'])[0]]) {
        expect(sealed[1]).toBe(6);
        expect(sealed.toString('utf8', 2, 8)).toBe('k-2026');
        expect(sealed.length).toBe(2 + 6 + 12 + 16 + Buffer.byteLength(value));
      }
      expect(SecretBox.versionOf(stored.encrypt(value))).toBe(1);
      expect(SecretBox.versionOf(stored.encrypt(value, 'license:x'))).toBe(2);
    });
  });

  it('gives every ciphertext an IV of its own, across many values and refills of the random pool', () => {
    const box = SecretBox.fromSpec(`k1:${key()}`);
    const ivOf = (sealed: Buffer) => sealed.toString('hex', 4, 16);
    // Several times the pool's size, single and batched seals interleaved: a pool handed out twice
    // or not refilled would repeat IVs.
    const ivs: string[] = [];
    for (let i = 0; i < 1500; i++) {
      ivs.push(ivOf(i % 2 ? box.encrypt('same') : box.encrypt('same', 'license:a')));
      if (i % 100 === 0) ivs.push(...box.encryptMany(['a', 'b', 'c'], ['license:a', 'license:b', 'license:c']).map(ivOf));
    }
    expect(new Set(ivs).size).toBe(ivs.length);
    expect(ivs.length).toBeGreaterThan(1500);
  });

  it('round-trips unicode values bound to unicode contexts of any length, and refuses a context differing by one character', () => {
    const box = SecretBox.fromSpec(`k1:${key()}`);
    for (const context of ['', 'license:é', `order:${'ü'.repeat(400)}`]) {
      const sealed = box.encrypt('välue-€', context);
      expect(box.decryptText(sealed, context)).toBe('välue-€');
      expect(() => box.decrypt(sealed, `${context}x`)).toThrow();
    }
    // A v1 ciphertext sealed after v2 ones still opens (no additional data left over between calls).
    expect(box.decryptText(box.encrypt('v1'))).toBe('v1');
  });

  it('finds the key a ciphertext names among keys whose ids share a prefix, and names a missing one', () => {
    const [k1, k10] = [key(), key()];
    const both = SecretBox.fromSpec(`k1:${k1},k10:${k10}`, 'k1');
    const sealedK10 = SecretBox.fromSpec(`k10:${k10}`).encrypt('ten', 'license:a');
    expect(both.decryptText(sealedK10, 'license:a')).toBe('ten');
    expect(both.decryptText(both.encrypt('one', 'license:a'), 'license:a')).toBe('one');
    const error = (() => {
      try {
        SecretBox.fromSpec(`k1:${k1}`).decrypt(sealedK10, 'license:a');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UnknownKeyIdError);
    expect((error as UnknownKeyIdError).keyId).toBe('k10');
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
