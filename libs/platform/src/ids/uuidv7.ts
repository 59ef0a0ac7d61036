import { randomBytes } from 'node:crypto';

/**
 * `count` new ids as UUIDv7 (RFC 9562): the millisecond, then a counter that starts at a random
 * point and counts up through the batch (26 bits across rand_a and the top of rand_b), then 48
 * random bits. Ids made together ascend, and ids made later sort after them, so rows keyed by
 * them land at the right edge of a B-tree instead of on a random page each: random v4 ids made
 * a million-row license insert about twice as slow once the index outgrew the buffers, and made
 * every outbox, inbox and allocation insert touch a cold page once history had grown.
 */
export function orderedUuids(count: number, now = Date.now()): { text: string[]; bytes: Buffer } {
  const bytes = randomBytes(16 * count);
  let counter = bytes.readUInt32BE(0) >>> 7;
  const text: string[] = [];
  for (let i = 0; i < count; i++, counter = (counter + 1) & 0x3ffffff) {
    const at = 16 * i;
    bytes.writeUIntBE(now, at, 6);
    bytes[at + 6] = 0x70 | (counter >>> 22);
    bytes[at + 7] = (counter >>> 14) & 0xff;
    bytes[at + 8] = 0x80 | ((counter >>> 8) & 0x3f);
    bytes[at + 9] = counter & 0xff;
    const hex = bytes.toString('hex', at, at + 16);
    text.push(`${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`);
  }
  return { text, bytes };
}

/** One new UUIDv7: time-ordered to the millisecond, 74 random bits after it. */
export function uuidv7(now = Date.now()): string {
  return orderedUuids(1, now).text[0];
}
