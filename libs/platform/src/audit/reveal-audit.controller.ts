import { Controller, Get, Module } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { type Static, Type } from '@sinclair/typebox';
import { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/api-key.guard';
import { Endpoint, ValidQuery } from '../http/endpoint';
import { ReadRevealAudit, type RevealAuditPage } from './reveal-audit';

const RevealAuditQuery = Type.Object({
  merchantId: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "support only: one merchant's entries" })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100, description: '1–500, default 100' })),
  before: Type.Optional(Type.String({ pattern: '^\\d{1,18}$', description: 'nextCursor of the previous page' })),
});

const RevealEntrySchema = Type.Object({
  id: Type.String(),
  at: Type.String({ format: 'date-time' }),
  keyId: Type.String({ description: 'the id of the API key that revealed (never the key)' }),
  callerKind: Type.String({ description: 'merchant or support' }),
  merchantId: Type.String(),
  subject: Type.Object({}, { additionalProperties: true, description: 'what was revealed: a license of a pool, or an order line' }),
  licenseIds: Type.Array(Type.String()),
  reason: Type.String(),
});

const RevealAuditPageSchema = Type.Object({
  items: Type.Array(RevealEntrySchema),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'pass as before for the next (older) page; null on the last page' }),
});

/** GET /v1/audit/reveals for every service that keeps a reveal_audit table. */
@ApiTags('audit')
@Controller('audit/reveals')
export class RevealAuditController {
  constructor(private readonly audit: ReadRevealAudit) {}

  @Get()
  @Endpoint({
    operationId: 'listRevealAudit',
    summary: 'The reveal audit log, newest first',
    description: "Support reads every entry (or one merchant's); a merchant key reads the entries about its own licenses, whoever revealed them.",
    query: RevealAuditQuery,
    ok: { schema: RevealAuditPageSchema },
  })
  read(@CurrentCaller() caller: Caller, @ValidQuery(RevealAuditQuery) query: Static<typeof RevealAuditQuery>): Promise<RevealAuditPage> {
    return this.audit.read(caller, query);
  }
}

/** The reveal audit log over HTTP, for a service whose migrations create reveal_audit: import it in the app module. */
@Module({ controllers: [RevealAuditController], providers: [ReadRevealAudit] })
export class RevealAuditModule {}
