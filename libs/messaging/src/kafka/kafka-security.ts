import { readFileSync } from 'node:fs';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { ConfigurationError, KAFKA_SASL_MECHANISMS } from '@keypool/platform';

type SaslMechanismName = (typeof KAFKA_SASL_MECHANISMS)[number];

/**
 * The TLS and SASL settings, as a validated service config holds them (booleans) or as a plain
 * process environment does (strings): the support CLI, the demo and the tests read the latter.
 */
export interface KafkaSecurityEnv {
  KAFKA_SSL?: boolean | string;
  KAFKA_SSL_CA_FILE?: string;
  KAFKA_SSL_CERT_FILE?: string;
  KAFKA_SSL_KEY_FILE?: string;
  KAFKA_SSL_REJECT_UNAUTHORIZED?: boolean | string;
  KAFKA_SASL_MECHANISM?: string;
  KAFKA_SASL_USERNAME?: string;
  KAFKA_SASL_PASSWORD?: string;
}

/** What every keypool Kafka client adds to its kafkajs config. */
export type KafkaSecurity = Pick<KafkaConfig, 'ssl' | 'sasl'>;

type ReadText = (path: string) => string;

/**
 * Turns the KAFKA_SSL* and KAFKA_SASL_* settings into kafkajs `ssl` and `sasl` options, reading
 * the PEM files once. A half-made setup (a mechanism without its credentials, a certificate
 * without its key, a CA file while TLS is off) is refused with every problem named, so no client
 * silently falls back to PLAINTEXT. Messages name settings and paths, never the password.
 */
export function kafkaSecurity(env: KafkaSecurityEnv, readText: ReadText = (path) => readFileSync(path, 'utf8')): KafkaSecurity {
  const problems: string[] = [];
  const ssl = tlsOptions(env, readText, problems);
  const sasl = saslOptions(env, problems);
  if (problems.length > 0) throw new ConfigurationError(problems);
  return { ...(ssl && { ssl }), ...(sasl && { sasl }) };
}

function tlsOptions(env: KafkaSecurityEnv, readText: ReadText, problems: string[]): KafkaConfig['ssl'] {
  const enabled = flag(env, 'KAFKA_SSL', false, problems);
  const rejectUnauthorized = flag(env, 'KAFKA_SSL_REJECT_UNAUTHORIZED', true, problems);
  const { KAFKA_SSL_CA_FILE: caFile, KAFKA_SSL_CERT_FILE: certFile, KAFKA_SSL_KEY_FILE: keyFile } = env;
  if (!enabled) {
    const tlsOnly = (['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE', 'KAFKA_SSL_REJECT_UNAUTHORIZED'] as const).filter(
      (name) => env[name] !== undefined && env[name] !== '',
    );
    for (const name of tlsOnly) problems.push(`${name} is set but KAFKA_SSL is not true: set KAFKA_SSL=true to connect with TLS, or unset ${name}`);
    return undefined;
  }
  if (isSet(certFile) !== isSet(keyFile)) {
    problems.push(
      isSet(certFile)
        ? 'KAFKA_SSL_CERT_FILE is set without KAFKA_SSL_KEY_FILE: a client certificate needs its private key'
        : 'KAFKA_SSL_KEY_FILE is set without KAFKA_SSL_CERT_FILE: a private key needs its client certificate',
    );
  }
  const ca = isSet(caFile) ? pemFile('KAFKA_SSL_CA_FILE', caFile, 'CERTIFICATE', readText, problems) : undefined;
  const withClientCert = isSet(certFile) && isSet(keyFile);
  const cert = withClientCert ? pemFile('KAFKA_SSL_CERT_FILE', certFile, 'CERTIFICATE', readText, problems) : undefined;
  const key = withClientCert ? pemFile('KAFKA_SSL_KEY_FILE', keyFile, 'PRIVATE KEY', readText, problems) : undefined;
  return { rejectUnauthorized, ...(ca && { ca: [ca] }), ...(cert && key && { cert, key }) };
}

function saslOptions(env: KafkaSecurityEnv, problems: string[]): SASLOptions | undefined {
  const { KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password } = env;
  if (!isSet(mechanism)) {
    for (const name of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const) {
      if (isSet(env[name])) problems.push(`${name} is set but KAFKA_SASL_MECHANISM is not: set it to one of ${KAFKA_SASL_MECHANISMS.join(', ')}`);
    }
    return undefined;
  }
  if (!(KAFKA_SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
    problems.push(`KAFKA_SASL_MECHANISM must be one of ${KAFKA_SASL_MECHANISMS.join(', ')}`);
  }
  if (!isSet(username)) problems.push(`KAFKA_SASL_MECHANISM is ${mechanism} but KAFKA_SASL_USERNAME is not set`);
  if (!isSet(password)) problems.push(`KAFKA_SASL_MECHANISM is ${mechanism} but KAFKA_SASL_PASSWORD is not set`);
  if (problems.length > 0 || !isSet(username) || !isSet(password)) return undefined;
  return { mechanism: mechanism as SaslMechanismName, username, password };
}

function flag(env: KafkaSecurityEnv, name: 'KAFKA_SSL' | 'KAFKA_SSL_REJECT_UNAUTHORIZED', fallback: boolean, problems: string[]): boolean {
  const value = env[name];
  if (typeof value === 'boolean') return value;
  if (!isSet(value)) return fallback;
  if (value === 'true' || value === 'false') return value === 'true';
  problems.push(`${name} must be true or false`);
  return fallback;
}

function pemFile(name: string, path: string, label: 'CERTIFICATE' | 'PRIVATE KEY', readText: ReadText, problems: string[]): string | undefined {
  let text: string;
  try {
    text = readText(path);
  } catch (error) {
    problems.push(`${name} names ${path}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    return undefined;
  }
  // "BEGIN PRIVATE KEY", "BEGIN RSA PRIVATE KEY" and "BEGIN EC PRIVATE KEY" are all fine for Node's TLS.
  if (!new RegExp(`-----BEGIN [A-Z ]*${label}-----`).test(text)) {
    problems.push(`${name} names ${path}, which holds no PEM ${label.toLowerCase()} (-----BEGIN …${label}-----)`);
    return undefined;
  }
  return text;
}

function isSet(value: string | boolean | undefined): value is string {
  return typeof value === 'string' && value !== '';
}
