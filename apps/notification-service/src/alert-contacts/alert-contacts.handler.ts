import { Injectable } from '@nestjs/common';
import type { Static } from '@sinclair/typebox';
import { DataSource, type EntityManager } from 'typeorm';
import { type Caller, type Result, fail, outsideScope, succeed } from '@keypool/platform';
import { isMailableAddress } from '../email-address';
import { AlertContacts } from './alert-contacts.entity';
import type { AlertContactsView } from './alert-contacts.schemas';

export const MAX_ALERT_CONTACTS = 20;

export type ContactsResult = { ok: true; emails: string[] } | { ok: false; errors: string[] };

/** Trims, drops repeats (case-insensitive) and names every address that cannot be mailed. */
export function checkAlertContacts(emails: unknown): ContactsResult {
  if (!Array.isArray(emails)) return { ok: false, errors: ['emails must be an array of e-mail addresses (an empty array turns alerts off)'] };
  const errors: string[] = [];
  const kept = new Map<string, string>();
  emails.forEach((value, i) => {
    const email = typeof value === 'string' ? value.trim() : '';
    if (!isMailableAddress(email)) errors.push(`emails[${i}] is not a valid e-mail address`);
    else if (!kept.has(email.toLowerCase())) kept.set(email.toLowerCase(), email);
  });
  if (kept.size > MAX_ALERT_CONTACTS) errors.push(`at most ${MAX_ALERT_CONTACTS} alert contacts, got ${kept.size}`);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, emails: [...kept.values()] };
}

type View = Static<typeof AlertContactsView>;

/** Who hears about a merchant's pools running low: the use cases behind /merchants/{merchantId}/alert-contacts. */
@Injectable()
export class AlertContactBook {
  constructor(private readonly dataSource: DataSource) {}

  async replace(caller: Caller, merchantId: string, emails: string[]): Promise<Result<View>> {
    const refused = outsideScope(caller, merchantId);
    if (refused) return refused;
    const checked = checkAlertContacts(emails);
    if (!checked.ok) return fail('unprocessable', checked.errors.join('; '), { errors: checked.errors });
    await this.dataSource.getRepository(AlertContacts).upsert({ merchantId, emails: checked.emails }, ['merchantId']);
    return succeed({ merchantId, emails: checked.emails });
  }

  async list(caller: Caller, merchantId: string): Promise<Result<View>> {
    return outsideScope(caller, merchantId) ?? succeed({ merchantId, emails: await alertContactsOf(this.dataSource.manager, merchantId) });
  }
}

export async function alertContactsOf(manager: EntityManager, merchantId: string): Promise<string[]> {
  const row = await manager.getRepository(AlertContacts).findOneBy({ merchantId });
  return row?.emails ?? [];
}
