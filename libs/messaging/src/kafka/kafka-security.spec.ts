import { ConfigurationError } from '@keypool/platform';
import { KafkaSecurityEnv, kafkaSecurity } from './kafka-security';

const CA = '-----BEGIN CERTIFICATE-----\nMIIBca\n-----END CERTIFICATE-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nMIIBclient\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIEkey\n-----END PRIVATE KEY-----\n';
const files: Record<string, string> = { '/tls/ca.pem': CA, '/tls/client.pem': CERT, '/tls/client.key': KEY, '/tls/notes.txt': 'hello' };
const readText = (path: string): string => {
  if (path in files) return files[path];
  throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
};
const PASSWORD = 'Sup3r-Secret-Passw0rd';

function problemsOf(env: KafkaSecurityEnv): string[] {
  try {
    kafkaSecurity(env, readText);
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
  return [];
}

describe('kafkaSecurity', () => {
  it('adds nothing when TLS and SASL are not configured, so the client speaks PLAINTEXT', () => {
    expect(kafkaSecurity({}, readText)).toEqual({});
    expect(kafkaSecurity({ KAFKA_SSL: false }, readText)).toEqual({});
    expect(kafkaSecurity({ KAFKA_SSL: 'false', KAFKA_SASL_MECHANISM: '' }, readText)).toEqual({});
  });

  it('turns on TLS that verifies the broker against the system CAs when only KAFKA_SSL is set', () => {
    expect(kafkaSecurity({ KAFKA_SSL: 'true' }, readText)).toEqual({ ssl: { rejectUnauthorized: true } });
    expect(kafkaSecurity({ KAFKA_SSL: true }, readText)).toEqual({ ssl: { rejectUnauthorized: true } });
  });

  it('reads the CA, the client certificate and its key from their PEM files', () => {
    const security = kafkaSecurity(
      { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: '/tls/ca.pem', KAFKA_SSL_CERT_FILE: '/tls/client.pem', KAFKA_SSL_KEY_FILE: '/tls/client.key' },
      readText,
    );
    expect(security).toEqual({ ssl: { rejectUnauthorized: true, ca: [CA], cert: CERT, key: KEY } });
  });

  it('accepts any broker certificate only when KAFKA_SSL_REJECT_UNAUTHORIZED is false', () => {
    expect(kafkaSecurity({ KAFKA_SSL: 'true', KAFKA_SSL_REJECT_UNAUTHORIZED: 'false' }, readText)).toEqual({ ssl: { rejectUnauthorized: false } });
    expect(kafkaSecurity({ KAFKA_SSL: true, KAFKA_SSL_REJECT_UNAUTHORIZED: false }, readText)).toEqual({ ssl: { rejectUnauthorized: false } });
    expect(kafkaSecurity({ KAFKA_SSL: true, KAFKA_SSL_REJECT_UNAUTHORIZED: 'true' }, readText)).toEqual({ ssl: { rejectUnauthorized: true } });
  });

  it.each(['plain', 'scram-sha-256', 'scram-sha-512'])('passes SASL %s with its username and password', (mechanism) => {
    const security = kafkaSecurity(
      { KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: 'pool-service', KAFKA_SASL_PASSWORD: PASSWORD },
      readText,
    );
    expect(security).toEqual({ ssl: { rejectUnauthorized: true }, sasl: { mechanism, username: 'pool-service', password: PASSWORD } });
  });

  it('refuses a mechanism without its username or password, never echoing the password', () => {
    expect(problemsOf({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_PASSWORD: PASSWORD })).toEqual([
      'KAFKA_SASL_MECHANISM is scram-sha-512 but KAFKA_SASL_USERNAME is not set',
    ]);
    expect(problemsOf({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'ops' })).toEqual([
      'KAFKA_SASL_MECHANISM is plain but KAFKA_SASL_PASSWORD is not set',
    ]);
    expect(problemsOf({ KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_USERNAME: 'ops', KAFKA_SASL_PASSWORD: PASSWORD }).join('\n')).not.toContain(PASSWORD);
  });

  it('refuses credentials without a mechanism, and a mechanism it does not speak', () => {
    expect(problemsOf({ KAFKA_SASL_USERNAME: 'ops', KAFKA_SASL_PASSWORD: PASSWORD })).toEqual([
      'KAFKA_SASL_USERNAME is set but KAFKA_SASL_MECHANISM is not: set it to one of plain, scram-sha-256, scram-sha-512',
      'KAFKA_SASL_PASSWORD is set but KAFKA_SASL_MECHANISM is not: set it to one of plain, scram-sha-256, scram-sha-512',
    ]);
    expect(problemsOf({ KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_USERNAME: 'ops', KAFKA_SASL_PASSWORD: PASSWORD })).toEqual([
      'KAFKA_SASL_MECHANISM must be one of plain, scram-sha-256, scram-sha-512',
    ]);
  });

  it('refuses a client certificate without its key, and a key without its certificate', () => {
    expect(problemsOf({ KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: '/tls/client.pem' })).toEqual([
      'KAFKA_SSL_CERT_FILE is set without KAFKA_SSL_KEY_FILE: a client certificate needs its private key',
    ]);
    expect(problemsOf({ KAFKA_SSL: 'true', KAFKA_SSL_KEY_FILE: '/tls/client.key' })).toEqual([
      'KAFKA_SSL_KEY_FILE is set without KAFKA_SSL_CERT_FILE: a private key needs its client certificate',
    ]);
  });

  it('refuses TLS files while TLS is off instead of silently connecting in clear', () => {
    expect(problemsOf({ KAFKA_SSL_CA_FILE: '/tls/ca.pem', KAFKA_SSL_REJECT_UNAUTHORIZED: 'false' })).toEqual([
      'KAFKA_SSL_CA_FILE is set but KAFKA_SSL is not true: set KAFKA_SSL=true to connect with TLS, or unset KAFKA_SSL_CA_FILE',
      'KAFKA_SSL_REJECT_UNAUTHORIZED is set but KAFKA_SSL is not true: set KAFKA_SSL=true to connect with TLS, or unset KAFKA_SSL_REJECT_UNAUTHORIZED',
    ]);
  });

  it('names a file it cannot read or that holds no PEM, and every other problem at once', () => {
    expect(
      problemsOf({
        KAFKA_SSL: 'yes',
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_USERNAME: 'ops',
        KAFKA_SASL_PASSWORD: PASSWORD,
      }),
    ).toEqual(['KAFKA_SSL must be true or false']);
    expect(
      problemsOf({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: '/tls/missing.pem', KAFKA_SSL_CERT_FILE: '/tls/notes.txt', KAFKA_SSL_KEY_FILE: '/tls/ca.pem' }),
    ).toEqual([
      'KAFKA_SSL_CA_FILE names /tls/missing.pem, which cannot be read (ENOENT)',
      'KAFKA_SSL_CERT_FILE names /tls/notes.txt, which holds no PEM certificate (-----BEGIN …CERTIFICATE-----)',
      'KAFKA_SSL_KEY_FILE names /tls/ca.pem, which holds no PEM private key (-----BEGIN …PRIVATE KEY-----)',
    ]);
  });

  it('says what is wrong in a message that names the settings and never the password', () => {
    expect(() => kafkaSecurity({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_PASSWORD: PASSWORD }, readText)).toThrow(
      /Invalid configuration:\n {2}- KAFKA_SASL_MECHANISM is plain but KAFKA_SASL_USERNAME is not set/,
    );
  });
});
