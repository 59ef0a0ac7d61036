import Mustache from 'mustache';
import { BoundedCache } from './bounded-cache';
import { parseEmailText } from './email-text-syntax';
import { textToHtml } from './html';
import type { TagLookup } from './order-view';
import type { SubstitutionTag } from './substitution-tags';

// Single braces, as merchants write them. Validation guarantees every brace in a text is a
// known tag, so no other mustache syntax (sections, partials, "&") can reach the parser.
const TAGS: Mustache.OpeningAndClosingTags = ['{', '}'];
const CACHE_LIMIT = 2_000;

type Piece = { literal: string } | { tag: SubstitutionTag };

/** A merchant text as a mustache template and as pieces, for the plain text part and the HTML part. */
interface CompiledPart {
  template: string;
  pieces: Piece[];
}

interface CompiledText {
  text: CompiledPart;
  html: CompiledPart;
}

/**
 * Renders merchant texts with mustache, after measuring them: the pieces (words and tags; the
 * syntax allows nothing else) tell the rendered size before anything is built, so a text that
 * would render to a gigabyte costs no more than `limit` characters to refuse. Values are data,
 * never parsed, so a license containing "{KEY}" stays as is. Each distinct text is parsed once;
 * the caches are keyed by the text itself and bounded, so edited texts age out.
 */
export class MerchantTextTemplates {
  private readonly compiled = new BoundedCache<CompiledText>(CACHE_LIMIT);
  private readonly writer = new Mustache.Writer();

  constructor() {
    // The writer's own cache is keyed by template + tags; the default one never forgets.
    Object.assign(this.writer, { templateCache: new BoundedCache<unknown>(CACHE_LIMIT * 2) });
  }

  /** The text with its tags filled, or null when it would exceed `limit` characters. */
  renderText(text: string, values: TagLookup, limit: number): string | null {
    return this.render(this.compile(text).text, values, limit);
  }

  /** The same as HTML: `values` must already be HTML. */
  renderHtml(text: string, values: TagLookup, limit: number): string | null {
    return this.render(this.compile(text).html, values, limit);
  }

  private render(part: CompiledPart, values: TagLookup, limit: number): string | null {
    const view = measuredView(part.pieces, values, limit);
    if (!view) return null;
    return this.writer.render(part.template, view, {}, { tags: TAGS, escape: (value: string) => value });
  }

  private compile(text: string): CompiledText {
    const cached = this.compiled.get(text);
    if (cached) return cached;
    const parsed = parseEmailText(text);
    if (parsed.problems.length > 0) {
      // Texts are validated when saved; reaching this means stored data bypassed validation.
      throw new Error(
        `email text is not valid: ${parsed.problems
          .slice(0, 5)
          .map((p) => `${p.line}:${p.column} ${p.message}`)
          .join('; ')}`,
      );
    }
    const compiled: CompiledText = { text: { template: '', pieces: [] }, html: { template: '', pieces: [] } };
    for (const segment of parsed.segments) {
      const html = segment.kind === 'tag' ? '' : textToHtml(segment.text);
      compiled.text.template += segment.kind === 'tag' ? `{${segment.name}}` : segment.text;
      compiled.html.template += segment.kind === 'tag' ? `{${segment.name}}` : html;
      compiled.text.pieces.push(segment.kind === 'tag' ? { tag: segment.name } : { literal: segment.text });
      compiled.html.pieces.push(segment.kind === 'tag' ? { tag: segment.name } : { literal: html });
    }
    this.writer.parse(compiled.text.template, TAGS);
    this.writer.parse(compiled.html.template, TAGS);
    this.compiled.set(text, compiled);
    return compiled;
  }
}

// Adds up what the rendered part will be, piece by piece, and stops at the first piece that
// would take it past the limit; within the limit, the view holds the value of each tag used.
function measuredView(pieces: Piece[], values: TagLookup, limit: number): Partial<Record<SubstitutionTag, string>> | null {
  const view: Partial<Record<SubstitutionTag, string>> = {};
  let length = 0;
  for (const piece of pieces) {
    const value = 'literal' in piece ? piece.literal : values(piece.tag);
    if (value === null) return null;
    length += value.length;
    if (length > limit) return null;
    if ('tag' in piece) view[piece.tag] = value;
  }
  return view;
}
