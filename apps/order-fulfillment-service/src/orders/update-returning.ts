import type { EntityManager } from 'typeorm';

/** TypeORM's postgres driver answers UPDATE … RETURNING with [rows, rowCount]; this gives the rows. */
export async function updateReturning<T>(manager: EntityManager, sql: string, parameters: unknown[]): Promise<T[]> {
  const [rows] = (await manager.query(sql, parameters)) as [T[], number];
  return rows;
}
