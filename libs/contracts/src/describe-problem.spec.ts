import type { ErrorObject } from 'ajv';
import { problemOf } from './describe-problem';

const unknownField = (name: string): ErrorObject => ({
  keyword: 'additionalProperties',
  instancePath: '',
  schemaPath: '#/additionalProperties',
  params: { additionalProperty: name },
  message: 'must NOT have additional properties',
});

describe('problemOf', () => {
  it('names an unknown field when its name is plain and short', () => {
    expect(problemOf(unknownField('showOnOrderpage'))).toBe('has no field "showOnOrderpage" (unknown fields are refused)');
  });

  it('does not echo a field name that could be anything (spaces, long, another script)', () => {
    for (const name of ['Ann Lee <ann@example.com>', 'x'.repeat(41), 'имя']) {
      expect(problemOf(unknownField(name))).toBe('has a field it does not define (unknown fields are refused)');
    }
  });
});
