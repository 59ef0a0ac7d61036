/** What happened to the system and when: the checker explains extra e-mails by it. */
export interface TimelineEntry {
  at: number;
  what: string;
  target: string;
  detail?: string;
}

export class Timeline {
  readonly entries: TimelineEntry[] = [];
  readonly startedAt = Date.now();

  note(what: string, target: string, detail?: string): void {
    const entry = { at: Date.now(), what, target, ...(detail ? { detail } : {}) };
    this.entries.push(entry);
    console.log(`[chaos] +${this.seconds(entry.at)}s ${what} ${target}${detail ? ` (${detail})` : ''}`);
  }

  /** Seconds since the run started, one decimal: the unit of every printed time. */
  seconds(at: number): string {
    return ((at - this.startedAt) / 1000).toFixed(1);
  }
}
