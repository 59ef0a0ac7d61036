import { LicenseAllocatedData, dataschemaOf, type EventDataOf, type Topics } from '@keypool/contracts';
import { InboundEvent, Tx, envelope } from '@keypool/messaging';
import { textsFor } from '../email-texts/email-texts.handler';
import { RenderedEmail, renderLicenseEmail } from '../templates/license-email';
import type { MerchantTextTemplates } from '../templates/merchant-text-template';
import { DeliveryRecord, outcomeColumns, recordDeliveries } from './delivery.entity';
import type { MailSettings } from './mail-settings';
import type { NotificationMetrics } from './notification-metrics';
import { RetryBudget } from './retry-budget';
import type { OutgoingMail, SendGridDelivery, SendOutcome } from './sendgrid-delivery';

export const SOURCE = 'keypool/notification-service';

export interface LicenseEmailDeps {
  delivery: SendGridDelivery;
  templates: MerchantTextTemplates;
  metrics: NotificationMetrics;
  topics: Pick<Topics, 'emailSent' | 'emailFailed'>;
  settings: MailSettings;
}

/**
 * One e-mail per LicenseAllocated (per order line), then EmailSent or EmailFailed in the same
 * transaction as the delivery record. Only first deliveries arrive here (the runner's inbox),
 * so a redelivered event sends nothing; a resend is a new event and always sends.
 */
export async function sendLicenseEmails(deps: LicenseEmailDeps, events: InboundEvent[], tx: Tx): Promise<void> {
  const lines = events.map((e) => ({ event: e, data: e.envelope.data as unknown as LicenseAllocatedData }));
  const textOf = await textsFor(tx.manager, lines.map(({ data }) => data));
  // Rendering comes before any send: if it throws, the chunk is retried with no e-mail out yet.
  const emails = lines.map(({ data }) => {
    const text = textOf(data.merchantId, data.productId);
    const sender = { merchantName: text.merchantName ?? data.merchantId, platformName: deps.settings.from.name };
    return renderLicenseEmail(deps.templates, data, text, sender);
  });
  const budget = new RetryBudget(deps.settings.retryBudgetMs);
  const mails = lines.map(({ event, data }, i) => mailFor(deps, event, data, emails[i]));
  const outcomes = await deps.delivery.sendAll(mails, budget, deps.settings.concurrency);
  const deliveries = lines.map(({ event, data }, i) => recordOf(event, data, outcomes[i]));
  await recordDeliveries(tx.manager, deliveries);
  lines.forEach(({ event, data }, i) => {
    const outcome = outcomes[i];
    tx.publish(outcome.ok ? emailSent(deps, event, data, outcome) : emailFailed(deps, event, data, outcome));
    if (outcome.ok) deps.metrics.sent('license');
    else deps.metrics.failed('license', outcome.permanent);
  });
}

function mailFor(deps: LicenseEmailDeps, event: InboundEvent, data: LicenseAllocatedData, email: RenderedEmail): OutgoingMail {
  return {
    from: deps.settings.from,
    to: [data.customer.email],
    ...email,
    // The event id lets SendGrid's activity feed and webhooks be traced back to the event.
    customArgs: {
      keypool_event_id: event.envelope.id,
      keypool_order_id: data.orderId,
      keypool_line_id: data.lineId,
      keypool_merchant_id: data.merchantId,
      ...(event.envelope.resendof ? { keypool_resend_of: event.envelope.resendof } : {}),
    },
    categories: ['keypool-license', ...(event.envelope.resendof ? ['keypool-resend'] : [])],
  };
}

function recordOf(event: InboundEvent, data: LicenseAllocatedData, outcome: SendOutcome): DeliveryRecord {
  return {
    eventId: event.envelope.id,
    kind: 'license',
    merchantId: data.merchantId,
    orderId: data.orderId,
    lineId: data.lineId,
    productId: data.productId,
    poolId: null,
    recipients: [data.customer.email],
    resendOf: event.envelope.resendof ?? null,
    ...outcomeColumns(outcome),
  };
}

function emailSent(deps: LicenseEmailDeps, event: InboundEvent, data: LicenseAllocatedData, outcome: Extract<SendOutcome, { ok: true }>) {
  return lineOutcomeEvent(deps.topics.emailSent, 'EmailSent', {
    ...lineOf(data),
    licenseIds: data.licenses.map((l) => l.licenseId),
    providerMessageId: outcome.providerMessageId,
    resend: Boolean(event.envelope.resendof),
    sentAt: new Date().toISOString(),
  });
}

function emailFailed(deps: LicenseEmailDeps, event: InboundEvent, data: LicenseAllocatedData, outcome: Extract<SendOutcome, { ok: false }>) {
  return lineOutcomeEvent(deps.topics.emailFailed, 'EmailFailed', {
    ...lineOf(data),
    reason: outcome.reason,
    permanent: outcome.permanent,
    attempts: outcome.attempts.length,
    resend: Boolean(event.envelope.resendof),
    failedAt: new Date().toISOString(),
    statusCode: outcome.statusCode,
  });
}

/** The order line and recipient every e-mail outcome names. */
function lineOf(data: LicenseAllocatedData) {
  return { orderId: data.orderId, merchantId: data.merchantId, lineId: data.lineId, productId: data.productId, to: data.customer.email };
}

/** An outcome event for order-fulfillment, keyed by the order. */
function lineOutcomeEvent<T extends 'EmailSent' | 'EmailFailed'>(topic: string, type: T, data: EventDataOf<T>) {
  return {
    topic,
    key: data.orderId,
    aggregateType: 'order',
    envelope: envelope({ type, source: SOURCE, dataschema: dataschemaOf(type), data }),
  };
}
