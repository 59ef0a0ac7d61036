import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { TEST_KEYS, TestDatabase, freshDatabase, startTestApp, testServiceEnv } from '@keypool/testing';
import { AppModule } from './app.module';

describe('pool-service boots with its platform surface', () => {
  let db: TestDatabase;
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    db = await freshDatabase('pool_boot');
    ({ app, url } = await startTestApp(AppModule.forEnv(testServiceEnv(db.url))));
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('is live and ready once its database and Kafka answer', async () => {
    await request(url).get('/health/live').expect(200, { status: 'ok' });
    const ready = await request(url).get('/health/ready').expect(200);
    expect(ready.body.details).toMatchObject({ database: { status: 'up' }, 'kafka-producer': { status: 'up' } });
  });

  it('serves Prometheus metrics and its OpenAPI document', async () => {
    const metrics = await request(url).get('/metrics').expect(200);
    expect(metrics.text).toContain('process_cpu_user_seconds_total');
    const docs = await request(url).get('/docs-json').expect(200);
    const page = await request(url).get('/docs').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('swagger');
    expect(docs.body.openapi).toMatch(/^3\./);
  });

  it('refuses /v1 calls without a known API key, saying how to authenticate', async () => {
    const missing = await request(url).get('/v1/pools').expect(401);
    expect(missing.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: expect.stringContaining('Bearer') });
    await request(url).get('/v1/pools').set('Authorization', 'Bearer not-a-key-at-all').expect(401);
    expect(TEST_KEYS.support).toBeTruthy();
  });

  it('routes paths case-sensitively, so a wrong-case path is a 404 even with a valid key', async () => {
    await request(url).get('/V1/pools').set('Authorization', `Bearer ${TEST_KEYS.acme}`).expect(404);
    await request(url).get('/v1/Pools').set('Authorization', `Bearer ${TEST_KEYS.acme}`).expect(404);
    await request(url).get('/v1/pools').set('Authorization', `Bearer ${TEST_KEYS.acme}`).expect(200);
  });
});
