import { hash as digest } from 'node:crypto';
import { orderedUuids, type SecretBox } from '@keypool/platform';
import { licenseHash } from '../licenses/license-hash';
import { licenseValueContext } from '../keys/sealed-columns';

/** One accepted line of an upload, waiting to be sealed and staged. */
export interface AcceptedLine {
  line: number;
  value: string;
}

const SHA256_BLOCK = 64;
const INNER_PAD = 0x36;
const OUTER_PAD = 0x5c;

/**
 * licenseHash (HMAC-SHA256 of the NFKC form) at bulk speed: the padded key blocks are made
 * once and each value costs two one-shot digests, where createHmac set up a fresh OpenSSL MAC
 * context per value (about half the import's hashing time). Same bytes as licenseHash; tested.
 */
export class BulkLicenseHasher {
  private readonly inner = Buffer.alloc(SHA256_BLOCK, INNER_PAD);
  private readonly outer = Buffer.alloc(SHA256_BLOCK + 32, 0);

  constructor(private readonly key: Buffer) {
    const block = key.length > SHA256_BLOCK ? digest('sha256', key, 'buffer') : key;
    this.outer.fill(OUTER_PAD, 0, SHA256_BLOCK);
    for (let i = 0; i < block.length; i++) {
      this.inner[i] ^= block[i];
      this.outer[i] ^= block[i];
    }
  }

  hash(value: string): Buffer {
    // node < 20.12 has no one-shot digest: the per-value HMAC gives the same bytes.
    if (typeof digest !== 'function') return licenseHash(this.key, value);
    const normalized = value.normalize('NFKC');
    const message = Buffer.allocUnsafe(SHA256_BLOCK + Buffer.byteLength(normalized, 'utf8'));
    this.inner.copy(message, 0);
    message.write(normalized, SHA256_BLOCK, 'utf8');
    const outer = Buffer.from(this.outer);
    digest('sha256', message, 'buffer').copy(outer, SHA256_BLOCK);
    return digest('sha256', outer, 'buffer');
  }
}

/** PostgreSQL's binary COPY signature, flags and header extension length. */
export const COPY_HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
/** The binary COPY end-of-data marker: a field count of -1. */
export const COPY_TRAILER = Buffer.from([0xff, 0xff]);

/**
 * Seals and hashes a batch of accepted lines and encodes them as binary COPY rows of
 * (line integer, id uuid, value_hash bytea, value bytea), in the batch's order. Ids are made
 * here, not by the database, because each value is sealed bound to its row's id.
 */
export function licenseCopyRows(lines: readonly AcceptedLine[], hasher: BulkLicenseHasher, cipher: SecretBox): Buffer {
  const ids = orderedUuids(lines.length);
  const sealed = cipher.encryptMany(
    lines.map((l) => l.value),
    ids.text.map(licenseValueContext),
  );
  let size = 0;
  const hashes = lines.map((l, i) => {
    size += 2 + 4 + 4 + 4 + 16 + 4 + 32 + 4 + sealed[i].length;
    return hasher.hash(l.value);
  });
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  lines.forEach((l, i) => {
    at = out.writeInt16BE(4, at);
    at = out.writeInt32BE(4, at);
    at = out.writeInt32BE(l.line, at);
    at = out.writeInt32BE(16, at);
    at += ids.bytes.copy(out, at, 16 * i, 16 * (i + 1));
    at = out.writeInt32BE(32, at);
    at += hashes[i].copy(out, at);
    at = out.writeInt32BE(sealed[i].length, at);
    at += sealed[i].copy(out, at);
  });
  return out;
}
