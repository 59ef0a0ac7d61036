import { Body, Controller, Get, Inject, Param, Put, UnprocessableEntityException } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiProperty, ApiPropertyOptional, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller } from '@keypool/platform';
import { MAIL_SETTINGS, MailSettings } from '../delivery/mail-settings';
import { MAX_EMAIL_LENGTH } from '../email-address';
import { requireVisibleMerchant } from '../merchant-access';
import { MAX_SENDER_NAME_LENGTH, MerchantSenders, SenderSettings, fromOf } from './merchant-senders.handler';

class SenderBody {
  @ApiPropertyOptional({
    nullable: true,
    maxLength: MAX_SENDER_NAME_LENGTH,
    example: 'Acme Software',
    description:
      'the From name of your license e-mails (the address stays the platform\'s verified sender); no line breaks, control characters or "@"; null: the platform\'s name',
  })
  senderName?: string | null;

  @ApiPropertyOptional({
    nullable: true,
    maxLength: MAX_EMAIL_LENGTH,
    example: 'support@acme.example',
    description: "where customers' replies go (Reply-To); null: to the platform's sender address",
  })
  replyTo?: string | null;
}

class SenderView {
  @ApiProperty() merchantId!: string;
  @ApiProperty({ nullable: true }) senderName!: string | null;
  @ApiProperty({ nullable: true }) replyTo!: string | null;
  @ApiProperty({ description: 'the From header your license e-mails carry, e.g. "Acme Software" <licenses@keypool.example>' }) from!: string;
}

@ApiTags('sender')
@Controller('merchants/:merchantId/sender')
export class MerchantSendersController {
  constructor(
    private readonly senders: MerchantSenders,
    @Inject(MAIL_SETTINGS) private readonly settings: MailSettings,
  ) {}

  @Put()
  @ApiOperation({ summary: "Set the From name and Reply-To of your license e-mails (both replace what was set; absent or null: the platform's)" })
  @ApiBody({ type: SenderBody })
  @ApiResponse({ status: 200, type: SenderView })
  @ApiResponse({ status: 422, description: 'what is wrong with the name or the address, also as details.errors' })
  async put(@CurrentCaller() caller: Caller, @Param('merchantId') merchantId: string, @Body() body: unknown): Promise<SenderView> {
    requireVisibleMerchant(caller, merchantId);
    const result = await this.senders.replace(merchantId, body);
    if (!result.ok) throw new UnprocessableEntityException({ message: result.errors.join('; '), details: { errors: result.errors } });
    return this.view(merchantId, result.value);
  }

  @Get()
  @ApiOperation({ summary: 'The From name and Reply-To of your license e-mails' })
  @ApiResponse({ status: 200, type: SenderView })
  async get(@CurrentCaller() caller: Caller, @Param('merchantId') merchantId: string): Promise<SenderView> {
    requireVisibleMerchant(caller, merchantId);
    return this.view(merchantId, await this.senders.of(merchantId));
  }

  private view(merchantId: string, sender: SenderSettings): SenderView {
    const from = fromOf(this.settings.from, sender);
    return { merchantId, ...sender, from: `"${from.name.replace(/["\\]/g, '\\$&')}" <${from.email}>` };
  }
}
