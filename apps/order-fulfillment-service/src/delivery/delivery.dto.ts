import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { deliveryRules, type DeliveryRule } from './delivery-rule';

export class DeliverySettingBody {
  @ApiProperty({ enum: deliveryRules, description: 'per_unit: one license per unit ordered; per_product: one license per order line whatever the quantity' })
  rule!: DeliveryRule;

  @ApiPropertyOptional({ default: false, description: 'Whether the merchant sees the license values on the order page (support always does)' })
  showOnOrderPage?: boolean;

  @ApiPropertyOptional({
    default: true,
    description:
      "A renewal (OrderPaid.parentOrderId) fills {PARENT_KEY} from the parent order only if the parent was bought with the same customer e-mail. Set false to allow renewals by another customer of the same merchant (e.g. a company renewing an employee's license). The parent must always belong to the same merchant.",
  })
  renewalRequiresSameCustomer?: boolean;
}

export class ProductDeliveryResponse {
  @ApiProperty() merchantId!: string;
  @ApiProperty() productId!: string;
  @ApiProperty({ enum: deliveryRules }) rule!: DeliveryRule;
  @ApiProperty() showOnOrderPage!: boolean;
  @ApiProperty() renewalRequiresSameCustomer!: boolean;
  @ApiProperty({ description: 'true while no choice is saved and the defaults (per_unit, hidden) apply' }) isDefault!: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) updatedAt!: Date | null;
}
