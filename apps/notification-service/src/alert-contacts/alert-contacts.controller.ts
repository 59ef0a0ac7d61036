import { BadRequestException, Body, Controller, Get, Param, Put, UnprocessableEntityException } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller } from '@keypool/platform';
import { AlertContactBook, MAX_ALERT_CONTACTS } from './alert-contacts.handler';
import { requireVisibleMerchant } from '../merchant-access';

class AlertContactsBody {
  @ApiProperty({ type: [String], maxItems: MAX_ALERT_CONTACTS, example: ['ops@acme.example'], description: 'an empty list turns pool alerts off' })
  emails!: string[];
}

class AlertContactsView {
  @ApiProperty() merchantId!: string;
  @ApiProperty({ type: [String] }) emails!: string[];
}

@ApiTags('alert contacts')
@Controller('merchants/:merchantId/alert-contacts')
export class AlertContactsController {
  constructor(private readonly contacts: AlertContactBook) {}

  @Put()
  @ApiOperation({ summary: 'Replace who gets PoolLow e-mails (pool low or empty)' })
  @ApiBody({ type: AlertContactsBody })
  @ApiResponse({ status: 200, type: AlertContactsView })
  @ApiResponse({ status: 422, description: 'which addresses are invalid' })
  async put(@CurrentCaller() caller: Caller, @Param('merchantId') merchantId: string, @Body() body: unknown): Promise<AlertContactsView> {
    requireVisibleMerchant(caller, merchantId);
    if (!body || typeof body !== 'object' || !('emails' in body)) throw new BadRequestException('send {"emails": ["ops@example.com", …]}');
    const result = await this.contacts.replace(merchantId, (body as { emails: unknown }).emails);
    if (!result.ok) throw new UnprocessableEntityException({ message: result.errors.join('; '), details: { errors: result.errors } });
    return { merchantId, emails: result.emails };
  }

  @Get()
  @ApiOperation({ summary: 'Who gets PoolLow e-mails' })
  @ApiResponse({ status: 200, type: AlertContactsView })
  async get(@CurrentCaller() caller: Caller, @Param('merchantId') merchantId: string): Promise<AlertContactsView> {
    requireVisibleMerchant(caller, merchantId);
    return { merchantId, emails: await this.contacts.list(merchantId) };
  }
}
