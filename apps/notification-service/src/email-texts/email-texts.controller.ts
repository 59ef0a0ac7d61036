import { BadRequestException, Body, Controller, Get, HttpCode, Inject, Param, Post, Put, UnprocessableEntityException } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller, SERVICE_CONFIG } from '@keypool/platform';
import type { NotificationConfig } from '../config';
import { MerchantTextTemplates } from '../templates/merchant-text-template';
import { MAX_RENDERED_LENGTH } from '../templates/license-email';
import {
  MAX_LICENSE_TAG_USES,
  MAX_REPORTED_PROBLEMS,
  MAX_TAGS,
  MAX_TEXT_LENGTH,
  describeEmailTextErrors,
} from '../templates/validate-email-text';
import { MERCHANT_DEFAULT } from './email-text.entity';
import { EmailTextView, PreviewBody, PreviewView, PutEmailTextBody, PutMerchantEmailTextBody } from './email-text.dto';
import { EffectiveText, EmailTexts } from './email-texts.handler';
import { previewEmailText } from './preview-email-text.handler';
import { requireVisibleMerchant } from '../merchant-access';

const TEXT_REFUSED =
  `what is wrong and where (line:column), also as details.errors (the first ${MAX_REPORTED_PROBLEMS} problems): unknown tags, stray braces, no {KEY}; ` +
  `a text over ${MAX_TEXT_LENGTH} characters or ${MAX_TAGS} tags, or with {KEY} more than ${MAX_LICENSE_TAG_USES} times, is refused for that alone`;
const PREVIEW_REFUSED = `the text is refused as when saved, or the e-mail would render to more than ${MAX_RENDERED_LENGTH} characters in a part (the message says why)`;
const BODY_TOO_LARGE = 'the JSON body is over 100 kB';

@ApiTags('email texts')
@Controller('merchants/:merchantId')
export class EmailTextsController {
  constructor(
    private readonly texts: EmailTexts,
    private readonly templates: MerchantTextTemplates,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationConfig,
  ) {}

  @Put('products/:productId/email-text')
  @ApiOperation({ summary: "Set a product's e-mail text (validated: {KEY} required, known tags only)" })
  @ApiBody({ type: PutEmailTextBody })
  @ApiResponse({ status: 200, type: EmailTextView })
  @ApiResponse({ status: 422, description: TEXT_REFUSED })
  @ApiResponse({ status: 413, description: BODY_TOO_LARGE })
  putProductText(@CurrentCaller() caller: Caller, @Param('merchantId') merchantId: string, @Param('productId') productId: string, @Body() body: unknown) {
    return this.save(caller, merchantId, productId, body);
  }

  @Get('products/:productId/email-text')
  @ApiOperation({ summary: "The text a product's e-mails use (its own, else the merchant default, else the platform default)" })
  @ApiResponse({ status: 200, type: EmailTextView })
  async getProductText(@CurrentCaller() caller: Caller, @Param('merchantId') merchantId: string, @Param('productId') productId: string) {
    requireVisibleMerchant(caller, merchantId);
    return view(merchantId, productId, await this.texts.effective(merchantId, productId));
  }

  @Post('products/:productId/email-text/preview')
  @HttpCode(200)
  @ApiOperation({ summary: "Render a product's e-mail (saved text or the text given) with sample or given order data" })
  @ApiBody({ type: PreviewBody })
  @ApiResponse({ status: 200, type: PreviewView })
  @ApiResponse({ status: 422, description: PREVIEW_REFUSED })
  @ApiResponse({ status: 413, description: BODY_TOO_LARGE })
  previewProductText(@CurrentCaller() caller: Caller, @Param('merchantId') merchantId: string, @Param('productId') productId: string, @Body() body: unknown) {
    return this.preview(caller, merchantId, productId, body);
  }

  @Put('email-text')
  @ApiOperation({ summary: "Set the merchant's default e-mail text, for products without their own" })
  @ApiBody({ type: PutMerchantEmailTextBody })
  @ApiResponse({ status: 200, type: EmailTextView })
  @ApiResponse({ status: 422, description: TEXT_REFUSED })
  @ApiResponse({ status: 413, description: BODY_TOO_LARGE })
  putMerchantText(@CurrentCaller() caller: Caller, @Param('merchantId') merchantId: string, @Body() body: unknown) {
    return this.save(caller, merchantId, MERCHANT_DEFAULT, body);
  }

  @Get('email-text')
  @ApiOperation({ summary: "The merchant's default e-mail text (the platform default until one is saved)" })
  @ApiResponse({ status: 200, type: EmailTextView })
  async getMerchantText(@CurrentCaller() caller: Caller, @Param('merchantId') merchantId: string) {
    requireVisibleMerchant(caller, merchantId);
    return view(merchantId, MERCHANT_DEFAULT, await this.texts.effective(merchantId, MERCHANT_DEFAULT));
  }

  @Post('email-text/preview')
  @HttpCode(200)
  @ApiOperation({ summary: "Render the merchant's default e-mail with sample or given order data" })
  @ApiBody({ type: PreviewBody })
  @ApiResponse({ status: 200, type: PreviewView })
  @ApiResponse({ status: 422, description: PREVIEW_REFUSED })
  @ApiResponse({ status: 413, description: BODY_TOO_LARGE })
  previewMerchantText(@CurrentCaller() caller: Caller, @Param('merchantId') merchantId: string, @Body() body: unknown) {
    return this.preview(caller, merchantId, MERCHANT_DEFAULT, body);
  }

  private async save(caller: Caller, merchantId: string, productId: string, body: unknown) {
    requireVisibleMerchant(caller, merchantId);
    const input = parseTextBody(body, productId === MERCHANT_DEFAULT);
    const saved = await this.texts.save(merchantId, productId, input);
    if (!saved.ok) throw new UnprocessableEntityException({ message: describeEmailTextErrors(saved.errors), details: { errors: saved.errors } });
    return view(merchantId, productId, saved.text);
  }

  private async preview(caller: Caller, merchantId: string, productId: string, body: unknown) {
    requireVisibleMerchant(caller, merchantId);
    const input = asBody(body ?? {});
    if (input['text'] !== undefined && typeof input['text'] !== 'string') throw new BadRequestException('text must be a string');
    optionalString(input, 'subject');
    if (input['order'] !== undefined && (typeof input['order'] !== 'object' || input['order'] === null || Array.isArray(input['order']))) {
      throw new BadRequestException('order must be an object shaped like LicenseAllocated.data');
    }
    const saved = await this.texts.effective(merchantId, productId);
    const line = { merchantId, productId: productId === MERCHANT_DEFAULT ? null : productId };
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

