import { Inject, Injectable } from '@nestjs/common';
import type { InboundEventOf, Tx } from '@keypool/messaging';
import { alertContactsOf } from '../alert-contacts/alert-contacts.handler';
import { mapWithConcurrency } from '../delivery/bounded-concurrency';
import { DeliveryRecord, outcomeColumns, recordDeliveries } from '../delivery/deliveries';
import { NOTIFICATION_METRICS, type NotificationMetrics } from '../delivery/notification-metrics';
import { RetryBudget } from '../delivery/retry-budget';
import { SendGridDelivery } from '../delivery/sendgrid-delivery';
import { MAIL_SETTINGS, type MailSettings } from '../delivery/mail-settings';
import { renderPoolLowEmail } from './pool-low-email';

export interface PoolLowAlertDeps {
  delivery: SendGridDelivery;
  metrics: NotificationMetrics;
  settings: MailSettings;
}

/** One e-mail per PoolLow event to the merchant's alert contacts; none set means none sent. */
export async function sendPoolLowAlerts(deps: PoolLowAlertDeps, events: InboundEventOf<'PoolLow'>[], tx: Tx): Promise<void> {
  const budget = new RetryBudget(deps.settings.retryBudgetMs);
  const deliveries = await mapWithConcurrency(events, deps.settings.concurrency, async (event): Promise<DeliveryRecord | null> => {
    const alert = event.envelope.data;
    const contacts = await alertContactsOf(tx.manager, alert.merchantId);
    if (contacts.length === 0) {
      deps.metrics.poolLowAlert('no_contacts');
      return null;
    }
    const email = renderPoolLowEmail(alert, deps.settings.from.name, deps.settings.consoleUrl);
    const outcome = await deps.delivery.send(
      {
        from: deps.settings.from,
        to: contacts,
        ...email,
        customArgs: { keypool_event_id: event.envelope.id, keypool_pool_id: alert.poolId },
        categories: ['keypool-pool-low'],
      },
      budget,
    );
    deps.metrics.poolLowAlert(outcome.ok ? 'sent' : 'failed');
    if (outcome.ok) deps.metrics.sent('pool_low');
    else deps.metrics.failed('pool_low', outcome.permanent);
    return {
      eventId: event.envelope.id,
      kind: 'pool_low',
      merchantId: alert.merchantId,
      orderId: null,
      lineId: null,
      productId: alert.productId ?? null,
      poolId: alert.poolId,
      recipients: contacts,
      resendOf: event.envelope.resendof ?? null,
      ...outcomeColumns(outcome),
    };
  });
  await recordDeliveries(
    tx.manager,
    deliveries.filter((d): d is DeliveryRecord => d !== null),
  );
}

/** The use case the PoolLow consumer hands each chunk to, in the consumer's transaction. */
@Injectable()
export class SendPoolLowAlerts {
  private readonly deps: PoolLowAlertDeps;

  constructor(delivery: SendGridDelivery, @Inject(NOTIFICATION_METRICS) metrics: NotificationMetrics, @Inject(MAIL_SETTINGS) settings: MailSettings) {
    this.deps = { delivery, metrics, settings };
  }

  run(events: InboundEventOf<'PoolLow'>[], tx: Tx): Promise<void> {
    return sendPoolLowAlerts(this.deps, events, tx);
  }
}
