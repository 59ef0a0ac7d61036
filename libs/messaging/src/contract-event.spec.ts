import { dlqTopic, eventTypes, exampleEventData, messageKeyFields, parseCloudEvent, topicsFromEnv, type EventType } from '@keypool/contracts';
import { contractDecoder, contractTopicConsumer } from './consumer/contract-decoder';
import { contractEvent, kafkaMessageOf, republishedEvent } from './contract-event';

const topics = topicsFromEnv({ TOPIC_LICENSE_ALLOCATED: 'acme.license-allocated' });

function build<T extends EventType>(type: T) {
  return contractEvent(type, exampleEventData[type], { producer: 'pool-service', topics });
}

describe('contractEvent', () => {
  it('routes, keys and labels every event type as the contract says', () => {
    for (const type of eventTypes) {
      const event = build(type);
      const parsed = parseCloudEvent(kafkaMessageOf(event).value, type);
      expect(parsed.ok).toBe(true);
      expect(event.envelope).toMatchObject({ type, source: '/keypool/pool-service', dataschema: `https://keypool.dev/schemas/${type}/v1.json` });
      const keyField = messageKeyFields[type];
      expect(event.key).toBe((exampleEventData[type] as Record<string, unknown>)[keyField]);
      expect(event.aggregateType).toBe(keyField.replace(/Id$/, ''));
    }
  });

  it('sends each event to its configured topic', () => {
    expect(build('LicenseAllocated').topic).toBe('acme.license-allocated');
    expect(build('OrderPaid').topic).toBe('order-paid');
    expect(build('PoolLow')).toMatchObject({ key: 'pool_editor_eur', aggregateType: 'pool' });
    expect(build('OrderPaid')).toMatchObject({ key: 'ord_1001', aggregateType: 'order' });
    expect(new Set(eventTypes.map((type) => build(type).topic)).size).toBe(eventTypes.length);
  });

  it('gives each new event a UUIDv7 id, so ids made later sort after (outbox and inbox keys grow at their right edge)', () => {
    const now = jest.spyOn(Date, 'now');
    try {
      now.mockReturnValue(1796100000000);
      const first = build('OrderPaid').envelope.id;
      now.mockReturnValue(1796100000001);
      const later = build('OrderPaid').envelope.id;
      expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(first.slice(0, 13)).toBe('01a22fe7-0900');
      expect(later > first).toBe(true);
    } finally {
      now.mockRestore();
    }
  });

  it('makes a resend a new event that names the one it repeats', () => {
    const original = build('LicenseAllocated');
    const resend = contractEvent('LicenseAllocated', original.envelope.data, { producer: 'support-cli', topics, resendof: original.envelope.id });
    expect(resend.envelope.id).not.toBe(original.envelope.id);
    expect(resend.envelope).toMatchObject({ resendof: original.envelope.id, source: '/keypool/support-cli' });
  });

  it('publishes a stored event again unchanged, and refuses one of another type', () => {
    const stored = JSON.parse(JSON.stringify(build('LicenseAllocated').envelope));
    const again = republishedEvent('LicenseAllocated', stored, topics);
    expect(again.envelope).toEqual(stored);
    expect(again).toMatchObject({ topic: 'acme.license-allocated', key: 'ord_1001', aggregateType: 'order' });
    expect(() => republishedEvent('OrderPaid', stored, topics)).toThrow('is a LicenseAllocated, not a OrderPaid');
  });
});

describe('contractTopicConsumer', () => {
  it('keeps the consumer-group names the services were deployed with', () => {
    const handle = () => Promise.resolve();
    expect(contractTopicConsumer('OrderPaid', { consumer: 'order-fulfillment-service', topics, name: 'order-intake', handle })).toMatchObject({
      groupId: 'order-fulfillment.order-paid',
      topics: ['order-paid'],
    });
    expect(contractTopicConsumer('LicenseAllocated', { consumer: 'notification-service', topics, name: 'license-emails', handle }).groupId).toBe(
      'notification-service.acme.license-allocated',
    );
    expect(contractTopicConsumer('AllocationRequested', { consumer: 'pool-service', topics, name: 'pool-allocation', handle }).groupId).toBe(
      'pool-service.allocation-requested',
    );
  });

  it('decodes only the type its topic carries', () => {
    const decode = contractDecoder({ 'order-paid': 'OrderPaid' });
    const paid = decode('order-paid', Buffer.from(kafkaMessageOf(build('OrderPaid')).value));
    expect(paid.ok && paid.envelope.data.orderId).toBe('ord_1001');
    const wrong = decode('order-paid', Buffer.from(kafkaMessageOf(build('EmailSent')).value));
    expect(wrong).toEqual({ ok: false, reason: expect.stringContaining('wrong-type') });
    expect(decode(dlqTopic('order-paid'), null)).toEqual({ ok: false, reason: 'no event type is expected on topic order-paid.dlq' });
  });
});
