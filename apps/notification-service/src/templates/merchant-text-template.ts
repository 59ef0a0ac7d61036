import Mustache from 'mustache';
import { BoundedCache } from './bounded-cache';
import { parseEmailText } from './email-text-syntax';
import { textToHtml } from './html';
import type { TagValues } from './order-view';

// Single braces, as merchants write them. Validation guarantees every brace in a text is
// a known tag, so no other mustache syntax (sections, partials, "&") can reach the parser.
const TAGS: Mustache.OpeningAndClosingTags = ['{', '}'];
const CACHE_LIMIT = 2_000;

/** A merchant text turned into two mustache templates: the plain text part and the HTML part. */
interface CompiledText {
  text: string;
  html: string;
}

/**
 * Renders merchant texts with mustache. Each distinct text is translated and parsed once;
 * both caches are keyed by the text itself and bounded, so edited texts age out.
 */
export class MerchantTextTemplates {
  private readonly compiled = new BoundedCache<CompiledText>(CACHE_LIMIT);
  private readonly writer = new Mustache.Writer();

  constructor() {
    // The writer's own cache is keyed by template + tags; the default one never forgets.
    Object.assign(this.writer, { templateCache: new BoundedCache<unknown>(CACHE_LIMIT * 2) });
  }

  renderText(text: string, values: TagValues): string {
    // Values are data: mustache never parses them, so a license containing "{KEY}" stays as is.
    return this.writer.render(this.compile(text).text, values, {}, { tags: TAGS, escape: (value: string) => value });
  }

  renderHtml(text: string, htmlValues: TagValues): string {
    return this.writer.render(this.compile(text).html, htmlValues, {}, { tags: TAGS, escape: (value: string) => value });
  }

  private compile(text: string): CompiledText {
    const cached = this.compiled.get(text);
    if (cached) return cached;
    const parsed = parseEmailText(text);
    if (parsed.problems.length > 0) {
      // Texts are validated when saved; reaching this means stored data bypassed validation.
      throw new Error(`email text is not valid: ${parsed.problems.map((p) => `${p.line}:${p.column} ${p.message}`).join('; ')}`);
    }
    const compiled: CompiledText = { text: '', html: '' };
    for (const segment of parsed.segments) {
      compiled.text += segment.kind === 'tag' ? `{${segment.name}}` : segment.text;
      compiled.html += segment.kind === 'tag' ? `{${segment.name}}` : textToHtml(segment.text);
    }
    this.writer.parse(compiled.text, TAGS);
    this.writer.parse(compiled.html, TAGS);
    this.compiled.set(text, compiled);
    return compiled;
  }
}
