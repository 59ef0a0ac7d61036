/** Whether path segments match a pattern, '*' matching any one segment. */
export function match(seg: string[], pattern: string[]): boolean {
  return seg.length === pattern.length && pattern.every((p, i) => p === '*' || p === seg[i]);
}

/** Only the named query parameters go on to a service, each bounded. */
export function forward(query: URLSearchParams, names: string[]): string {
  const out = new URLSearchParams();
  for (const name of names) {
    const value = query.get(name);
    if (value !== null && value !== '' && value.length <= 400) out.set(name, value);
  }
  const text = out.toString();
  return text ? `?${text}` : '';
}
