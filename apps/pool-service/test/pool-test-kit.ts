import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AllocationRequestedData, exampleEventData } from '@keypool/contracts';
import { DataSource } from 'typeorm';
import { Envelope, Messaging, outboxPayloadContext } from '@keypool/messaging';
import { SecretBox } from '@keypool/platform';
import { TEST_KEYS, TestDatabase, freshDatabase, startTestApp, testServiceEnv, topicsOf } from '@keypool/testing';
import { AllocateLicensesHandler } from '../src/allocation/allocate-licenses.handler';
import { AppModule } from '../src/app.module';

export interface PoolService {
  app: INestApplication;
  url: string;
  db: TestDatabase;
  env: Record<string, string>;
  topics: ReturnType<typeof topicsOf>;
  close(): Promise<void>;
}

/** pool-service in-process with its own database and topics. */
export async function startPoolService(label: string, extra: Record<string, string> = {}): Promise<PoolService> {
  const db = await freshDatabase(label);
  const env = testServiceEnv(db.url, undefined, extra);
  const { app, url } = await startTestApp(AppModule.forEnv(env));
  return {
    app,
    url,
    db,
    env,
    topics: topicsOf(env),
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}

export type Who = keyof typeof TEST_KEYS;

export function as(url: string, who: Who) {
  const auth = { Authorization: `Bearer ${TEST_KEYS[who]}` };
  return {
    get: (path: string) => request(url).get(path).set(auth),
    post: (path: string, body?: object) => request(url).post(path).set(auth).send(body),
    patch: (path: string, body: object) => request(url).patch(path).set(auth).send(body),
    delete: (path: string) => request(url).delete(path).set(auth),
    upload: (path: string, text: string | Buffer) => request(url).post(path).set(auth).set('Content-Type', 'text/plain').send(text),
  };
}

export async function createPool(url: string, who: Who, body: Record<string, unknown>): Promise<{ id: string } & Record<string, unknown>> {
  const response = await as(url, who).post('/v1/pools', { threshold: 0, ...body });
  if (response.status !== 201) throw new Error(`pool not created: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

export async function importKeys(url: string, who: Who, poolId: string, keys: string[]) {
  const response = await as(url, who).upload(`/v1/pools/${poolId}/licenses`, keys.join('\n'));
  if (response.status !== 200) throw new Error(`import failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/** A pool's license values in import order, read as support reads them: each through the audited reveal. */
export async function revealedValues(url: string, poolId: string): Promise<string[]> {
  const listed = await as(url, 'support').get(`/v1/pools/${poolId}/licenses?limit=1000`).expect(200);
  const values: string[] = [];
  for (const { licenseId } of listed.body.items as { licenseId: string }[]) {
    const revealed = await as(url, 'support')
      .post(`/v1/pools/${poolId}/licenses/${licenseId}/reveal`, { reason: 'test: checking what the import stored' })
      .expect(200);
    values.push(revealed.body.value);
  }
  return values;
}

export function keys(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(7, '0')}`);
}

export function lineRequest(overrides: Partial<AllocationRequestedData> = {}): AllocationRequestedData {
  return { ...exampleEventData.AllocationRequested, licenseCount: 1, ...overrides };
}

/** Runs the allocator directly in its own transaction, as one consumer chunk would. */
export function allocateDirectly(service: PoolService, requests: AllocationRequestedData[]): Promise<void> {
  const messaging = service.app.get(Messaging);
  const allocator = service.app.get(AllocateLicensesHandler);
  return messaging.transactions.run((tx) => allocator.allocate(requests, tx));
}

/** Events this service has put in its outbox, opened with its own key, oldest first. */
export async function outboxEvents<D = Record<string, unknown>>(service: PoolService, type: string): Promise<Envelope<D>[]> {
  const cipher = service.app.get(SecretBox);
  const rows: { id: string; payload: Buffer }[] = await service.app
    .get(DataSource)
    .query(`SELECT id, payload FROM outbox WHERE type = $1 ORDER BY seq`, [type]);
  return rows.map((r) => JSON.parse(cipher.decryptText(r.payload, outboxPayloadContext(r.id))) as Envelope<D>);
}

export async function query<T = Record<string, unknown>>(service: PoolService, sql: string, params: unknown[] = []): Promise<T[]> {
  return service.app.get(DataSource).query(sql, params);
}
