// Everything shown on the inbox page comes from request bodies, i.e. from
// whoever sent the e-mail; escape all five HTML-significant characters so the
// text is safe both as element content and inside quoted attributes (srcdoc).
const REPLACEMENTS: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => REPLACEMENTS[char] ?? char);
}
