import { BoundedCache } from './bounded-cache';
import { parseEmailText } from './email-text-syntax';
import { textToHtml } from './html';
import type { TagLookup } from './order-view';
import type { SubstitutionTag } from './substitution-tags';

const CACHE_LIMIT = 2_000;

type Piece = { literal: string } | { tag: SubstitutionTag };

/** A merchant text as pieces for the plain text part and for the HTML part (words already escaped). */
interface CompiledText {
  text: Piece[];
  html: Piece[];
}

/**
 * Fills merchant texts with tag values. A text is words and tags only (the syntax allows
 * nothing else), so filling it is concatenation; values are data, never read as tags, so a
 * license containing "{KEY}" stays as is. Each distinct text is parsed once; the cache is keyed
 * by the text itself and bounded, so edited texts age out.
 */
export class MerchantTextTemplates {
  private readonly compiled = new BoundedCache<CompiledText>(CACHE_LIMIT);

  /** The text with its tags filled, or null as soon as it would exceed `limit` characters. */
  renderText(text: string, values: TagLookup, limit: number): string | null {
    return fill(this.compile(text).text, values, limit);
  }

  /** The same as HTML: `values` must already be HTML. */
  renderHtml(text: string, values: TagLookup, limit: number): string | null {
    return fill(this.compile(text).html, values, limit);
  }

  private compile(text: string): CompiledText {
    const cached = this.compiled.get(text);
    if (cached) return cached;
    const parsed = parseEmailText(text);
    if (parsed.problems.length > 0) {
      // Texts are validated when saved; reaching this means stored data bypassed validation.
      throw new Error(`email text is not valid: ${parsed.problems.slice(0, 5).map((p) => `${p.line}:${p.column} ${p.message}`).join('; ')}`);
    }
    const compiled: CompiledText = { text: [], html: [] };
    for (const segment of parsed.segments) {
      compiled.text.push(segment.kind === 'tag' ? { tag: segment.name } : { literal: segment.text });
      compiled.html.push(segment.kind === 'tag' ? { tag: segment.name } : { literal: textToHtml(segment.text) });
    }
    this.compiled.set(text, compiled);
    return compiled;
  }
}

// Stops at the first piece that would take the result past the limit: a text that would
// render to a gigabyte costs no more than `limit` characters to refuse.
function fill(pieces: Piece[], values: TagLookup, limit: number): string | null {
  const filled: string[] = [];
  let length = 0;
  for (const piece of pieces) {
    const value = 'literal' in piece ? piece.literal : values(piece.tag);
    if (value === null) return null;
    length += value.length;
    if (length > limit) return null;
    filled.push(value);
  }
  return filled.join('');
}
