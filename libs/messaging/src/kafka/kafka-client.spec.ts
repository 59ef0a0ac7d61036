import { ConfigurationError } from '@keypool/platform';
import { PRODUCER_SETTINGS, kafkaBrokers, kafkaConnection, toolKafka } from './kafka-client';

describe('the Kafka settings every keypool client shares', () => {
  it('reads KAFKA_BROKERS as host:port pairs, the dev broker when unset or empty', () => {
    expect(kafkaBrokers('kafka-1:9092,kafka-2:9093')).toEqual(['kafka-1:9092', 'kafka-2:9093']);
    expect(kafkaBrokers(undefined)).toEqual(['127.0.0.1:9092']);
    expect(kafkaBrokers('  ')).toEqual(['127.0.0.1:9092']);
  });

  it('refuses a malformed or unbounded KAFKA_BROKERS, naming the setting', () => {
    expect(() => kafkaBrokers('kafka-1')).toThrow(/KAFKA_BROKERS must be host:port/);
    expect(() => kafkaBrokers('a:1, b:2')).toThrow(ConfigurationError);
    expect(() => kafkaBrokers(`${'k'.repeat(5000)}:9092`)).toThrow(/longer than 4096/);
  });

  it('adds the TLS and SASL settings to brokers and client id, and refuses a half-made SASL setup', () => {
    const connection = kafkaConnection(
      { KAFKA_BROKERS: 'k:9092', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'support', KAFKA_SASL_PASSWORD: 'pw' },
      'keypool-support-cli',
    );
    expect(connection).toMatchObject({ brokers: ['k:9092'], clientId: 'keypool-support-cli', sasl: { mechanism: 'scram-sha-512', username: 'support' } });
    expect(connection.ssl).toBeUndefined();
    expect(() => kafkaConnection({ KAFKA_SASL_MECHANISM: 'plain' }, 'x')).toThrow(ConfigurationError);
  });

  it('builds a tool client only from a valid environment', () => {
    expect(typeof toolKafka({ KAFKA_BROKERS: 'k:9092' }, 'keypool-console').producer).toBe('function');
    expect(() => toolKafka({ KAFKA_BROKERS: 'nope' }, 'keypool-console')).toThrow(ConfigurationError);
  });

  it('sends idempotently, in order, and never creates a topic', () => {
    expect(PRODUCER_SETTINGS).toEqual({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    expect(Object.isFrozen(PRODUCER_SETTINGS)).toBe(true);
  });
});
