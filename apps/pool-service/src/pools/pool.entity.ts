import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type PoolMode = 'live' | 'test';

/** A stock of licenses for one scope: the merchant's common pool, one product, or one product in one currency. */
@Entity('pool')
export class PoolEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'merchant_id', type: 'text' }) merchantId!: string;
  @Column({ name: 'product_id', type: 'text', nullable: true }) productId!: string | null;
  @Column({ type: 'text', nullable: true }) currency!: string | null;
  @Column({ type: 'text' }) mode!: PoolMode;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'integer' }) threshold!: number;
  /** What a refund does to a delivered line's licenses: revoke, return_if_unsent or keep. */
  @Column({ name: 'refund_policy', type: 'text', default: 'revoke' }) refundPolicy!: 'revoke' | 'return_if_unsent' | 'keep';
  /** Whether the next fall below the threshold raises a `low` alert (one per crossing). */
  @Column({ name: 'low_armed', type: 'boolean', default: true }) lowArmed!: boolean;
  /** Whether the next emptying raises an `empty` alert (one per emptying). */
  @Column({ name: 'empty_armed', type: 'boolean', default: true }) emptyArmed!: boolean;
  @Column({ name: 'archived_at', type: 'timestamptz', nullable: true }) archivedAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

/** Stock figures of a pool, counted (never cached) from its licenses and held lines. */
export interface PoolStock {
  available: number;
  allocated: number;
  withdrawn: number;
  backordered: number;
}
