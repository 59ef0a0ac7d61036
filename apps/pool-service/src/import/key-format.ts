import { RE2JS } from 're2js';
import { judgeLicenseLine } from './license-line';
import type { UploadedLine } from './line-reader';

/** A key pattern is at most this long (the column's check says the same). */
export const MAX_KEY_PATTERN_LENGTH = 200;
/** The reason a line that does not match its pool's key format is rejected with. */
export const FORMAT_REASON = 'format';

/**
 * A pool's key format: an RE2 pattern that a license must match WHOLE (as if it were written
 * ^(?:pattern)$), after the line is trimmed. re2js runs in time linear in the line whatever the
 * pattern, so a pattern such as (a+)+$ cannot stall an import; RE2 has no backreferences or
 * lookaround, and a pattern using them is refused when it is saved.
 */
export class KeyFormat {
  private constructor(
    readonly pattern: string,
    private readonly compiled: RE2JS,
  ) {}

  /** The format, or a message saying why the pattern cannot be one. */
  static compile(pattern: string): KeyFormat | { problem: string } {
    if (pattern.length === 0) return { problem: 'keyPattern must not be empty; send null to remove the format' };
    if (pattern.length > MAX_KEY_PATTERN_LENGTH) return { problem: `keyPattern must be at most ${MAX_KEY_PATTERN_LENGTH} characters` };
    try {
      return new KeyFormat(pattern, RE2JS.compile(pattern));
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      return { problem: `keyPattern is not a pattern the key format accepts (RE2 syntax: no backreferences or lookaround): ${detail}` };
    }
  }

  matches(value: string): boolean {
    return this.compiled.matches(value);
  }
}

/**
 * The upload's lines with those licenses that do not match `format` turned into problems
 * (reason `format`), so the import reports them with their line number like any rejected line.
 * Blank and otherwise bad lines pass through unchanged for the import to judge.
 */
export async function* checkKeyFormat(lines: AsyncIterable<UploadedLine>, format: KeyFormat | undefined): AsyncGenerator<UploadedLine> {
  for await (const line of lines) {
    if (format && 'text' in line) {
      const verdict = judgeLicenseLine(line.text);
      if (verdict.kind === 'license' && !format.matches(verdict.value)) {
        yield { number: line.number, problem: FORMAT_REASON };
        continue;
      }
    }
    yield line;
  }
}

/** Lines listed by a try, at most. */
export const TRY_LIST_LIMIT = 100;

export interface KeyFormatTrial {
  pattern: string;
  /** Licenses that match the pattern. */
  matching: number;
  /** Licenses that do not: their count and the first TRY_LIST_LIMIT line numbers. */
  notMatching: { count: number; lines: number[] };
  blank: number;
  /** Lines that are not licenses whatever the pattern (control characters, too long, bad links, not UTF-8). */
  rejected: number;
}

/** Tries a format against an upload's lines; counts and line numbers only, never a value. */
export async function tryKeyFormat(lines: AsyncIterable<UploadedLine>, format: KeyFormat): Promise<KeyFormatTrial> {
  const trial: KeyFormatTrial = { pattern: format.pattern, matching: 0, notMatching: { count: 0, lines: [] }, blank: 0, rejected: 0 };
  for await (const line of lines) {
    if (!('text' in line)) {
      trial.rejected++;
      continue;
    }
    const verdict = judgeLicenseLine(line.text);
    if (verdict.kind === 'blank') trial.blank++;
    else if (verdict.kind === 'rejected') trial.rejected++;
    else if (format.matches(verdict.value)) trial.matching++;
    else {
      trial.notMatching.count++;
      if (trial.notMatching.lines.length < TRY_LIST_LIMIT) trial.notMatching.lines.push(line.number);
    }
  }
  return trial;
}

/** The format a pool's stored pattern describes (compiled when it was saved), or undefined for none. */
export function poolKeyFormat(pattern: string | null): KeyFormat | undefined {
  if (pattern === null) return undefined;
  const format = KeyFormat.compile(pattern);
  if (!(format instanceof KeyFormat)) throw new Error(`the pool's stored key pattern no longer compiles: ${format.problem}`);
  return format;
}
