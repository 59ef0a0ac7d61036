import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { AttemptRecord } from './sendgrid-delivery';

export type DeliveryKind = 'license' | 'pool_low';

/** Every e-mail we tried to send and how each SendGrid request went; never the e-mail's content. */
@Entity({ name: 'deliveries' })
export class Delivery {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'event_id', type: 'text' })
  eventId!: string;

  @Column({ type: 'text' })
  kind!: DeliveryKind;

  @Column({ name: 'merchant_id', type: 'text' })
  merchantId!: string;

  @Column({ name: 'order_id', type: 'text', nullable: true })
  orderId!: string | null;

  @Column({ name: 'line_id', type: 'text', nullable: true })
  lineId!: string | null;

  @Column({ name: 'product_id', type: 'text', nullable: true })
  productId!: string | null;

  @Column({ name: 'pool_id', type: 'text', nullable: true })
  poolId!: string | null;

  @Column({ type: 'text', array: true })
  recipients!: string[];

  @Column({ name: 'resend_of', type: 'text', nullable: true })
  resendOf!: string | null;

  @Column({ type: 'text' })
  status!: 'sent' | 'failed';

  @Column({ type: 'boolean', nullable: true })
  permanent!: boolean | null;

  @Column({ name: 'status_code', type: 'integer', nullable: true })
  statusCode!: number | null;

  @Column({ name: 'provider_message_id', type: 'text', nullable: true })
  providerMessageId!: string | null;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ type: 'jsonb' })
  attempts!: AttemptRecord[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
