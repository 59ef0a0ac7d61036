import type { KafkaMessage } from 'kafkajs';
import { describeDeadLetter, fieldNames, matchesDeadLetter, originalHeaders, summarizeDeadLetter } from './dead-letter';

const message = (value: string | null, headers: Record<string, string>): KafkaMessage => ({
  key: Buffer.from('ord_1'),
  value: value === null ? null : Buffer.from(value),
  headers,
  offset: '7',
  timestamp: '1000',
  attributes: 0,
});

describe('dead letters as support sees them', () => {
  const event = {
    id: 'e1',
    type: 'LicenseAllocated',
    source: 's',
    data: { orderId: 'ord_1', licenses: [{ licenseId: 'l1', value: 'KEY-ONE' }], parentLicenses: [{ licenseId: 'p', value: 'KEY-PARENT' }] },
  };
  const headers = {
    'content-type': 'application/cloudevents+json',
    'dlq-reason': 'boom KEY-ONE and KEY-PARENT',
    'dlq-original-topic': 'license-allocated',
    'dlq-original-partition': '2',
    'dlq-original-offset': '40',
    'dlq-attempts': '5',
  };

  it('summarizes a record without its data, blanking license values even in the reason', () => {
    expect(summarizeDeadLetter('license-allocated.dlq', 1, message(JSON.stringify(event), headers))).toEqual({
      partition: 1,
      offset: '7',
      key: 'ord_1',
      event: { id: 'e1', type: 'LicenseAllocated' },
      reason: 'boom [redacted] and [redacted]',
      original: { topic: 'license-allocated', partition: 2, offset: '40' },
      consumerGroup: null,
      attempts: 5,
      failedAt: null,
      timestamp: 1000,
    });
  });

  it('names an undecodable value by its size and falls back to the DLQ name for the original topic', () => {
    const summary = summarizeDeadLetter('order-paid.dlq', 0, message('{"id": "e2", "data": {', {}));
    expect(summary).toMatchObject({
      event: { undecodableBytes: 22 },
      original: { topic: 'order-paid', partition: null, offset: null },
      reason: '(no dlq-reason header)',
    });
    expect(summarizeDeadLetter('x.dlq', 0, message(null, {})).event).toEqual({ undecodableBytes: 0 });
  });

  it('shows every header and the event attributes, but of the data only field paths', () => {
    const shown = describeDeadLetter('license-allocated.dlq', 1, message(JSON.stringify(event), headers));
    expect(shown['value']).toEqual({
      id: 'e1',
      type: 'LicenseAllocated',
      source: 's',
      dataFields: [
        'orderId',
        'licenses[] (1)',
        'licenses[].licenseId',
        'licenses[].value',
        'parentLicenses[] (1)',
        'parentLicenses[].licenseId',
        'parentLicenses[].value',
      ],
    });
    expect(JSON.stringify(shown)).not.toMatch(/KEY-ONE|KEY-PARENT/);
    expect(fieldNames({ ids: ['a', 'b'], n: null, nested: { deep: { x: 1 } } })).toEqual(['ids[] (2)', 'n', 'nested.deep.x']);
  });

  it('filters by time, type and a piece of the reason, and strips only the dlq-* headers', () => {
    const summary = summarizeDeadLetter('license-allocated.dlq', 1, message(JSON.stringify(event), headers));
    expect(matchesDeadLetter(summary, { since: new Date(1000), type: 'LicenseAllocated', reason: 'BOOM' })).toBe(true);
    expect(matchesDeadLetter(summary, { since: new Date(1001) })).toBe(false);
    expect(matchesDeadLetter(summary, { type: 'OrderPaid' })).toBe(false);
    expect(matchesDeadLetter(summary, { reason: 'timeout' })).toBe(false);
    expect(originalHeaders({ 'content-type': 'a', 'dlq-reason': 'b', traceparent: 'c' })).toEqual({ 'content-type': 'a', traceparent: 'c' });
  });
});
