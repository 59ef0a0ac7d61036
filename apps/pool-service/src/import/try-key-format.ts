import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { tmpdir } from 'node:os';
import { type Caller, type Result, SERVICE_CONFIG, fail, succeed } from '@keypool/platform';
import type { PoolConfig } from '../config';
import { ReadPool } from '../pools/pools.handler';
import { KeyFormat, KeyFormatTrial, tryKeyFormat } from './key-format';
import { receiveUpload } from './receive-upload';
import { uploadFormOf, uploadedLines } from './upload-body';
import type { SpoolLimits } from './upload-spool';

/** A try reads a sample of a file: at most this many bytes (or IMPORT_MAX_BYTES if that is smaller). */
export const TRY_MAX_BYTES = 16 * 1024 * 1024;

/** Tries a key format (the one sent, or the pool's) against a file, importing nothing: counts and line numbers only, no value echoed. */
@Injectable()
export class TryKeyFormat {
  private readonly limits: SpoolLimits;

  constructor(
    private readonly pools: ReadPool,
    @Inject(SERVICE_CONFIG) config: PoolConfig,
  ) {
    this.limits = {
      maxBytes: Math.min(TRY_MAX_BYTES, config.IMPORT_MAX_BYTES),
      idleTimeoutMs: config.IMPORT_IDLE_TIMEOUT_MS,
      directory: config.IMPORT_SPOOL_DIR ?? tmpdir(),
    };
  }

  async try(caller: Caller, poolId: string, request: Request, pattern: string | undefined): Promise<Result<KeyFormatTrial, 'invalid' | 'not_found'>> {
    const pool = await this.pools.read(caller, poolId);
    if (!pool.ok) return pool;
    const tried = pattern ?? pool.value.keyPattern;
    if (tried === null) return fail('invalid', 'Send ?pattern= to try, or save a keyPattern on the pool first');
    const format = KeyFormat.compile(tried);
    if (!(format instanceof KeyFormat)) return fail('invalid', format.problem.replace(/^keyPattern/, 'pattern'));
    const form = uploadFormOf(request.headers);
    const upload = await receiveUpload(request, this.limits);
    try {
      return succeed(await tryKeyFormat(await uploadedLines(form, request.headers, upload.open()), format));
    } finally {
      await upload.dispose();
    }
  }
}
