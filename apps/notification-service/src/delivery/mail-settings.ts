import { Module } from '@nestjs/common';
import { SERVICE_CONFIG } from '@keypool/platform';
import type { NotificationConfig } from '../config';

/** Who e-mails come from and how hard one consumed chunk pushes SendGrid. */
export interface MailSettings {
  from: { email: string; name: string };
  concurrency: number;
  retryBudgetMs: number;
  /** The ops console's address without a trailing slash; PoolLow e-mails link to its pool page. */
  consoleUrl: string;
}

export const MAIL_SETTINGS = Symbol('MAIL_SETTINGS');

export function mailSettingsOf(config: NotificationConfig): MailSettings {
  return {
    from: { email: config.MAIL_FROM, name: config.MAIL_FROM_NAME },
    concurrency: config.SENDGRID_CONCURRENCY,
    retryBudgetMs: config.SENDGRID_RETRY_BUDGET_MS,
    consoleUrl: config.CONSOLE_URL.replace(/\/+$/, ''),
  };
}

/** MAIL_SETTINGS from the service's configuration, for every module that sends or shows a sender. */
@Module({ providers: [{ provide: MAIL_SETTINGS, inject: [SERVICE_CONFIG], useFactory: mailSettingsOf }], exports: [MAIL_SETTINGS] })
export class MailSettingsModule {}
