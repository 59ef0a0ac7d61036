import type { DataSource } from 'typeorm';
import { databaseDown, databaseProbe } from './database-probe';

const answering = (query: () => Promise<unknown>) => ({ query }) as unknown as DataSource;

describe('the database readiness probe', () => {
  it('is up when the database answers', async () => {
    await expect(databaseProbe(answering(() => Promise.resolve([{ '?column?': 1 }]))).check()).resolves.toEqual({ up: true, detail: undefined });
  });

  it('is down with the reason when the query fails', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const probe = databaseProbe(answering(() => Promise.reject(refused)));
    expect(probe.name).toBe('database');
    await expect(probe.check()).resolves.toEqual({ up: false, detail: 'database unreachable: Error: connect ECONNREFUSED 127.0.0.1:5432' });
  });

  it('reads a query that never answers as down after its timeout', async () => {
    await expect(
      databaseDown(
        answering(() => new Promise(() => undefined)),
        20,
      ),
    ).resolves.toBe('database unreachable: Error: no answer within 20 ms');
  });
});
