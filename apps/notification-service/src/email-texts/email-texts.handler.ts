import { Inject, Injectable } from '@nestjs/common';
import type { Static } from '@sinclair/typebox';
import { DataSource, type EntityManager } from 'typeorm';
import { type Caller, type Result, SERVICE_CONFIG, fail, outsideScope, succeed } from '@keypool/platform';
import type { NotificationConfig } from '../config';
import type { RenderedEmail } from '../templates/license-email';
import { MerchantTextTemplates } from '../templates/merchant-text-template';
import { MAX_LOCALE_LENGTH, localeCandidates, normaliseLocale, platformLanguageOf } from '../templates/locale';
import { PLATFORM_WORDING } from '../templates/platform-wording';
import { EmailTextError, describeEmailTextErrors, normaliseNewlines, validateEmailText } from '../templates/validate-email-text';
import { ANY_LOCALE, EmailText, MERCHANT_DEFAULT } from './email-text.entity';
import type { EmailTextView } from './email-text.schemas';
import { type PreviewRequest, previewEmailText } from './preview-email-text.handler';

export type TextSource = 'product' | 'merchant-default' | 'platform-default';

/** Texts for particular locales one product (or the merchant default) may keep, besides the one for any locale. */
export const MAX_LOCALE_TEXTS = 50;

/** The text an e-mail of this product is rendered with, and where each part comes from. */
export interface EffectiveText {
  subject: string;
  text: string;
  source: TextSource;
  /** The locale the text in use was written for; null for a text for any locale and the platform default. */
  locale: string | null;
  merchantName: string | null;
  updatedAt: string | null;
}

export interface SaveEmailText {
  subject?: string | null;
  text: string;
  merchantName?: string | null;
  /** A normalised locale (see normaliseLocale), or ANY_LOCALE. */
  locale: string;
}

export type SaveResult =
  { ok: true; text: EffectiveText } | { ok: false; errors: EmailTextError[] } | { ok: false; problem: 'too-many-locales'; message: string };

/**
 * For a customer's locale (`de-AT`): the product's text for `de-at`, else for `de`, else for any
 * locale; then the merchant default the same way; then the platform default in the customer's
 * language. A text without a subject takes the merchant default's subject of the same locale,
 * else the platform's.
 */
export function chooseText(product: EmailText[], merchantDefault: EmailText[], locale: string | null | undefined): EffectiveText {
  const wanted = [...localeCandidates(locale), ANY_LOCALE];
  const best = (rows: EmailText[]) => wanted.map((l) => rows.find((r) => r.locale === l)).find((r) => r !== undefined);
  const productText = best(product);
  const defaultText = best(merchantDefault);
  const own = productText ?? defaultText;
  const wording = PLATFORM_WORDING[platformLanguageOf(locale)];
  return {
    subject: own?.subject ?? merchantDefault.find((r) => r.locale === own?.locale)?.subject ?? wording.defaultSubject,
    text: own?.text ?? wording.defaultText,
    source: productText ? 'product' : defaultText ? 'merchant-default' : 'platform-default',
    locale: own && own.locale !== ANY_LOCALE ? own.locale : null,
    merchantName: merchantDefault.find((r) => r.locale === ANY_LOCALE)?.merchantName ?? null,
    updatedAt: own?.updatedAt.toISOString() ?? null,
  };
}

type EmailTextViewOf = Static<typeof EmailTextView>;

/** A locale query as given, or absent; see textLocale and customerLocale. */
type LocaleQuery = string | undefined;

/**
 * The use cases behind /merchants/{merchantId}[/products/{productId}]/email-text: `productId`
 * MERCHANT_DEFAULT is the merchant-wide default. Each checks the caller's merchant scope first.
 */
@Injectable()
export class EmailTexts {
  constructor(
    private readonly dataSource: DataSource,
    private readonly templates: MerchantTextTemplates,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationConfig,
  ) {}

  async save(
    caller: Caller,
    merchantId: string,
    productId: string,
    localeQuery: LocaleQuery,
    input: Omit<SaveEmailText, 'locale'>,
  ): Promise<Result<EmailTextViewOf>> {
    const refused = outsideScope(caller, merchantId);
    if (refused) return refused;
    const locale = textLocale(localeQuery);
    if (!locale.ok) return locale;
    const saved = await this.dataSource.transaction((manager) => saveText(manager, merchantId, productId, { ...input, locale: locale.value }));
    if (saved.ok) return succeed(view(merchantId, productId, saved.text));
    if ('problem' in saved) return fail('unprocessable', saved.message);
    return fail('unprocessable', describeEmailTextErrors(saved.errors), { errors: saved.errors });
  }

  async read(caller: Caller, merchantId: string, productId: string, localeQuery: LocaleQuery): Promise<Result<EmailTextViewOf>> {
    const refused = outsideScope(caller, merchantId);
    if (refused) return refused;
    const locale = customerLocale(localeQuery);
    if (!locale.ok) return locale;
    return succeed(view(merchantId, productId, await this.effective(merchantId, productId, locale.value)));
  }

