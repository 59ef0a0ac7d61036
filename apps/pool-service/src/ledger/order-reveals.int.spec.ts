import { Logger } from '@nestjs/common';
import type { LicensesRevealedData } from '@keypool/contracts';
import { CLOUDEVENTS_CONTENT_TYPE, dataschemaOf } from '@keypool/contracts';
import { type Envelope, envelope } from '@keypool/messaging';
import { produce, testKafka, uniqueName, waitUntil } from '@keypool/testing';
import { PoolService, as, createPool, importKeys, keys, query, startPoolService } from '../../test/pool-test-kit';

type Entry = { at: string; kind: string; orderId: string | null; lineId: string | null } & Record<string, unknown>;

describe("order-fulfillment's line reveals in the license ledger (real Kafka and PostgreSQL)", () => {
  const kafka = testKafka();
  let service: PoolService;

  beforeAll(async () => {
    service = await startPoolService('pool_order_reveals');
  });
  afterAll(() => service?.close());

  const revealed = (data: LicensesRevealedData): Envelope<LicensesRevealedData> =>
    envelope({ type: 'LicensesRevealed', source: '/keypool/order-fulfillment-service', dataschema: dataschemaOf('LicensesRevealed'), data });
  const send = (...events: Envelope<LicensesRevealedData>[]) =>
    produce(
      kafka,
      service.topics.licensesRevealed,
      events.map((event) => ({ key: event.data.orderId, value: JSON.stringify(event), headers: { 'content-type': CLOUDEVENTS_CONTENT_TYPE } })),
    );
  const licenseOf = async (who: 'acme' | 'globex') => {
    const pool = await createPool(service.url, who, { productId: uniqueName('p_reveal') });
    await importKeys(service.url, who, pool.id, keys(uniqueName('REVEAL'), 1));
    const [{ licenseId }] = (await as(service.url, who).get(`/v1/pools/${pool.id}/licenses`).expect(200)).body.items;
    return licenseId as string;
  };
  const historyOf = async (licenseId: string, who: 'acme' | 'globex' | 'support' = 'support'): Promise<Entry[]> =>
    (await as(service.url, who).get(`/v1/licenses/${licenseId}/history`).expect(200)).body.history;
  const ledgerRows = (licenseIds: string[]) =>
    query<{ license_id: string; kind: string }>(service, `SELECT license_id, kind FROM license_ledger WHERE license_id = ANY($1::uuid[]) ORDER BY seq`, [
      licenseIds,
    ]);

  it("adds a revealed entry with the order, line, audit id and caller to the merchant's own license, once however often it arrives", async () => {
    const licenseId = await licenseOf('acme');
    const orderId = uniqueName('ord_reveal');
    const data: LicensesRevealedData = {
      orderId,
      merchantId: 'm_acme',
      lineId: '2',
      licenseIds: [licenseId],
      auditId: '4711',
      callerKind: 'merchant',
      keyId: 'key_0123456789ab',
      revealedAt: '2026-12-01T01:00:00Z',
    };
    const event = revealed(data);
    await send(event);
    await waitUntil(async () => (await historyOf(licenseId)).length === 2, 20000, 'the revealed entry');
    await send(event, event);
    // A later reveal in the same partition: once it shows, the redeliveries before it were read (and dropped).
    const later = revealed({ ...data, auditId: '4712', callerKind: 'support', keyId: null, revealedAt: '2026-12-01T01:05:00Z' });
    await send(later);
    await waitUntil(async () => (await historyOf(licenseId)).length === 3, 20000, 'the second reveal');

    const history = await historyOf(licenseId, 'acme');
    expect(history.map((e) => e.kind)).toEqual(['imported', 'revealed', 'revealed']);
    expect(history[1]).toEqual({
      at: '2026-12-01T01:00:00.000Z',
      kind: 'revealed',
      orderId,
      lineId: '2',
      via: 'order_line',
      auditId: '4711',
      keyId: 'key_0123456789ab',
      callerKind: 'merchant',
    });
    expect(history[2]).toMatchObject({ kind: 'revealed', auditId: '4712', callerKind: 'support', keyId: null, orderId, lineId: '2' });
    expect(await ledgerRows([licenseId])).toHaveLength(2);
  });

  it("writes nothing for another merchant's license or an id it does not know, and still records the merchant's own", async () => {
    const warned = jest.spyOn(Logger.prototype, 'warn');
    const [mine, theirs] = await Promise.all([licenseOf('acme'), licenseOf('globex')]);
    const unknown = '00000000-0000-4000-8000-000000000000';
    const orderId = uniqueName('ord_foreign');
    const base = { orderId, merchantId: 'm_acme', lineId: '1', auditId: '99', callerKind: 'support' as const, revealedAt: new Date().toISOString() };
    await send(revealed({ ...base, licenseIds: [theirs, unknown, 'lic_not_a_uuid'] }), revealed({ ...base, auditId: '100', licenseIds: [theirs, mine] }));
    await waitUntil(async () => (await historyOf(mine)).length === 2, 20000, "acme's own license revealed");

    expect(await ledgerRows([theirs, unknown])).toEqual([]);
    expect((await historyOf(theirs, 'globex')).map((e) => e.kind)).toEqual(['imported']);
    expect(await historyOf(mine)).toEqual([
      expect.objectContaining({ kind: 'imported' }),
      expect.objectContaining({ kind: 'revealed', auditId: '100', orderId }),
    ]);
    expect(await query(service, `SELECT count(*)::int AS n FROM license_ledger WHERE order_id = $1`, [orderId])).toEqual([{ n: 1 }]);
    // Said in a warning per event, with ids and counts only.
    const skipped = () => warned.mock.calls.filter(([fields]) => (fields as { orderId?: string }).orderId === orderId);
    await waitUntil(() => skipped().length === 2, 5000, 'the skipped ids logged');
    expect(skipped().map(([fields]) => fields)).toEqual([
      expect.objectContaining({ orderId, lineId: '1', merchantId: 'm_acme', auditId: '99', unknown: 2, foreign: 1 }),
      expect.objectContaining({ orderId, auditId: '100', unknown: 0, foreign: 1 }),
    ]);
    expect(skipped()[0][1]).toBe('order reveal: license ids skipped in the ledger (unknown here, or of another merchant)');
    warned.mockRestore();
  });
});
