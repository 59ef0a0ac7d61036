import type { DataSource, EntityManager } from 'typeorm';
import { isMailableAddress } from '../email-address';
import { AlertContacts } from './alert-contacts.entity';

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

export class AlertContactBook {
  constructor(private readonly dataSource: DataSource) {}

  async replace(merchantId: string, emails: unknown): Promise<ContactsResult> {
    const checked = checkAlertContacts(emails);
    if (!checked.ok) return checked;
    await this.dataSource.getRepository(AlertContacts).upsert({ merchantId, emails: checked.emails }, ['merchantId']);
    return checked;
  }

  list(merchantId: string): Promise<string[]> {
    return alertContactsOf(this.dataSource.manager, merchantId);
  }
}

export async function alertContactsOf(manager: EntityManager, merchantId: string): Promise<string[]> {
  const row = await manager.getRepository(AlertContacts).findOneBy({ merchantId });
  return row?.emails ?? [];
}
