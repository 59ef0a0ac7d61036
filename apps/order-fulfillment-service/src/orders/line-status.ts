export const lineStatuses = ['received', 'awaiting_stock', 'unroutable', 'allocated', 'delivered', 'email_failed', 'cancelled'] as const;
export type LineStatus = (typeof lineStatuses)[number];
export const orderStatuses = ['received', 'fulfilled'] as const;
export type OrderStatus = (typeof orderStatuses)[number];
/** Shown as the order's status once a refund applied (orders.refund_status). */
export const refundStatuses = ['refunded', 'partially_refunded'] as const;
export type RefundStatus = (typeof refundStatuses)[number];

/** What happened to a line, as told by the pool and notification services. */
export type LineOutcome =
  | { kind: 'deferred'; status: 'awaiting_stock' | 'unroutable'; reason: string }
  | { kind: 'allocated' }
  | { kind: 'email_sent'; resend: boolean }
  | { kind: 'email_failed'; permanent: boolean; reason: string; failedAt: string };

export interface LineState {
  status: LineStatus;
  reason: string | null;
}

export const waitingForLicenses: readonly LineStatus[] = ['received', 'awaiting_stock', 'unroutable'];

/**
 * The line's next status, or null when the outcome changes nothing. The topics are read by
 * separate consumers, so outcomes can arrive out of order: a status never moves backwards
 * (a late AllocationDeferred cannot undo an allocation, nor a late allocation a delivery).
 */
export function nextLineState(current: LineState, outcome: LineOutcome): LineState | null {
  const next = decide(current.status, outcome);
  if (!next || (next.status === current.status && next.reason === current.reason)) return null;
  return next;
}

function decide(status: LineStatus, outcome: LineOutcome): LineState | null {
  switch (outcome.kind) {
    case 'deferred':
      return waitingForLicenses.includes(status) ? { status: outcome.status, reason: outcome.reason } : null;
    case 'allocated':
      return waitingForLicenses.includes(status) ? { status: 'allocated', reason: null } : null;
    case 'email_sent':
      // A resend only completes a line whose own e-mail failed for good; otherwise it is history.
      if (outcome.resend) return status === 'email_failed' ? { status: 'delivered', reason: null } : null;
      return status === 'delivered' ? null : { status: 'delivered', reason: null };
    case 'email_failed':
      if (outcome.permanent) return status !== 'delivered' ? { status: 'email_failed', reason: outcome.reason } : null;
      // Notification keeps trying: the line stays allocated and says why its e-mail is late.
      return status === 'allocated' ? { status: 'allocated', reason: `e-mail retrying: ${outcome.reason} (since ${outcome.failedAt})` } : null;
  }
}
