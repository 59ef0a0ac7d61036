import 'reflect-metadata';
import { Controller, HttpCode, type INestApplication, Module, Param, Post, Get } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { type Static, Type } from '@sinclair/typebox';
import request from 'supertest';
import { JsonErrorFilter } from './error.filter';
import { Endpoint, StringEnum, ValidBody, ValidQuery, openApiSchemaOf, requestValidator } from './endpoint';
import { fail, httpErrorOf, succeed, unwrapResult } from './domain-result';
import { actingMerchant, canSee, listedMerchant, outsideScope, visibleTo } from '../auth/merchant-scope';

const NoteBody = Type.Object({
  text: Type.String({ minLength: 1, maxLength: 10, description: 'the note' }),
  pinned: Type.Optional(Type.Boolean()),
  colour: Type.Optional(StringEnum(['red', 'blue'])),
  author: Type.Optional(Type.Union([Type.String({ maxLength: 20 }), Type.Null()], { description: 'null: anonymous' })),
});
const NoteQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, description: 'how many notes' })),
  tag: Type.Optional(Type.String({ maxLength: 8 })),
});
const NoteView = Type.Object({ id: Type.String(), text: Type.String() });

@Controller('merchants/:merchantId/notes')
class NotesController {
  @Post()
  @HttpCode(201)
  @Endpoint({
    operationId: 'createNote',
    summary: 'Add a note',
    body: NoteBody,
    ok: { status: 201, schema: NoteView },
    errors: { 404: 'no such merchant', 413: 'the body is over 1 kB', 422: 'the note is refused: the message says why' },
  })
  create(@Param('merchantId') merchantId: string, @ValidBody(NoteBody) body: Static<typeof NoteBody>): Static<typeof NoteView> {
    if (body.text === 'taken') throw httpErrorOf(fail('conflict', 'a note with this text exists'));
    return unwrapResult(merchantId === 'm_gone' ? fail('not_found', `merchant ${merchantId} not found`) : succeed({ id: 'n1', text: body.text }));
  }

  @Get()
  @Endpoint({ operationId: 'listNotes', summary: 'List notes', query: NoteQuery, ok: { schema: Type.Array(NoteView) } })
  list(@ValidQuery(NoteQuery) query: Static<typeof NoteQuery>): unknown {
    return { query, types: { limit: typeof query.limit } };
  }
}

@Module({ controllers: [NotesController] })
class NotesModule {}

