import type { EntityManager } from 'typeorm';
import { type SimpleQueryClient, strictLiteral } from '@keypool/messaging';
import { type LiteralOf, unnestRows, type UnnestColumn } from '@keypool/platform';

/**
 * Sends statements built of literals in one round trip (the simple protocol), in the transaction
 * `manager` runs in, and returns each statement's rows in order. Each statement takes its own
 * snapshot, so a read sent after a lock sees what the lock waited for, which a CTE in the locking
 * statement would not: that is what lets "lock, then read" be one round trip.
 */
export async function statementsInOneRoundTrip(manager: EntityManager, build: (literal: LiteralOf) => string[]): Promise<Record<string, unknown>[][]> {
  const own = manager.queryRunner ? undefined : manager.connection.createQueryRunner();
  const runner = manager.queryRunner ?? own!;
  try {
    const client = (await runner.connect()) as SimpleQueryClient;
    const statements = build((value) => strictLiteral(client, value));
    const result = await client.query(statements.join(';\n'));
    return (Array.isArray(result) ? result : [result]).map((r) => r.rows);
  } finally {
    await own?.release();
  }
}

/**
 * One parameterised statement made of parts that each bring their parameters (unnestRows with
 * the next free `$n`), e.g. a data-modifying CTE whose members each read their own rows.
 */
export class StatementParameters {
  readonly values: unknown[] = [];

  /** A `$n` for one value. */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** unnestRows numbered after the parameters so far. */
  rows<R>(rows: readonly R[], columns: Record<string, UnnestColumn<R>>, alias: string): { from: string; columns: string } {
    const u = unnestRows(rows, columns, { alias, first: this.values.length + 1 });
    this.values.push(...u.parameters);
    return u;
  }
}
