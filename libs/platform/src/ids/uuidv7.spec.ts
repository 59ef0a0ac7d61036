import { orderedUuids, uuidv7 } from './uuidv7';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('UUIDv7 ids', () => {
  it('makes a batch of ids that are UUIDv7, distinct, and ascending', () => {
    const { text, bytes } = orderedUuids(5000, Date.UTC(2026, 10, 30));
    expect(text.every((id) => V7.test(id))).toBe(true);
    expect(text[0].replace(/-/g, '')).toBe(bytes.toString('hex', 0, 16));
    expect(parseInt(text[0].slice(0, 8) + text[0].slice(9, 13), 16)).toBe(Date.UTC(2026, 10, 30));
    expect(new Set(text).size).toBe(5000);
    const ascending = text.filter((id, i) => i === 0 || id > text[i - 1]).length;
    // The 26-bit counter may wrap once inside a batch; it never goes down otherwise.
    expect(ascending).toBeGreaterThanOrEqual(4999);
  });

  it('orders single ids by their millisecond and keeps them unique', () => {
    const earlier = uuidv7(Date.UTC(2026, 10, 30, 12));
    const later = uuidv7(Date.UTC(2026, 10, 30, 12) + 1);
    expect(V7.test(earlier) && V7.test(later)).toBe(true);
    expect(later > earlier).toBe(true);
    expect(new Set(Array.from({ length: 10_000 }, () => uuidv7())).size).toBe(10_000);
  });
  it('spells every id of a batch as its bytes, with a counter that goes up by one from id to id', () => {
    const { text, bytes } = orderedUuids(300, Date.UTC(2026, 10, 30));
    const counterOf = (at: number) => ((bytes[at + 6] & 0x0f) << 22) | (bytes[at + 7] << 14) | ((bytes[at + 8] & 0x3f) << 8) | bytes[at + 9];
    text.forEach((id, i) => {
      expect(id.replace(/-/g, '')).toBe(bytes.toString('hex', 16 * i, 16 * i + 16));
      expect(bytes.readUIntBE(16 * i, 6)).toBe(Date.UTC(2026, 10, 30));
      if (i > 0) expect(counterOf(16 * i)).toBe((counterOf(16 * (i - 1)) + 1) & 0x3ffffff);
    });
  });

  it('gives a batch bytes of its own and distinct random bits, whether drawn from the pool or directly', () => {
    const small = orderedUuids(3);
    const copy = Buffer.from(small.bytes);
    // Batches larger than the random pool are drawn directly; small ones and single ids share it.
    const others = [orderedUuids(500), orderedUuids(2), ...Array.from({ length: 300 }, () => orderedUuids(1))];
    expect(small.bytes.equals(copy)).toBe(true);
    const all = [small, ...others].flatMap((batch) => batch.text.map((_, i) => batch.bytes.toString('hex', 16 * i + 10, 16 * i + 16)));
    all.push(...Array.from({ length: 300 }, () => uuidv7().replace(/-/g, '').slice(20)));
    expect(new Set(all).size).toBe(all.length);
  });

  it('encodes the millisecond it is given in a single id', () => {
    const id = uuidv7(Date.UTC(2026, 10, 30, 12, 0, 0, 5));
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(Date.UTC(2026, 10, 30, 12, 0, 0, 5));
  });
});
