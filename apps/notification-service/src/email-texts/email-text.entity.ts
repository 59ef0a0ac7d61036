import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** The merchant-wide default text has this product id: no real product id is empty. */
export const MERCHANT_DEFAULT = '';
/** A text for every language has this locale; others are lower-case BCP 47 tags (`de`, `de-at`). */
export const ANY_LOCALE = '';

@Entity({ name: 'email_texts' })
export class EmailText {
  @PrimaryColumn({ name: 'merchant_id', type: 'text' })
  merchantId!: string;

  @PrimaryColumn({ name: 'product_id', type: 'text' })
  productId!: string;

  @PrimaryColumn({ type: 'text' })
  locale!: string;

  @Column({ type: 'text', nullable: true })
  subject!: string | null;

  @Column({ type: 'text' })
  text!: string;

  /** Only on the merchant default for any locale: the name shown in the signature. */
  @Column({ name: 'merchant_name', type: 'text', nullable: true })
  merchantName!: string | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
