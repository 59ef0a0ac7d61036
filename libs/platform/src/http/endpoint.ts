import { BadRequestException, Body, Param, type PipeTransform, Query, applyDecorators } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiQuery, ApiResponse } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { type Static, type TObject, type TSchema, Type } from '@sinclair/typebox';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { formatSchemaErrors } from '@keypool/contracts';

/**
 * One HTTP edge: a request's schema is written once in TypeBox and both validates the request
 * (a 400 naming each field and what to fix) and documents it in OpenAPI.
 *
 * ```ts
 * // apps/notification-service/src/alert-contacts/: the schemas, then the controller method
 * const AlertContactsBody = Type.Object({ emails: Type.Array(Type.String()) });
 * const AlertContactsView = Type.Object({ merchantId: Type.String(), emails: Type.Array(Type.String()) });
 *
 * @Put()
 * @Endpoint({
 *   operationId: 'replaceAlertContacts',
 *   summary: 'Replace who gets PoolLow e-mails',
 *   body: AlertContactsBody,
 *   ok: { schema: AlertContactsView },
 *   errors: { 404: 'no such merchant', 422: 'which addresses are invalid' },
 * })
 * async put(@CurrentCaller() caller: Caller, @Param('merchantId') merchantId: string, @ValidBody(AlertContactsBody) body: Static<typeof AlertContactsBody>) {
 *   return unwrapResult(await this.contacts.replace(caller, merchantId, body.emails)); // a Result from the use case
 * }
 * ```
 *
 * `@ValidQuery(schema)` and `@ValidParams(schema)` validate the whole query or path object
 * (strings coerced to the schema's numbers and booleans); give the same schema as `query` /
 * `params` to `@Endpoint` to document each field. Use cases return `Result`s and controllers
 * hand them to `unwrapResult` (./domain-result.ts); merchant scope is `../auth/merchant-scope.ts`.
 */

/** The statuses an endpoint documents besides its success. */
export type ErrorStatus = 400 | 401 | 404 | 409 | 413 | 422;

export interface EndpointSpec {
  /** Unique in the service, camelCase: what generated clients call the method. */
  operationId: string;
  summary: string;
  description?: string;
  body?: TSchema;
  query?: TObject;
  params?: TObject;
  /** The success answer: status 200 unless given, its body's schema (none for a 204). */
  ok?: { status?: number; description?: string; schema?: TSchema };
  /** What each refusal means here. 401 is always documented, 400 whenever a schema is given. */
  errors?: Partial<Record<ErrorStatus, string>>;
}

/**
 * A string from a fixed list, as one JSON Schema `enum`: a 400 says `must be one of "live", "test"`
 * and OpenAPI lists the values (a TypeBox union of literals would report each branch apart).
 */
export function StringEnum<const T extends readonly string[]>(values: T, options: { description?: string; default?: T[number] } = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/** Every error body, as JsonErrorFilter writes it. */
export const HttpErrorBody = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  message: Type.String({ description: 'what is wrong and what to do about it' }),
  details: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'the same problems, structured (some 4xx only)' })),
});

const DEFAULT_400 = 'a field is missing, of the wrong type or out of bounds: the message names each one and says what to fix';
const DEFAULT_401 = 'no recognised API key: send Authorization: Bearer <key>';

/** Documents an operation: operation id, summary, request schemas, success and error responses. */
export function Endpoint(spec: EndpointSpec): MethodDecorator {
  const decorators: (MethodDecorator | ClassDecorator)[] = [
    ApiOperation({ operationId: spec.operationId, summary: spec.summary, ...(spec.description ? { description: spec.description } : {}) }),
  ];
  if (spec.body) decorators.push(ApiBody({ required: true, schema: openApiSchemaOf(spec.body) }));
  for (const [name, schema, required] of fieldsOf(spec.query)) {
    decorators.push(ApiQuery({ name, required, schema: openApiSchemaOf(schema), ...descriptionOf(schema) }));
  }
  for (const [name, schema] of fieldsOf(spec.params)) {
    decorators.push(ApiParam({ name, required: true, schema: openApiSchemaOf(schema), ...descriptionOf(schema) }));
  }
  const ok = spec.ok ?? {};
  decorators.push(
    ApiResponse({
      status: ok.status ?? 200,
      description: ok.description ?? (ok.status === 204 ? 'done; no body' : 'OK'),
      ...(ok.schema ? { schema: openApiSchemaOf(ok.schema) } : {}),
    }),
  );
  const validates = spec.body !== undefined || spec.query !== undefined || spec.params !== undefined;
  const errors: Partial<Record<ErrorStatus, string>> = { 401: DEFAULT_401, ...spec.errors };
  if (validates) errors[400] = spec.errors?.[400] ? `${DEFAULT_400}; ${spec.errors[400]}` : DEFAULT_400;
  for (const [status, description] of Object.entries(errors)) {
    decorators.push(ApiResponse({ status: Number(status), description, schema: openApiSchemaOf(HttpErrorBody) }));
  }
  return applyDecorators(...decorators);
}

