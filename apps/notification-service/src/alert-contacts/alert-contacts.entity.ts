import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** Who hears about a merchant's pools running low. */
@Entity({ name: 'alert_contacts' })
export class AlertContacts {
  @PrimaryColumn({ name: 'merchant_id', type: 'text' })
  merchantId!: string;

  @Column({ type: 'text', array: true })
  emails!: string[];

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
