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

  it('documents each operation from its TypeBox schemas: operation id, request body, and its error answers', async () => {
    const docs = await request(url).get('/docs-json').expect(200);
    const operations = Object.values(docs.body.paths as Record<string, Record<string, { operationId?: string; responses: object }>>).flatMap((p) =>
      Object.values(p),
    );
    expect(operations).toHaveLength(21);
    expect(new Set(operations.map((o) => o.operationId)).size).toBe(21);
    for (const operation of operations) {
      expect(operation.operationId).toMatch(/^[a-z][A-Za-z]+$/);
      expect(Object.keys(operation.responses)).toContain('401');
    }
    const create = docs.body.paths['/v1/pools'].post;
    expect(create.operationId).toBe('createPool');
    expect(create.requestBody.content['application/json'].schema.properties.threshold).toMatchObject({ type: 'integer', minimum: 0, maximum: 1_000_000 });
    expect(Object.keys(create.responses).sort()).toEqual(['201', '400', '401', '409']);
    const upload = docs.body.paths['/v1/pools/{poolId}/licenses'].post;
    expect(upload.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`).sort()).toEqual([
      'path:poolId',
      'query:dryRun',
      'query:label',
      'query:strict',
    ]);
    expect(Object.keys(upload.responses).sort()).toEqual(['200', '400', '401', '404', '408', '409', '413', '415', '422']);
    const refused = await request(url).post('/v1/pools').set('Authorization', `Bearer ${TEST_KEYS.acme}`).send({ threshold: 1.5 }).expect(400);
    expect(refused.body.message).toMatch(/^body\.threshold: /);
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
