import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/** v1: the additional data is the key id. v2: key id and the row's identity (`context`). */
const KEY_ID_ONLY = 1;
const BOUND_TO_ROW = 2;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * A ciphertext names a key id this process was not given: a configuration fault (a key
 * removed too early, an instance started without the newest key), not a fault of the data.
 * Consumers treat it as transient and wait for the key instead of dead-lettering the event.
 */
export class UnknownKeyIdError extends Error {
  constructor(readonly keyId: string) {
    super(`no encryption key "${keyId}" is configured; it is needed to read older rows`);
    this.name = 'UnknownKeyIdError';
  }
}

/**
 * AES-256-GCM for secrets at rest (license values, outbox payloads that carry them).
 * Each ciphertext names its key id, so keys rotate by adding a new active key while
 * old rows stay readable.
 */
export class SecretBox {
  private readonly keys: Map<string, Buffer>;

  constructor(
    keys: Map<string, Buffer>,
    private readonly activeKeyId: string,
  ) {
    for (const [id, key] of keys) {
      if (key.length !== 32) throw new Error(`encryption key "${id}" must be 32 bytes (base64 of 32 random bytes)`);
    }
    if (!keys.has(activeKeyId)) throw new Error(`the active encryption key "${activeKeyId}" is not among the configured keys`);
    this.keys = keys;
  }

  /** Parses `id:base64key,id2:base64key`; the active key defaults to the last one listed. */
  static fromSpec(spec: string, activeKeyId?: string): SecretBox {
    const keys = new Map<string, Buffer>();
    for (const entry of spec
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean)) {
      const [id, material] = entry.split(':');
      if (!id || !material || !/^[\w-]{1,32}$/.test(id)) throw new Error('encryption keys must be listed as <id>:<base64 key>');
      keys.set(id, Buffer.from(material, 'base64'));
    }
    return new SecretBox(keys, activeKeyId ?? [...keys.keys()].pop() ?? '');
  }

  get activeKey(): string {
    return this.activeKeyId;
  }

  /** Every configured key id: the active one and those kept to read older rows. */
  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  /**
   * Seals a secret. With `context` (the row's identity, e.g. `license:<id>`) the ciphertext is
   * bound to that row: moved into another row, it no longer decrypts. Without it, only the key
   * id is bound (version 1, the format of rows written before binding existed).
   */
  encrypt(plaintext: string | Buffer, context?: string): Buffer {
    const version = context === undefined ? KEY_ID_ONLY : BOUND_TO_ROW;
    const keyId = Buffer.from(this.activeKeyId, 'utf8');
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key(this.activeKeyId), iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(version, keyId, context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.from([version, keyId.length]), keyId, iv, cipher.getAuthTag(), body]);
  }

  /**
   * Seals many secrets, each bound to its own row (format v2, as `encrypt` with a context), with
   * one random draw for all their IVs: a bulk import seals a million values, and a draw per value
   * cost more than the encryption itself. Each IV is still 12 fresh random bytes of its own.
   */
  encryptMany(plaintexts: readonly (string | Buffer)[], contexts: readonly string[]): Buffer[] {
    if (plaintexts.length !== contexts.length) throw new Error('encryptMany needs one context per plaintext');
    const keyId = Buffer.from(this.activeKeyId, 'utf8');
    const key = this.key(this.activeKeyId);
    const ivs = randomBytes(IV_BYTES * plaintexts.length);
    const head = Buffer.from([BOUND_TO_ROW, keyId.length]);
    return plaintexts.map((plaintext, i) => {
      const iv = ivs.subarray(i * IV_BYTES, (i + 1) * IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(additionalData(BOUND_TO_ROW, keyId, contexts[i]));
      const body = cipher.update(plaintext);
      cipher.final();
      return Buffer.concat([head, keyId, iv, cipher.getAuthTag(), body]);
    });
  }

  /**
   * Opens a sealed secret. A version 2 ciphertext opens only with the `context` it was sealed
   * with; a version 1 one ignores it, so rows written before binding stay readable until they
   * are re-encrypted. The tag must be the full 16 bytes: a truncated tag is refused.
   */
  decrypt(sealed: Buffer, context?: string): Buffer {
    const version = sealed[0];
    if (version !== KEY_ID_ONLY && version !== BOUND_TO_ROW) throw new Error('unknown ciphertext version');
    if (version === BOUND_TO_ROW && context === undefined) throw new Error('this ciphertext is bound to a row; name the row to open it');
    const keyIdEnd = 2 + sealed[1];
    if (sealed.length < keyIdEnd + IV_BYTES + TAG_BYTES) throw new Error('ciphertext too short: truncated before the end of its 16-byte tag');
    const keyId = sealed.subarray(2, keyIdEnd);
    const iv = sealed.subarray(keyIdEnd, keyIdEnd + IV_BYTES);
    const tag = sealed.subarray(keyIdEnd + IV_BYTES, keyIdEnd + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.key(keyId.toString('utf8')), iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData(version, keyId, context));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(sealed.subarray(keyIdEnd + IV_BYTES + TAG_BYTES)), decipher.final()]);
  }

  decryptText(sealed: Buffer, context?: string): string {
    return this.decrypt(sealed, context).toString('utf8');
  }

  /** The ciphertext format version: 1 (key id only) or 2 (bound to its row). */
  static versionOf(sealed: Buffer): number {
    return sealed[0];
  }

  /** The key id a ciphertext was sealed with, to find rows that still need re-encryption. */
  static keyIdOf(sealed: Buffer): string {
    return sealed.subarray(2, 2 + sealed[1]).toString('utf8');
  }

  private key(id: string): Buffer {
    const key = this.keys.get(id);
    if (!key) throw new UnknownKeyIdError(id);
    return key;
  }
}

function additionalData(version: number, keyId: Buffer, context: string | undefined): Buffer {
  if (version === KEY_ID_ONLY) return keyId;
  // Length-prefixed, so no (key id, context) pair can read as another.
  const row = Buffer.from(context ?? '', 'utf8');
  const lengths = Buffer.alloc(6);
  lengths.writeUInt16BE(keyId.length, 0);
  lengths.writeUInt32BE(row.length, 2);
  return Buffer.concat([Buffer.from([BOUND_TO_ROW]), lengths, keyId, row]);
}

/** A keyed hash for finding equal secrets without storing or comparing plaintext. */
export function keyedHash(key: Buffer, value: string): Buffer {
  return createHmac('sha256', key).update(value, 'utf8').digest();
}
