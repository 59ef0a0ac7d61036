import type { EventDataOf, EventType } from './registry';

export const defaultTopics = {
  orderPaid: 'order-paid',
  licenseAllocated: 'license-allocated',
  emailSent: 'email-sent',
  orderFulfilled: 'order-fulfilled',
  poolLow: 'pool-low',
  allocationRequested: 'allocation-requested',
  allocationDeferred: 'allocation-deferred',
  emailFailed: 'email-failed',
  orderRefunded: 'order-refunded',
  licenseRevoked: 'license-revoked',
  orderLineHeld: 'order-line-held',
  allocationRefunded: 'allocation-refunded',
  licensesRevealed: 'licenses-revealed',
} as const;

export type TopicName = keyof typeof defaultTopics;
export type Topics = Record<TopicName, string>;

export const topicEnvVars: Record<TopicName, string> = {
  orderPaid: 'TOPIC_ORDER_PAID',
  licenseAllocated: 'TOPIC_LICENSE_ALLOCATED',
  emailSent: 'TOPIC_EMAIL_SENT',
  orderFulfilled: 'TOPIC_ORDER_FULFILLED',
  poolLow: 'TOPIC_POOL_LOW',
  allocationRequested: 'TOPIC_ALLOCATION_REQUESTED',
  allocationDeferred: 'TOPIC_ALLOCATION_DEFERRED',
  emailFailed: 'TOPIC_EMAIL_FAILED',
  orderRefunded: 'TOPIC_ORDER_REFUNDED',
  licenseRevoked: 'TOPIC_LICENSE_REVOKED',
  orderLineHeld: 'TOPIC_ORDER_LINE_HELD',
  allocationRefunded: 'TOPIC_ALLOCATION_REFUNDED',
  licensesRevealed: 'TOPIC_LICENSES_REVEALED',
};

/** The topic each event type is published to (as const, so a producer can ask only for the topics it uses). */
export const topicOfEvent = {
  OrderPaid: 'orderPaid',
  LicenseAllocated: 'licenseAllocated',
  EmailSent: 'emailSent',
  OrderFulfilled: 'orderFulfilled',
  PoolLow: 'poolLow',
  AllocationRequested: 'allocationRequested',
  AllocationDeferred: 'allocationDeferred',
  EmailFailed: 'emailFailed',
  OrderRefunded: 'orderRefunded',
  LicenseRevoked: 'licenseRevoked',
  OrderLineHeld: 'orderLineHeld',
  AllocationRefunded: 'allocationRefunded',
  LicensesRevealed: 'licensesRevealed',
} as const satisfies Record<EventType, TopicName>;

/** Default topic names, each overridable by its TOPIC_* variable (blank counts as unset). */
export function topicsFromEnv(env: Readonly<Record<string, string | undefined>>): Topics {
  const topics = { ...defaultTopics } as Topics;
  for (const name of Object.keys(topicEnvVars) as TopicName[]) {
    const override = env[topicEnvVars[name]]?.trim();
    if (override) topics[name] = override;
  }
  return topics;
}

export function dlqTopic(topic: string): string {
  return `${topic}.dlq`;
}

/** The Kafka message key field of each event: the contract keys pool-low by poolId, license-revoked by licenseId, the rest by orderId. */
export const messageKeyFields: { [T in EventType]: keyof EventDataOf<T> & string } = {
  OrderPaid: 'orderId',
  LicenseAllocated: 'orderId',
  EmailSent: 'orderId',
  OrderFulfilled: 'orderId',
  PoolLow: 'poolId',
  AllocationRequested: 'orderId',
  AllocationDeferred: 'orderId',
  EmailFailed: 'orderId',
  OrderRefunded: 'orderId',
  LicenseRevoked: 'licenseId',
  OrderLineHeld: 'orderId',
  AllocationRefunded: 'orderId',
  LicensesRevealed: 'orderId',
};

export function messageKeyOf<T extends EventType>(type: T, data: EventDataOf<T>): string {
  return String(data[messageKeyFields[type]]);
}
