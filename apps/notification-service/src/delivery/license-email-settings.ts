import type { EntityManager } from 'typeorm';
import { type EffectiveText, chooseText } from '../email-texts/email-texts.handler';
import { type EmailText, MERCHANT_DEFAULT } from '../email-texts/email-text.entity';
import type { SenderSettings } from '../merchant-senders/merchant-senders.handler';

/** What the license e-mails of a chunk are written with: each line's text and each merchant's sender. */
export interface LicenseEmailSettings {
  textOf: (merchantId: string, productId: string, locale: string | null | undefined) => EffectiveText;
  senderOf: (merchantId: string) => SenderSettings;
}

interface SettingRow {
  kind: 'text' | 'sender';
  merchant_id: string;
  product_id: string | null;
  locale: string | null;
  subject: string | null;
  text: string | null;
  merchant_name: string | null;
  updated_at: Date | null;
  sender_name: string | null;
  reply_to: string | null;
}

const key = (merchantId: string, productId: string) => `${merchantId}\u0000${productId}`;

/**
 * The texts (every locale, products and merchant defaults) and the senders of a chunk's lines in
 * one query, read in the consumer's transaction: a text or sender saved before the chunk began
 * applies to it, as textsFor and sendersFor would read them one query each.
 */
export async function licenseEmailSettingsFor(manager: EntityManager, lines: { merchantId: string; productId: string }[]): Promise<LicenseEmailSettings> {
  const wanted = [...lines, ...lines.map((l) => ({ merchantId: l.merchantId, productId: MERCHANT_DEFAULT }))];
  const rows: SettingRow[] =
    lines.length === 0
      ? []
      : await manager.query(
          `SELECT 'text' AS kind, t.merchant_id, t.product_id, t.locale, t.subject, t.text, t.merchant_name, t.updated_at,
                  NULL::text AS sender_name, NULL::text AS reply_to
             FROM email_texts t
            WHERE (t.merchant_id, t.product_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
           UNION ALL
           SELECT 'sender', s.merchant_id, NULL, NULL, NULL, NULL, NULL, NULL, s.sender_name, s.reply_to
             FROM merchant_senders s
            WHERE s.merchant_id = ANY($3::text[])`,
          [wanted.map((w) => w.merchantId), wanted.map((w) => w.productId), [...new Set(lines.map((l) => l.merchantId))]],
        );
  const texts = new Map<string, EmailText[]>();
  const senders = new Map<string, SenderSettings>();
  for (const row of rows) {
    if (row.kind === 'sender') {
      senders.set(row.merchant_id, { senderName: row.sender_name, replyTo: row.reply_to });
      continue;
    }
    const text: EmailText = {
      merchantId: row.merchant_id,
      productId: row.product_id!,
      locale: row.locale!,
      subject: row.subject,
      text: row.text!,
      merchantName: row.merchant_name,
      updatedAt: new Date(row.updated_at!),
    };
    const k = key(text.merchantId, text.productId);
    texts.set(k, [...(texts.get(k) ?? []), text]);
  }
  return {
    textOf: (merchantId, productId, locale) =>
      chooseText(
        productId === MERCHANT_DEFAULT ? [] : (texts.get(key(merchantId, productId)) ?? []),
        texts.get(key(merchantId, MERCHANT_DEFAULT)) ?? [],
        locale,
      ),
    senderOf: (merchantId) => senders.get(merchantId) ?? { senderName: null, replyTo: null },
  };
}
