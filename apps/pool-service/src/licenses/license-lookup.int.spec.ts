import { LicenseRevokedData } from '@keypool/contracts';
import { Messaging } from '@keypool/messaging';
import { uniqueName } from '@keypool/testing';
import { RefundAllocationsHandler } from '../refunds/refund-allocations.handler';
import { PoolService, allocateDirectly, as, createPool, importKeys, keys, lineRequest, outboxEvents, startPoolService } from '../../test/pool-test-kit';
import { maskLicense } from './mask';

describe('GET /v1/licenses/{licenseId}: what an activation server reads after LicenseRevoked (real PostgreSQL and broker)', () => {
  let service: PoolService;
  let poolId: string;
  const values = keys(uniqueName('LOOKUP'), 2);
  const orderId = uniqueName('ord_lookup');
  let revoked: LicenseRevokedData;

  beforeAll(async () => {
    service = await startPoolService('pool_license_lookup');
    poolId = (await createPool(service.url, 'acme', { productId: 'p_lookup' })).id;
    await importKeys(service.url, 'acme', poolId, values);
    await allocateDirectly(service, [lineRequest({ orderId, lineId: '1', merchantId: 'm_acme', productId: 'p_lookup' })]);
    const refunds = service.app.get(RefundAllocationsHandler);
    await service.app
      .get(Messaging)
      .transactions.run((tx) =>
        refunds.refund(
          [{ orderId, merchantId: 'm_acme', lines: [{ lineId: '1', emailed: true }], reason: 'customer_request', refundedAt: new Date().toISOString() }],
          tx,
        ),
      );
    [{ data: revoked }] = await outboxEvents<LicenseRevokedData>(service, 'LicenseRevoked');
  });
  afterAll(() => service?.close());

  it('answers the revoked license of a LicenseRevoked with its pool, order line and dates, the value masked', async () => {
    const response = await as(service.url, 'acme').get(`/v1/licenses/${revoked.licenseId}`).expect(200);
    expect(response.body).toMatchObject({
      licenseId: revoked.licenseId,
      status: 'revoked',
      poolId,
      merchantId: 'm_acme',
      productId: 'p_lookup',
      test: false,
      orderId,
      lineId: '1',
      masked: true,
    });
    expect(response.body.revokedAt).toEqual(expect.any(String));
    expect(response.body.allocatedAt).toEqual(expect.any(String));
    // The value it names is one of the pool's, masked: never the value itself anywhere in the answer.
    expect(values.map(maskLicense)).toContain(response.body.value);
    for (const value of values) expect(JSON.stringify(response.body)).not.toContain(value);
  });

  it('answers an unsold license with no order line, and support sees it too', async () => {
    const listed = await as(service.url, 'acme').get(`/v1/pools/${poolId}/licenses?status=available`).expect(200);
    const [{ licenseId }] = listed.body.items as { licenseId: string }[];
    const response = await as(service.url, 'support').get(`/v1/licenses/${licenseId}`).expect(200);
    expect(response.body).toMatchObject({ licenseId, status: 'available', poolId, orderId: null, lineId: null, revokedAt: null, allocatedAt: null });
  });

  it("answers 404 for another merchant's license, an unknown id and an id that is not a uuid", async () => {
    const globex = await as(service.url, 'globex').get(`/v1/licenses/${revoked.licenseId}`).expect(404);
    expect(globex.body).toMatchObject({ statusCode: 404, message: 'License not found' });
    await as(service.url, 'acme').get('/v1/licenses/00000000-0000-7000-8000-000000000000').expect(404);
    await as(service.url, 'acme')
      .get(`/v1/licenses/${'x'.repeat(300)}`)
      .expect(404);
  });
});
