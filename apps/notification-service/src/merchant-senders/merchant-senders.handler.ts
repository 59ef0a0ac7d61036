import { Inject, Injectable } from '@nestjs/common';
import type { Static } from '@sinclair/typebox';
import { DataSource, type EntityManager } from 'typeorm';
import { type Caller, type Result, fail, outsideScope, succeed } from '@keypool/platform';
import { MAIL_SETTINGS, type MailSettings } from '../delivery/mail-settings';
import { MAX_EMAIL_LENGTH, isMailableAddress } from '../email-address';
import { MerchantSender } from './merchant-sender.entity';
import type { SenderBody as SenderBodySchema, SenderView as SenderViewSchema } from './merchant-senders.schemas';

type SenderBody = Static<typeof SenderBodySchema>;
type SenderView = Static<typeof SenderViewSchema>;

export const MAX_SENDER_NAME_LENGTH = 100;

/** What a merchant's license e-mails carry in From (name only) and Reply-To; null: the platform's. */
export interface SenderSettings {
  senderName: string | null;
  replyTo: string | null;
}

export type SenderCheck = { ok: true; value: SenderSettings } | { ok: false; errors: string[] };

// Control characters (CR/LF would start a new header line), bidi overrides (a name shown reversed)
// and "@" (a name that looks like another sender's address) have no place in a From name.
const UNSAFE_IN_NAME = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069@]/u;

/** Checks `{senderName?, replyTo?}` as sent; trims, and reads an absent, null or empty field as "the platform's". */
export function checkSenderSettings(body: unknown): SenderCheck {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    return { ok: false, errors: ['send a JSON object {"senderName": "Acme Software", "replyTo": "support@acme.example"}'] };
  const input = body as Record<string, unknown>;
  const errors: string[] = [];
  const field = (name: string): string | null => {
    const value = input[name];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') {
      errors.push(`${name} must be a string or null`);
      return null;
    }
    return value.trim() || null;
  };
  const senderName = field('senderName');
  const replyTo = field('replyTo');
  if (senderName !== null && senderName.length > MAX_SENDER_NAME_LENGTH) errors.push(`senderName is longer than ${MAX_SENDER_NAME_LENGTH} characters`);
  else if (senderName !== null && UNSAFE_IN_NAME.test(senderName)) {
    errors.push('senderName may not contain line breaks, control or text-direction characters, or "@" (it is shown as the sender\'s name, not an address)');
  }
  if (replyTo !== null && !isMailableAddress(replyTo))
    errors.push(`replyTo is not one valid e-mail address (like support@acme.example, at most ${MAX_EMAIL_LENGTH} characters)`);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: { senderName, replyTo } };
}

/** The platform's verified address under the merchant's name (the platform's name when it set none). */
export function fromOf(platform: { email: string; name: string }, sender: SenderSettings): { email: string; name: string } {
  return { email: platform.email, name: sender.senderName ?? platform.name };
}

/** A merchant's From name and Reply-To: the use cases behind /merchants/{merchantId}/sender. */
@Injectable()
export class MerchantSenders {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(MAIL_SETTINGS) private readonly settings: MailSettings,
  ) {}

  async replace(caller: Caller, merchantId: string, body: SenderBody): Promise<Result<SenderView>> {
    const refused = outsideScope(caller, merchantId);
    if (refused) return refused;
    const checked = checkSenderSettings(body);
    if (!checked.ok) return fail('unprocessable', checked.errors.join('; '), { errors: checked.errors });
    await this.dataSource.getRepository(MerchantSender).upsert({ merchantId, ...checked.value }, ['merchantId']);
    return succeed(this.view(merchantId, checked.value));
  }

  async of(caller: Caller, merchantId: string): Promise<Result<SenderView>> {
    return outsideScope(caller, merchantId) ?? succeed(this.view(merchantId, (await sendersFor(this.dataSource.manager, [merchantId]))(merchantId)));
  }

  private view(merchantId: string, sender: SenderSettings): SenderView {
    const from = fromOf(this.settings.from, sender);
    return { merchantId, ...sender, from: `"${from.name.replace(/["\\]/g, '\\$&')}" <${from.email}>` };
  }
}

/** The sender settings of many merchants in one query; a merchant without any gets the platform's. */
export async function sendersFor(manager: EntityManager, merchantIds: string[]): Promise<(merchantId: string) => SenderSettings> {
  const ids = [...new Set(merchantIds)];
  const rows =
    ids.length === 0 ? [] : await manager.getRepository(MerchantSender).createQueryBuilder('s').where('s.merchant_id = ANY(:ids)', { ids }).getMany();
  const byMerchant = new Map(rows.map((r) => [r.merchantId, r]));
  return (merchantId) => {
    const row = byMerchant.get(merchantId);
    return { senderName: row?.senderName ?? null, replyTo: row?.replyTo ?? null };
  };
}
