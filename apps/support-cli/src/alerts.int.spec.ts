import { dataschemaOf, exampleEventData, type PoolLowData } from '@keypool/contracts';
import { envelope } from '@keypool/messaging';
import { createTopics, produceCloudEvents, testKafka, uniqueName, waitUntil } from '@keypool/testing';
import type { PoolAlert } from './alerts';
import { runCli } from './cli';

const kafka = testKafka();

const poolLow = (data: Partial<PoolLowData>) =>
  envelope<PoolLowData>({
    type: 'PoolLow',
    source: 'keypool/pool-service',
    dataschema: dataschemaOf('PoolLow'),
    data: { ...exampleEventData.PoolLow, ...data },
  });

describe('alerts tail: the pool-low topic as people read it, on the real broker', () => {
  const topic = uniqueName('pool-low');
  const env = { KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092', TOPIC_POOL_LOW: topic };
  const earlyLive = poolLow({ poolId: 'pool_early_live', poolName: 'Editor (EUR)', mode: 'live', merchantId: 'm_acme', available: 3, threshold: 10 });
  const earlyTest = poolLow({ poolId: 'pool_early_test', poolName: 'Editor sandbox', mode: 'test', merchantId: 'm_acme' });
  const earlyOther = poolLow({ poolId: 'pool_early_globex', poolName: 'Globex', mode: 'live', merchantId: 'm_globex' });
  let publishedAt: Date;

  beforeAll(async () => {
    await createTopics(kafka, [topic], 3);
    publishedAt = new Date(Date.now() - 1000);
    await produceCloudEvents(kafka, topic, 'pool_early', [earlyLive, earlyTest, earlyOther]);
  });

  it('reads from --since, narrowed by --merchant and --mode, as one JSON object per line, and stops after --max', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['alerts', 'tail', '--since', publishedAt.toISOString(), '--merchant', 'm_acme', '--mode', 'live', '--max', '1', '--json'], env, {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
    });
    expect(code).toBe(0);
    expect(out.map((l) => JSON.parse(l) as PoolAlert)).toEqual([
      {
        at: earlyLive.time,
        eventId: earlyLive.id,
        level: 'low',
        poolId: 'pool_early_live',
        poolName: 'Editor (EUR)',
        mode: 'live',
        merchantId: 'm_acme',
        productId: 'p_editor',
        currency: null,
        available: 3,
        threshold: 10,
        backordered: 0,
      },
    ]);
    expect(err).toEqual([`following ${topic} from ${publishedAt.toISOString()}; Ctrl-C to stop`]);
  });

  it('follows from now on until stopped: alerts raised after it started, none before, and stopping exits 0', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const stop = new AbortController();
    const running = runCli(['alerts', 'tail'], env, { out: (l) => out.push(l), err: (l) => err.push(l), signal: stop.signal });
    await waitUntil(() => err.some((l) => l.startsWith(`following ${topic}`)), 20000, 'the tail to be in place');
    const later = poolLow({
      poolId: 'pool_later',
      poolName: 'Suite',
      mode: 'test',
      merchantId: 'm_acme',
      productId: 'p_suite',
      currency: 'EUR',
      level: 'empty',
      available: 0,
      threshold: 5,
      backordered: 2,
    });
    await produceCloudEvents(kafka, topic, 'pool_later', [later]);
    await waitUntil(() => out.length > 0, 20000, 'the alert to be printed');
    stop.abort();
    expect(await running).toBe(0);
    expect(out).toEqual([
      `${later.time}  EMPTY  "Suite"  test  product p_suite  currency EUR  stock 0 / threshold 5, 2 line(s) waiting  merchant m_acme  pool pool_later`,
    ]);
  });

  it('says there is no such topic in one line, exit 1', async () => {
    const lines: string[] = [];
    const code = await runCli(
      ['alerts', 'tail'],
      { ...env, TOPIC_POOL_LOW: uniqueName('no-pool-low') },
      { out: (l) => lines.push(l), err: (l) => lines.push(l) },
    );
    expect(code).toBe(1);
    expect(lines).toEqual([expect.stringMatching(/^error: there is no topic no-pool-low-\w+ \(set TOPIC_POOL_LOW to the deployment's name for it\)$/)]);
  });
});
