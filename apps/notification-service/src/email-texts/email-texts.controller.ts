import { Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Static } from '@sinclair/typebox';
import { Caller, CurrentCaller, Endpoint, ValidBody, ValidQuery, unwrapResult } from '@keypool/platform';
import { BODY_TOO_LARGE, NO_SUCH_MERCHANT } from '../http-docs';
import { MAX_RENDERED_LENGTH } from '../templates/license-email';
import { MAX_LICENSE_TAG_USES, MAX_REPORTED_PROBLEMS, MAX_TAGS, MAX_TEXT_LENGTH } from '../templates/validate-email-text';
import { MERCHANT_DEFAULT } from './email-text.entity';
import { EmailTextView, LocaleQuery, PreviewBody, PreviewView, PutEmailTextBody, PutMerchantEmailTextBody } from './email-text.schemas';
import { EmailTexts } from './email-texts.handler';

const TEXT_REFUSED =
  `what is wrong and where (line:column), also as details.errors (the first ${MAX_REPORTED_PROBLEMS} problems): unknown tags, stray braces, no {KEY}; ` +
  `a text over ${MAX_TEXT_LENGTH} characters or ${MAX_TAGS} tags, or with {KEY} more than ${MAX_LICENSE_TAG_USES} times, is refused for that alone; ` +
  'or more than 50 texts for particular locales';
const PREVIEW_REFUSED = `the text is refused as when saved, or the e-mail would render to more than ${MAX_RENDERED_LENGTH} characters in a part (the message says why)`;
const BAD_LOCALE = 'locale is not a BCP 47 language tag';
const BAD_PREVIEW = `${BAD_LOCALE}, or the order data does not fit LicenseAllocated.data (the message names the field under order)`;

type Locale = Static<typeof LocaleQuery>;
type View = Static<typeof EmailTextView>;

@ApiTags('email texts')
@Controller('merchants/:merchantId')
export class EmailTextsController {
  constructor(private readonly texts: EmailTexts) {}

  @Put('products/:productId/email-text')
  @Endpoint({
    operationId: 'putProductEmailText',
    summary: "Set a product's e-mail text (validated: {KEY} required, known tags only)",
    query: LocaleQuery,
    body: PutEmailTextBody,
    ok: { schema: EmailTextView },
    errors: { 400: BAD_LOCALE, 404: NO_SUCH_MERCHANT, 413: BODY_TOO_LARGE, 422: TEXT_REFUSED },
  })
  async putProductText(
    @CurrentCaller() caller: Caller,
    @Param('merchantId') merchantId: string,
    @Param('productId') productId: string,
    @ValidQuery(LocaleQuery) query: Locale,
    @ValidBody(PutEmailTextBody) body: Static<typeof PutEmailTextBody>,
  ): Promise<View> {
    return unwrapResult(await this.texts.save(caller, merchantId, productId, query.locale, body));
  }

  @Get('products/:productId/email-text')
  @Endpoint({
    operationId: 'getProductEmailText',
    summary: "The text a product's e-mails use (its own, else the merchant default, else the platform default)",
    query: LocaleQuery,
    ok: { schema: EmailTextView },
    errors: { 400: BAD_LOCALE, 404: NO_SUCH_MERCHANT },
  })
  async getProductText(
    @CurrentCaller() caller: Caller,
    @Param('merchantId') merchantId: string,
    @Param('productId') productId: string,
    @ValidQuery(LocaleQuery) query: Locale,
  ): Promise<View> {
    return unwrapResult(await this.texts.read(caller, merchantId, productId, query.locale));
  }

  @Post('products/:productId/email-text/preview')
  @HttpCode(200)
  @Endpoint({
    operationId: 'previewProductEmailText',
    summary: "Render a product's e-mail (saved text or the text given) with sample or given order data",
    query: LocaleQuery,
    body: PreviewBody,
    ok: { schema: PreviewView },
    errors: { 400: BAD_PREVIEW, 404: NO_SUCH_MERCHANT, 413: BODY_TOO_LARGE, 422: PREVIEW_REFUSED },
  })
  async previewProductText(
    @CurrentCaller() caller: Caller,
    @Param('merchantId') merchantId: string,
    @Param('productId') productId: string,
    @ValidQuery(LocaleQuery) query: Locale,
    @ValidBody(PreviewBody) body: Static<typeof PreviewBody>,
  ): Promise<Static<typeof PreviewView>> {
    return unwrapResult(await this.texts.preview(caller, merchantId, productId, query.locale, body));
  }

