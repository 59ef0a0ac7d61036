import { Type } from '@sinclair/typebox';
import { TAG_NAMES } from '../templates/substitution-tags';
import { MAX_LOCALE_LENGTH } from '../templates/locale';
import { MAX_LICENSE_TAG_USES, MAX_SUBJECT_LENGTH, MAX_TAGS, MAX_TEXT_LENGTH } from '../templates/validate-email-text';

const TAG_LIST = TAG_NAMES.map((t) => `{${t}}`).join(', ');
const NullableString = (options: { description: string }) => Type.Union([Type.String(), Type.Null()], options);

// Types here; lengths, tags and braces are judged by validateEmailText, which answers 422 saying
// where (line:column) — a schema's 400 could only say "too long".
const Subject = NullableString({
  description: `One line of at most ${MAX_SUBJECT_LENGTH} characters; may use tags except {KEY}/{PARENT_KEY}. Default: "Your license for {PROGRAM_NAME} (order {ORDER_ID})".`,
});
const Text = Type.String({
  description: `Plain text of at most ${MAX_TEXT_LENGTH} characters; must contain {KEY}, at most ${MAX_LICENSE_TAG_USES} times (the same for {PARENT_KEY}), and at most ${MAX_TAGS} tags in all. Tags: ${TAG_LIST}. Braces are only for tags.`,
});

export const PutEmailTextBody = Type.Object({ subject: Type.Optional(Subject), text: Text });

export const PutMerchantEmailTextBody = Type.Object({
  subject: Type.Optional(Subject),
  text: Text,
  merchantName: Type.Optional(
    Type.Union([Type.String({ maxLength: 100 }), Type.Null()], {
      description:
        'Your shop name for the signature (saved on the default for any locale only); your merchant id when absent. The From name of your e-mails is set with PUT /v1/merchants/:merchantId/sender',
    }),
  ),
});

export const PreviewBody = Type.Object({
  text: Type.Optional(Type.String({ description: 'Unsaved text to try, checked like a saved one; the saved text when absent' })),
  subject: Type.Optional(NullableString({ description: 'the subject to try with the text; absent: the saved one (none when a text is given)' })),
  order: Type.Optional(
    Type.Unsafe<Record<string, unknown>>({
      type: 'object',
      additionalProperties: true,
      description:
        'Order data laid over the sample order, shaped like LicenseAllocated.data (customer, item, licenseFor, paidAt, currency, orderId, test); licenses and parentLicenses as arrays of strings. customer.locale (default: the locale query, else en) chooses the language of the platform template; test: true shows the test purchase marks',
    }),
  ),
});

export const LocaleQuery = Type.Object({
  locale: Type.Optional(
    Type.String({
      description: `A BCP 47 tag (case-insensitive, at most ${MAX_LOCALE_LENGTH} characters), e.g. de or de-AT. PUT/DELETE: the text for customers of this locale (absent: the text for any locale). GET/preview: the text a customer of this locale gets (exact tag, then its language, then the text for any locale).`,
    }),
  ),
});

export const EmailTextView = Type.Object({
  merchantId: Type.String(),
  productId: NullableString({ description: 'null for the merchant-wide default' }),
  subject: Type.String(),
  text: Type.String(),
  source: Type.Unsafe<'product' | 'merchant-default' | 'platform-default'>({
    type: 'string',
    enum: ['product', 'merchant-default', 'platform-default'],
    description: 'where the text in use comes from',
  }),
  locale: NullableString({ description: 'the locale the text in use was written for (lower case); null for a text for any locale and the platform default' }),
  merchantName: Type.Union([Type.String(), Type.Null()]),
  updatedAt: Type.Union([Type.String(), Type.Null()]),
});

export const PreviewView = Type.Object({ subject: Type.String(), text: Type.String(), html: Type.String() });
