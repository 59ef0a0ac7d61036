import request from 'supertest';
import { FulfillmentTestKit } from '../test/fulfillment-test-kit';

describe('order-fulfillment-service boots with its platform surface', () => {
  let kit: FulfillmentTestKit;
  let url: string;

  beforeAll(async () => {
    kit = await FulfillmentTestKit.start('fulfil_boot', []);
    url = kit.url;
  });
  afterAll(() => kit?.stop());

  it('is live and ready once its database, producer and consumers answer', async () => {
    await request(url).get('/health/live').expect(200, { status: 'ok' });
    const ready = await request(url).get('/health/ready').expect(200);
    expect(ready.body.details).toMatchObject({ database: { status: 'up' }, 'kafka-producer': { status: 'up' }, 'kafka-consumers': { status: 'up' } });
  });

  it('serves its metrics and documents every endpoint in OpenAPI', async () => {
    const metrics = await request(url).get('/metrics').expect(200);
    expect(metrics.text).toContain('keypool_duplicate_orders_total');
    expect(metrics.text).toContain('keypool_order_lines{status="awaiting_stock"} 0');
    const docs = await request(url).get('/docs-json').expect(200);
    const page = await request(url).get('/docs').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('swagger');
    expect(Object.keys(docs.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/orders',
        '/v1/orders/{orderId}',
        '/v1/orders/{orderId}/resend',
        '/v1/orders/{orderId}/lines/{lineId}/resend',
        '/v1/merchants/{merchantId}/products/{productId}/delivery',
      ]),
    );
  });

  it('refuses /v1 calls without an API key, saying how to authenticate', async () => {
    const missing = await request(url).get('/v1/orders/ord_1').expect(401);
    expect(missing.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: expect.stringContaining('Bearer') });
    await request(url).post('/v1/orders/ord_1/resend').expect(401);
    await request(url).put('/v1/merchants/m_acme/products/p/delivery').send({ rule: 'per_unit' }).expect(401);
  });
});
