import type { EventDataOf } from '@keypool/contracts';
import { contractEvent, type TopicsFor } from '@keypool/messaging';
import type { DeliveryRecord } from './deliveries';
import type { EmailLine } from './email-sends';
import type { AttemptRecord } from './sendgrid-delivery';

export type OutcomeTopics = TopicsFor<'EmailSent' | 'EmailFailed'>;

export function emailSent(topics: OutcomeTopics, line: EmailLine, sent: { licenseIds: string[]; providerMessageId: string | null }) {
  return lineOutcomeEvent(topics, 'EmailSent', {
    ...lineOf(line),
    licenseIds: sent.licenseIds,
    providerMessageId: sent.providerMessageId,
    resend: line.resendOf !== null,
    sentAt: new Date().toISOString(),
  });
}

/** `permanent: false` tells order-fulfillment the e-mail waits for a retry; `true` that we gave up. */
export function emailFailed(
  topics: OutcomeTopics,
  line: EmailLine,
  failure: { reason: string; permanent: boolean; attempts: number; statusCode: number | null },
) {
  return lineOutcomeEvent(topics, 'EmailFailed', {
    ...lineOf(line),
    reason: failure.reason.slice(0, 2000),
    permanent: failure.permanent,
    attempts: failure.attempts,
    resend: line.resendOf !== null,
    failedAt: new Date().toISOString(),
    statusCode: failure.statusCode,
  });
}

/** The deliveries row of an e-mail whose outcome is final. */
export function deliveryOf(
  line: EmailLine,
  outcome: { status: 'sent'; providerMessageId: string | null } | { status: 'failed'; reason: string; statusCode: number | null },
  attempts: AttemptRecord[],
): DeliveryRecord {
  return {
    eventId: line.eventId,
    kind: 'license',
    merchantId: line.merchantId,
    orderId: line.orderId,
    lineId: line.lineId,
    productId: line.productId,
    poolId: null,
    recipients: [line.recipient],
    resendOf: line.resendOf,
    status: outcome.status,
    permanent: outcome.status === 'failed' ? true : null,
    statusCode: outcome.status === 'failed' ? outcome.statusCode : null,
    providerMessageId: outcome.status === 'sent' ? outcome.providerMessageId : null,
    reason: outcome.status === 'failed' ? outcome.reason : null,
    attempts,
  };
}

/** The order line and recipient every e-mail outcome names. */
function lineOf(line: EmailLine) {
  return { orderId: line.orderId, merchantId: line.merchantId, lineId: line.lineId, productId: line.productId, to: line.recipient };
}

/** An outcome event for order-fulfillment. */
function lineOutcomeEvent<T extends 'EmailSent' | 'EmailFailed'>(topics: TopicsFor<T>, type: T, data: EventDataOf<T>) {
  return contractEvent(type, data, { producer: 'notification-service', topics });
}
