import request from 'supertest';
import { SinkProcess, TEST_KEYS } from '@keypool/testing';
import { RunningService, startNotificationService } from '../test/harness';

describe('notification-service boots with its platform surface', () => {
  let sink: SinkProcess;
  let service: RunningService;

  beforeAll(async () => {
    sink = await SinkProcess.start();
    service = await startNotificationService('notification_boot', sink);
  });
  afterAll(async () => {
    await service?.stop();
    await sink?.stop();
  });

  it('is live and ready once its database, Kafka and both consumers answer', async () => {
    await request(service.url).get('/health/live').expect(200, { status: 'ok' });
    const ready = await request(service.url).get('/health/ready').expect(200);
    expect(ready.body.details).toMatchObject({ database: { status: 'up' }, 'kafka-producer': { status: 'up' }, 'kafka-consumers': { status: 'up' } });
  });

  it('serves its metrics and documents every endpoint in OpenAPI', async () => {
    const metrics = await request(service.url).get('/metrics').expect(200);
    expect(metrics.text).toContain('process_cpu_user_seconds_total');
    const docs = await request(service.url).get('/docs-json').expect(200);
    const page = await request(service.url).get('/docs').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('swagger');
    expect(Object.keys(docs.body.paths).sort()).toEqual([
      '/v1/merchants/{merchantId}/alert-contacts',
      '/v1/merchants/{merchantId}/email-text',
      '/v1/merchants/{merchantId}/email-text/preview',
      '/v1/merchants/{merchantId}/products/{productId}/email-text',
      '/v1/merchants/{merchantId}/products/{productId}/email-text/preview',
      '/v1/merchants/{merchantId}/sender',
    ]);
  });

  it('documents each operation from its TypeBox schemas: operation id, request body, and its error answers', async () => {
    const docs = await request(service.url).get('/docs-json').expect(200);
    const operations = Object.values(docs.body.paths as Record<string, Record<string, { operationId?: string; responses: object }>>).flatMap((p) =>
      Object.values(p),
    );
    expect(operations).toHaveLength(12);
    expect(new Set(operations.map((o) => o.operationId)).size).toBe(12);
    for (const operation of operations) {
      expect(operation.operationId).toMatch(/^[a-z][A-Za-z]+$/);
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '404']));
    }
    const put = docs.body.paths['/v1/merchants/{merchantId}/sender'].put;
    expect(put.operationId).toBe('replaceSender');
    expect(put.requestBody.content['application/json'].schema.properties.senderName).toMatchObject({ type: 'string', nullable: true });
    expect(Object.keys(put.responses).sort()).toEqual(['200', '400', '401', '404', '413', '422']);
    const refused = await request(service.url)
      .put('/v1/merchants/m_acme/sender')
      .set('Authorization', `Bearer ${TEST_KEYS.acme}`)
      .send({ senderName: 42 })
      .expect(400);
    expect(refused.body.message).toBe('body.senderName: must be a string or null, got 42');
  });

  it('refuses /v1 calls without a known API key', async () => {
    const missing = await request(service.url).get('/v1/merchants/m_acme/email-text').expect(401);
    expect(missing.body.message).toContain('Bearer');
    await request(service.url).get('/v1/merchants/m_acme/email-text').set('Authorization', `Bearer ${TEST_KEYS.acme}`).expect(200);
  });
});
