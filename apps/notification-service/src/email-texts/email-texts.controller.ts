import { BadRequestException, Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query, UnprocessableEntityException } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller, SERVICE_CONFIG } from '@keypool/platform';
import type { NotificationConfig } from '../config';
import { MerchantTextTemplates } from '../templates/merchant-text-template';
import { MAX_RENDERED_LENGTH } from '../templates/license-email';
import { MAX_LICENSE_TAG_USES, MAX_REPORTED_PROBLEMS, MAX_TAGS, MAX_TEXT_LENGTH, describeEmailTextErrors } from '../templates/validate-email-text';
import { MAX_LOCALE_LENGTH, normaliseLocale } from '../templates/locale';
import { ANY_LOCALE, MERCHANT_DEFAULT } from './email-text.entity';
import { EmailTextView, PreviewBody, PreviewView, PutEmailTextBody, PutMerchantEmailTextBody } from './email-text.dto';
import { EffectiveText, EmailTexts } from './email-texts.handler';
import { previewEmailText } from './preview-email-text.handler';
import { requireVisibleMerchant } from '../merchant-access';

const TEXT_REFUSED =
  `what is wrong and where (line:column), also as details.errors (the first ${MAX_REPORTED_PROBLEMS} problems): unknown tags, stray braces, no {KEY}; ` +
  `a text over ${MAX_TEXT_LENGTH} characters or ${MAX_TAGS} tags, or with {KEY} more than ${MAX_LICENSE_TAG_USES} times, is refused for that alone`;
const PREVIEW_REFUSED = `the text is refused as when saved, or the e-mail would render to more than ${MAX_RENDERED_LENGTH} characters in a part (the message says why)`;
const BODY_TOO_LARGE = 'the JSON body is over 100 kB';
const LOCALE_QUERY = {
  name: 'locale',
  required: false,
  description: `A BCP 47 tag (case-insensitive, at most ${MAX_LOCALE_LENGTH} characters), e.g. de or de-AT. PUT/DELETE: the text for customers of this locale (absent: the text for any locale). GET/preview: the text a customer of this locale gets (exact tag, then its language, then the text for any locale).`,
};
const BAD_LOCALE = 'locale is not a BCP 47 language tag';

@ApiTags('email texts')
@Controller('merchants/:merchantId')
export class EmailTextsController {
  constructor(
    private readonly texts: EmailTexts,
    private readonly templates: MerchantTextTemplates,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationConfig,
  ) {}

  @Put('products/:productId/email-text')
  @ApiQuery(LOCALE_QUERY)
  @ApiResponse({ status: 400, description: BAD_LOCALE })
  @ApiOperation({ summary: "Set a product's e-mail text (validated: {KEY} required, known tags only)" })
  @ApiBody({ type: PutEmailTextBody })
  @ApiResponse({ status: 200, type: EmailTextView })
  @ApiResponse({ status: 422, description: TEXT_REFUSED })
  @ApiResponse({ status: 413, description: BODY_TOO_LARGE })
  putProductText(
    @CurrentCaller() caller: Caller,
    @Param('merchantId') merchantId: string,
    @Param('productId') productId: string,
    @Query('locale') locale: unknown,
    @Body() body: unknown,
  ) {
    return this.save(caller, merchantId, productId, textLocale(locale), body);
  }

  @Get('products/:productId/email-text')
  @ApiQuery(LOCALE_QUERY)
  @ApiResponse({ status: 400, description: BAD_LOCALE })
  @ApiOperation({ summary: "The text a product's e-mails use (its own, else the merchant default, else the platform default)" })
  @ApiResponse({ status: 200, type: EmailTextView })
  async getProductText(
    @CurrentCaller() caller: Caller,
    @Param('merchantId') merchantId: string,
    @Param('productId') productId: string,
    @Query('locale') locale: unknown,
  ) {
    requireVisibleMerchant(caller, merchantId);
    return view(merchantId, productId, await this.texts.effective(merchantId, productId, customerLocale(locale)));
  }

