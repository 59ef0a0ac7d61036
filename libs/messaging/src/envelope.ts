import type { IHeaders } from 'kafkajs';
import { CLOUDEVENTS_CONTENT_TYPE } from '@keypool/contracts';
import { uuidv7 } from '@keypool/platform';

/** A CloudEvents 1.0 structured-mode envelope, as it travels on Kafka. */
export interface Envelope<D = Record<string, unknown>> {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  datacontenttype: 'application/json';
  dataschema?: string;
  subject?: string;
  resendof?: string;
  data: D;
}

export interface NewEnvelope<D> {
  type: string;
  source: string;
  data: D;
  subject?: string;
  dataschema?: string;
  resendof?: string;
  id?: string;
  time?: Date;
}

export function envelope<D>(event: NewEnvelope<D>): Envelope<D> {
  return {
    specversion: '1.0',
    // Time-ordered, so outbox and inbox keys grow at their right edge (see uuidv7).
    id: event.id ?? uuidv7(),
    source: event.source,
    type: event.type,
    time: (event.time ?? new Date()).toISOString(),
    datacontenttype: 'application/json',
    ...(event.dataschema ? { dataschema: event.dataschema } : {}),
    ...(event.subject ? { subject: event.subject } : {}),
    ...(event.resendof ? { resendof: event.resendof } : {}),
    data: event.data,
  };
}

export function cloudEventHeaders(): IHeaders {
  return { 'content-type': CLOUDEVENTS_CONTENT_TYPE };
}

/** An event bound for a topic, keyed by the aggregate it is about (per-key order holds). */
export interface OutgoingEvent<D = unknown> {
  topic: string;
  key: string;
  aggregateType: string;
  envelope: Envelope<D>;
}
