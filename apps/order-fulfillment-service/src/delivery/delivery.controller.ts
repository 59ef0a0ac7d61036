import { Controller, Get, Put } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Static } from '@sinclair/typebox';
import { Caller, CurrentCaller, Endpoint, ValidBody, ValidParams, unwrapResult } from '@keypool/platform';
import { deliverySettingOf } from './delivery-rule';
import { ProductDeliveryView, ReadDeliverySetting, SaveDeliverySetting } from './delivery-settings';
import { DeliverySettingBody, ProductDeliveryResponse, ProductPath } from './delivery.schemas';

@ApiTags('delivery')
@Controller('merchants/:merchantId/products/:productId/delivery')
export class DeliveryController {
  constructor(
    private readonly reading: ReadDeliverySetting,
    private readonly saving: SaveDeliverySetting,
  ) {}

  @Get()
  @Endpoint({
    operationId: 'getProductDelivery',
    summary: "A product's delivery rule and order-page visibility (defaults until the merchant chooses)",
    params: ProductPath,
    ok: { schema: ProductDeliveryResponse },
    errors: { 404: "another merchant's product" },
  })
  async read(@CurrentCaller() caller: Caller, @ValidParams(ProductPath) path: Static<typeof ProductPath>): Promise<ProductDeliveryView> {
    return unwrapResult(await this.reading.read(caller, path.merchantId, path.productId));
  }

  @Put()
  @Endpoint({
    operationId: 'setProductDelivery',
    summary: "Sets a product's delivery rule and order-page visibility; applies to orders received from now on",
    params: ProductPath,
    body: DeliverySettingBody,
    ok: { schema: ProductDeliveryResponse },
    errors: { 404: "another merchant's product" },
  })
  async save(
    @CurrentCaller() caller: Caller,
    @ValidParams(ProductPath) path: Static<typeof ProductPath>,
    @ValidBody(DeliverySettingBody) body: Static<typeof DeliverySettingBody>,
  ): Promise<ProductDeliveryView> {
    return unwrapResult(await this.saving.save(caller, path.merchantId, path.productId, deliverySettingOf(body)));
  }
}
