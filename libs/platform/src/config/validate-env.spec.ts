import { Type } from '@sinclair/typebox';
import { serviceEnvSchema } from './env-schema';
import { ConfigurationError, validateEnv } from './validate-env';

const schema = serviceEnvSchema({ PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3001 }) });
const valid = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/keypool_pool',
  API_KEYS: 'support-key-1=support',
  DATA_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    validateEnv(schema, env);
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
  return [];
}

describe('validateEnv', () => {
  it('fills defaults and coerces numbers', () => {
    const config = validateEnv(schema, { ...valid, KAFKA_TOPIC_PARTITIONS: '12' });
    expect(config).toMatchObject({ PORT: 3001, KAFKA_BROKERS: '127.0.0.1:9092', KAFKA_TOPIC_PARTITIONS: 12, LOG_LEVEL: 'info' });
  });

  it('names each missing setting', () => {
    expect(problemsOf({})).toEqual(expect.arrayContaining(['API_KEYS is required but not set', 'DATA_ENCRYPTION_KEYS is required but not set']));
  });

  it('names a malformed setting and what it should look like', () => {
    expect(problemsOf({ ...valid, KAFKA_BROKERS: 'not a broker list' })).toEqual([expect.stringMatching(/^KAFKA_BROKERS is malformed/)]);
    expect(problemsOf({ ...valid, PORT: 'eighty' })).toEqual(['PORT must be a whole number']);
    expect(problemsOf({ ...valid, LOG_LEVEL: 'loud' })).toEqual([expect.stringContaining('LOG_LEVEL must be one of')]);
  });

  it('reads the Kafka TLS and SASL settings and names a malformed one', () => {
    const config = validateEnv(schema, { ...valid, KAFKA_SSL: 'true', KAFKA_SSL_REJECT_UNAUTHORIZED: 'false', KAFKA_SASL_MECHANISM: 'scram-sha-512' });
    expect(config).toMatchObject({ KAFKA_SSL: true, KAFKA_SSL_REJECT_UNAUTHORIZED: false, KAFKA_SASL_MECHANISM: 'scram-sha-512' });
    expect(validateEnv(schema, valid).KAFKA_SSL).toBe(false);
    expect(problemsOf({ ...valid, KAFKA_SSL: 'yes', KAFKA_SASL_MECHANISM: 'GSSAPI' })).toEqual([
      'KAFKA_SSL must be true or false',
      'KAFKA_SASL_MECHANISM must be one of plain, scram-sha-256, scram-sha-512',
    ]);
  });

  it('treats an empty value as unset so the default applies', () => {
    expect(validateEnv(schema, { ...valid, PORT: '' }).PORT).toBe(3001);
  });
});
