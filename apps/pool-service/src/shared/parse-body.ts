import { BadRequestException } from '@nestjs/common';
import Ajv from 'ajv';
import type { Static, TSchema } from '@sinclair/typebox';
import { formatSchemaErrors } from '@keypool/contracts';

const ajv = new Ajv({ allErrors: true, verbose: true, strict: false });

/** Validates a request body against its schema, or answers 400 naming each field to fix. */
export function bodyParser<S extends TSchema>(schema: S): (body: unknown) => Static<S> {
  const validate = ajv.compile(schema);
  return (body) => {
    if (validate(body ?? {})) return (body ?? {}) as Static<S>;
    throw new BadRequestException(formatSchemaErrors(validate.errors ?? [], 'body').join('; '));
  };
}