  /** Deletes the text for exactly this locale (absent: the text for any locale); nothing to delete is not an error. */
  async remove(caller: Caller, merchantId: string, productId: string, localeQuery: LocaleQuery): Promise<Result<void>> {
    const refused = outsideScope(caller, merchantId);
    if (refused) return refused;
    const locale = textLocale(localeQuery);
    if (!locale.ok) return locale;
    await this.dataSource.getRepository(EmailText).delete({ merchantId, productId, locale: locale.value });
    return succeed(undefined);
  }

  /** The e-mail a customer of this locale would get, with the saved text or the one given, over the sample order. */
  async preview(caller: Caller, merchantId: string, productId: string, localeQuery: LocaleQuery, request: PreviewRequest): Promise<Result<RenderedEmail>> {
    const refused = outsideScope(caller, merchantId);
    if (refused) return refused;
    const locale = customerLocale(localeQuery);
    if (!locale.ok) return locale;
    const saved = await this.effective(merchantId, productId, locale.value);
    const line = { merchantId, productId: productId === MERCHANT_DEFAULT ? null : productId, locale: locale.value };
    const result = previewEmailText(this.templates, saved, request, line, this.config.MAIL_FROM_NAME);
    if (result.ok) return succeed(result.email);
    if (result.problem === 'text') return fail('unprocessable', describeEmailTextErrors(result.errors), { errors: result.errors });
    if (result.problem === 'too-large') return fail('unprocessable', result.message);
    return fail('invalid', `the order data cannot be used: ${result.errors.join('; ')}`, { errors: result.errors });
  }

  private async effective(merchantId: string, productId: string, locale: string | null): Promise<EffectiveText> {
    const texts = await textsFor(this.dataSource.manager, [{ merchantId, productId }]);
    return texts(merchantId, productId, locale);
  }
}

async function saveText(manager: EntityManager, merchantId: string, productId: string, input: SaveEmailText): Promise<SaveResult> {
  const errors = validateEmailText(input);
  if (errors.length > 0) return { ok: false, errors };
  const repository = manager.getRepository(EmailText);
  if (input.locale !== ANY_LOCALE) {
    const others = await repository
      .createQueryBuilder('t')
      .where("t.merchant_id = :merchantId AND t.product_id = :productId AND t.locale NOT IN ('', :locale)", { merchantId, productId, locale: input.locale })
      .getCount();
    if (others >= MAX_LOCALE_TEXTS) {
      return {
        ok: false,
        problem: 'too-many-locales',
        message: `at most ${MAX_LOCALE_TEXTS} texts for particular locales per product (and for the merchant default); delete one first`,
      };
    }
  }
  const row = {
    merchantId,
    productId,
    locale: input.locale,
    subject: input.subject ?? null,
    text: normaliseNewlines(input.text),
    merchantName: productId === MERCHANT_DEFAULT && input.locale === ANY_LOCALE ? input.merchantName?.trim() || null : null,
  };
  await repository.upsert(row, ['merchantId', 'productId', 'locale']);
  const texts = await textsFor(manager, [{ merchantId, productId }]);
  return { ok: true, text: texts(merchantId, productId, input.locale) };
}

function view(merchantId: string, productId: string, text: EffectiveText): EmailTextViewOf {
  return { merchantId, productId: productId === MERCHANT_DEFAULT ? null : productId, ...text };
}

const BAD_LOCALE = 'locale is not a BCP 47 language tag';

/** The locale a text is saved or deleted for: absent is the text for any locale. */
function textLocale(query: LocaleQuery): Result<string, 'invalid'> {
  const locale = customerLocale(query);
  return locale.ok ? succeed(locale.value ?? ANY_LOCALE) : locale;
}

/** The locale of the customer to choose a text for; absent is null (the text for any locale, or English). */
function customerLocale(query: LocaleQuery): Result<string | null, 'invalid'> {
  if (query === undefined || query === '') return succeed(null);
  const locale = normaliseLocale(query);
  if (locale === null) {
    return fail('invalid', `${BAD_LOCALE}: give one such as de or de-AT (letters, digits and "-", at most ${MAX_LOCALE_LENGTH} characters), once`);
  }
  return succeed(locale);
}

/** Loads the texts (every locale) of many order lines in one query; the lookup falls back as chooseText does. */
export async function textsFor(
  manager: EntityManager,
  lines: { merchantId: string; productId: string }[],
): Promise<(merchantId: string, productId: string, locale: string | null | undefined) => EffectiveText> {
  const wanted = [...lines, ...lines.map((l) => ({ merchantId: l.merchantId, productId: MERCHANT_DEFAULT }))];
  const rows: EmailText[] = await manager
    .getRepository(EmailText)
    .createQueryBuilder('t')
    .where('(t.merchant_id, t.product_id) IN (SELECT * FROM unnest(CAST(:merchants AS text[]), CAST(:products AS text[])))', {
      merchants: wanted.map((w) => w.merchantId),
      products: wanted.map((w) => w.productId),
    })
    .getMany();
  const byKey = new Map<string, EmailText[]>();
  for (const row of rows) {
    const key = `${row.merchantId}\u0000${row.productId}`;
    byKey.set(key, [...(byKey.get(key) ?? []), row]);
  }
  return (merchantId, productId, locale) =>
    chooseText(
      productId === MERCHANT_DEFAULT ? [] : (byKey.get(`${merchantId}\u0000${productId}`) ?? []),
      byKey.get(`${merchantId}\u0000${MERCHANT_DEFAULT}`) ?? [],
      locale,
    );
}
