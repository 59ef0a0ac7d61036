import { BadRequestException, Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/api-key.guard';
import { readRevealAudit } from './reveal-audit';

/** GET /v1/audit/reveals for every service that keeps a reveal_audit table. */
@ApiTags('audit')
@Controller('audit/reveals')
export class RevealAuditController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  @ApiOperation({
    summary: 'The reveal audit log, newest first',
    description: "Support reads every entry (or one merchant's); a merchant key reads the entries about its own licenses, whoever revealed them.",
  })
  @ApiQuery({ name: 'merchantId', required: false, description: "support only: one merchant's entries" })
  @ApiQuery({ name: 'limit', required: false, description: '1–500, default 100' })
  @ApiQuery({ name: 'before', required: false, description: 'nextCursor of the previous page' })
  @ApiResponse({ status: 200, description: '{ items: [{id, at, keyId, callerKind, merchantId, subject, licenseIds, reason}], nextCursor }' })
  @ApiResponse({ status: 400, description: 'a bad limit or cursor, named in the message' })
  read(@CurrentCaller() caller: Caller, @Query('merchantId') merchantId?: string, @Query('limit') limit?: string, @Query('before') before?: string) {
    return readRevealAudit(this.dataSource.manager, caller, { ...auditPage(limit, before), ...(merchantId ? { merchantId } : {}) });
  }
}

function auditPage(limit: string | undefined, before: string | undefined): { limit: number; before?: string } {
  const size = limit === undefined ? 100 : Number(limit);
  if (!Number.isInteger(size) || size < 1 || size > 500) throw new BadRequestException('limit: must be a whole number from 1 to 500');
  if (before !== undefined && !/^\d{1,18}$/.test(before)) throw new BadRequestException('before: must be the nextCursor of the previous page');
  return { limit: size, ...(before !== undefined ? { before } : {}) };
}
