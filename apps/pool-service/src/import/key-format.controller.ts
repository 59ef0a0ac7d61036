import { BadRequestException, Controller, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiProperty, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { tmpdir } from 'node:os';
import { Caller, CurrentCaller, SERVICE_CONFIG, streamJsonBodiesOf } from '@keypool/platform';
import type { PoolConfig } from '../config';
import { PoolsHandler } from '../pools/pools.handler';
import { visiblePool } from '../pools/visible-pool';
import { KeyFormat, KeyFormatTrial, MAX_KEY_PATTERN_LENGTH, TRY_LIST_LIMIT, tryKeyFormat } from './key-format';
import { uploadFormOf, uploadedLines } from './upload-body';
import { receiveUpload } from './receive-upload';
import type { SpoolLimits } from './upload-spool';

/** A try reads a sample of a file: at most this many bytes (or IMPORT_MAX_BYTES if that is smaller). */
export const TRY_MAX_BYTES = 16 * 1024 * 1024;

streamJsonBodiesOf(/^\/v1\/pools\/[^/]+\/key-format\/try\/?$/);

class KeyFormatTrialView {
  @ApiProperty({ example: '[A-Z0-9]{5}(-[A-Z0-9]{5}){4}' }) pattern!: string;
  @ApiProperty({ description: 'licenses that match the pattern whole' }) matching!: number;
  @ApiProperty({ example: { count: 1, lines: [1] }, description: `licenses that do not; the first ${TRY_LIST_LIMIT} line numbers listed` })
  notMatching!: { count: number; lines: number[] };
  @ApiProperty() blank!: number;
  @ApiProperty({ description: 'lines that are no license whatever the pattern (control or invisible characters, too long, bad links, not UTF-8)' })
  rejected!: number;
}

@ApiTags('licenses')
@Controller('pools/:poolId/key-format')
export class KeyFormatController {
  private readonly limits: SpoolLimits;

  constructor(
    private readonly pools: PoolsHandler,
    @Inject(SERVICE_CONFIG) config: PoolConfig,
  ) {
    this.limits = {
      maxBytes: Math.min(TRY_MAX_BYTES, config.IMPORT_MAX_BYTES),
      idleTimeoutMs: config.IMPORT_IDLE_TIMEOUT_MS,
      directory: config.IMPORT_SPOOL_DIR ?? tmpdir(),
    };
  }

  @Post('try')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Try a key format against a file, importing nothing',
    description:
      'Reads the file as an import would (text/plain, multipart file, or JSON array of strings; at most 16 MiB) and answers how many licenses match the pattern whole and which lines do not. Counts and line numbers only: no value is echoed. The pool and its licenses are not changed; to import with the pattern, save it on the pool (PATCH keyPattern).',
  })
  @ApiConsumes('text/plain', 'multipart/form-data', 'application/json')
  @ApiBody({ schema: { type: 'string', description: 'the file, in any form the import accepts' } })
  @ApiQuery({
    name: 'pattern',
    required: false,
    description: `the RE2 pattern to try (at most ${MAX_KEY_PATTERN_LENGTH} characters); defaults to the pool keyPattern`,
  })
  @ApiOkResponse({ type: KeyFormatTrialView })
  @ApiResponse({ status: 400, description: 'no pattern (none sent, none on the pool), a pattern that is not RE2 or too long, or a body that cannot be read' })
  @ApiResponse({ status: 408, description: 'the upload sent nothing for IMPORT_IDLE_TIMEOUT_MS' })
  @ApiResponse({ status: 413, description: 'the body is over 16 MiB' })
  @ApiResponse({ status: 415, description: 'another content type' })
  async try(
    @CurrentCaller() caller: Caller,
    @Param('poolId') poolId: string,
    @Req() request: Request,
    @Query('pattern') pattern?: unknown,
  ): Promise<KeyFormatTrial> {
    if (pattern !== undefined && typeof pattern !== 'string') throw new BadRequestException('pattern must be given once');
    const pool = await visiblePool(this.pools, caller, poolId);
    const tried = pattern ?? pool.keyPattern;
    if (tried === null) throw new BadRequestException('Send ?pattern= to try, or save a keyPattern on the pool first');
    const format = KeyFormat.compile(tried);
    if (!(format instanceof KeyFormat)) throw new BadRequestException(format.problem.replace(/^keyPattern/, 'pattern'));
    const form = uploadFormOf(request.headers);
    const upload = await receiveUpload(request, this.limits);
    try {
      return await tryKeyFormat(await uploadedLines(form, request.headers, upload.open()), format);
    } finally {
      await upload.dispose();
    }
  }
}
