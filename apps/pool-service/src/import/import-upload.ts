import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { tmpdir } from 'node:os';
import { type Caller, type Result, SERVICE_CONFIG, fail, succeed } from '@keypool/platform';
import type { PoolConfig } from '../config';
import { ReadPool } from '../pools/pools.handler';
import { ImportLicensesHandler } from './import-licenses.handler';
import { ImportMetrics } from './import-metrics';
import type { ImportReport } from './import-report';
import { checkKeyFormat, poolKeyFormat } from './key-format';
import { receiveUpload } from './receive-upload';
import { ServeAfterImport } from './serve-after-import';
import { uploadFormOf, uploadedLines } from './upload-body';
import type { SpoolLimits } from './upload-spool';

export interface ImportRequest {
  dryRun?: boolean;
  strict?: boolean;
  label?: string;
}

/**
 * Imports an upload into a pool the caller may use: the body is spooled whole first (a refused
 * upload answers 413, 408 or 400 from receiveUpload), its lines judged against the pool's key
 * format and stored in one transaction by ImportLicensesHandler; once stored, the pool's held
 * lines are served. A strict import with a rejected line stores nothing and is refused with its report.
 */
@Injectable()
export class ImportUpload {
  private readonly limits: SpoolLimits;

  constructor(
    private readonly pools: ReadPool,
    private readonly importer: ImportLicensesHandler,
    private readonly serve: ServeAfterImport,
    private readonly metrics: ImportMetrics,
    @Inject(SERVICE_CONFIG) config: PoolConfig,
  ) {
    this.limits = { maxBytes: config.IMPORT_MAX_BYTES, idleTimeoutMs: config.IMPORT_IDLE_TIMEOUT_MS, directory: config.IMPORT_SPOOL_DIR ?? tmpdir() };
  }

  async import(
    caller: Caller,
    poolId: string,
    request: Request,
    query: ImportRequest,
  ): Promise<Result<ImportReport, 'invalid' | 'not_found' | 'conflict' | 'unprocessable'>> {
    const label = uploadLabel(query.label);
    if (!label.ok) return label;
    const options = {
      dryRun: query.dryRun ?? false,
      strict: query.strict ?? false,
      label: label.value,
      importedBy: { kind: caller.kind, keyId: caller.keyId },
    };
    const found = await this.pools.read(caller, poolId);
    if (!found.ok) return found;
    const pool = found.value;
    if (pool.archived) return fail('conflict', 'This pool is archived; restore it before adding licenses');
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
        return fail('unprocessable', `${report.rejected.count} line(s) rejected; nothing was stored`, report);
      }
      return succeed(report);
    } finally {
      await upload.dispose();
    }
  }
}

/** An upload's optional label: 1–200 characters once trimmed, printable. */
export function uploadLabel(value: string | undefined): Result<string | undefined, 'invalid'> {
  if (value === undefined) return succeed(undefined);
  const label = value.trim();
  if (label.length === 0 || label.length > 200) return fail('invalid', 'query.label: must be 1 to 200 characters');
  if (/[\p{Cc}\p{Cf}]/u.test(label)) return fail('invalid', 'query.label: must not contain control or invisible characters');
  return succeed(label);
}