/** The request body, validated against `schema`: the handler's parameter is `Static<typeof schema>`. */
export function ValidBody<S extends TSchema>(schema: S): ParameterDecorator {
  return Body(new SchemaPipe(requestValidator(schema, 'body')));
}

/** The whole query object, validated against `schema` (query strings coerced to its numbers and booleans). */
export function ValidQuery<S extends TObject>(schema: S): ParameterDecorator {
  return Query(new SchemaPipe(requestValidator(schema, 'query')));
}

/** The whole path parameter object, validated against `schema`. */
export function ValidParams<S extends TObject>(schema: S): ParameterDecorator {
  return Param(new SchemaPipe(requestValidator(schema, 'path')));
}

export type RequestPart = 'body' | 'query' | 'path';

const bodyAjv = withFormats(new Ajv({ allErrors: true, verbose: true, strict: false }));
// Query and path values arrive as strings; coercion makes "20" an integer where the schema says so.
const stringAjv = withFormats(new Ajv({ allErrors: true, verbose: true, strict: false, coerceTypes: true }));
const compiled = new Map<Ajv, WeakMap<TSchema, ValidateFunction>>([
  [bodyAjv, new WeakMap()],
  [stringAjv, new WeakMap()],
]);

/**
 * Checks one part of a request against its schema and returns it typed, or throws a 400 whose
 * message names each field under `part` (`body.emails[2]: must be at most 254 characters, got 300`).
 * An absent body is checked as `{}`, so the message names the required fields.
 */
export function requestValidator<S extends TSchema>(schema: S, part: RequestPart): (value: unknown) => Static<S> {
  const ajv = part === 'body' ? bodyAjv : stringAjv;
  const cache = compiled.get(ajv)!;
  const validate = cache.get(schema) ?? ajv.compile(schema);
  cache.set(schema, validate);
  return (value) => {
    // Coercion writes into the object: never into Express's own.
    const candidate = part === 'body' ? (value ?? {}) : Object.assign({}, value);
    if (validate(candidate)) return candidate;
    throw new BadRequestException({
      message: formatSchemaErrors(validate.errors ?? [], part).join('; '),
      details: { errors: formatSchemaErrors(validate.errors ?? [], part) },
    });
  };
}

class SchemaPipe implements PipeTransform {
  constructor(private readonly check: (value: unknown) => unknown) {}

  transform(value: unknown): unknown {
    return this.check(value);
  }
}

/**
 * A TypeBox (JSON Schema) schema as OpenAPI 3.0 reads it: `X or null` becomes `nullable`, `const`
 * becomes a one-value `enum`, `examples` its first `example`; keywords 3.0 lacks are dropped.
 */
export function openApiSchemaOf(schema: TSchema): SchemaObject {
  return convert(schema);
}

const DROPPED = new Set(['$id', '$schema', 'patternProperties', 'examples', 'const', 'anyOf', 'properties', 'items', 'additionalProperties', 'allOf', 'oneOf']);

function convert(node: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) if (!DROPPED.has(key)) out[key] = value;
  if ('const' in node) {
    out['enum'] = [node['const']];
    if (!out['type']) out['type'] = typeof node['const'];
  }
  if (Array.isArray(node['examples']) && node['examples'].length > 0) out['example'] = node['examples'][0];
  if (node['properties']) {
    out['properties'] = Object.fromEntries(Object.entries(node['properties'] as Record<string, Record<string, unknown>>).map(([k, v]) => [k, convert(v)]));
  }
  if (node['items'] && typeof node['items'] === 'object') out['items'] = convert(node['items'] as Record<string, unknown>);
  if (typeof node['additionalProperties'] === 'boolean') out['additionalProperties'] = node['additionalProperties'];
  else if (node['additionalProperties']) out['additionalProperties'] = convert(node['additionalProperties'] as Record<string, unknown>);
  for (const key of ['allOf', 'oneOf'] as const) {
    if (Array.isArray(node[key])) out[key] = (node[key] as Record<string, unknown>[]).map(convert);
  }
  if (Array.isArray(node['anyOf'])) {
    const branches = node['anyOf'] as Record<string, unknown>[];
    const others = branches.filter((b) => b['type'] !== 'null');
    const nullable = others.length < branches.length;
    if (others.length === 1) Object.assign(out, convert(others[0]), { ...out });
    else out['anyOf'] = others.map(convert);
    if (nullable) out['nullable'] = true;
  }
  return out;
}

function fieldsOf(schema: TObject | undefined): [string, TSchema, boolean][] {
  if (!schema) return [];
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties).map(([name, field]) => [name, field, required.has(name)]);
}

function descriptionOf(schema: TSchema): { description?: string } {
  return typeof schema.description === 'string' ? { description: schema.description } : {};
}

function withFormats(ajv: Ajv): Ajv {
  addFormats(ajv, ['date-time', 'email', 'uri']);
  return ajv;
}
