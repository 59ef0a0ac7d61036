import type { EntityManager } from 'typeorm';
import { type EffectiveText, chooseText } from '../email-texts/email-texts.handler';
import { type EmailText, MERCHANT_DEFAULT } from '../email-texts/email-text.entity';
import type { SenderSettings } from '../merchant-senders/merchant-senders.handler';
import { BoundedCache } from '../templates/bounded-cache';

/** What the license e-mails of a chunk are written with: each line's text and each merchant's sender. */
export interface LicenseEmailSettings {
  textOf: (merchantId: string, productId: string, locale: string | null | undefined) => EffectiveText;
  senderOf: (merchantId: string) => SenderSettings;
}

/**
 * The fingerprints of cached settings a chunk used: the statement that queues its e-mails
 * queues nothing when the stored ones differ (see SETTINGS_STALE). Null: none stored.
 */
export interface SettingsCheck {
  texts: { merchantId: string; productId: string; fingerprint: string | null }[];
  senders: { merchantId: string; fingerprint: string | null }[];
}

/**
 * A fingerprint of one product's (or merchant default's) texts, every locale, as an aggregate over
 * `email_texts t`; null when there are none. quote_nullable keeps NULL and 'NULL' apart.
 */
const TEXTS_FINGERPRINT_ROW = `quote_nullable(t.locale) || quote_nullable(t.subject) || quote_nullable(t.text) || quote_nullable(t.merchant_name)`;
const SENDER_FINGERPRINT = `md5(quote_nullable(s.sender_name) || quote_nullable(s.reply_to))`;

/**
 * A condition over the check's arrays `x` (merchant_id, product_id, fingerprint) and `y`
 * (merchant_id, fingerprint): true when a text or sender the chunk was written with has changed
 * since it was cached (saved, deleted or added).
 */
export const SETTINGS_STALE = (x: string, y: string) => `EXISTS (
    SELECT 1 FROM ${x} WHERE x.fingerprint IS DISTINCT FROM
      (SELECT md5(string_agg(${TEXTS_FINGERPRINT_ROW}, ',' ORDER BY t.locale)) FROM email_texts t
        WHERE t.merchant_id = x.merchant_id AND t.product_id = x.product_id)
    UNION ALL
    SELECT 1 FROM ${y} WHERE y.fingerprint IS DISTINCT FROM (SELECT ${SENDER_FINGERPRINT} FROM merchant_senders s WHERE s.merchant_id = y.merchant_id))`;

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
  fingerprint: string;
}

interface Cached<V> {
  value: V;
  fingerprint: string | null;
}

/** At most this many products' texts and merchants' senders each, and no product whose texts are longer together than MAX_CACHED_CHARS: a few MiB at worst. */
const CACHE_LIMIT = 256;
const MAX_CACHED_CHARS = 16_384;
const key = (merchantId: string, productId: string) => `${merchantId}\u0000${productId}`;

/**
 * Merchants' texts and senders as last read, so a chunk whose settings are all cached reads
 * nothing. The invalidation rule: the statement that queues the chunk's e-mails compares the
 * cached fingerprints with the stored settings; when any differs it queues nothing, the entries
 * are dropped, and the chunk is written again from a fresh read in the same transaction. So the
 * cache never makes an e-mail go out with a text or sender that had already been replaced when it
 * was queued; a text saved between that fresh read and the queueing statement still goes out as
 * read, exactly as without the cache.
 */
export class LicenseEmailSettingsCache {
  private readonly texts = new BoundedCache<Cached<EmailText[]>>(CACHE_LIMIT);
  private readonly senders = new BoundedCache<Cached<SenderSettings>>(CACHE_LIMIT);

