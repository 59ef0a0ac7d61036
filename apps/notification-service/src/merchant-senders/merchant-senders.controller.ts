import { Controller, Get, Param, Put } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Static } from '@sinclair/typebox';
import { Caller, CurrentCaller, Endpoint, ValidBody, unwrapResult } from '@keypool/platform';
import { BODY_TOO_LARGE, NO_SUCH_MERCHANT } from '../http-docs';
import { MerchantSenders } from './merchant-senders.handler';
import { SenderBody, SenderView } from './merchant-senders.schemas';

@ApiTags('sender')
@Controller('merchants/:merchantId/sender')
export class MerchantSendersController {
  constructor(private readonly senders: MerchantSenders) {}

  @Put()
  @Endpoint({
    operationId: 'replaceSender',
    summary: "Set the From name and Reply-To of your license e-mails (both replace what was set; absent or null: the platform's)",
    body: SenderBody,
    ok: { schema: SenderView },
    errors: { 404: NO_SUCH_MERCHANT, 413: BODY_TOO_LARGE, 422: 'what is wrong with the name or the address, also as details.errors' },
  })
  async put(
    @CurrentCaller() caller: Caller,
    @Param('merchantId') merchantId: string,
    @ValidBody(SenderBody) body: Static<typeof SenderBody>,
  ): Promise<Static<typeof SenderView>> {
    return unwrapResult(await this.senders.replace(caller, merchantId, body));
  }

  @Get()
  @Endpoint({
    operationId: 'getSender',
    summary: 'The From name and Reply-To of your license e-mails',
    ok: { schema: SenderView },
    errors: { 404: NO_SUCH_MERCHANT },
  })
  async get(@CurrentCaller() caller: Caller, @Param('merchantId') merchantId: string): Promise<Static<typeof SenderView>> {
    return unwrapResult(await this.senders.of(caller, merchantId));
  }
}
