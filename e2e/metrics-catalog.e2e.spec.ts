import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { produceCloudEvents, uniqueName, waitUntil } from '@keypool/testing';
import { dashboardExpressions, exposedMetricNames, metricNamesIn, ruleExpressions } from './support/metric-names';
import { RunningSystem, api, startSystem } from './support/system';

const RULES = join(__dirname, '../k8s/base/prometheus-rules.yaml');
const DASHBOARD = join(__dirname, '../docs/grafana/keypool.json');

describe('metrics ops alert on (three services, real broker and PostgreSQL)', () => {
  let system: RunningSystem;
  let admin: Admin;

  beforeAll(async () => {
    system = await startSystem('metrics');
    admin = system.kafka.admin();
    await admin.connect();
  }, 180000);
  afterAll(async () => {
    await admin?.disconnect();
    await system?.stop();
  });

  const scrape = async (service: { url: string }) => (await fetch(`${service.url}/metrics`)).text();
  const endOffsets = async (topic: string) => (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);

  it('reports the pool threshold, DLQ depth, consumer lag per partition and the outbox as they are', async () => {
    const productId = uniqueName('p');
    const pool = await api<{ id: string }>(system.pool, 'POST', '/pools', {
      json: { merchantId: 'm_acme', productId, threshold: 5, mode: 'live' },
      expect: 201,
    });
    const orderPaid = system.topics.orderPaid;
    await produceCloudEvents(system.kafka, orderPaid, uniqueName('ord'), ['{"not":"an OrderPaid"}']);
    await waitUntil(async () => (await endOffsets(`${orderPaid}.dlq`)) === 1, 20000, 'the malformed OrderPaid in the DLQ');
    const group = `order-fulfillment.${orderPaid}`;
    await waitUntil(
      async () => {
        const [committed] = await admin.fetchOffsets({ groupId: group, topics: [orderPaid] });
        const ends = await admin.fetchTopicOffsets(orderPaid);
        return ends.every((end) => Number(end.high) === 0 || committed.partitions.find((p) => p.partition === end.partition)?.offset === end.high);
      },
      20000,
      'order-intake to commit past the malformed OrderPaid',
    );

    // The first scrape of this service, so its 15 s broker cache holds nothing older than the waits above.
    const fulfillment = await scrape(system.fulfillment);
    expect(fulfillment).toContain(`keypool_dlq_depth{topic="${orderPaid}.dlq"} 1\n`);
    for (const partition of [0, 1, 2])
      expect(fulfillment).toContain(`keypool_consumer_lag{consumer="order-intake",topic="${orderPaid}",partition="${partition}"} 0\n`);
    expect(fulfillment).toContain(`keypool_dlq_depth{topic="${system.topics.emailSent}.dlq"} 0\n`);

    const poolLabels = `pool_id="${pool.id}",merchant_id="m_acme",mode="live"`;
    const poolScrape = await scrape(system.pool);
    expect(poolScrape).toContain(`keypool_pool_threshold{${poolLabels}} 5\n`);
    expect(poolScrape).toContain(`keypool_pool_licenses{${poolLabels},status="available"} 0\n`);
    await waitUntil(async () => /^keypool_outbox_backlog 0$/m.test(await scrape(system.pool)), 10000, 'the pool outbox drained');
    expect(await scrape(system.pool)).toMatch(/^keypool_outbox_oldest_age_seconds 0$/m);
  });

  it('serves every metric the PrometheusRule and the Grafana dashboard name, so a rename cannot silently break an alert', async () => {
    const served = new Set<string>();
    for (const service of [system.pool, system.fulfillment, system.notification]) exposedMetricNames(await scrape(service)).forEach((name) => served.add(name));
    const uses = [
      ...ruleExpressions(RULES).map(({ alert, expr }) => ({ where: `alert ${alert}`, expr })),
      ...dashboardExpressions(DASHBOARD).map(({ panel, expr }) => ({ where: `panel "${panel}"`, expr })),
    ];
    const named = uses.flatMap(({ where, expr }) => metricNamesIn(expr).map((name) => ({ where, name })));
    expect(named.filter(({ name }) => !served.has(name)).map(({ where, name }) => `${where}: ${name}`)).toEqual([]);
    const names = new Set(named.map(({ name }) => name));
    for (const alerted of [
      'keypool_pool_threshold',
      'keypool_consumer_lag',
      'keypool_dlq_depth',
      'keypool_outbox_oldest_age_seconds',
      'keypool_order_lines_stuck',
    ])
      expect(names).toContain(alerted);
  });

  it('names every metric of its own in the keypool_ namespace, counters ending in _total', async () => {
    const wrong: string[] = [];
    for (const service of [system.pool, system.fulfillment, system.notification]) {
      for (const [, name, type] of (await scrape(service)).matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
        if (/^(process|nodejs)_/.test(name)) continue;
        if (!name.startsWith('keypool_')) wrong.push(`${service.name}: ${name} is outside keypool_`);
        if (type === 'counter' && !name.endsWith('_total')) wrong.push(`${service.name}: counter ${name} does not end in _total`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
