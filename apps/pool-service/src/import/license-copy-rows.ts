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
/** Bytes of a value hash (HMAC-SHA256) and of a uuid. */
export const HASH_BYTES = 32;
const UUID_BYTES = 16;

/**
 * licenseHash (HMAC-SHA256 of the NFKC form) at bulk speed: the padded key blocks are made
 * once and each value costs two one-shot digests, where createHmac set up a fresh OpenSSL MAC
 * context per value (about half the import's hashing time). Same bytes as licenseHash; tested.
 */
export class BulkLicenseHasher {
  private readonly inner = Buffer.alloc(SHA256_BLOCK, INNER_PAD);
  private readonly outer = Buffer.alloc(SHA256_BLOCK + HASH_BYTES, 0);

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

/**
 * A batch of accepted lines, hashed and sealed, packed into a few flat buffers (a round holds
 * tens of thousands of lines: one object per batch, not per line). Row i has line `lines[i]`,
 * id `ids[16i, 16i+16)`, value hash `hashes[32i, 32i+32)` and sealed value
 * `sealed[sealedEnds[i-1] (0 for i = 0), sealedEnds[i])`.
 */
export interface SealedBatch {
  lines: Int32Array;
  ids: Buffer;
  hashes: Buffer;
  sealed: Buffer;
  sealedEnds: Uint32Array;
}

/**
 * Hashes and seals a batch of accepted lines, in the batch's order. Ids are made here, not by
 * the database, because each value is sealed bound to its row's id.
 */
export function sealLicenses(lines: readonly AcceptedLine[], hasher: BulkLicenseHasher, cipher: SecretBox): SealedBatch {
  const ids = orderedUuids(lines.length);
  const sealedValues = cipher.encryptMany(
    lines.map((l) => l.value),
    ids.text.map(licenseValueContext),
  );
  const hashes = Buffer.allocUnsafe(HASH_BYTES * lines.length);
  const sealedEnds = new Uint32Array(lines.length);
  let end = 0;
  lines.forEach((l, i) => {
    hasher.hash(l.value).copy(hashes, HASH_BYTES * i);
    end += sealedValues[i].length;
    sealedEnds[i] = end;
  });
  return { lines: Int32Array.from(lines, (l) => l.line), ids: ids.bytes, hashes, sealed: Buffer.concat(sealedValues, end), sealedEnds };
}

/** PostgreSQL's binary COPY signature, flags and header extension length. */
export const COPY_HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
/** The binary COPY end-of-data marker: a field count of -1. */
export const COPY_TRAILER = Buffer.from([0xff, 0xff]);

/** The columns licenseCopyRows encodes, in its order, for `COPY license (…) FROM STDIN (FORMAT binary)`. */
export const LICENSE_COPY_COLUMNS = 'id, pool_id, merchant_id, value_hash, value, hash_version, upload_id';

/** What every row of one import has in common. */
export interface LicenseRowsTarget {
  poolId: string;
  merchantId: string;
  hashVersion: number;
  uploadId: string;
}

/**
 * Encodes the rows of a sealed batch that `keep` accepts (by index in the batch) as binary COPY
 * rows of LICENSE_COPY_COLUMNS, in the batch's order. The columns every row shares are encoded
 * once and copied into each row.
 */
export function licenseCopyRows(batch: SealedBatch, target: LicenseRowsTarget, keep: (index: number) => boolean = () => true): Buffer {
  const shared = sharedColumns(target);
  const count = batch.lines.length;
  let size = 0;
  let kept = 0;
  const keeps = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    if (!keep(i)) continue;
    keeps[i] = 1;
    kept++;
    size += batch.sealedEnds[i] - (i === 0 ? 0 : batch.sealedEnds[i - 1]);
  }
  size += kept * (2 + 4 + UUID_BYTES + shared.poolAndMerchant.length + 4 + HASH_BYTES + 4 + shared.versionAndUpload.length);
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (keeps[i] === 0) continue;
    const sealedStart = i === 0 ? 0 : batch.sealedEnds[i - 1];
    at = out.writeInt16BE(7, at);
    at = out.writeInt32BE(UUID_BYTES, at);
    at += batch.ids.copy(out, at, UUID_BYTES * i, UUID_BYTES * (i + 1));
    at += shared.poolAndMerchant.copy(out, at);
    at = out.writeInt32BE(HASH_BYTES, at);
    at += batch.hashes.copy(out, at, HASH_BYTES * i, HASH_BYTES * (i + 1));
    at = out.writeInt32BE(batch.sealedEnds[i] - sealedStart, at);
    at += batch.sealed.copy(out, at, sealedStart, batch.sealedEnds[i]);
    at += shared.versionAndUpload.copy(out, at);
  }
  return out;
}

function sharedColumns(target: LicenseRowsTarget): { poolAndMerchant: Buffer; versionAndUpload: Buffer } {
  const uuid = (text: string) => {
    const bytes = Buffer.from(text.replace(/-/g, ''), 'hex');
    if (bytes.length !== UUID_BYTES) throw new Error(`not a uuid: ${text}`);
    return bytes;
  };
  const field = (bytes: Buffer) => {
    const length = Buffer.allocUnsafe(4);
    length.writeInt32BE(bytes.length, 0);
    return [length, bytes];
  };
  const version = Buffer.allocUnsafe(2);
  version.writeInt16BE(target.hashVersion, 0);
  return {
    poolAndMerchant: Buffer.concat([...field(uuid(target.poolId)), ...field(Buffer.from(target.merchantId, 'utf8'))]),
    versionAndUpload: Buffer.concat([...field(version), ...field(uuid(target.uploadId))]),
  };
}
