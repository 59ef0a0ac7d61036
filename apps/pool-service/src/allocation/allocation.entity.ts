import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

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

/**
 * One order line's claim on a pool, unique per (order, line). A held line keeps its sealed
 * request so it can be served later; an allocated one keeps its sealed LicenseAllocated
 * envelope so a repeated request re-publishes the very same event.
 */
@Entity('allocation')
export class AllocationEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  /** Arrival order: held lines are served by it, oldest first. */
  @Column({ type: 'bigint' }) seq!: string;
  @Column({ name: 'order_id', type: 'text' }) orderId!: string;
  @Column({ name: 'line_id', type: 'text' }) lineId!: string;
  @Column({ name: 'merchant_id', type: 'text' }) merchantId!: string;
  @Column({ name: 'product_id', type: 'text' }) productId!: string;
  @Column({ type: 'text' }) currency!: string;
  @Column({ type: 'boolean' }) test!: boolean;
  @Column({ name: 'license_count', type: 'integer' }) licenseCount!: number;
  @Column({ name: 'pool_id', type: 'uuid', nullable: true }) poolId!: string | null;
  @Column({ type: 'text' }) status!: LineStatus;
  @Column({ type: 'text', nullable: true }) reason!: string | null;
  @Column({ type: 'bytea' }) request!: Buffer;
  @Column({ name: 'event_id', type: 'uuid', nullable: true }) eventId!: string | null;
  @Column({ type: 'bytea', nullable: true }) event!: Buffer | null;
  @Column({ name: 'requested_at', type: 'timestamptz' }) requestedAt!: Date;
  @Column({ name: 'allocated_at', type: 'timestamptz', nullable: true }) allocatedAt!: Date | null;
  /** Licenses later lines took while this one waited; at HELD_LINE_RESERVE_AFTER, new stock is kept for it. */
  @Column({ type: 'integer' }) overtaken!: number;
}
