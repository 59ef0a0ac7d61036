// Every data schema carries a versioned $id so a producer can put it into the
// CloudEvents `dataschema` attribute and a reader of the emitted JSON files can
// tell versions apart; the `type` attribute itself stays the bare event name.
export const SCHEMA_BASE_URL = 'https://keypool.dev/schemas';
export const JSON_SCHEMA_DRAFT = 'http://json-schema.org/draft-07/schema#';

export function schemaIdOf(name: string, version: number): string {
  return `${SCHEMA_BASE_URL}/${name}/v${version}.json`;
}

export function eventSchemaOptions(type: string, version: number, description: string) {
  return {
    $schema: JSON_SCHEMA_DRAFT,
    $id: schemaIdOf(type, version),
    title: `${type}.data v${version}`,
    description,
  };
}