  /** The settings of these lines: from the cache, with the check its use needs, or read (one query) and cached. */
  async settingsFor(
    manager: EntityManager,
    lines: { merchantId: string; productId: string }[],
  ): Promise<{ settings: LicenseEmailSettings; check: SettingsCheck | null }> {
    const textKeys = uniqueBy([...lines, ...lines.map((l) => ({ merchantId: l.merchantId, productId: MERCHANT_DEFAULT }))], (l) =>
      key(l.merchantId, l.productId),
    );
    const merchants = [...new Set(lines.map((l) => l.merchantId))];
    const texts = textKeys.map((k) => this.texts.get(key(k.merchantId, k.productId)));
    const senders = merchants.map((m) => this.senders.get(m));
    if (texts.every((t) => t !== undefined) && senders.every((s) => s !== undefined)) {
      return {
        settings: settingsOf(
          new Map(textKeys.map((k, i) => [key(k.merchantId, k.productId), texts[i].value])),
          new Map(merchants.map((m, i) => [m, senders[i].value])),
        ),
        check: {
          texts: textKeys.map((k, i) => ({ ...k, fingerprint: texts[i].fingerprint })),
          senders: merchants.map((merchantId, i) => ({ merchantId, fingerprint: senders[i].fingerprint })),
        },
      };
    }
    const read = await readSettings(manager, textKeys, merchants);
    for (const k of textKeys) {
      const textKey = key(k.merchantId, k.productId);
      const value = read.texts.get(textKey) ?? [];
      if (value.reduce((sum, t) => sum + t.text.length + (t.subject?.length ?? 0), 0) > MAX_CACHED_CHARS) this.texts.delete(textKey);
      else this.texts.set(textKey, { value, fingerprint: read.textFingerprints.get(textKey) ?? null });
    }
    for (const m of merchants) {
      const sender = read.senders.get(m);
      this.senders.set(m, { value: sender?.value ?? { senderName: null, replyTo: null }, fingerprint: sender?.fingerprint ?? null });
    }
    return { settings: settingsOf(read.texts, new Map([...read.senders].map(([m, s]) => [m, s.value]))), check: null };
  }

  /** Drops what a stale check named. */
  forget(check: SettingsCheck): void {
    for (const t of check.texts) this.texts.delete(key(t.merchantId, t.productId));
    for (const s of check.senders) this.senders.delete(s.merchantId);
  }
}

/** The texts (every locale) of the given products and merchant defaults and the senders of the merchants, in one query, with their fingerprints. */
async function readSettings(manager: EntityManager, textKeys: { merchantId: string; productId: string }[], merchants: string[]) {
  const rows: SettingRow[] =
    textKeys.length === 0
      ? []
      : await manager.query(
          `SELECT 'text' AS kind, t.merchant_id, t.product_id, t.locale, t.subject, t.text, t.merchant_name, t.updated_at,
                  NULL::text AS sender_name, NULL::text AS reply_to,
                  md5(string_agg(${TEXTS_FINGERPRINT_ROW}, ',') OVER (PARTITION BY t.merchant_id, t.product_id ORDER BY t.locale
                                                                      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)) AS fingerprint
             FROM email_texts t
            WHERE (t.merchant_id, t.product_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
           UNION ALL
           SELECT 'sender', s.merchant_id, NULL, NULL, NULL, NULL, NULL, NULL, s.sender_name, s.reply_to, ${SENDER_FINGERPRINT}
             FROM merchant_senders s
            WHERE s.merchant_id = ANY($3::text[])`,
          [textKeys.map((k) => k.merchantId), textKeys.map((k) => k.productId), merchants],
        );
  const texts = new Map<string, EmailText[]>();
  const textFingerprints = new Map<string, string>();
  const senders = new Map<string, Cached<SenderSettings>>();
  for (const row of rows) {
    if (row.kind === 'sender') {
      senders.set(row.merchant_id, { value: { senderName: row.sender_name, replyTo: row.reply_to }, fingerprint: row.fingerprint });
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
    textFingerprints.set(k, row.fingerprint);
  }
  return { texts, textFingerprints, senders };
}

function settingsOf(texts: Map<string, EmailText[]>, senders: Map<string, SenderSettings>): LicenseEmailSettings {
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

function uniqueBy<T>(items: T[], keyOf: (item: T) => string): T[] {
  return [...new Map(items.map((item) => [keyOf(item), item])).values()];
}
