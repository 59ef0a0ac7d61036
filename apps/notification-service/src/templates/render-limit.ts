/**
 * The most characters the merchant's text may render to, in each part of an e-mail (plain
 * text and HTML); the platform frame around it (greeting, order details, signature) adds at
 * most a few kB.
 *
 * Why 1 MiB: {KEY} with the most licenses a line can have (10,000) of a typical 20–40
 * character key renders to about 0.3 MB of text and 0.6 MB of HTML, so a legitimate largest
 * order fits. Long download links do not: 10,000 links of 2,048 characters are 20 MB, which
 * no mailbox shows and SendGrid refuses (20 MB per message). Such a line fails as a permanent
 * e-mail failure naming this limit; its licenses stay saved on the order for support. Two parts
 * of 1 Mi characters stay below 6 MB in UTF-8, well inside SendGrid's limit, and bound what one
 * e-mail costs in memory.
 */
export const MAX_RENDERED_LENGTH = 1024 * 1024;

/**
 * Rendering an e-mail was refused because it would be larger than MAX_RENDERED_LENGTH. The
 * message says which part, the limit and what made it large, never a license value; it is
 * meant to be the reason of a permanent EmailFailed.
 */
export class EmailRenderRefused extends Error {
  override readonly name = 'EmailRenderRefused';
}

/**
 * Joins parts until the result would exceed `limit` characters; null then, and nothing more
 * is built. A line's license list is the one value that can be large.
 */
export function joinWithin(parts: Iterable<string>, separator: string, limit: number): string | null {
  const joined: string[] = [];
  let length = 0;
  for (const part of parts) {
    length += part.length + (joined.length > 0 ? separator.length : 0);
    if (length > limit) return null;
    joined.push(part);
  }
  return joined.join(separator);
}
