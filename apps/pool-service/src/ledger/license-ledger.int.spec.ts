import type { AllocationRefundedData, AllocationRequestedData, EmailSentData } from '@keypool/contracts';
import { CLOUDEVENTS_CONTENT_TYPE, dataschemaOf, exampleEventData } from '@keypool/contracts';
import { Envelope, RetentionPruner, envelope } from '@keypool/messaging';
import { Metrics, validateEnv } from '@keypool/platform';
import { produce, testKafka, testLogger, uniqueName, waitUntil } from '@keypool/testing';
import { DataSource } from 'typeorm';
import { poolEnvSchema } from '../config';
import { poolRetention } from '../refunds/refund-retention';
import { PoolService, as, createPool, importKeys, keys, lineRequest, query, startPoolService } from '../../test/pool-test-kit';

type Entry = { at: string; kind: string; orderId: string | null; lineId: string | null } & Record<string, unknown>;
type History = { license: { licenseId: string; status: string; poolId: string; merchantId: string; uploadId: string | null; value: string }; history: Entry[] };

describe('the license ledger (real Kafka and PostgreSQL)', () => {
  const kafka = testKafka();
  let service: PoolService;

  beforeAll(async () => {
    service = await startPoolService('pool_ledger');
  });
  afterAll(() => service?.close());

  const send = async <T>(topic: string, type: string, events: T[], keyOf: (data: T) => string) =>
    produce(
      kafka,
      topic,
      events.map((data) => {
        const event: Envelope<T> = envelope({ type, source: '/keypool/test', dataschema: dataschemaOf(type as 'EmailSent'), data });
        return { key: keyOf(data), value: JSON.stringify(event), headers: { 'content-type': CLOUDEVENTS_CONTENT_TYPE } };
      }),
    );
  const requestLine = (data: AllocationRequestedData) => send(service.topics.allocationRequested, 'AllocationRequested', [data], (d) => d.orderId);
  const emailed = (data: Partial<EmailSentData>) => send(service.topics.emailSent, 'EmailSent', [{ ...exampleEventData.EmailSent, ...data }], (d) => d.orderId);
  const refund = (data: AllocationRefundedData) => send(service.topics.allocationRefunded, 'AllocationRefunded', [data], (d) => d.orderId);

  const historyOf = async (licenseId: string, who: 'acme' | 'support' = 'acme'): Promise<History> =>
    (await as(service.url, who).get(`/v1/licenses/${licenseId}/history`).expect(200)).body;
  const kindsOf = async (licenseId: string) => (await historyOf(licenseId)).history.map((e) => e.kind);
  const untilKinds = (licenseId: string, kinds: string[]) =>
    waitUntil(async () => JSON.stringify(await kindsOf(licenseId)) === JSON.stringify(kinds), 20000, `${licenseId}: ${kinds.join(', ')}`);
  const licensesOf = async (poolId: string): Promise<{ licenseId: string; status: string }[]> =>
    (await as(service.url, 'acme').get(`/v1/pools/${poolId}/licenses?limit=1000`).expect(200)).body.items;

  it('tells a sold license from import to allocation, e-mail, resend, reveal and revocation by refund', async () => {
    const productId = uniqueName('p_ledger');
    const pool = await createPool(service.url, 'acme', { productId });
    const upload = await as(service.url, 'acme')
      .upload(`/v1/pools/${pool.id}/licenses?label=vendor%20batch%207`, keys(uniqueName('LEDGER'), 1).join('\n'))
      .expect(200);
    const [{ licenseId }] = await licensesOf(pool.id);
    const orderId = uniqueName('ord_ledger');

    await requestLine(lineRequest({ orderId, lineId: '1', merchantId: 'm_acme', productId }));
    await untilKinds(licenseId, ['imported', 'allocated']);
    // Another merchant's EmailSent naming acme's license writes nothing to acme's history.
    await emailed({ orderId, lineId: '1', merchantId: 'm_globex', productId, licenseIds: [licenseId], resend: false, sentAt: '2026-12-01T00:00:00Z' });
    await emailed({ orderId, lineId: '1', merchantId: 'm_acme', productId, licenseIds: [licenseId], resend: false, sentAt: '2026-12-01T00:00:01Z' });
    await untilKinds(licenseId, ['imported', 'allocated', 'emailed']);
    await emailed({ orderId, lineId: '1', merchantId: 'm_acme', productId, licenseIds: [licenseId], resend: true, sentAt: new Date().toISOString() });
    await untilKinds(licenseId, ['imported', 'allocated', 'emailed', 'resent']);
    const revealed = await as(service.url, 'support')
      .post(`/v1/pools/${pool.id}/licenses/${licenseId}/reveal`, { reason: 'ticket 4711: key reported as in use' })
      .expect(200);
    await refund({ orderId, merchantId: 'm_acme', lines: [{ lineId: '1', emailed: true }], reason: 'chargeback', refundedAt: new Date().toISOString() });
    await untilKinds(licenseId, ['imported', 'allocated', 'emailed', 'resent', 'revealed', 'revoked']);

    const { license, history } = await historyOf(licenseId);
    expect(license).toMatchObject({ licenseId, status: 'revoked', poolId: pool.id, merchantId: 'm_acme', uploadId: upload.body.uploadId, masked: true });
    const line = { orderId, lineId: '1' };
    expect(history).toEqual([
      expect.objectContaining({
        kind: 'imported',
        uploadId: upload.body.uploadId,
        uploadLabel: 'vendor batch 7',
        keyId: expect.stringMatching(/^key_/),
        callerKind: 'merchant',
        orderId: null,
      }),
      expect.objectContaining({ kind: 'allocated', ...line }),
      expect.objectContaining({ kind: 'emailed', ...line, at: '2026-12-01T00:00:01.000Z' }),
      expect.objectContaining({ kind: 'resent', ...line }),
      expect.objectContaining({ kind: 'revealed', auditId: revealed.body.auditId, callerKind: 'support', keyId: expect.stringMatching(/^key_/) }),
      expect.objectContaining({ kind: 'revoked', ...line, via: 'refund', policy: 'revoke', reason: 'chargeback' }),
    ]);
    // Each entry once, though the consumer's chunks and the trigger ran in separate transactions.
    expect(await query(service, `SELECT kind FROM license_ledger WHERE license_id = $1 ORDER BY seq`, [licenseId])).toHaveLength(5);
    expect(JSON.stringify(history)).not.toContain(revealed.body.value);
  });

  it('records a return to stock by a refund, and the next allocation of the same license', async () => {
    const productId = uniqueName('p_return');
    const pool = await createPool(service.url, 'acme', { productId, refundPolicy: 'return_if_unsent' });
    await importKeys(service.url, 'acme', pool.id, keys(uniqueName('RETURN'), 1));
    const [{ licenseId }] = await licensesOf(pool.id);
    const [first, second] = [uniqueName('ord_return'), uniqueName('ord_again')];
    await requestLine(lineRequest({ orderId: first, lineId: '1', merchantId: 'm_acme', productId }));
    await untilKinds(licenseId, ['imported', 'allocated']);
    await refund({
      orderId: first,
      merchantId: 'm_acme',
      lines: [{ lineId: '1', emailed: false }],
      reason: 'customer_request',
      refundedAt: new Date().toISOString(),
    });
    await untilKinds(licenseId, ['imported', 'allocated', 'returned']);
    await requestLine(lineRequest({ orderId: second, lineId: '2', merchantId: 'm_acme', productId }));
    await untilKinds(licenseId, ['imported', 'allocated', 'returned', 'allocated']);
    const { history } = await historyOf(licenseId);
    expect(history.slice(1)).toEqual([
      expect.objectContaining({ kind: 'allocated', orderId: first, lineId: '1' }),
      expect.objectContaining({ kind: 'returned', orderId: first, lineId: '1', via: 'refund', policy: 'return_if_unsent', reason: 'customer_request' }),
      // The serve that followed in another transaction is not credited with the refund.
      { at: expect.any(String), kind: 'allocated', orderId: second, lineId: '2' },
    ]);
  });

  it('says how a license was withdrawn: one by id, in bulk by value, or with its upload', async () => {
    const pool = await createPool(service.url, 'acme', { productId: uniqueName('p_withdraw') });
    const values = keys(uniqueName('WITHDRAW'), 2);
    await importKeys(service.url, 'acme', pool.id, values);
    const recalled = await importKeys(service.url, 'acme', pool.id, keys(uniqueName('RECALL'), 1));
    const [single, bulk, inUpload] = (await licensesOf(pool.id)).map((l) => l.licenseId);

    await as(service.url, 'acme').delete(`/v1/pools/${pool.id}/licenses/${single}`).expect(204);
    await as(service.url, 'acme')
      .post(`/v1/pools/${pool.id}/licenses/withdraw`, { values: [values[1]] })
      .expect(200);
    await as(service.url, 'support').post(`/v1/uploads/${recalled.uploadId}/recall`).expect(200);
    // Withdrawing again changes no status, so it adds no entry.
    await as(service.url, 'acme').delete(`/v1/pools/${pool.id}/licenses/${single}`).expect(204);

    const last = async (licenseId: string) => (await historyOf(licenseId)).history;
    expect(await last(single)).toEqual([
      expect.objectContaining({ kind: 'imported' }),
      expect.objectContaining({ kind: 'withdrawn', via: 'single', keyId: expect.stringMatching(/^key_/) }),
    ]);
    expect((await last(bulk))[1]).toMatchObject({ kind: 'withdrawn', via: 'bulk' });
    expect((await last(inUpload))[1]).toMatchObject({ kind: 'withdrawn', via: 'recall', uploadId: recalled.uploadId });
  });

  it('finds a license by its value for its merchant and support only, the value never in a URL', async () => {
    const value = uniqueName('LOOKUP-VALUE');
    const pool = await createPool(service.url, 'acme', { productId: uniqueName('p_lookup') });
    await importKeys(service.url, 'acme', pool.id, [value]);
    const [{ licenseId }] = await licensesOf(pool.id);
    const lookup = (who: 'acme' | 'globex' | 'support', body: object) => as(service.url, who).post('/v1/licenses/lookup', body);

    const mine = await lookup('acme', { value: `  ${value}\n` }).expect(200);
    expect(mine.body).toMatchObject({ license: { licenseId, poolId: pool.id, status: 'available' }, history: [{ kind: 'imported' }], more: false });
    expect(JSON.stringify(mine.body)).not.toContain(value);
    expect((await lookup('support', { value }).expect(200)).body.license.licenseId).toBe(licenseId);

    const unknown = await lookup('globex', { value: `${value}-NOT-HELD` }).expect(404);
    for (const body of [{ value }, { value, merchantId: 'm_acme' }]) {
      const answer = await lookup('globex', body).expect(404);
      expect(answer.body).toEqual(unknown.body);
    }
    await lookup('acme', { value: 'x'.repeat(2049) }).expect(400);
    await lookup('acme', { value: '' }).expect(400);
    await lookup('acme', { value, extra: 1 }).expect(400);

    // The same value at two merchants: support must say which.
    const globexPool = await createPool(service.url, 'globex', { productId: uniqueName('p_lookup') });
    await importKeys(service.url, 'globex', globexPool.id, [value]);
    const both = await lookup('support', { value }).expect(409);
    expect(both.body.message).toMatch(/m_acme, m_globex/);
    expect((await lookup('support', { value, merchantId: 'm_globex' }).expect(200)).body.license.poolId).toBe(globexPool.id);
    expect((await lookup('acme', { value }).expect(200)).body.license.licenseId).toBe(licenseId);
  });

  it('keeps entries append-only: UPDATE, DELETE and TRUNCATE are refused; only the pruner deletes, what is past the retention', async () => {
    const pool = await createPool(service.url, 'acme', { productId: uniqueName('p_prune') });
    await importKeys(service.url, 'acme', pool.id, keys(uniqueName('PRUNE'), 1));
    const [{ licenseId }] = await licensesOf(pool.id);
    await as(service.url, 'acme').delete(`/v1/pools/${pool.id}/licenses/${licenseId}`).expect(204);
    await query(service, `INSERT INTO license_ledger (license_id, merchant_id, kind, at) VALUES ($1, 'm_acme', 'revealed', now() - interval '731 days')`, [
      licenseId,
    ]);

    await expect(query(service, `UPDATE license_ledger SET kind = 'revealed' WHERE license_id = $1`, [licenseId])).rejects.toThrow(/append-only/);
    await expect(query(service, `DELETE FROM license_ledger WHERE license_id = $1`, [licenseId])).rejects.toThrow(/append-only/);
    await expect(query(service, `TRUNCATE license_ledger`)).rejects.toThrow(/append-only/);

    const dataSource = service.app.get(DataSource);
    const config = validateEnv(poolEnvSchema, service.env);
    expect(config.LICENSE_LEDGER_RETENTION_DAYS).toBe(730);
    const pruner = new RetentionPruner(dataSource, testLogger(), new Metrics(), {
      tables: poolRetention(config),
      intervalMs: 60000,
      batchSize: 100,
      pauseMs: 0,
      lockId: 9_100_201,
    });
    const run = await pruner.runOnce();
    expect(run).toMatchObject({ ran: true, skipped: {} });
    expect(run.pruned['license_ledger']).toBeGreaterThanOrEqual(1);
    expect((await historyOf(licenseId)).history.map((e) => e.kind)).toEqual(['imported', 'withdrawn']);
  });
});
