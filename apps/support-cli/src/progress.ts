/** How far a long step is: `update` as it goes, `done` when it ends (clears the bar). */
export interface Progress {
  update(done: number): void;
  done(): void;
}

/** Starts the progress of one step of `total` units (messages read, records sent). */
export type ProgressFactory = (label: string, total: number) => Progress;

/** No bar: stderr is not a terminal (a pipe, a file, a CI log), so nothing is drawn. */
export const noProgress: ProgressFactory = () => ({ update: () => undefined, done: () => undefined });

export interface TtyLike {
  write(chunk: string): unknown;
  columns?: number;
}

export interface ProgressOptions {
  /** Nothing is drawn for a step that ends sooner (a quick command stays quiet). */
  afterMs?: number;
  /** Redraws at most this often. */
  everyMs?: number;
  now?: () => number;
}

const WIDTH = 30;

/**
 * A one-line bar redrawn in place with a carriage return, for a terminal's stderr only (the
 * caller decides: main.ts checks process.stderr.isTTY), so stdout stays exactly the output.
 */
export function ttyProgress(stream: TtyLike, options: ProgressOptions = {}): ProgressFactory {
  const afterMs = options.afterMs ?? 500;
  const everyMs = options.everyMs ?? 100;
  const now = options.now ?? Date.now;
  return (label, total) => {
    const started = now();
    let drawnAt: number | undefined;
    const draw = (done: number) => {
      const share = total > 0 ? Math.min(1, done / total) : 1;
      const filled = Math.round(share * WIDTH);
      const line = `${label} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${String(Math.floor(share * 100)).padStart(3)}% ${done}/${total}`;
      // A terminal of unknown width (0 under some pseudo-terminals) gets the whole line.
      stream.write(`\r${line.slice(0, stream.columns ? Math.max(20, stream.columns - 1) : undefined)}`);
      drawnAt = now();
    };
    return {
      update(done) {
        const at = now();
        if (at - started < afterMs) return;
        if (drawnAt === undefined || at - drawnAt >= everyMs || done >= total) draw(done);
      },
      done() {
        // A bar that was drawn is wiped, so the terminal keeps only the command's own lines.
        if (drawnAt !== undefined) stream.write('\r\x1b[2K');
        drawnAt = undefined;
      },
    };
  };
}
