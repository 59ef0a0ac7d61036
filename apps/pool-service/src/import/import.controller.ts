import { BadRequestException, ConflictException, Controller, HttpCode, Inject, Param, Post, Query, Req, UnprocessableEntityException } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiProperty, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { tmpdir } from 'node:os';
import { Caller, CurrentCaller, SERVICE_CONFIG, streamJsonBodiesOf } from '@keypool/platform';
import type { PoolConfig } from '../config';
import { PoolsHandler } from '../pools/pools.handler';
import { visiblePool } from '../pools/visible-pool';
import { flag } from '../shared/query-params';
import { ImportLicensesHandler } from './import-licenses.handler';
import type { ImportReport } from './import-report';
import { ImportMetrics } from './import-metrics';
import { uploadFormOf, uploadedLines } from './upload-body';
import { checkKeyFormat, poolKeyFormat } from './key-format';
import { ServeAfterImport } from './serve-after-import';
import { receiveUpload } from './receive-upload';
import type { SpoolLimits } from './upload-spool';

// A JSON array of licenses may be as large as a text file: it is streamed, not parsed whole.
streamJsonBodiesOf(/^\/v1\/pools\/[^/]+\/licenses\/?$/);

class ImportReportView {
  @ApiProperty({ nullable: true, format: 'uuid', description: 'the upload (GET /v1/uploads/{uploadId}, recall); null when nothing was stored' }) uploadId!:
    string | null;
  @ApiProperty({ nullable: true, description: 'the label sent with ?label=' }) label!: string | null;
  @ApiProperty({ description: 'licenses stored (in a dry run: that would be stored)' }) added!: number;
  @ApiProperty({ example: { count: 1, lines: [7] }, description: 'lines already in the file or known to the merchant; the first 1,000 listed' })
  duplicates!: { count: number; lines: number[] };
  @ApiProperty() blank!: number;
  @ApiProperty({ example: { count: 1, lines: [{ line: 3, reason: 'links must use https://, not http://' }] } })
  rejected!: { count: number; lines: { line: number; reason: string }[] };
  @ApiProperty() dryRun!: boolean;
  @ApiProperty() strict!: boolean;
}

@ApiTags('licenses')
@Controller('pools/:poolId/licenses')
export class ImportController {
  private readonly limits: SpoolLimits;

  constructor(
    private readonly pools: PoolsHandler,
    private readonly importer: ImportLicensesHandler,
    private readonly serve: ServeAfterImport,
    private readonly metrics: ImportMetrics,
    @Inject(SERVICE_CONFIG) config: PoolConfig,
  ) {
    this.limits = { maxBytes: config.IMPORT_MAX_BYTES, idleTimeoutMs: config.IMPORT_IDLE_TIMEOUT_MS, directory: config.IMPORT_SPOOL_DIR ?? tmpdir() };
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Import licenses, one per line',
    description:
      'All accepted lines are stored, or none. Blank lines are skipped; duplicates (in the file or already in any of your pools, sold ones included; compared in NFKC form, letter case kept) are skipped and listed; bad lines (control or invisible characters, over 2,048 characters, links that are not https, or not matching the pool keyPattern whole: reason `format`) are rejected with their line number and reason. The body (at most IMPORT_MAX_BYTES, 256 MiB by default) is received whole before the import starts. Held lines of the pool are served right after.',
  })
  @ApiConsumes('text/plain', 'multipart/form-data', 'application/json')
  @ApiBody({
    schema: {
      oneOf: [
        { type: 'string', description: 'text/plain: the .txt file itself' },
        { type: 'object', properties: { file: { type: 'string', format: 'binary' } } },
        { type: 'array', items: { type: 'string' }, description: 'application/json: an array of strings (read token by token, never whole)' },
      ],
    },
  })
  @ApiQuery({ name: 'dryRun', required: false, type: Boolean, description: 'report only, store nothing' })
  @ApiQuery({ name: 'label', required: false, description: 'a name for this upload, kept with its report: 1–200 characters, no control characters' })
  @ApiQuery({ name: 'strict', required: false, type: Boolean, description: 'store nothing (422 with the report) if any line is rejected' })
  @ApiOkResponse({ type: ImportReportView })
  @ApiResponse({
    status: 400,
    description: 'malformed JSON or multipart body, or a JSON element nesting over 64 deep: the message says what could not be read; nothing stored',
  })
  @ApiResponse({ status: 408, description: 'the upload sent nothing for IMPORT_IDLE_TIMEOUT_MS (30 s): nothing stored' })
  @ApiResponse({ status: 409, description: 'the pool is archived' })
  @ApiResponse({ status: 413, description: 'the body is over IMPORT_MAX_BYTES (256 MiB): the message says the limit; nothing stored' })
  @ApiResponse({ status: 415, description: 'another content type: the message lists the accepted ones' })
  @ApiResponse({ status: 422, description: 'strict import refused: the report says which lines to fix' })
  async import(
    @CurrentCaller() caller: Caller,
    @Param('poolId') poolId: string,
    @Req() request: Request,
    @Query('dryRun') dryRun?: string,
    @Query('strict') strict?: string,
    @Query('label') label?: unknown,
  ): Promise<ImportReport> {
    const options = { dryRun: flag(dryRun, 'dryRun'), strict: flag(strict, 'strict'), label: uploadLabel(label) };
    const pool = await visiblePool(this.pools, caller, poolId);
    if (pool.archived) throw new ConflictException('This pool is archived; restore it before adding licenses');
    const form = uploadFormOf(request.headers);
    const upload = await receiveUpload(request, this.limits);
    try {
      const lines = checkKeyFormat(await uploadedLines(form, request.headers, upload.open()), poolKeyFormat(pool.keyPattern));
      const { report, committed } = await this.importer.import({ poolId, merchantId: pool.merchantId }, lines, options);
      if (committed) {
        this.metrics.record(report);
        await this.serve.serve(poolId);
      }
      if (options.strict && report.rejected.count > 0) {
        throw new UnprocessableEntityException({ message: `${report.rejected.count} line(s) rejected; nothing was stored`, details: report });
      }
      return report;
    } finally {
      await upload.dispose();
    }
  }
}

/** An upload's optional label: one query parameter, 1–200 characters, printable. */
export function uploadLabel(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new BadRequestException('label must be given once');
  const label = value.trim();
  if (label.length === 0 || label.length > 200) throw new BadRequestException('label must be 1 to 200 characters');
  if (/[\p{Cc}\p{Cf}]/u.test(label)) throw new BadRequestException('label must not contain control or invisible characters');
  return label;
}
