import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { DateTime, Id, Url } from './fields';
import { JSON_SCHEMA_DRAFT, schemaIdOf } from './schema-meta';

export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json';
export const DATA_CONTENT_TYPE = 'application/json';

// The CloudEvents JSON format treats a null attribute as an absent one, and
// some SDKs write nulls, so optional attributes accept both.
const OptionalAttribute = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));

const NonEmpty = (maxLength: number) => Type.String({ minLength: 1, maxLength });

export const CloudEventEnvelope = Type.Object(
  {
    specversion: Type.Literal('1.0'),
    id: Id,
    source: NonEmpty(1000),
    type: NonEmpty(200),
    time: OptionalAttribute(DateTime),
    datacontenttype: OptionalAttribute(NonEmpty(200)),
    dataschema: OptionalAttribute(Url),
    subject: OptionalAttribute(NonEmpty(1000)),
    resendof: OptionalAttribute(Id),
    // Every keypool event carries data; its shape is checked per `type`.
    data: Type.Unsafe<Record<string, unknown>>({ type: 'object' }),
  },
  {
    $schema: JSON_SCHEMA_DRAFT,
    $id: schemaIdOf('CloudEvent', 1),
    title: 'keypool CloudEvents 1.0 structured-mode envelope',
    description:
      'Kafka message value (content-type application/cloudevents+json). Extension attributes are allowed; data is validated by the schema of its type.',
  },
);
export type CloudEventEnvelope = Static<typeof CloudEventEnvelope>;

/** An envelope whose `data` has been validated against the schema of `type`. */
export type CloudEvent<T extends string, D> = Omit<CloudEventEnvelope, 'type' | 'data'> & {
  type: T;
  data: D;
};
