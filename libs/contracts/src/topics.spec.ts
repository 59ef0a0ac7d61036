import { exampleEventData } from './examples';
import { eventTypes } from './registry';
import { defaultTopics, dlqTopic, messageKeyOf, topicOfEvent, topicsFromEnv } from './topics';

describe('topics', () => {
  it('uses the contract topic names when nothing is configured', () => {
    expect(topicsFromEnv({})).toEqual({
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
    });
  });

  it('takes each override from its TOPIC_* variable and ignores blank ones', () => {
    const topics = topicsFromEnv({ TOPIC_ORDER_PAID: ' staging.order-paid ', TOPIC_POOL_LOW: '  ' });
    expect(topics.orderPaid).toBe('staging.order-paid');
    expect(topics.poolLow).toBe('pool-low');
  });

  it('names the dead-letter topic after its source topic', () => {
    expect(dlqTopic('order-paid')).toBe('order-paid.dlq');
  });

  it('routes every event type to a topic of its own', () => {
    const topics = eventTypes.map((type) => defaultTopics[topicOfEvent[type]]);
    expect(new Set(topics).size).toBe(eventTypes.length);
  });

  it('keys pool-low by poolId, license-revoked by licenseId and every other topic by orderId', () => {
    expect(messageKeyOf('PoolLow', exampleEventData.PoolLow)).toBe('pool_editor_eur');
    expect(messageKeyOf('LicenseRevoked', exampleEventData.LicenseRevoked)).toBe('lic_1');
    for (const type of eventTypes.filter((t) => t !== 'PoolLow' && t !== 'LicenseRevoked')) {
      expect(messageKeyOf(type, exampleEventData[type])).toBe('ord_1001');
    }
  });
});
