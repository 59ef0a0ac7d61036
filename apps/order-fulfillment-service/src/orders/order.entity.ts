import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import type { Customer, OrderLine } from '@keypool/contracts';
import type { DeliveryRule } from '../delivery/delivery-rule';
import type { LineStatus, OrderStatus, RefundStatus } from './line-status';

// Writes go through set-based SQL in the use cases; these entities serve the reads (the order
// view, the order page, resend and reveal) and name the columns in one place. Every column of
// their tables is here, as the migrations made it (entities.int.spec.ts checks both ways).
// line_licenses, order_refunds and order_line_counts are only ever read and written in SQL.

@Entity('orders')
export class OrderEntity {
  @PrimaryColumn('text', { name: 'order_id' }) orderId!: string;
  @Column('text', { name: 'merchant_id' }) merchantId!: string;
  @Column('text', { name: 'order_paid_event_id' }) orderPaidEventId!: string;
  @Column('text') currency!: string;
  @Column('timestamptz', { name: 'paid_at' }) paidAt!: Date;
  @Column('boolean') test!: boolean;
  @Column('text', { name: 'parent_order_id', nullable: true }) parentOrderId!: string | null;
  @Column('text', { name: 'license_for', nullable: true }) licenseFor!: string | null;
  @Column('jsonb') customer!: Customer;
  @Column('text', { array: true }) notes!: string[];
  @Column('text') status!: OrderStatus;
  @Column('timestamptz', { name: 'received_at' }) receivedAt!: Date;
  @Column('timestamptz', { name: 'fulfilled_at', nullable: true }) fulfilledAt!: Date | null;
  /** Set once a refund applied: every line refunded, or only some. */
  @Column('text', { name: 'refund_status', nullable: true }) refundStatus!: RefundStatus | null;
}

@Entity('order_lines')
export class OrderLineEntity {
  @PrimaryColumn('text', { name: 'order_id' }) orderId!: string;
  @PrimaryColumn('text', { name: 'line_id' }) lineId!: string;
  @Column('integer') position!: number;
  @Column('text', { name: 'product_id' }) productId!: string;
  @Column('jsonb') item!: OrderLine;
  @Column('text', { name: 'delivery_rule' }) deliveryRule!: DeliveryRule;
  @Column('integer', { name: 'license_count' }) licenseCount!: number;
  @Column('text') status!: LineStatus;
  @Column('text', { name: 'status_reason', nullable: true }) statusReason!: string | null;
  @Column('timestamptz', { name: 'status_at' }) statusAt!: Date;
  @Column('text', { name: 'pool_id', nullable: true }) poolId!: string | null;
  /** The original LicenseAllocated; every resend of the line names it in `resendof`. */
  @Column('text', { name: 'allocation_event_id', nullable: true }) allocationEventId!: string | null;
  @Column('text', { name: 'delivered_license_ids', array: true, nullable: true }) deliveredLicenseIds!: string[] | null;
  @Column('timestamptz', { name: 'refunded_at', nullable: true }) refundedAt!: Date | null;
  @Column('text', { name: 'refund_reason', nullable: true }) refundReason!: string | null;
}

@Entity('status_history')
export class StatusChangeEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) seq!: string;
  @Column('text', { name: 'order_id' }) orderId!: string;
  /** null for a change of the order's own status. */
  @Column('text', { name: 'line_id', nullable: true }) lineId!: string | null;
  @Column('text') status!: string;
  @Column('text', { nullable: true }) reason!: string | null;
  @Column('text', { name: 'event_id', nullable: true }) eventId!: string | null;
  @Column('timestamptz') at!: Date;
}

export type EmailRecordKind = 'resend_requested' | 'sent' | 'failed';

@Entity('email_history')
export class EmailRecordEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) seq!: string;
  @Column('text', { name: 'order_id' }) orderId!: string;
  @Column('text', { name: 'line_id' }) lineId!: string;
  @Column('text') kind!: EmailRecordKind;
  @Column('text', { name: 'event_id' }) eventId!: string;
  @Column('boolean') resend!: boolean;
  @Column('text', { nullable: true }) recipient!: string | null;
  @Column('text', { name: 'license_ids', array: true }) licenseIds!: string[];
  @Column('text', { name: 'provider_message_id', nullable: true }) providerMessageId!: string | null;
  @Column('text', { nullable: true }) reason!: string | null;
  @Column('boolean', { nullable: true }) permanent!: boolean | null;
  @Column('integer', { nullable: true }) attempts!: number | null;
  @Column('integer', { name: 'status_code', nullable: true }) statusCode!: number | null;
  @Column('text', { name: 'requested_by', nullable: true }) requestedBy!: string | null;
  @Column('timestamptz') at!: Date;
}

export const fulfillmentEntities = [OrderEntity, OrderLineEntity, StatusChangeEntity, EmailRecordEntity];
