import { Type, TObject, TProperties, Static, TUnsafe } from '@sinclair/typebox';

/** A string limited to a few values; plain `enum` gives one readable error, unlike a union. */
export function oneOf<T extends string>(values: readonly T[], options: { default?: T } = {}): TUnsafe<T> {
  return Type.Unsafe<T>({ type: 'string', enum: [...values], ...options });
}

/** The SASL mechanisms keypool's Kafka clients speak (kafkajs names). */
export const KAFKA_SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

/** Settings every keypool service reads; each service adds its own on top. */
export const commonEnv = {
  NODE_ENV: Type.Optional(oneOf(['development', 'test', 'production'])),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, description: '0 picks a free port (tests)' }),
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  KAFKA_BROKERS: Type.String({ pattern: '^[^,\\s]+:\\d+(,[^,\\s]+:\\d+)*$', default: '127.0.0.1:9092' }),
  KAFKA_CLIENT_ID: Type.Optional(Type.String({ minLength: 1 })),
  KAFKA_TOPIC_PARTITIONS: Type.Integer({ minimum: 1, maximum: 1000, default: 6 }),
  KAFKA_REPLICATION_FACTOR: Type.Integer({ minimum: 1, maximum: 7, default: 1 }),
  KAFKA_SSL: Type.Boolean({ default: false, description: 'connect to the brokers with TLS' }),
  KAFKA_SSL_CA_FILE: Type.Optional(
    Type.String({ minLength: 1, description: "PEM file of the CA that signed the brokers' certificates; the system CAs otherwise" }),
  ),
  KAFKA_SSL_CERT_FILE: Type.Optional(Type.String({ minLength: 1, description: 'PEM client certificate for mutual TLS (with KAFKA_SSL_KEY_FILE)' })),
  KAFKA_SSL_KEY_FILE: Type.Optional(Type.String({ minLength: 1, description: 'PEM private key of KAFKA_SSL_CERT_FILE' })),
  KAFKA_SSL_REJECT_UNAUTHORIZED: Type.Optional(Type.Boolean({ description: 'true unless set: false accepts any broker certificate' })),
  KAFKA_SASL_MECHANISM: Type.Optional(oneOf(KAFKA_SASL_MECHANISMS)),
  KAFKA_SASL_USERNAME: Type.Optional(Type.String({ minLength: 1 })),
  KAFKA_SASL_PASSWORD: Type.Optional(Type.String({ minLength: 1, description: 'secret: never logged' })),
  CONSUMER_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 50, default: 5 }),
  CONSUMER_RETRY_BASE_MS: Type.Integer({ minimum: 1, maximum: 60000, default: 200 }),
  CONSUMER_TRANSIENT_MAX_DELAY_MS: Type.Integer({ minimum: 100, maximum: 600000, default: 30000 }),
  KAFKA_STARTUP_WAIT_MS: Type.Integer({
    minimum: 0,
    maximum: 86400000,
    default: 600000,
    description: 'how long a service (re)started while the broker is away waits for it before exiting',
  }),
  OUTBOX_SWEEP_MS: Type.Integer({ minimum: 50, maximum: 600000, default: 1000 }),
  DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://', description: 'PostgreSQL URL of this service database' }),
  INBOX_RETENTION_DAYS: Type.Number({
    minimum: 7,
    maximum: 3650,
    default: 14,
    description: 'how long a consumed event id is remembered (de-duplicates redeliveries); at least KAFKA_TOPIC_RETENTION_DAYS',
  }),
  KAFKA_TOPIC_RETENTION_DAYS: Type.Number({
    minimum: 1,
    maximum: 3650,
    default: 7,
    description: 'the longest retention.ms of the topics this service consumes, in days: a group that lost its offsets re-reads that far back',
  }),
  OUTBOX_RETENTION_HOURS: Type.Number({
    minimum: 0,
    maximum: 8760,
    default: 1,
    description: 'how long a published outbox row is kept (parked rows are never pruned)',
  }),
  RETENTION_INTERVAL_MS: Type.Integer({ minimum: 1000, maximum: 86400000, default: 60000, description: 'pause between two retention runs' }),
  RETENTION_BATCH_SIZE: Type.Integer({ minimum: 10, maximum: 10000, default: 1000, description: 'rows one pruning statement deletes at most' }),
  RETENTION_BATCH_PAUSE_MS: Type.Integer({ minimum: 0, maximum: 60000, default: 50, description: 'pause between two pruning batches' }),
  DATABASE_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 200, default: 10 }),
  DATA_ENCRYPTION_KEYS: Type.String({
    pattern: '^[\\w-]{1,32}:[A-Za-z0-9+/=]{43,44}(,[\\w-]{1,32}:[A-Za-z0-9+/=]{43,44})*$',
    description: 'AES-256 keys for secrets at rest: <id>:<base64 of 32 bytes>, comma-separated',
  }),
  DATA_ENCRYPTION_ACTIVE_KEY: Type.Optional(Type.String({ pattern: '^[\\w-]{1,32}$' })),
  API_KEYS: Type.String({
    minLength: 1,
    description: 'comma-separated <key>=support, <key>=merchant:<merchantId> or <key>=checkout:<merchantId> (reads only order pages)',
  }),
};

export const commonEnvSchema = Type.Object(commonEnv);
export type CommonEnv = Static<typeof commonEnvSchema>;

export function serviceEnvSchema<P extends TProperties>(extra: P): TObject<typeof commonEnv & P> {
  return Type.Object({ ...commonEnv, ...extra });
}

/**
 * For services that keep the reveal log: it is the evidence of who saw which license values, so
 * it is kept two years by default and never less than one (PCI DSS keeps audit trails a year).
 */
export const revealAuditRetentionEnv = {
  REVEAL_AUDIT_RETENTION_DAYS: Type.Number({ minimum: 365, maximum: 36500, default: 730, description: 'how long reveal_audit rows are kept' }),
};
