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

  it('refuses /v1 calls without a known API key', async () => {
    const missing = await request(service.url).get('/v1/merchants/m_acme/email-text').expect(401);
    expect(missing.body.message).toContain('Bearer');
    await request(service.url).get('/v1/merchants/m_acme/email-text').set('Authorization', `Bearer ${TEST_KEYS.acme}`).expect(200);
  });
});
