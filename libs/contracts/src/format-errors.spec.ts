import { Type, type TSchema } from '@sinclair/typebox';
import Ajv from 'ajv';
import { formatSchemaErrors } from './format-errors';
import { Nullable, StringEnum } from './fields';

const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });

function messagesFor(schema: TSchema, value: unknown, root = 'data'): string[] {
  const validate = ajv.compile(schema);
  return validate(value) ? [] : formatSchemaErrors(validate.errors ?? [], root);
}

describe('formatSchemaErrors', () => {
  it('lists the allowed values of an enum and echoes a short wrong token', () => {
    const schema = Type.Object({ level: StringEnum(['low', 'empty']) });
    expect(messagesFor(schema, { level: 'LOW' })).toEqual(['data.level: must be one of "low", "empty", got "LOW"']);
  });

  it('does not echo a long or free-text value even for an enum', () => {
    const schema = Type.Object({ level: StringEnum(['low', 'empty']) });
    expect(messagesFor(schema, { level: 'ann@example.com is low' })).toEqual(['data.level: must be one of "low", "empty", got a string']);
  });

  it('names the one allowed value of a const', () => {
    const schema = Type.Object({ specversion: Type.Literal('1.0') });
    expect(messagesFor(schema, { specversion: '0.3' }, '')).toEqual(['specversion: must be "1.0", got "0.3"']);
  });

  it('states both bounds of a number of the wrong type', () => {
    const schema = Type.Object({ ratio: Type.Number({ minimum: 0, maximum: 1 }) });
    expect(messagesFor(schema, { ratio: 'half' })).toEqual(['data.ratio: must be a number from 0 to 1, got a string']);
  });

  it('names the bound a number broke', () => {
    const schema = Type.Object({ ratio: Type.Number({ minimum: 0, maximum: 1 }) });
    expect(messagesFor(schema, { ratio: 2 })).toEqual(['data.ratio: must be at most 1, got 2']);
    expect(messagesFor(schema, { ratio: -1 })).toEqual(['data.ratio: must be a number >= 0, got -1']);
  });

  it('names the length limit a string broke', () => {
    const schema = Type.Object({ name: Type.String({ maxLength: 3 }) });
    expect(messagesFor(schema, { name: 'four' })).toEqual(['data.name: must be at most 3 characters, got 4']);
  });

  it('counts items beyond maxItems', () => {
    const schema = Type.Object({ ids: Type.Array(Type.String(), { maxItems: 1 }) });
    expect(messagesFor(schema, { ids: ['a', 'b'] })).toEqual(['data.ids: must contain at most 1 item, got 2']);
  });

  it('asks for a non-empty string when minLength is 1', () => {
    const schema = Type.Object({ id: Type.String({ minLength: 1 }) });
    expect(messagesFor(schema, { id: '' })).toEqual(['data.id: must not be empty']);
  });

  it('never echoes a string that breaks a pattern or length rule', () => {
    const schema = Type.Object({ key: Type.String({ maxLength: 4, pattern: '^[A-Z]+$' }) });
    const [message] = messagesFor(schema, { key: 'secret-license-key' });
    expect(message).not.toContain('secret');
  });

  it('writes keys that are not identifiers in brackets', () => {
    const schema = Type.Object({ 'a/b c': Type.Object({ n: Type.Integer() }) });
    expect(messagesFor(schema, { 'a/b c': { n: 'x' } })).toEqual(['data["a/b c"].n: must be an integer, got a string']);
  });

  it('finds the problem inside a nullable array of objects', () => {
    const schema = Type.Object({ lines: Nullable(Type.Array(Type.Object({ id: Type.String() }))) });
    expect(messagesFor(schema, { lines: [{ id: 'a' }, {}] })).toEqual(['data.lines[1].id: is required']);
  });

  it('names the validated value itself when it is the problem', () => {
    const validate = ajv.compile(Type.Object({}));
    validate('text');
    expect(formatSchemaErrors(validate.errors ?? [], '', 'envelope')).toEqual(['envelope: must be an object, got a string']);
  });

  it('stops after 20 messages and says how many more there are', () => {
    const schema = Type.Array(Type.Integer());
    const messages = messagesFor(
      schema,
      Array.from({ length: 25 }, () => 'x'),
    );
    expect(messages).toHaveLength(21);
    expect(messages[20]).toBe('…and 5 more problems');
  });
});
