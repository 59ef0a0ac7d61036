import { Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiConsumes, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Static } from '@sinclair/typebox';
import type { Request } from 'express';
import { Caller, CurrentCaller, Endpoint, ValidQuery, streamJsonBodiesOf, unwrapResult } from '@keypool/platform';
import type { ImportReport } from './import-report';
import { ImportQuery, ImportReportSchema, UploadBody } from './import.schemas';
import { ImportUpload } from './import-upload';

// A JSON array of licenses may be as large as a text file: it is streamed, not parsed whole.
streamJsonBodiesOf(/^\/v1\/pools\/[^/]+\/licenses\/?$/);

@ApiTags('licenses')
@Controller('pools/:poolId/licenses')
export class ImportController {
  constructor(private readonly importing: ImportUpload) {}

  @Post()
  @HttpCode(200)
  @Endpoint({
    operationId: 'importLicenses',
    summary: 'Import licenses, one per line',
    description:
      'All accepted lines are stored, or none. Blank lines are skipped; duplicates (in the file or already in any of your pools, sold ones included; compared in NFKC form, letter case kept) are skipped and listed; bad lines (control or invisible characters, over 2,048 characters, links that are not https, or not matching the pool keyPattern whole: reason `format`) are rejected with their line number and reason. The body (at most IMPORT_MAX_BYTES, 256 MiB by default) is received whole before the import starts. Held lines of the pool are served right after.',
    body: UploadBody,
    query: ImportQuery,
    ok: { schema: ImportReportSchema },
    errors: {
      400: 'a label that is empty, over 200 characters or has control characters; malformed JSON or multipart body, or a JSON element nesting over 64 deep: the message says what could not be read; nothing stored',
      404: "unknown pool, or another merchant's pool",
      409: 'the pool is archived',
      413: 'the body is over IMPORT_MAX_BYTES (256 MiB): the message says the limit; nothing stored',
      422: 'strict import refused: the report (in details) says which lines to fix',
    },
  })
  @ApiConsumes('text/plain', 'multipart/form-data', 'application/json')
  @ApiResponse({ status: 408, description: 'the upload sent nothing for IMPORT_IDLE_TIMEOUT_MS (30 s): nothing stored' })
  @ApiResponse({ status: 415, description: 'another content type: the message lists the accepted ones' })
  async import(
    @CurrentCaller() caller: Caller,
    @Param('poolId') poolId: string,
    @Req() request: Request,
    @ValidQuery(ImportQuery) query: Static<typeof ImportQuery>,
  ): Promise<ImportReport> {
    return unwrapResult(await this.importing.import(caller, poolId, request, query));
  }
}
