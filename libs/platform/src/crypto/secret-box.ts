import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { fillRandom } from './random-pool';

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

/** What sealing and opening need of one key, worked out once instead of per value. */
interface KeyEntry {
  readonly id: string;
  readonly key: Buffer;
  /** The key id's UTF-8 bytes: the ciphertext's header names them, and they are v1's additional data. */
  readonly idBytes: Buffer;
}

/**
 * AES-256-GCM for secrets at rest (license values, outbox payloads that carry them).
 * Each ciphertext names its key id, so keys rotate by adding a new active key while
 * old rows stay readable.
 *
 * Format: version (1 byte), key id length (1 byte), key id, IV (12), tag (16), ciphertext.
 */
export class SecretBox {
  private readonly entries: KeyEntry[];
  private readonly active: KeyEntry;

  constructor(
    keys: Map<string, Buffer>,
    private readonly activeKeyId: string,
  ) {
    for (const [id, key] of keys) {
      if (key.length !== 32) throw new Error(`encryption key "${id}" must be 32 bytes (base64 of 32 random bytes)`);
    }
    if (!keys.has(activeKeyId)) throw new Error(`the active encryption key "${activeKeyId}" is not among the configured keys`);
    this.entries = [...keys].map(([id, key]) => ({ id, key, idBytes: Buffer.from(id, 'utf8') }));
    this.active = this.entries.find((e) => e.id === activeKeyId)!;
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
    return this.entries.map((entry) => entry.id);
  }

  /**
   * Seals a secret. With `context` (the row's identity, e.g. `license:<id>`) the ciphertext is
   * bound to that row: moved into another row, it no longer decrypts. Without it, only the key
   * id is bound (version 1, the format of rows written before binding existed).
   */
  encrypt(plaintext: string | Buffer, context?: string): Buffer {
    return seal(this.active, context === undefined ? KEY_ID_ONLY : BOUND_TO_ROW, plaintext, context);
  }

  /**
   * Seals many secrets, each bound to its own row (format v2, as `encrypt` with a context). Each
   * IV is 12 fresh random bytes of its own, taken from the process's pool of random bytes (see
   * random-pool.ts): a bulk import seals a million values, and a random draw per value cost more than
   * the encryption itself.
   */
  encryptMany(plaintexts: readonly (string | Buffer)[], contexts: readonly string[]): Buffer[] {
    if (plaintexts.length !== contexts.length) throw new Error('encryptMany needs one context per plaintext');
    const active = this.active;
    return plaintexts.map((plaintext, i) => seal(active, BOUND_TO_ROW, plaintext, contexts[i]));
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
    const entry = this.entryNamedIn(sealed, keyIdEnd);
    const tagStart = keyIdEnd + IV_BYTES;
    const bodyStart = tagStart + TAG_BYTES;
    const decipher = createDecipheriv('aes-256-gcm', entry.key, sealed.subarray(keyIdEnd, tagStart), { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData(entry, version, context));
    decipher.setAuthTag(sealed.subarray(tagStart, bodyStart));
    // GCM is a stream mode: update gives the whole plaintext, and final only checks the tag
    // (throwing if it does not match), so the plaintext needs no concat with final's empty output.
    const plaintext = decipher.update(sealed.subarray(bodyStart));
    decipher.final();
    return plaintext;
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

  /**
   * The configured key whose id is bytes 2..keyIdEnd of `sealed`, compared in place: a process
   * holds one or two keys, and decoding the id to look it up made a string per value opened.
   */
  private entryNamedIn(sealed: Buffer, keyIdEnd: number): KeyEntry {
    const length = keyIdEnd - 2;
    for (const entry of this.entries) {
      if (entry.idBytes.length === length && sealed.compare(entry.idBytes, 0, length, 2, keyIdEnd) === 0) return entry;
    }
    throw new UnknownKeyIdError(sealed.toString('utf8', 2, keyIdEnd));
  }
}

/**
 * Writes the ciphertext straight into one buffer of its final size (header, IV, tag, body)
 * rather than concatenating parts: sealing runs for every outbox payload and license value.
 */
function seal(entry: KeyEntry, version: number, plaintext: string | Buffer, context: string | undefined): Buffer {
  const idLength = entry.idBytes.length;
  const ivStart = 2 + idLength;
  const tagStart = ivStart + IV_BYTES;
  const bodyStart = tagStart + TAG_BYTES;
  // cipher.update encodes a string as UTF-8, and GCM's ciphertext is as long as its plaintext.
  const bodyLength = typeof plaintext === 'string' ? Buffer.byteLength(plaintext, 'utf8') : plaintext.length;
  const sealed = Buffer.allocUnsafe(bodyStart + bodyLength);
  sealed[0] = version;
  sealed[1] = idLength;
  entry.idBytes.copy(sealed, 2);
  // Each IV is 12 fresh random bytes of its own, used once: what GCM needs is that no IV repeats
  // under a key. An IV is no secret (it is stored in the clear in front of the tag).
  fillRandom(sealed, ivStart, IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', entry.key, sealed.subarray(ivStart, tagStart), { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(entry, version, context));
  const body = cipher.update(plaintext);
  cipher.final();
  // Never ship a body of another length than the buffer was sized for (uninitialised or cut bytes).
  if (body.length !== bodyLength) throw new Error(`sealing produced ${body.length} bytes for a ${bodyLength}-byte plaintext`);
  body.copy(sealed, bodyStart);
  cipher.getAuthTag().copy(sealed, tagStart);
  return sealed;
}

/**
 * The additional data: v1, the key id; v2, the version, the key id's length (16 bits) and the
 * context's (32 bits), then both. Length-prefixed, so no (key id, context) pair can read as another.
 * Built in a scratch buffer reused across calls: setAAD hands the bytes to OpenSSL before it
 * returns, so nothing keeps a reference to them.
 */
let aadScratch = Buffer.allocUnsafeSlow(256);

function additionalData(entry: KeyEntry, version: number, context: string | undefined): Buffer {
  if (version === KEY_ID_ONLY) return entry.idBytes;
  const row = context ?? '';
  const idLength = entry.idBytes.length;
  const rowStart = 7 + idLength;
  const length = rowStart + Buffer.byteLength(row, 'utf8');
  if (aadScratch.length < length) aadScratch = Buffer.allocUnsafeSlow(Math.max(length, 2 * aadScratch.length));
  aadScratch[0] = BOUND_TO_ROW;
  aadScratch.writeUInt16BE(idLength, 1);
  aadScratch.writeUInt32BE(length - rowStart, 3);
  entry.idBytes.copy(aadScratch, 7);
  aadScratch.write(row, rowStart, 'utf8');
  return aadScratch.subarray(0, length);
}

/** A keyed hash for finding equal secrets without storing or comparing plaintext. */
export function keyedHash(key: Buffer, value: string): Buffer {
  return createHmac('sha256', key).update(value, 'utf8').digest();
}
