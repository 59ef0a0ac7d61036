import { fillRandom } from '../crypto/random-pool';

/**
 * `count` new ids as UUIDv7 (RFC 9562): the millisecond, then a counter that starts at a random
 * point and counts up through the batch (26 bits across rand_a and the top of rand_b), then 48
 * random bits. Ids made together ascend, and ids made later sort after them, so rows keyed by
 * them land at the right edge of a B-tree instead of on a random page each: random v4 ids made
 * a million-row license insert about twice as slow once the index outgrew the buffers, and made
 * every outbox, inbox and allocation insert touch a cold page once history had grown.
 */
export function orderedUuids(count: number, now = Date.now()): { text: string[]; bytes: Buffer } {
  const bytes = Buffer.allocUnsafe(16 * count);
  fillRandom(bytes);
  const counter = bytes.readUInt32BE(0) >>> 7;
  const text = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    stamp(bytes, 16 * i, now, (counter + i) & 0x3ffffff);
    text[i] = format(bytes, 16 * i);
  }
  return { text, bytes };
}

/** One new UUIDv7: time-ordered to the millisecond, 74 random bits after it. */
export function uuidv7(now = Date.now()): string {
  // One id per event envelope: made in a scratch buffer, where orderedUuids(1) made a buffer,
  // an array and an object around the one string wanted.
  fillRandom(single);
  stamp(single, 0, now, single.readUInt32BE(0) >>> 7);
  return format(single, 0);
}

const single = Buffer.allocUnsafeSlow(16);

/** Writes the millisecond, the version, the counter and the variant over the random bytes of the id at `at`. */
function stamp(bytes: Buffer, at: number, now: number, counter: number): void {
  bytes.writeUIntBE(now, at, 6);
  bytes[at + 6] = 0x70 | (counter >>> 22);
  bytes[at + 7] = (counter >>> 14) & 0xff;
  bytes[at + 8] = 0x80 | ((counter >>> 8) & 0x3f);
  bytes[at + 9] = counter & 0xff;
}

const HEX = Buffer.from('0123456789abcdef', 'latin1');
const text36 = Buffer.allocUnsafeSlow(36);

/**
 * The id's canonical text, 8-4-4-4-12 hex digits. Spelled into a scratch buffer and read out as
 * one string: hex then five slices and a template made seven strings per id.
 */
function format(bytes: Buffer, at: number): string {
  let out = 0;
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) text36[out++] = 0x2d; // '-'
    const byte = bytes[at + i];
    text36[out++] = HEX[byte >>> 4];
    text36[out++] = HEX[byte & 0x0f];
  }
  return text36.toString('latin1', 0, 36);
}
