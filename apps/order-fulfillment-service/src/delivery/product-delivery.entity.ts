import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { DeliveryRule } from './delivery-rule';

/** A merchant's delivery choice for one product; products without a row use the defaults. */
@Entity('product_delivery')
export class ProductDeliveryEntity {
  @PrimaryColumn('text', { name: 'merchant_id' }) merchantId!: string;
  @PrimaryColumn('text', { name: 'product_id' }) productId!: string;
  @Column('text') rule!: DeliveryRule;
  @Column('boolean', { name: 'show_on_order_page' }) showOnOrderPage!: boolean;
  @Column('boolean', { name: 'renewal_requires_same_customer' }) renewalRequiresSameCustomer!: boolean;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}
