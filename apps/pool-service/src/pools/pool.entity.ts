// pool-service has no TypeORM entities: every query is set-based SQL, so the `pool` table's shape
// lives in its migrations and its API shape in pool-view.ts.
export type PoolMode = 'live' | 'test';

/** Stock figures of a pool, counted (never cached) from its licenses and held lines. */
export interface PoolStock {
  available: number;
  allocated: number;
  withdrawn: number;
  backordered: number;
}