  @Post('products/:productId/email-text/preview')
  @HttpCode(200)
  @ApiQuery(LOCALE_QUERY)
  @ApiResponse({ status: 400, description: BAD_LOCALE })
  @ApiOperation({ summary: "Render a product's e-mail (saved text or the text given) with sample or given order data" })
  @ApiBody({ type: PreviewBody })
  @ApiResponse({ status: 200, type: PreviewView })
  @ApiResponse({ status: 422, description: PREVIEW_REFUSED })
  @ApiResponse({ status: 413, description: BODY_TOO_LARGE })
  previewProductText(
    @CurrentCaller() caller: Caller,
    @Param('merchantId') merchantId: string,
    @Param('productId') productId: string,
    @Query('locale') locale: unknown,
    @Body() body: unknown,
  ) {
    return this.preview(caller, merchantId, productId, customerLocale(locale), body);
  }

  @Delete('products/:productId/email-text')
  @HttpCode(204)
  @ApiQuery(LOCALE_QUERY)
  @ApiOperation({ summary: "Delete a product's text for one locale (no locale: its text for any locale); the e-mails fall back as GET shows" })
  @ApiResponse({ status: 204, description: 'deleted, or there was no such text' })
  @ApiResponse({ status: 400, description: BAD_LOCALE })
  async deleteProductText(
    @CurrentCaller() caller: Caller,
    @Param('merchantId') merchantId: string,
    @Param('productId') productId: string,
    @Query('locale') locale: unknown,
  ) {
    requireVisibleMerchant(caller, merchantId);
    await this.texts.remove(merchantId, productId, textLocale(locale));
  }

  @Put('email-text')
  @ApiQuery(LOCALE_QUERY)
  @ApiResponse({ status: 400, description: BAD_LOCALE })
  @ApiOperation({ summary: "Set the merchant's default e-mail text, for products without their own" })
  @ApiBody({ type: PutMerchantEmailTextBody })
  @ApiResponse({ status: 200, type: EmailTextView })
  @ApiResponse({ status: 422, description: TEXT_REFUSED })
  @ApiResponse({ status: 413, description: BODY_TOO_LARGE })
  putMerchantText(@CurrentCaller() caller: Caller, @Param('merchantId') merchantId: string, @Query('locale') locale: unknown, @Body() body: unknown) {
    return this.save(caller, merchantId, MERCHANT_DEFAULT, textLocale(locale), body);
  }

  @Get('email-text')
  @ApiQuery(LOCALE_QUERY)
  @ApiResponse({ status: 400, description: BAD_LOCALE })
  @ApiOperation({ summary: "The merchant's default e-mail text (the platform default until one is saved)" })
  @ApiResponse({ status: 200, type: EmailTextView })
  async getMerchantText(@CurrentCaller() caller: Caller, @Param('merchantId') merchantId: string, @Query('locale') locale: unknown) {
    requireVisibleMerchant(caller, merchantId);
    return view(merchantId, MERCHANT_DEFAULT, await this.texts.effective(merchantId, MERCHANT_DEFAULT, customerLocale(locale)));
  }

  @Post('email-text/preview')
  @HttpCode(200)
  @ApiQuery(LOCALE_QUERY)
  @ApiResponse({ status: 400, description: BAD_LOCALE })
  @ApiOperation({ summary: "Render the merchant's default e-mail with sample or given order data" })
  @ApiBody({ type: PreviewBody })
  @ApiResponse({ status: 200, type: PreviewView })
  @ApiResponse({ status: 422, description: PREVIEW_REFUSED })
  @ApiResponse({ status: 413, description: BODY_TOO_LARGE })
  previewMerchantText(@CurrentCaller() caller: Caller, @Param('merchantId') merchantId: string, @Query('locale') locale: unknown, @Body() body: unknown) {
    return this.preview(caller, merchantId, MERCHANT_DEFAULT, customerLocale(locale), body);
  }

