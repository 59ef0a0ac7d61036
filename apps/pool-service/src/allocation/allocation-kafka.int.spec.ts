import type { INestApplication } from '@nestjs/common';
import type { AllocationDeferredData, AllocationRequestedData, LicenseAllocatedData, PoolLowData } from '@keypool/contracts';
import { CLOUDEVENTS_CONTENT_TYPE, dataschemaOf } from '@keypool/contracts';
import { Envelope, envelope } from '@keypool/messaging';
import { TopicReader, headerText, produce, startTestApp, testKafka, waitUntil } from '@keypool/testing';
import { AppModule } from '../app.module';
import { PoolService, createPool, importKeys, keys, lineRequest, startPoolService } from '../../test/pool-test-kit';

describe('allocation through Kafka', () => {
  const kafka = testKafka();
  let service: PoolService;
  let secondInstance: INestApplication | undefined;
  let allocated: TopicReader;
  let deferred: TopicReader;
  let poolLow: TopicReader;

  beforeAll(async () => {
    service = await startPoolService('pool_kafka');
    [allocated, deferred, poolLow] = await Promise.all([
      TopicReader.open(kafka, service.topics.licenseAllocated),
      TopicReader.open(kafka, service.topics.allocationDeferred),
      TopicReader.open(kafka, service.topics.poolLow),
    ]);
  });
  afterAll(async () => {
    await Promise.all([allocated, deferred, poolLow].map((r) => r?.close()));
    await secondInstance?.close();
    await service?.close();
  });

  const request = (data: AllocationRequestedData) =>
    envelope({ type: 'AllocationRequested', source: 'keypool/order-fulfillment', dataschema: dataschemaOf('AllocationRequested'), data });
  const send = (...events: Envelope<AllocationRequestedData>[]) =>
    produce(
      kafka,
      service.topics.allocationRequested,
      events.map((e) => ({ key: e.data.orderId, value: JSON.stringify(e), headers: { 'content-type': CLOUDEVENTS_CONTENT_TYPE } })),
    );
  const allocatedFor = (orderPrefix: string) => allocated.values<Envelope<LicenseAllocatedData>>().filter((e) => e.data.orderId.startsWith(orderPrefix));
  const deferredFor = (orderPrefix: string) => deferred.values<Envelope<AllocationDeferredData>>().filter((e) => e.data.orderId.startsWith(orderPrefix));
  const until = (what: string, condition: () => boolean) => waitUntil(condition, 20000, what);

  it('publishes LicenseAllocated for a line its pool can serve, with the order context for the e-mail', async () => {
    const pool = await createPool(service.url, 'acme', { productId: 'k_served' });
    await importKeys(service.url, 'acme', pool.id, ['SERVED-AAAA-0001', 'SERVED-AAAA-0002']);
    await send(request(lineRequest({ orderId: 'served_1', productId: 'k_served', licenseCount: 2 })));
    await until('LicenseAllocated for served_1', () => allocatedFor('served_').length === 1);
    const [event] = allocatedFor('served_');
    expect(event).toMatchObject({ type: 'LicenseAllocated', source: '/keypool/pool-service', dataschema: dataschemaOf('LicenseAllocated') });
    expect(event.data).toMatchObject({ poolId: pool.id, customer: { email: 'ann@example.com' } });
    expect(event.data.licenses.map((l) => l.value)).toEqual(['SERVED-AAAA-0001', 'SERVED-AAAA-0002']);
    // The contract keys license-allocated by orderId, as structured CloudEvents.
    const message = allocated.messages.find((m) => m.value?.toString().includes('"served_1"'))!;
    expect(message.key?.toString()).toBe('served_1');
    expect(headerText(message, 'content-type')).toBe(CLOUDEVENTS_CONTENT_TYPE);
  });

  it('re-publishes the same event id and licenses when a line is requested again', async () => {
    const pool = await createPool(service.url, 'acme', { productId: 'k_again' });
    await importKeys(service.url, 'acme', pool.id, keys('AGAIN', 3));
    const line = lineRequest({ orderId: 'again_1', productId: 'k_again' });
    await send(request(line));
    await until('first LicenseAllocated', () => allocatedFor('again_').length === 1);
    await send(request(line));
    await until('the repeat', () => allocatedFor('again_').length === 2);
    const [first, repeat] = allocatedFor('again_');
    expect(repeat.id).toBe(first.id);
    expect(repeat.data.licenses).toEqual(first.data.licenses);
  });

  it('holds lines awaiting stock, says so, and serves them oldest first after an import', async () => {
    const pool = await createPool(service.url, 'acme', { productId: 'k_backorder', threshold: 1 });
    await send(request(lineRequest({ orderId: 'backorder_1', productId: 'k_backorder', licenseCount: 2 })));
    await until('first deferral', () => deferredFor('backorder_').length === 1);
    await send(request(lineRequest({ orderId: 'backorder_2', productId: 'k_backorder' })));
    await until('both deferrals', () => deferredFor('backorder_').length === 2);
    expect(deferredFor('backorder_').map((e) => e.data)).toEqual([
      expect.objectContaining({ orderId: 'backorder_1', status: 'awaiting_stock', poolId: pool.id, reason: expect.stringContaining('Not enough licenses') }),
      expect.objectContaining({ orderId: 'backorder_2', status: 'awaiting_stock', poolId: pool.id }),
    ]);
    await until('PoolLow empty', () => poolLow.values<Envelope<PoolLowData>>().some((e) => e.data.poolId === pool.id && e.data.level === 'empty'));
    // pool-low is keyed by poolId.
    const keysOfAlerts = poolLow.messages.filter((m) => m.value?.toString().includes(pool.id)).map((m) => m.key?.toString());
    expect(keysOfAlerts.length).toBeGreaterThan(0);
    expect(new Set(keysOfAlerts)).toEqual(new Set([pool.id]));

    await importKeys(service.url, 'acme', pool.id, keys('BACKORDER', 3));
    await until('both lines served', () => allocatedFor('backorder_').length === 2);
    // Keyed by order, so the two events may arrive from different partitions in either order.
    expect(
      allocatedFor('backorder_')
        .map((e) => [e.data.orderId, e.data.licenses.length])
        .sort(),
    ).toEqual([
      ['backorder_1', 2],
      ['backorder_2', 1],
    ]);
  });

  it('holds a line no pool routes as unroutable and serves it once a matching pool is created', async () => {
    await send(request(lineRequest({ orderId: 'nopool_1', productId: 'k_nopool', merchantId: 'm_globex' })));
    await until('unroutable deferral', () => deferredFor('nopool_').length === 1);
    expect(deferredFor('nopool_')[0].data).toMatchObject({ status: 'unroutable', poolId: null });
    const pool = await createPool(service.url, 'globex', { productId: 'k_nopool' });
    await until('moved to the new pool', () => deferredFor('nopool_').length === 2);
    expect(deferredFor('nopool_')[1].data).toMatchObject({ status: 'awaiting_stock', poolId: pool.id });
    await importKeys(service.url, 'globex', pool.id, keys('NOPOOL', 1));
    await until('served', () => allocatedFor('nopool_').length === 1);
  });

  it('two instances in one consumer group never hand one license to two lines', async () => {
    ({ app: secondInstance } = await startTestApp(AppModule.forEnv(service.env)));
    const pool = await createPool(service.url, 'acme', { productId: 'k_group' });
    await importKeys(service.url, 'acme', pool.id, keys('GROUP', 150));
    const lines = Array.from({ length: 200 }, (_, i) => request(lineRequest({ orderId: `group_${i}`, productId: 'k_group' })));
    await send(...lines);
    await until('every line answered', () => allocatedFor('group_').length + deferredFor('group_').length >= 200);
    const licenseIds = allocatedFor('group_').flatMap((e) => e.data.licenses.map((l) => l.licenseId));
    expect(licenseIds).toHaveLength(150);
    expect(new Set(licenseIds).size).toBe(150);
    expect(deferredFor('group_')).toHaveLength(50);
  });
});
