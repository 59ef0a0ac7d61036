import { Inject, Injectable } from '@nestjs/common';
import type { LicenseAllocatedData, Topics } from '@keypool/contracts';
import type { InboundEventOf, Tx } from '@keypool/messaging';
import { SecretBox, TOPICS } from '@keypool/platform';
import { SenderSettings, fromOf } from '../merchant-senders/merchant-senders.handler';
import { RenderedEmail, renderLicenseEmail } from '../templates/license-email';
import { MerchantTextTemplates } from '../templates/merchant-text-template';
import { recordDeliveries } from './deliveries';
import { ClaimedEmail, EmailLine, QueuedClaim, QueuedEmail, SealedContent, queueEmails } from './email-sends';
import { OutcomeTopics, deliveryOf, emailFailed } from './license-email-events';
import { LicenseEmailSettings, LicenseEmailSettingsCache } from './license-email-settings';
import { EmailSender } from './email-sender';
import { MAIL_SETTINGS, type MailSettings } from './mail-settings';
import { NOTIFICATION_METRICS, type NotificationMetrics } from './notification-metrics';
import type { OutgoingMail } from './sendgrid-delivery';

export interface QueueLicenseEmailDeps {
  templates: MerchantTextTemplates;
  cipher: SecretBox;
  metrics: NotificationMetrics;
  topics: OutcomeTopics;
  mail: MailSettings;
  /** Merchants' texts and senders, cached with the check that keeps them exact. */
  settings: LicenseEmailSettingsCache;
  /** Claims the e-mails as they are queued, and sends them once the transaction has committed. */
  sender: Pick<EmailSender, 'queueClaim' | 'handOff'>;
}

/**
 * One e-mail per LicenseAllocated (per order line), rendered and queued in email_sends in the
 * consumer's transaction, claimed for this process's sender, which sends it right after the
 * commit (or, while the sender's queue is full, unclaimed for its poll). Texts and senders come from a cache checked in the statement that queues the e-mails
 * (three round trips a chunk; four when they are read). Only first deliveries
 * arrive here (the runner's inbox), so a redelivered event queues nothing; a resend is a new
 * event and always sends. A text whose rendering is refused fails that line for good.
 */
export async function queueLicenseEmails(deps: QueueLicenseEmailDeps, events: InboundEventOf<'LicenseAllocated'>[], tx: Tx): Promise<void> {
  const lines = events.map((e) => ({ event: e, data: e.envelope.data }));
  // None while the sender's queue is full: the e-mails are queued pending, for its poll.
  const claim = deps.sender.queueClaim() ?? undefined;
  let queued: QueuedEmail[];
  let claimed: QueuedClaim[];
  for (;;) {
    const { settings, check } = await deps.settings.settingsFor(
      tx.manager,
      lines.map(({ data }) => data),
    );
    queued = lines.map(({ event, data }) => emailOf(deps, event, data, settings));
    const result = await queueEmails(tx.manager, deps.cipher, queued, { claim, check });
    if (!result.stale || !check) {
      claimed = result.claimed;
      break;
    }
    // A text or sender changed since it was cached: written again from a fresh read.
    deps.settings.forget(check);
  }
  const refused = queued.filter((q): q is EmailLine & { refused: string } => 'refused' in q);
  await recordDeliveries(
    tx.manager,
    refused.map((r) => deliveryOf(r, { status: 'failed', reason: r.refused, statusCode: null }, [])),
  );
  for (const r of refused) {
    tx.publish(emailFailed(deps.topics, r, { reason: r.refused, permanent: true, attempts: 0, statusCode: null }));
    deps.metrics.failed('license', true);
  }
  const contentOf = new Map<string, EmailLine & { content: SealedContent }>();
  for (const q of queued) if ('content' in q) contentOf.set(q.eventId, q);
  const leaseEndsAt = Math.min(...claimed.map((c) => c.leaseEndsAt));
  const handOff = claimed.map(({ id, eventId, createdAt }) => {
    const q = contentOf.get(eventId)!;
    // The line's fields by name, not `const { content, ...line } = q`: V8 copies object rest
    // through a generic runtime path, ~200x slower than this literal in a micro-benchmark.
    const email: ClaimedEmail = {
      eventId: q.eventId,
      merchantId: q.merchantId,
      orderId: q.orderId,
      lineId: q.lineId,
      productId: q.productId,
      recipient: q.recipient,
      resendOf: q.resendOf,
      id,
      payload: null,
      attempts: 1,
      retryReported: false,
      createdAt,
      attemptLog: [],
    };
    return { email, content: q.content };
  });
  if (claim && handOff.length > 0) tx.afterCommit(() => deps.sender.handOff(claim, leaseEndsAt, handOff));
}

/** A line's e-mail rendered with its merchant's text and sender, or the renderer's refusal. */
function emailOf(
  deps: QueueLicenseEmailDeps,
  event: InboundEventOf<'LicenseAllocated'>,
  data: LicenseAllocatedData,
  settings: LicenseEmailSettings,
): QueuedEmail {
  const line = lineOf(event, data);
  const text = settings.textOf(data.merchantId, data.productId, data.customer.locale);
  const sender = { merchantName: text.merchantName ?? data.merchantId, platformName: deps.mail.from.name };
  try {
    const email = renderLicenseEmail(deps.templates, data, text, sender);
    return {
      ...line,
      content: { mail: mailFor(deps, event, data, email, settings.senderOf(data.merchantId)), licenseIds: data.licenses.map((l) => l.licenseId) },
    };
  } catch (error) {
    if (!isRenderRefusal(error)) throw error;
    return { ...line, refused: error.message };
  }
}

/**
 * The templates refuse a merchant text that cannot become an e-mail (EmailRenderRefused, e.g.
 * over the size cap): that will not change on a retry. Matched by name so this file does not
 * depend on where the class is declared.
 */
function isRenderRefusal(error: unknown): error is Error {
  return error instanceof Error && error.name === 'EmailRenderRefused';
}

function lineOf(event: InboundEventOf<'LicenseAllocated'>, data: LicenseAllocatedData): EmailLine {
  return {
    eventId: event.envelope.id,
    merchantId: data.merchantId,
    orderId: data.orderId,
    lineId: data.lineId,
    productId: data.productId,
    recipient: data.customer.email,
    resendOf: event.envelope.resendof ?? null,
  };
}

function mailFor(
  deps: QueueLicenseEmailDeps,
  event: InboundEventOf<'LicenseAllocated'>,
  data: LicenseAllocatedData,
  email: RenderedEmail,
  sender: SenderSettings,
): OutgoingMail {
  return {
    // The platform's verified address under the merchant's name: SendGrid sends only from verified senders.
    from: fromOf(deps.mail.from, sender),
    ...(sender.replyTo ? { replyTo: { email: sender.replyTo } } : {}),
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

/** The use case the LicenseAllocated consumer hands each chunk to, in the consumer's transaction. */
@Injectable()
export class QueueLicenseEmails {
  private readonly deps: QueueLicenseEmailDeps;

  constructor(
    templates: MerchantTextTemplates,
    cipher: SecretBox,
    sender: EmailSender,
    @Inject(NOTIFICATION_METRICS) metrics: NotificationMetrics,
    @Inject(TOPICS) topics: Topics,
    @Inject(MAIL_SETTINGS) settings: MailSettings,
  ) {
    this.deps = { templates, cipher, metrics, topics, mail: settings, settings: new LicenseEmailSettingsCache(), sender };
  }

  run(events: InboundEventOf<'LicenseAllocated'>[], tx: Tx): Promise<void> {
    return queueLicenseEmails(this.deps, events, tx);
  }
}