  @Delete('email-text')
  @HttpCode(204)
  @ApiQuery(LOCALE_QUERY)
  @ApiOperation({ summary: "Delete the merchant default's text for one locale (no locale: the default for any locale)" })
  @ApiResponse({ status: 204, description: 'deleted, or there was no such text' })
  @ApiResponse({ status: 400, description: BAD_LOCALE })
  async deleteMerchantText(@CurrentCaller() caller: Caller, @Param('merchantId') merchantId: string, @Query('locale') locale: unknown) {
    requireVisibleMerchant(caller, merchantId);
    await this.texts.remove(merchantId, MERCHANT_DEFAULT, textLocale(locale));
  }

  private async save(caller: Caller, merchantId: string, productId: string, locale: string, body: unknown) {
    requireVisibleMerchant(caller, merchantId);
    const input = parseTextBody(body, productId === MERCHANT_DEFAULT && locale === ANY_LOCALE);
    const saved = await this.texts.save(merchantId, productId, { ...input, locale });
    if (!saved.ok && 'problem' in saved) throw new UnprocessableEntityException(saved.message);
    if (!saved.ok) throw new UnprocessableEntityException({ message: describeEmailTextErrors(saved.errors), details: { errors: saved.errors } });
    return view(merchantId, productId, saved.text);
  }

  private async preview(caller: Caller, merchantId: string, productId: string, locale: string | null, body: unknown) {
    requireVisibleMerchant(caller, merchantId);
    const input = asBody(body ?? {});
    if (input['text'] !== undefined && typeof input['text'] !== 'string') throw new BadRequestException('text must be a string');
    optionalString(input, 'subject');
    if (input['order'] !== undefined && (typeof input['order'] !== 'object' || input['order'] === null || Array.isArray(input['order']))) {
      throw new BadRequestException('order must be an object shaped like LicenseAllocated.data');
    }
    const saved = await this.texts.effective(merchantId, productId, locale);
    const line = { merchantId, productId: productId === MERCHANT_DEFAULT ? null : productId, locale };
    const result = previewEmailText(this.templates, saved, input as PreviewBody, line, this.config.MAIL_FROM_NAME);
    if (result.ok) return result.email;
    if (result.problem === 'text') {
      throw new UnprocessableEntityException({ message: describeEmailTextErrors(result.errors), details: { errors: result.errors } });
    }
    if (result.problem === 'too-large') throw new UnprocessableEntityException(result.message);
    throw new BadRequestException({ message: `the order data cannot be used: ${result.errors.join('; ')}`, details: { errors: result.errors } });
  }
}

function view(merchantId: string, productId: string, text: EffectiveText): EmailTextView {
  return { merchantId, productId: productId === MERCHANT_DEFAULT ? null : productId, ...text };
}

/** The locale a text is saved or deleted for: absent is the text for any locale. */
function textLocale(query: unknown): string {
  return customerLocale(query) ?? ANY_LOCALE;
}

/** The locale of the customer to choose a text for; absent is null (the text for any locale, or English). */
function customerLocale(query: unknown): string | null {
  if (query === undefined || query === '') return null;
  const locale = typeof query === 'string' ? normaliseLocale(query) : null;
  if (locale === null)
    throw new BadRequestException(`${BAD_LOCALE}: give one such as de or de-AT (letters, digits and "-", at most ${MAX_LOCALE_LENGTH} characters), once`);
  return locale;
}

function parseTextBody(body: unknown, merchantDefault: boolean) {
  const input = asBody(body);
  if (typeof input['text'] !== 'string') throw new BadRequestException('text is required: the e-mail text as a string containing {KEY}');
  optionalString(input, 'subject');
  if (merchantDefault) optionalString(input, 'merchantName');
  const merchantName = input['merchantName'] as string | null | undefined;
  if (merchantName && merchantName.length > 100) throw new BadRequestException('merchantName is longer than 100 characters');
  return { text: input['text'], subject: input['subject'] as string | null | undefined, merchantName };
}

function asBody(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new BadRequestException('send a JSON object body');
  return body as Record<string, unknown>;
}

function optionalString(input: Record<string, unknown>, field: string): void {
  const value = input[field];
  if (value !== undefined && value !== null && typeof value !== 'string') throw new BadRequestException(`${field} must be a string or null`);
}
