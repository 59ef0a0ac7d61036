import type { KafkaMessage } from 'kafkajs';
import type { Envelope } from '../envelope';

/** A consumed event whose envelope and data passed the contract's validation. */
export interface InboundEvent<D = Record<string, unknown>> {
  envelope: Envelope<D>;
  topic: string;
  partition: number;
  message: KafkaMessage;
}

export type Decoded = { ok: true; envelope: Envelope } | { ok: false; reason: string };

/** Turns a Kafka message value into a validated envelope, or a reason a person can act on. */
export type EventDecoder = (topic: string, value: Buffer | null) => Decoded;
