import { BadRequestException, Body, Controller, Get, NotFoundException, Param, Put } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller, canSee } from '@keypool/platform';
import { parseDeliverySetting } from './delivery-rule';
import { ProductDeliverySettings, ProductDeliveryView } from './delivery-settings';
import { DeliverySettingBody, ProductDeliveryResponse } from './delivery.dto';

@ApiTags('delivery')
@Controller('merchants/:merchantId/products/:productId/delivery')
export class DeliveryController {
  constructor(private readonly settings: ProductDeliverySettings) {}

  @Get()
  @ApiOperation({ summary: "A product's delivery rule and order-page visibility (defaults until the merchant chooses)" })
  @ApiResponse({ status: 200, type: ProductDeliveryResponse })
  @ApiResponse({ status: 404, description: "another merchant's product" })
  read(@CurrentCaller() caller: Caller, @Param('merchantId') merchantId: string, @Param('productId') productId: string): Promise<ProductDeliveryView> {
    checkProduct(caller, merchantId, productId);
    return this.settings.read(merchantId, productId);
  }

  @Put()
  @ApiOperation({ summary: "Sets a product's delivery rule and order-page visibility; applies to orders received from now on" })
  @ApiBody({ type: DeliverySettingBody })
  @ApiResponse({ status: 200, type: ProductDeliveryResponse })
  @ApiResponse({ status: 400, description: 'names the field to fix, e.g. "rule: must be one of …"' })
  @ApiResponse({ status: 404, description: "another merchant's product" })
  save(
    @CurrentCaller() caller: Caller,
    @Param('merchantId') merchantId: string,
    @Param('productId') productId: string,
    @Body() body: unknown,
  ): Promise<ProductDeliveryView> {
    checkProduct(caller, merchantId, productId);
    const setting = parseDeliverySetting(body);
    if (!setting.ok) throw new BadRequestException(setting.error);
    return this.settings.save(merchantId, productId, setting.value);
  }
}

function checkProduct(caller: Caller, merchantId: string, productId: string): void {
  if (!canSee(caller, merchantId)) throw new NotFoundException(`merchant ${merchantId} not found`);
  if (productId.length > 200) throw new BadRequestException('productId: must be at most 200 characters');
}
