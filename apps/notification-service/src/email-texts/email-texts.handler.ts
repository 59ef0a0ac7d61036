import type { DataSource, EntityManager } from 'typeorm';
import { localeCandidates, platformLanguageOf } from '../templates/locale';
import { PLATFORM_WORDING } from '../templates/platform-wording';
import { EmailTextError, normaliseNewlines, validateEmailText } from '../templates/validate-email-text';
import { ANY_LOCALE, EmailText, MERCHANT_DEFAULT } from './email-text.entity';

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

export class EmailTexts {
  constructor(private readonly dataSource: DataSource) {}

  /** `productId` MERCHANT_DEFAULT saves the merchant-wide default. */
  async save(merchantId: string, productId: string, input: SaveEmailText): Promise<SaveResult> {
    const errors = validateEmailText(input);
    if (errors.length > 0) return { ok: false, errors };
    const repository = this.dataSource.getRepository(EmailText);
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
    return { ok: true, text: await this.effective(merchantId, productId, input.locale) };
  }

  /** Deletes the text for exactly this locale (ANY_LOCALE: the text for any locale); nothing to delete is not an error. */
  async remove(merchantId: string, productId: string, locale: string): Promise<void> {
    await this.dataSource.getRepository(EmailText).delete({ merchantId, productId, locale });
  }

  async effective(merchantId: string, productId: string, locale: string | null = null): Promise<EffectiveText> {
    const texts = await textsFor(this.dataSource.manager, [{ merchantId, productId }]);
    return texts(merchantId, productId, locale);
  }
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