describe('the HTTP edge', () => {
  let app: INestApplication;
  let document: OpenAPIObject;

  beforeAll(async () => {
    app = await NestFactory.create(NotesModule, { logger: false });
    app.useGlobalFilters(new JsonErrorFilter());
    await app.init();
    document = SwaggerModule.createDocument(app, new DocumentBuilder().build());
  });
  afterAll(async () => {
    await app?.close();
  });

  describe('validation', () => {
    it('answers 400 naming every field under body and what to fix, also as details.errors', async () => {
      const res = await request(app.getHttpServer())
        .post('/merchants/m_acme/notes')
        .send({ text: 'far too long a note', pinned: 'yes', colour: 'green' })
        .expect(400);
      expect(res.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message:
          'body.text: must be at most 10 characters, got 19; body.pinned: must be a boolean, got a string; body.colour: must be one of "red", "blue", got "green"',
        details: { errors: expect.any(Array) },
      });
      expect(res.body.details.errors).toHaveLength(3);
    });

    it('names a missing field, and checks an absent body as an empty object', async () => {
      const res = await request(app.getHttpServer()).post('/merchants/m_acme/notes').expect(400);
      expect(res.body.message).toBe('body.text: is required');
    });

    it('accepts null where the schema allows it and returns the typed body', async () => {
      const res = await request(app.getHttpServer()).post('/merchants/m_acme/notes').send({ text: 'hi', author: null }).expect(201);
      expect(res.body).toEqual({ id: 'n1', text: 'hi' });
    });

    it('coerces query strings to the schema types and bounds them', async () => {
      const ok = await request(app.getHttpServer()).get('/merchants/m_acme/notes?limit=20&tag=x').expect(200);
      expect(ok.body).toEqual({ query: { limit: 20, tag: 'x' }, types: { limit: 'number' } });
      const bad = await request(app.getHttpServer()).get('/merchants/m_acme/notes?limit=500&tag=a&tag=b').expect(400);
      expect(bad.body.message).toBe('query.limit: must be at most 50, got 500; query.tag: must be a string, got an array');
      const notNumber = await request(app.getHttpServer()).get('/merchants/m_acme/notes?limit=ten').expect(400);
      expect(notNumber.body.message).toBe('query.limit: must be an integer from 1 to 50, got a string');
    });

    it('leaves the request query object as Express parsed it', () => {
      const check = requestValidator(NoteQuery, 'query');
      const query = { limit: '5' };
      expect(check(query)).toEqual({ limit: 5 });
      expect(query).toEqual({ limit: '5' });
    });
  });

  describe('domain results', () => {
    it('map to 404, 409, 400, 413 and 422 with the message (and details) of the failure', async () => {
      const gone = await request(app.getHttpServer()).post('/merchants/m_gone/notes').send({ text: 'hi' }).expect(404);
      expect(gone.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'merchant m_gone not found' });
      const taken = await request(app.getHttpServer()).post('/merchants/m_acme/notes').send({ text: 'taken' }).expect(409);
      expect(taken.body.message).toBe('a note with this text exists');
      expect(httpErrorOf(fail('invalid', 'x')).getStatus()).toBe(400);
      expect(httpErrorOf(fail('too_large', 'x')).getStatus()).toBe(413);
      const refused = httpErrorOf(fail('unprocessable', 'bad tags', { errors: ['a'] }));
      expect(refused.getStatus()).toBe(422);
      expect(refused.getResponse()).toEqual({ message: 'bad tags', details: { errors: ['a'] } });
    });
  });

  describe('merchant scope', () => {
    const acme = { kind: 'merchant' as const, merchantId: 'm_acme' };
    const support = { kind: 'support' as const };

    it('lets support see every merchant and a merchant only its own', () => {
      expect(canSee(support, 'm_globex')).toBe(true);
      expect(canSee(acme, 'm_acme')).toBe(true);
      expect(canSee(acme, 'm_globex')).toBe(false);
      expect(outsideScope(acme, 'm_acme')).toBeUndefined();
      expect(outsideScope(acme, 'm_globex')).toEqual({ ok: false, error: 'not_found', message: 'merchant m_globex not found' });
    });

    it("answers another merchant's thing exactly like a missing one", () => {
      const theirs = { merchantId: 'm_globex', id: 'p1' };
      expect(visibleTo(acme, theirs, 'pool p1')).toEqual(visibleTo(acme, undefined, 'pool p1'));
      expect(visibleTo(acme, theirs, 'pool p1')).toEqual({ ok: false, error: 'not_found', message: 'pool p1 not found' });
      expect(visibleTo(support, theirs, 'pool p1')).toEqual({ ok: true, value: theirs });
    });

    it('acts for the merchant of the key, or the one support names', () => {
      expect(actingMerchant(acme, 'm_globex')).toEqual({ ok: true, value: 'm_acme' });
      expect(actingMerchant(support, 'm_globex')).toEqual({ ok: true, value: 'm_globex' });
      expect(actingMerchant(support, undefined)).toMatchObject({ ok: false, error: 'invalid' });
    });

    it("narrows a list to the key's merchant, or to the one support names, or none", () => {
      expect(listedMerchant(acme, 'm_globex')).toBe('m_acme');
      expect(listedMerchant(acme, undefined)).toBe('m_acme');
      expect(listedMerchant(support, 'm_globex')).toBe('m_globex');
      expect(listedMerchant(support, '')).toBeUndefined();
      expect(listedMerchant(support, null)).toBeUndefined();
    });
  });

  describe('OpenAPI', () => {
    it('documents each operation under its operation id with the body schema, success and error responses', () => {
      const create = document.paths['/merchants/{merchantId}/notes']?.post;
      expect(create?.operationId).toBe('createNote');
      expect(create?.summary).toBe('Add a note');
      expect(create?.requestBody).toMatchObject({
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['text'],
              properties: {
                text: { type: 'string', minLength: 1, maxLength: 10, description: 'the note' },
                pinned: { type: 'boolean' },
                colour: { type: 'string', enum: ['red', 'blue'] },
                author: { type: 'string', maxLength: 20, nullable: true, description: 'null: anonymous' },
              },
            },
          },
        },
      });
      expect(Object.keys(create?.responses ?? {}).sort()).toEqual(['201', '400', '401', '404', '413', '422']);
      expect(create?.responses['400']).toMatchObject({ description: expect.stringContaining('names each one') });
      expect(create?.responses['422']).toMatchObject({
        description: 'the note is refused: the message says why',
        content: { 'application/json': { schema: { properties: { message: { type: 'string' } } } } },
      });
      expect(create?.responses['201']).toMatchObject({ content: { 'application/json': { schema: { properties: { id: { type: 'string' } } } } } });
    });

    it('documents each query field with its bounds, and the path parameters', () => {
      const list = document.paths['/merchants/{merchantId}/notes']?.get;
      expect(list?.operationId).toBe('listNotes');
      const parameters = (list?.parameters ?? []) as { name: string; in: string; required?: boolean; schema?: object; description?: string }[];
      expect(parameters.find((p) => p.name === 'limit')).toMatchObject({
        in: 'query',
        required: false,
        description: 'how many notes',
        schema: { type: 'integer', minimum: 1, maximum: 50 },
      });
      expect(parameters.find((p) => p.name === 'tag')).toMatchObject({ in: 'query', required: false, schema: { type: 'string', maxLength: 8 } });
      expect(parameters.filter((p) => p.in === 'query')).toHaveLength(2);
      // A path parameter is documented once, from the handler's @Param('merchantId'); the validated query adds no parameter of its own.
      const create = (document.paths['/merchants/{merchantId}/notes']?.post?.parameters ?? []) as { name: string; in: string }[];
      expect(create.map((p) => `${p.in}:${p.name}`)).toEqual(['path:merchantId']);
      expect(Object.keys(list?.responses ?? {}).sort()).toEqual(['200', '400', '401']);
    });

    it('turns JSON Schema into OpenAPI 3.0: nullable for "or null", enum for const, no TypeBox ids', () => {
      expect(openApiSchemaOf(Type.Union([Type.Integer({ maximum: 5 }), Type.Null()]))).toEqual({ type: 'integer', maximum: 5, nullable: true });
      expect(openApiSchemaOf(Type.Literal('x'))).toEqual({ type: 'string', enum: ['x'] });
      expect(openApiSchemaOf(Type.Array(Type.String({ examples: ['a@b.example'] }), { $id: 'Emails' }))).toEqual({
        type: 'array',
        items: { type: 'string', example: 'a@b.example' },
      });
    });
  });
});
