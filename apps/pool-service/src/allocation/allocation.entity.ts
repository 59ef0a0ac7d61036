// pool-service has no TypeORM entities: every query is set-based SQL, so the `allocation` table's
// shape lives in its migrations and the row type below is what that SQL returns. A line is unique
// per (order, line); a held one keeps its sealed request to be served later, an allocated one its
// sealed LicenseAllocated envelope, so a repeated request re-publishes the very same event.
export type LineStatus = 'allocated' | 'awaiting_stock' | 'unroutable' | 'cancelled';

/** An allocation row as raw SQL returns it (snake_case), for the set-based handlers. */
export interface AllocationRow {
  id: string;
  order_id: string;
  line_id: string;
  merchant_id: string;
  product_id: string;
  license_count: number;
  pool_id: string | null;
  status: LineStatus;
  reason: string | null;
  event: Buffer | null;
}
