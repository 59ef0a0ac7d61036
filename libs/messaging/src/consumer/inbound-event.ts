import type { KafkaMessage } from 'kafkajs';
import type { CloudEvent, EventDataOf, EventType } from '@keypool/contracts';

/**
 * An envelope as received: the contract's CloudEvent, whose optional attributes (time,
 * datacontenttype, resendof, …) a producer may leave out.
 */
export type InboundEnvelope<D = Record<string, unknown>> = CloudEvent<string, D>;

/** A consumed event whose envelope and data passed the decoder's validation. */
export interface InboundEvent<D = Record<string, unknown>> {
  envelope: InboundEnvelope<D>;
  topic: string;
  partition: number;
  message: KafkaMessage;
}

/** A consumed contract event of type T: its `envelope.data` is `EventDataOf<T>`, no cast needed. */
export type InboundEventOf<T extends EventType> = InboundEvent<EventDataOf<T>>;

export type Decoded<D = Record<string, unknown>> = { ok: true; envelope: InboundEnvelope<D> } | { ok: false; reason: string };

/** Turns a Kafka message value into a validated envelope, or a reason a person can act on. */
export type EventDecoder<D = Record<string, unknown>> = (topic: string, value: Buffer | null) => Decoded<D>;
