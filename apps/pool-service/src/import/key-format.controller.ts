import { Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiConsumes, ApiResponse, ApiTags } from '@nestjs/swagger';
import { type Static, Type } from '@sinclair/typebox';
import type { Request } from 'express';
import { Caller, CurrentCaller, Endpoint, ValidQuery, streamJsonBodiesOf, unwrapResult } from '@keypool/platform';
import type { KeyFormatTrial } from './key-format';
import { KeyFormatTrialSchema, KeyFormatTryQuery } from './import.schemas';
import { TryKeyFormat } from './try-key-format';

streamJsonBodiesOf(/^\/v1\/pools\/[^/]+\/key-format\/try\/?$/);

@ApiTags('licenses')
@Controller('pools/:poolId/key-format')
export class KeyFormatController {
  constructor(private readonly trying: TryKeyFormat) {}

  @Post('try')
  @HttpCode(200)
  @Endpoint({
    operationId: 'tryKeyFormat',
    summary: 'Try a key format against a file, importing nothing',
    description:
      'Reads the file as an import would (text/plain, multipart file, or JSON array of strings; at most 16 MiB) and answers how many licenses match the pattern whole and which lines do not. Counts and line numbers only: no value is echoed. The pool and its licenses are not changed; to import with the pattern, save it on the pool (PATCH keyPattern).',
    body: Type.String({ description: 'the file, in any form the import accepts' }),
    query: KeyFormatTryQuery,
    ok: { schema: KeyFormatTrialSchema },
    errors: {
      400: 'no pattern (none sent, none on the pool), a pattern that is not RE2, or a body that cannot be read',
      404: "unknown pool, or another merchant's pool",
      413: 'the body is over 16 MiB',
    },
  })
  @ApiConsumes('text/plain', 'multipart/form-data', 'application/json')
  @ApiResponse({ status: 408, description: 'the upload sent nothing for IMPORT_IDLE_TIMEOUT_MS' })
  @ApiResponse({ status: 415, description: 'another content type' })
  async try(
    @CurrentCaller() caller: Caller,
    @Param('poolId') poolId: string,
    @Req() request: Request,
    @ValidQuery(KeyFormatTryQuery) query: Static<typeof KeyFormatTryQuery>,
  ): Promise<KeyFormatTrial> {
    return unwrapResult(await this.trying.try(caller, poolId, request, query.pattern));
  }
}
