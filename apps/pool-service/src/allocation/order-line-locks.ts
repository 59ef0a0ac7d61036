import type { Tx } from '@keypool/messaging';

/** The order locks' key: hashtextextended(ORDER_LOCK_PREFIX || order id, 0). */
export const ORDER_LOCK_PREFIX = 'keypool.allocation-order:';

/**
 * Serialises recording a line's request (the allocator) with recording its refund (refunds), per
 * order: whichever comes second sees the first. Sorted, so two chunks never deadlock; taken after
 * the routing locks and before any pool lock, in both.
 */
export async function lockOrderLines(tx: Tx, orderIds: string[]): Promise<void> {
  const ids = [...new Set(orderIds)].sort();
  if (ids.length === 0) return;
  await tx.manager.query(
    `SELECT pg_advisory_xact_lock(hashtextextended('${ORDER_LOCK_PREFIX}' || id, 0)) FROM unnest($1::text[]) WITH ORDINALITY AS u(id, n) ORDER BY n`,
    [ids],
  );
}
