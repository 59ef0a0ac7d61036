import type { DataSource, EntityManager } from 'typeorm';
import { PLATFORM_DEFAULT_SUBJECT, PLATFORM_DEFAULT_TEXT } from '../templates/license-email';
import { EmailTextError, normaliseNewlines, validateEmailText } from '../templates/validate-email-text';
import { EmailText, MERCHANT_DEFAULT } from './email-text.entity';

export type TextSource = 'product' | 'merchant-default' | 'platform-default';

/** The text an e-mail of this product is rendered with, and where each part comes from. */
export interface EffectiveText {
  subject: string;
  text: string;
  source: TextSource;
  merchantName: string | null;
  updatedAt: string | null;
}

export interface SaveEmailText {
  subject?: string | null;
  text: string;
  merchantName?: string | null;
}

export type SaveResult = { ok: true; text: EffectiveText } | { ok: false; errors: EmailTextError[] };

/** Product text, else the merchant's default, else the platform's. */
export function chooseText(product: EmailText | undefined, merchantDefault: EmailText | undefined): EffectiveText {
  const own = product ?? merchantDefault;
  return {
    subject: product?.subject ?? merchantDefault?.subject ?? PLATFORM_DEFAULT_SUBJECT,
    text: own?.text ?? PLATFORM_DEFAULT_TEXT,
    source: product ? 'product' : merchantDefault ? 'merchant-default' : 'platform-default',
    merchantName: merchantDefault?.merchantName ?? null,
    updatedAt: own?.updatedAt.toISOString() ?? null,
  };
}

export class EmailTexts {
  constructor(private readonly dataSource: DataSource) {}

  /** `productId` MERCHANT_DEFAULT saves the merchant-wide default. */
  async save(merchantId: string, productId: string, input: SaveEmailText): Promise<SaveResult> {
    const errors = validateEmailText(input);
    if (errors.length > 0) return { ok: false, errors };
    const row = {
      merchantId,
      productId,
      subject: input.subject ?? null,
      text: normaliseNewlines(input.text),
      merchantName: productId === MERCHANT_DEFAULT ? input.merchantName?.trim() || null : null,
    };
    await this.dataSource.getRepository(EmailText).upsert(row, ['merchantId', 'productId']);
    return { ok: true, text: await this.effective(merchantId, productId) };
  }

  async effective(merchantId: string, productId: string): Promise<EffectiveText> {
    const texts = await textsFor(this.dataSource.manager, [{ merchantId, productId }]);
    return texts(merchantId, productId);
  }
}

/** Loads the texts of many order lines in one query; the lookup falls back as chooseText does. */
export async function textsFor(
  manager: EntityManager,
  lines: { merchantId: string; productId: string }[],
): Promise<(merchantId: string, productId: string) => EffectiveText> {
  const wanted = [...lines, ...lines.map((l) => ({ merchantId: l.merchantId, productId: MERCHANT_DEFAULT }))];
  const rows: EmailText[] = await manager
    .getRepository(EmailText)
    .createQueryBuilder('t')
    .where('(t.merchant_id, t.product_id) IN (SELECT * FROM unnest(CAST(:merchants AS text[]), CAST(:products AS text[])))', {
      merchants: wanted.map((w) => w.merchantId),
      products: wanted.map((w) => w.productId),
    })
    .getMany();
  const byKey = new Map(rows.map((r) => [`${r.merchantId}\u0000${r.productId}`, r]));
  return (merchantId, productId) =>
    chooseText(
      productId === MERCHANT_DEFAULT ? undefined : byKey.get(`${merchantId}\u0000${productId}`),
      byKey.get(`${merchantId}\u0000${MERCHANT_DEFAULT}`),
    );
}
