import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TAG_NAMES } from '../templates/substitution-tags';
import { MAX_LICENSE_TAG_USES, MAX_SUBJECT_LENGTH, MAX_TAGS, MAX_TEXT_LENGTH } from '../templates/validate-email-text';

const TAG_LIST = TAG_NAMES.map((t) => `{${t}}`).join(', ');

export class PutEmailTextBody {
  @ApiPropertyOptional({
    description: `One line; may use tags except {KEY}/{PARENT_KEY}. Default: "Your license for {PROGRAM_NAME} (order {ORDER_ID})".`,
    maxLength: MAX_SUBJECT_LENGTH,
  })
  subject?: string | null;

  @ApiProperty({
    description: `Plain text; must contain {KEY}, at most ${MAX_LICENSE_TAG_USES} times (the same for {PARENT_KEY}), and at most ${MAX_TAGS} tags in all. Tags: ${TAG_LIST}. Braces are only for tags.`,
    maxLength: MAX_TEXT_LENGTH,
  })
  text!: string;
}

export class PutMerchantEmailTextBody extends PutEmailTextBody {
  @ApiPropertyOptional({
    description:
      'Your shop name for the signature (saved on the default for any locale only); your merchant id when absent. The From name of your e-mails is set with PUT /v1/merchants/:merchantId/sender',
    maxLength: 100,
  })
  merchantName?: string | null;
}

export class EmailTextView {
  @ApiProperty() merchantId!: string;
  @ApiProperty({ nullable: true, description: 'null for the merchant-wide default' }) productId!: string | null;
  @ApiProperty() subject!: string;
  @ApiProperty() text!: string;
  @ApiProperty({ enum: ['product', 'merchant-default', 'platform-default'], description: 'where the text in use comes from' }) source!: string;
  @ApiProperty({
    nullable: true,
    description: 'the locale the text in use was written for (lower case); null for a text for any locale and the platform default',
  })
  locale!: string | null;

  @ApiProperty({ nullable: true }) merchantName!: string | null;
  @ApiProperty({ nullable: true }) updatedAt!: string | null;
}

export class PreviewBody {
  @ApiPropertyOptional({ description: 'Unsaved text to try, checked like a saved one; the saved text when absent', maxLength: MAX_TEXT_LENGTH }) text?: string;
  @ApiPropertyOptional({ nullable: true }) subject?: string | null;
  @ApiPropertyOptional({
    description:
      'Order data laid over the sample order, shaped like LicenseAllocated.data (customer, item, licenseFor, paidAt, currency, orderId, test); licenses and parentLicenses as arrays of strings. customer.locale (default: the locale query, else en) chooses the language of the platform template; test: true shows the test purchase marks',
    type: 'object',
    additionalProperties: true,
  })
  order?: Record<string, unknown>;
}

export class PreviewView {
  @ApiProperty() subject!: string;
  @ApiProperty() text!: string;
  @ApiProperty() html!: string;
}
