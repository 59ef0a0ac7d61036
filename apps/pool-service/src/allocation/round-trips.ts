import type { EntityManager } from 'typeorm';
import { type SimpleQueryClient, strictLiteral } from '@keypool/messaging';
import type { LiteralOf } from '@keypool/platform';

const PLAIN = /^[^'\\\0]*$/;

/**
 * Sends statements built of literals in one round trip (the simple protocol), in the transaction
 * `manager` runs in, and returns each statement's rows in order. Each statement takes its own
 * snapshot, so a statement sent after one that takes locks sees what the locks waited for, which
 * a CTE of the locking statement would not: that is what lets "lock, then read" be one round trip.
 * (order-fulfillment has the same helper in orders/round-trips.ts: one for both belongs in
 * libs/messaging, next to strictLiteral.)
 */
export async function statementsInOneRoundTrip(manager: EntityManager, build: (literal: LiteralOf) => string[]): Promise<Record<string, unknown>[][]> {
  if (!manager.queryRunner) throw new Error('statementsInOneRoundTrip needs the manager of a transaction');
  const client = (await manager.queryRunner.connect()) as SimpleQueryClient;
  // The driver's escapeLiteral copies a string a character at a time (about 50 µs for a sealed
  // request in hex): a string with no quote, backslash or NUL needs only the quotes around it.
  const literal = (value: string) => (typeof value === 'string' && PLAIN.test(value) ? `'${value}'` : strictLiteral(client, value));
  const result = await client.query(build(literal).join(';\n'));
  return (Array.isArray(result) ? result : [result]).map((r) => r.rows);
}
