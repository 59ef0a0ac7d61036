import { randomBytes, randomUUID } from 'node:crypto';
import { Partitioners } from 'kafkajs';
import { TopicPartitions, keyPartition } from './topic-partitions';

describe('keyPartition', () => {
  const kafkajs = Partitioners.DefaultPartitioner();
  const partitionMetadata = (count: number) =>
    Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
  const theirs = (key: string, count: number) => kafkajs({ topic: 't', partitionMetadata: partitionMetadata(count), message: { key, value: null } });

  it("chooses the partition kafkajs' default partitioner chooses, for keys of every length and alphabet (NaN for no partitions, as there)", () => {
    const keys = ['', 'a', 'ab', 'abc', 'abcd', 'ord_1001', 'ключ-заказа', '注文-😀', '\u0000', randomUUID()];
    for (let length = 0; length < 64; length++) keys.push(randomBytes(length).toString('latin1'), randomBytes(length).toString('base64').slice(0, length));
    for (let i = 0; i < 500; i++) keys.push(randomUUID());
    for (const count of [0, 1, 2, 3, 6, 7, 12, 100])
      for (const key of keys) expect([key, count, keyPartition(key, count)]).toEqual([key, count, theirs(key, count)]);
  });
});

describe('TopicPartitions', () => {
  it('reads partition counts from the broker and names partitions as topic/partition', async () => {
    const admin = {
      connect: jest.fn(() => Promise.resolve()),
      disconnect: jest.fn(() => Promise.resolve()),
      fetchTopicMetadata: jest.fn(({ topics }: { topics: string[] }) =>
        Promise.resolve({ topics: topics.map((name) => ({ name, partitions: [{}, {}, {}] })) }),
      ),
    };
    const partitions = new TopicPartitions({ admin: () => admin } as never);
    const partitionOf = await partitions.resolve(['order-paid', 'order-paid']);
    expect(admin.fetchTopicMetadata).toHaveBeenCalledWith({ topics: ['order-paid'] });
    expect(partitionOf('order-paid', 'ord_1001')).toBe(`order-paid/${keyPartition('ord_1001', 3)}`);
    await partitions.resolve(['order-paid']);
    expect(admin.fetchTopicMetadata).toHaveBeenCalledTimes(1);
  });
});
