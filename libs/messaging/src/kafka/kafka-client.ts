import { Kafka, logLevel, type ProducerConfig } from 'kafkajs';
import { ConfigurationError } from '@keypool/platform';
import { type KafkaSecurity, type KafkaSecurityEnv, kafkaSecurity } from './kafka-security';

/**
 * The settings of every keypool producer: idempotent and one request in flight, so a retried send
 * neither duplicates nor reorders a partition; never creating a topic (a typo in a TOPIC_* must
 * fail, not make a topic nobody reads). The services' relay, the support CLI's replay and the DLQ
 * redrive all send with these.
 */
export const PRODUCER_SETTINGS: Readonly<ProducerConfig> = Object.freeze({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });

export const DEFAULT_KAFKA_BROKERS = '127.0.0.1:9092';
const BROKERS_PATTERN = /^[^,\s]+:\d+(,[^,\s]+:\d+)*$/;
const BROKERS_MAX_LENGTH = 4096;

/** The process environment a Kafka client is configured from: KAFKA_BROKERS, the TLS and SASL settings. */
export interface KafkaClientEnv extends KafkaSecurityEnv {
  KAFKA_BROKERS?: string;
}

/** What to hand kafkajs to connect as a keypool process: brokers, client id, TLS and SASL. */
export interface KafkaConnection extends KafkaSecurity {
  brokers: string[];
  clientId: string;
}

/** KAFKA_BROKERS (host:port,host:port…; the services' schema checks the same form), default the dev broker. */
export function kafkaBrokers(raw: string | undefined): string[] {
  const value = (raw ?? '').trim() || DEFAULT_KAFKA_BROKERS;
  if (value.length > BROKERS_MAX_LENGTH) throw new ConfigurationError([`KAFKA_BROKERS is longer than ${BROKERS_MAX_LENGTH} characters`]);
  if (!BROKERS_PATTERN.test(value)) throw new ConfigurationError([`KAFKA_BROKERS must be host:port[,host:port…], got "${value}"`]);
  return value.split(',');
}

/** Brokers, client id and `kafkaSecurity()` from one environment, validated together. */
export function kafkaConnection(env: KafkaClientEnv, clientId: string): KafkaConnection {
  return { brokers: kafkaBrokers(env.KAFKA_BROKERS), clientId, ...kafkaSecurity(env) };
}

/**
 * A Kafka client for a tool run by a person (the support CLI, the console): connected as the
 * services are — the same KAFKA_BROKERS, KAFKA_SSL* and KAFKA_SASL_* settings — under the tool's
 * own client id. kafkajs' own log is off: it would add multi-line JSON to the tool's output; a
 * failure reaches the person through the tool's error handling.
 */
export function toolKafka(env: KafkaClientEnv, clientId: string): Kafka {
  return new Kafka({ ...kafkaConnection(env, clientId), logLevel: logLevel.NOTHING });
}
