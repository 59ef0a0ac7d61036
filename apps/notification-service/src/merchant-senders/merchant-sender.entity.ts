import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** How a merchant's license e-mails present themselves: From name and Reply-To (the From address stays the platform's). */
@Entity({ name: 'merchant_senders' })
export class MerchantSender {
  @PrimaryColumn({ name: 'merchant_id', type: 'text' })
  merchantId!: string;

  @Column({ name: 'sender_name', type: 'text', nullable: true })
  senderName!: string | null;

  @Column({ name: 'reply_to', type: 'text', nullable: true })
  replyTo!: string | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
