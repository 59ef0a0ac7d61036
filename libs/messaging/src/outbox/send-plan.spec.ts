import { planSends, recordBytes } from './send-plan';

const record = (id: string, partition: string, bytes: number) => ({ id, partition, bytes });
const ids = (sends: { id: string }[][]) => sends.map((send) => send.map((r) => r.id));

describe('planSends', () => {
  const limits = { maxPartitionBytes: 100, maxSendBytes: 250 };

  it('keeps everything in one send while every partition and the send stay within their caps', () => {
    const records = [record('a', 't/0', 90), record('b', 't/1', 90), record('c', 'u/0', 60)];
    expect(ids(planSends(records, limits))).toEqual([['a', 'b', 'c']]);
  });

  it('closes a send before a partition would pass its cap, even when the send has room', () => {
    const records = [record('a', 't/0', 60), record('b', 't/1', 10), record('c', 't/0', 50), record('d', 't/0', 40)];
    expect(ids(planSends(records, limits))).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });

  it('closes a send before the whole send would pass its cap', () => {
    const records = ['0', '1', '2', '3', '4'].map((p, i) => record(String(i), `t/${p}`, 80));
    expect(ids(planSends(records, limits))).toEqual([
      ['0', '1', '2'],
      ['3', '4'],
    ]);
  });

  it('sends a record over a cap alone, between its neighbours', () => {
    const records = [record('a', 't/0', 10), record('big', 't/1', 120), record('b', 't/2', 10), record('huge', 't/0', 400)];
    expect(ids(planSends(records, limits))).toEqual([['a'], ['big'], ['b'], ['huge']]);
  });

  it('never reorders: the sends, read one after another, are the records in their order', () => {
    const records = Array.from({ length: 200 }, (_, i) => record(String(i), `t/${i % 3}`, 1 + ((i * 37) % 120)));
    const sends = planSends(records, limits);
    expect(sends.flat().map((r) => r.id)).toEqual(records.map((r) => r.id));
    for (const send of sends) {
      if (send.length === 1) continue;
      expect(send.reduce((sum, r) => sum + r.bytes, 0)).toBeLessThanOrEqual(limits.maxSendBytes);
      for (const partition of new Set(send.map((r) => r.partition))) {
        const inPartition = send.filter((r) => r.partition === partition).reduce((sum, r) => sum + r.bytes, 0);
        expect(inPartition).toBeLessThanOrEqual(limits.maxPartitionBytes);
      }
    }
  });

  it('plans nothing for no records', () => {
    expect(planSends([], limits)).toEqual([]);
  });
});

describe('recordBytes', () => {
  it('counts key, value and headers in bytes, plus their framing', () => {
    const value = Buffer.alloc(1000);
    const plain = recordBytes('order-1', value, {});
    expect(plain).toBeGreaterThanOrEqual(1000 + 7);
    expect(recordBytes('order-1', value, { 'content-type': 'application/cloudevents+json' })).toBeGreaterThan(plain + 12 + 28);
    expect(recordBytes('ü', Buffer.alloc(0), {})).toBe(recordBytes('uu', Buffer.alloc(0), {}));
  });

  it('counts each value of a header with several, and a header without a value as empty', () => {
    const plain = recordBytes('k', Buffer.alloc(0), {});
    // Per value: 10 bytes of framing, the name, the value.
    expect(recordBytes('k', Buffer.alloc(0), { a: ['xy', Buffer.from('z')], bc: undefined })).toBe(plain + (10 + 1 + 2) + (10 + 1 + 1) + (10 + 2 + 0));
  });
});
