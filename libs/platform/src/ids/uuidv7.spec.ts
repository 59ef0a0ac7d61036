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
});