  @Delete('products/:productId/email-text')
  @HttpCode(204)
  @Endpoint({
    operationId: 'deleteProductEmailText',
    summary: "Delete a product's text for one locale (no locale: its text for any locale); the e-mails fall back as GET shows",
    query: LocaleQuery,
    ok: { status: 204, description: 'deleted, or there was no such text' },
    errors: { 400: BAD_LOCALE, 404: NO_SUCH_MERCHANT },
  })
  async deleteProductText(
    @CurrentCaller() caller: Caller,
    @Param('merchantId') merchantId: string,
    @Param('productId') productId: string,
    @ValidQuery(LocaleQuery) query: Locale,
  ): Promise<void> {
    unwrapResult(await this.texts.remove(caller, merchantId, productId, query.locale));
  }

  @Put('email-text')
  @Endpoint({
    operationId: 'putMerchantEmailText',
    summary: "Set the merchant's default e-mail text, for products without their own",
    query: LocaleQuery,
    body: PutMerchantEmailTextBody,
    ok: { schema: EmailTextView },
    errors: { 400: BAD_LOCALE, 404: NO_SUCH_MERCHANT, 413: BODY_TOO_LARGE, 422: TEXT_REFUSED },
  })
  async putMerchantText(
    @CurrentCaller() caller: Caller,
    @Param('merchantId') merchantId: string,
    @ValidQuery(LocaleQuery) query: Locale,
    @ValidBody(PutMerchantEmailTextBody) body: Static<typeof PutMerchantEmailTextBody>,
  ): Promise<View> {
    return unwrapResult(await this.texts.save(caller, merchantId, MERCHANT_DEFAULT, query.locale, body));
  }

  @Get('email-text')
  @Endpoint({
    operationId: 'getMerchantEmailText',
    summary: "The merchant's default e-mail text (the platform default until one is saved)",
    query: LocaleQuery,
    ok: { schema: EmailTextView },
    errors: { 400: BAD_LOCALE, 404: NO_SUCH_MERCHANT },
  })
  async getMerchantText(@CurrentCaller() caller: Caller, @Param('merchantId') merchantId: string, @ValidQuery(LocaleQuery) query: Locale): Promise<View> {
    return unwrapResult(await this.texts.read(caller, merchantId, MERCHANT_DEFAULT, query.locale));
  }

  @Post('email-text/preview')
  @HttpCode(200)
  @Endpoint({
    operationId: 'previewMerchantEmailText',
    summary: "Render the merchant's default e-mail with sample or given order data",
    query: LocaleQuery,
    body: PreviewBody,
    ok: { schema: PreviewView },
    errors: { 400: BAD_PREVIEW, 404: NO_SUCH_MERCHANT, 413: BODY_TOO_LARGE, 422: PREVIEW_REFUSED },
  })
  async previewMerchantText(
    @CurrentCaller() caller: Caller,
    @Param('merchantId') merchantId: string,
    @ValidQuery(LocaleQuery) query: Locale,
    @ValidBody(PreviewBody) body: Static<typeof PreviewBody>,
  ): Promise<Static<typeof PreviewView>> {
    return unwrapResult(await this.texts.preview(caller, merchantId, MERCHANT_DEFAULT, query.locale, body));
  }

  @Delete('email-text')
  @HttpCode(204)
  @Endpoint({
    operationId: 'deleteMerchantEmailText',
    summary: "Delete the merchant default's text for one locale (no locale: the default for any locale)",
    query: LocaleQuery,
    ok: { status: 204, description: 'deleted, or there was no such text' },
    errors: { 400: BAD_LOCALE, 404: NO_SUCH_MERCHANT },
  })
  async deleteMerchantText(@CurrentCaller() caller: Caller, @Param('merchantId') merchantId: string, @ValidQuery(LocaleQuery) query: Locale): Promise<void> {
    unwrapResult(await this.texts.remove(caller, merchantId, MERCHANT_DEFAULT, query.locale));
  }
}
