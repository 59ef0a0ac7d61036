import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'fs';
import { join } from 'path';
import { exampleEventData } from './examples';
import { renderSchemaFiles } from './schema-files';

const SCHEMA_DIR = join(__dirname, '..', 'schemas');
const UPDATE = process.env.UPDATE_SCHEMAS === '1';
const HOW_TO_FIX = 'run `UPDATE_SCHEMAS=1 npx jest libs/contracts` and commit libs/contracts/schemas';

const rendered = renderSchemaFiles();
const committed = () => readdirSync(SCHEMA_DIR).filter((name) => name.endsWith('.schema.json'));

// Outside UPDATE mode this spec never writes: CI must fail, not repair.
if (UPDATE) {
  for (const name of committed()) if (!(name in rendered)) unlinkSync(join(SCHEMA_DIR, name));
  for (const [name, text] of Object.entries(rendered)) writeFileSync(join(SCHEMA_DIR, name), text);
}

describe('committed JSON Schema files', () => {
  it.each(Object.keys(rendered))('%s matches the TypeBox definition', (name) => {
    const path = join(SCHEMA_DIR, name);
    if (!existsSync(path)) throw new Error(`libs/contracts/schemas/${name} is missing: ${HOW_TO_FIX}`);
    if (readFileSync(path, 'utf8') !== rendered[name]) {
      throw new Error(`libs/contracts/schemas/${name} differs from its TypeBox definition: ${HOW_TO_FIX}`);
    }
  });

  it('holds no schema of an event that no longer exists', () => {
    const stale = committed().filter((name) => !(name in rendered));
    if (stale.length > 0) throw new Error(`stale schema files ${stale.join(', ')}: ${HOW_TO_FIX}`);
  });

  it('work on their own for readers outside this codebase', () => {
    const ajv = new Ajv({ strict: true });
    addFormats(ajv);
    const files = committed().map((name) => JSON.parse(readFileSync(join(SCHEMA_DIR, name), 'utf8')));
    files.forEach((schema) => ajv.addSchema(schema));
    for (const [type, data] of Object.entries(exampleEventData)) {
      expect(ajv.validate(`https://keypool.dev/schemas/${type}/v1.json`, data)).toBe(true);
    }
  });
});
