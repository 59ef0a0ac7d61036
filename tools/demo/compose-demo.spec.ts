// The compose demo's inputs (each bounded, each failure named) and its masking of licenses.
import { maskLicenses, readSettings } from './compose-demo';

const env = {
  POOL_URL: 'http://pool-service:3001',
  FULFILLMENT_URL: 'http://order-fulfillment-service:3002',
  NOTIFICATION_URL: 'http://notification-service:3003',
  SINK_URL: 'http://sendgrid-sink:3090',
  KAFKA_BROKERS: 'kafka:9092',
  API_KEYS: 'support-key-123=support,merchant-key-456=merchant:m_demo',
};

describe('compose demo settings', () => {
  it("takes the merchant's key from API_KEYS", () => {
    expect(readSettings(env)).toMatchObject({
      merchant: 'm_demo',
      merchantKey: 'merchant-key-456',
      brokers: ['kafka:9092'],
      sink: 'http://sendgrid-sink:3090',
    });
  });

  it('refuses a missing merchant key, a bad URL and bad brokers by name, never echoing a key', () => {
    const noKey = () => readSettings({ ...env, API_KEYS: 'support-key-123=support' });
    expect(noKey).toThrow('API_KEYS has no key of 8+ characters for merchant:m_demo');
    expect(() => readSettings({ ...env, API_KEYS: 'short=merchant:m_demo' })).toThrow(/API_KEYS has no key/);
    expect(() => readSettings({ ...env, POOL_URL: 'pool-service:3001' })).toThrow(/^POOL_URL must be an http\(s\) URL/);
    expect(() => readSettings({ ...env, SINK_URL: 'http://sink/path' })).toThrow(/^SINK_URL/);
    expect(() => readSettings({ ...env, KAFKA_BROKERS: 'kafka' })).toThrow(/^KAFKA_BROKERS/);
    expect(() => readSettings({ ...env, DEMO_MERCHANT: 'm demo' })).toThrow(/^DEMO_MERCHANT/);
    try {
      noKey();
    } catch (error) {
      expect(String(error)).not.toContain('support-key-123');
    }
  });
});

describe('compose demo output', () => {
  it('masks every uploaded license wherever it appears', () => {
    const text = 'Your keys:\nAAAA-BBBB\nCCCC-DDDD\nagain AAAA-BBBB';
    const masked = maskLicenses(text, ['AAAA-BBBB', 'CCCC-DDDD']);
    expect(masked).not.toMatch(/AAAA-BBBB|CCCC-DDDD/);
    expect(masked.match(/\[license key: see the inbox\]/g)).toHaveLength(3);
  });
});
