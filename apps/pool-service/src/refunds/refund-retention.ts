import { DAY_MS, RetentionTable, atLeastInbox, revealAuditRetention } from '@keypool/messaging';
import type { PoolConfig } from '../config';

/**
 * What the pruner deletes in pool-service besides the inbox and the outbox. Pools, licenses and
 * allocations are records and stay (a refunded allocation keeps refunded_at, a revoked license
 * revoked_at). `refunded_line` is the idempotency record of AllocationRefunded and what cancels a
 * request that comes after its refund; order-fulfillment sends a line's refund once and asks for
 * a refunded line never, so after REFUNDED_LINE_RETENTION_DAYS (at least the inbox's) it has
 * nothing left to stop.
 */
export function poolRetention(config: PoolConfig): RetentionTable[] {
  return [
    revealAuditRetention(config.REVEAL_AUDIT_RETENTION_DAYS),
    {
      table: 'refunded_line',
      timeColumn: 'received_at',
      retentionMs: atLeastInbox('REFUNDED_LINE_RETENTION_DAYS', config.REFUNDED_LINE_RETENTION_DAYS, config),
      find: { by: 'index' },
    },
    // Append-only (its trigger lets only the pruner delete); walked by seq, so no index on `at` costs each entry.
    { table: 'license_ledger', timeColumn: 'at', retentionMs: config.LICENSE_LEDGER_RETENTION_DAYS * DAY_MS, find: { by: 'key', key: 'seq' } },
  ];
}
