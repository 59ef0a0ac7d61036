import { Metrics } from '@keypool/platform';
import { BrokerGauges, partitionLag } from './broker-gauges';

describe('partitionLag', () => {
  it('counts the records after the committed offset', () => {
    expect(partitionLag('7', '0', '10')).toBe(3);
    expect(partitionLag('10', '0', '10')).toBe(0);
  });

  it('counts from the log start when the group never committed or fell below it', () => {
    expect(partitionLag('-1', '2', '10')).toBe(8);
    expect(partitionLag('1', '4', '10')).toBe(6);
  });
});

describe('BrokerGauges', () => {
  const ends: Record<string, { partition: number; offset: string; low: string; high: string }[]> = {
    orders: [
      { partition: 0, offset: '12', low: '0', high: '12' },
      { partition: 1, offset: '5', low: '0', high: '5' },
    ],
    'orders.dlq': [{ partition: 0, offset: '9', low: '3', high: '9' }],
  };
  const admin = (committed: Record<number, string>) => ({
    fetchTopicOffsets: jest.fn((topic: string) => Promise.resolve(ends[topic])),
    fetchOffsets: jest.fn(() =>
      Promise.resolve([{ topic: 'orders', partitions: Object.entries(committed).map(([p, offset]) => ({ partition: Number(p), offset, metadata: null })) }]),
    ),
  });
  const sources = () => ({ consumers: [{ consumer: 'orders', groupId: 'svc.orders', topics: ['orders'] }], dlqTopics: ['orders.dlq'] });

  it('reports lag per consumer and partition, and DLQ depth as end minus start', async () => {
    const metrics = new Metrics();
    new BrokerGauges(admin({ 0: '10' }), sources).register(metrics);
    const text = await metrics.registry.metrics();
    expect(text).toContain('keypool_consumer_lag{consumer="orders",topic="orders",partition="0"} 2');
    expect(text).toContain('keypool_consumer_lag{consumer="orders",topic="orders",partition="1"} 5');
    expect(text).toContain('keypool_dlq_depth{topic="orders.dlq"} 6');
  });

  it('asks the broker once per cache period, however often it is scraped', async () => {
    const broker = admin({ 0: '12', 1: '5' });
    const gauges = new BrokerGauges(broker, sources, 60000);
    await gauges.read();
    await gauges.read();
    expect(broker.fetchOffsets).toHaveBeenCalledTimes(1);
    expect(broker.fetchTopicOffsets).toHaveBeenCalledTimes(2);
  });

  it('keeps the last figures while the broker does not answer', async () => {
    const broker = admin({ 0: '12', 1: '5' });
    const gauges = new BrokerGauges(broker, sources, 0);
    const first = await gauges.read();
    broker.fetchOffsets.mockRejectedValueOnce(new Error('connect ECONNREFUSED'));
    expect(await gauges.read()).toEqual(first);
  });
});
