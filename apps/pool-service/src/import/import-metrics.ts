import { Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { Metrics } from '@keypool/platform';
import type { ImportReport } from './import-report';

/** Rows of committed imports by outcome; dry runs and refused strict imports store nothing and count nothing. */
@Injectable()
export class ImportMetrics {
  private readonly rows: Counter<string>;

  constructor(metrics: Metrics) {
    this.rows = metrics.counter('keypool_pool_import_rows_total', 'Rows of committed license imports, by outcome', ['outcome']);
  }

  record(report: ImportReport): void {
    this.rows.inc({ outcome: 'added' }, report.added);
    this.rows.inc({ outcome: 'duplicate' }, report.duplicates.count);
    this.rows.inc({ outcome: 'blank' }, report.blank);
    this.rows.inc({ outcome: 'rejected' }, report.rejected.count);
  }
}
