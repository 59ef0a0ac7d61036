const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]);
}

/** Plain text as HTML: escaped, line breaks kept. */
export function textToHtml(text: string): string {
  return escapeHtml(text).replace(/\n/g, '<br>\n');
}

/** Only https links become anchors; anything else stays visible text, never a live link. */
export function isHttpsLink(value: string): boolean {
  if (!/^https:\/\/\S+$/i.test(value)) return false;
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}

export function linkOrText(value: string): string {
  return isHttpsLink(value) ? `<a href="${escapeHtml(value)}">${escapeHtml(value)}</a>` : textToHtml(value);
}
