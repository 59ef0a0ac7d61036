import { Column, CreateDateColumn, Entity, type EntityManager, PrimaryGeneratedColumn } from 'typeorm';
import type { AttemptRecord, SendOutcome } from './sendgrid-delivery';

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

/** A deliveries row as the handlers write it (id and created_at come from the database). */
export type DeliveryRecord = Omit<Delivery, 'id' | 'createdAt'>;

/** The columns of a deliveries row that say how the sending went. */
export function outcomeColumns(
  outcome: SendOutcome,
): Pick<DeliveryRecord, 'status' | 'permanent' | 'statusCode' | 'providerMessageId' | 'reason' | 'attempts'> {
  return {
    status: outcome.ok ? 'sent' : 'failed',
    permanent: outcome.ok ? null : outcome.permanent,
    statusCode: outcome.ok ? null : outcome.statusCode,
    providerMessageId: outcome.ok ? outcome.providerMessageId : null,
    reason: outcome.ok ? null : outcome.reason,
    attempts: outcome.attempts,
  };
}

/**
 * Inserts a chunk's delivery records in one statement. Not TypeORM's insert builder: its
 * parameter handling was 12% of the service's CPU for a chunk of 150 records.
 */
export async function recordDeliveries(manager: EntityManager, records: DeliveryRecord[]): Promise<void> {
  if (records.length === 0) return;
  const column = <T>(pick: (r: DeliveryRecord) => T) => records.map(pick);
  await manager.query(
    `INSERT INTO deliveries (event_id, kind, merchant_id, order_id, line_id, product_id, pool_id, recipients, resend_of,
                             status, permanent, status_code, provider_message_id, reason, attempts)
     SELECT u.event_id, u.kind, u.merchant_id, u.order_id, u.line_id, u.product_id, u.pool_id,
            ARRAY(SELECT jsonb_array_elements_text(u.recipients::jsonb)), u.resend_of,
            u.status, u.permanent, u.status_code, u.provider_message_id, u.reason, u.attempts::jsonb
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                   $10::text[], $11::boolean[], $12::int[], $13::text[], $14::text[], $15::text[])
         AS u(event_id, kind, merchant_id, order_id, line_id, product_id, pool_id, recipients, resend_of,
              status, permanent, status_code, provider_message_id, reason, attempts)`,
    [
      column((r) => r.eventId),
      column((r) => r.kind),
      column((r) => r.merchantId),
      column((r) => r.orderId),
      column((r) => r.lineId),
      column((r) => r.productId),
      column((r) => r.poolId),
      column((r) => JSON.stringify(r.recipients)),
      column((r) => r.resendOf),
      column((r) => r.status),
      column((r) => r.permanent),
      column((r) => r.statusCode),
      column((r) => r.providerMessageId),
      column((r) => r.reason),
      column((r) => JSON.stringify(r.attempts)),
    ],
  );
}
