import { Controller, Get, Param, Put } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Static } from '@sinclair/typebox';
import { Caller, CurrentCaller, Endpoint, ValidBody, unwrapResult } from '@keypool/platform';
import { AlertContactBook } from './alert-contacts.handler';
import { AlertContactsBody, AlertContactsView } from './alert-contacts.schemas';
import { BODY_TOO_LARGE, NO_SUCH_MERCHANT } from '../http-docs';

@ApiTags('alert contacts')
@Controller('merchants/:merchantId/alert-contacts')
export class AlertContactsController {
  constructor(private readonly contacts: AlertContactBook) {}

  @Put()
  @Endpoint({
    operationId: 'replaceAlertContacts',
    summary: 'Replace who gets PoolLow e-mails (pool low or empty)',
    body: AlertContactsBody,
    ok: { schema: AlertContactsView },
    errors: { 404: NO_SUCH_MERCHANT, 413: BODY_TOO_LARGE, 422: 'which addresses are invalid, also as details.errors, or more than 20 addresses' },
  })
  async put(
    @CurrentCaller() caller: Caller,
    @Param('merchantId') merchantId: string,
    @ValidBody(AlertContactsBody) body: Static<typeof AlertContactsBody>,
  ): Promise<Static<typeof AlertContactsView>> {
    return unwrapResult(await this.contacts.replace(caller, merchantId, body.emails));
  }

  @Get()
  @Endpoint({ operationId: 'getAlertContacts', summary: 'Who gets PoolLow e-mails', ok: { schema: AlertContactsView }, errors: { 404: NO_SUCH_MERCHANT } })
  async get(@CurrentCaller() caller: Caller, @Param('merchantId') merchantId: string): Promise<Static<typeof AlertContactsView>> {
    return unwrapResult(await this.contacts.list(caller, merchantId));
  }
}
