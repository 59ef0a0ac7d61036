/** Line lists in a report stop here; the counts stay exact. */
export const REPORT_LIST_LIMIT = 1000;

export interface RejectedLine {
  line: number;
  reason: string;
}

export interface ImportReport {
  /** The upload's id (UUIDv7), to list, look up or recall it; null when nothing was stored (dry run, refused strict import). */
  uploadId: string | null;
  label: string | null;
  added: number;
  duplicates: { count: number; lines: number[] };
  blank: number;
  rejected: { count: number; lines: RejectedLine[] };
  dryRun: boolean;
  strict: boolean;
}

/** Collects an import's outcome with bounded lists, so a million-line file keeps a small report. */
export class ImportReportBuilder {
  private readonly report: ImportReport;

  constructor(options: { dryRun: boolean; strict: boolean; uploadId: string | null; label: string | null }) {
    this.report = { added: 0, duplicates: { count: 0, lines: [] }, blank: 0, rejected: { count: 0, lines: [] }, ...options };
  }

  blank(): void {
    this.report.blank++;
  }

  added(count: number): void {
    this.report.added += count;
  }

  duplicate(line: number): void {
    const { duplicates } = this.report;
    duplicates.count++;
    if (duplicates.lines.length < REPORT_LIST_LIMIT) duplicates.lines.push(line);
  }

  /** Duplicates found all at once: their count, and the first lines of them (at most REPORT_LIST_LIMIT listed). */
  duplicates(count: number, lines: readonly number[]): void {
    const { duplicates } = this.report;
    duplicates.count += count;
    for (const line of lines) if (duplicates.lines.length < REPORT_LIST_LIMIT) duplicates.lines.push(line);
  }

  rejected(line: number, reason: string): void {
    const { rejected } = this.report;
    rejected.count++;
    if (rejected.lines.length < REPORT_LIST_LIMIT) rejected.lines.push({ line, reason });
  }

  get hasRejections(): boolean {
    return this.report.rejected.count > 0;
  }

  /** Nothing was stored: the report names no upload. */
  discarded(): void {
    this.report.uploadId = null;
  }

  build(): ImportReport {
    const { duplicates, rejected } = this.report;
    return { ...this.report, duplicates: { ...duplicates, lines: [...duplicates.lines].sort((a, b) => a - b) }, rejected };
  }
}
