import type { TSchema } from '@sinclair/typebox';
import { CloudEventEnvelope } from './cloudevent';
import { eventDataSchemas, eventTypes } from './registry';

export const ENVELOPE_SCHEMA_FILE = 'cloudevent.schema.json';

/** `OrderPaid` with $id …/OrderPaid/v1.json → `order-paid.v1.schema.json`. */
export function schemaFileNameOf(schema: TSchema): string {
  const match = /\/([A-Za-z]+)\/v(\d+)\.json$/.exec(schema.$id ?? '');
  if (!match) throw new Error(`schema ${schema.title ?? ''} has no versioned $id`);
  const kebab = match[1].replace(/(?<=[a-z0-9])([A-Z])/g, '-$1').toLowerCase();
  return `${kebab}.v${match[2]}.schema.json`;
}

/** The JSON Schema files under libs/contracts/schemas, rendered from the TypeBox definitions. */
export function renderSchemaFiles(): Record<string, string> {
  const files: Record<string, string> = { [ENVELOPE_SCHEMA_FILE]: render(CloudEventEnvelope) };
  for (const type of eventTypes) {
    const schema = eventDataSchemas[type];
    files[schemaFileNameOf(schema)] = render(schema);
  }
  return files;
}

// TypeBox keeps its own metadata under symbol keys, which JSON.stringify drops.
const render = (schema: TSchema) => `${JSON.stringify(schema, null, 2)}\n`;
