import { randomFillSync } from 'node:crypto';

/**
 * Random bytes from a per-process pool drawn 4 KiB at a time, each byte handed out exactly once
 * (the offset only moves forward, and the pool is refilled only when what is left is too short),
 * the way Node's crypto.randomUUID caches its random bytes: a CSPRNG draw costs about as much for
 * 4 KiB as for 12 bytes, and ids and IVs are taken a few bytes at a time for every event. A request
 * larger than the pool is drawn directly into its target. Only the JS thread uses it, synchronously.
 */
const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafeSlow(POOL_BYTES);
let taken = POOL_BYTES;

/** Fills `length` bytes of `target` from `at` (all of it by default) with fresh random bytes. */
export function fillRandom(target: Buffer, at = 0, length = target.length - at): void {
  if (length > POOL_BYTES) {
    randomFillSync(target, at, length);
    return;
  }
  if (POOL_BYTES - taken < length) {
    randomFillSync(pool);
    taken = 0;
  }
  pool.copy(target, at, taken, taken + length);
  taken += length;
}
