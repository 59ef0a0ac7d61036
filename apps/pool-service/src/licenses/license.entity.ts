import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type LicenseStatus = 'available' | 'allocated' | 'withdrawn' | 'revoked';

/**
 * One license of a pool. The value is sealed (SecretBox, key id inside) and found again only
 * through its keyed hash; `allocation_id` is one column, so a license serves at most one line.
 */
@Entity('license')
export class LicenseEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'bigint' }) seq!: string;
  @Column({ name: 'pool_id', type: 'uuid' }) poolId!: string;
  @Column({ name: 'merchant_id', type: 'text' }) merchantId!: string;
  @Column({ name: 'value_hash', type: 'bytea' }) valueHash!: Buffer;
  /** The rule `value_hash` was made with (LICENSE_HASH_VERSION); older rows are rehashed. */
  @Column({ name: 'hash_version', type: 'smallint' }) hashVersion!: number;
  @Column({ type: 'bytea' }) value!: Buffer;
  @Column({ type: 'text' }) status!: LicenseStatus;
  @Column({ name: 'allocation_id', type: 'uuid', nullable: true }) allocationId!: string | null;
  @Column({ name: 'imported_at', type: 'timestamptz' }) importedAt!: Date;
  @Column({ name: 'allocated_at', type: 'timestamptz', nullable: true }) allocatedAt!: Date | null;
  @Column({ name: 'withdrawn_at', type: 'timestamptz', nullable: true }) withdrawnAt!: Date | null;
}
