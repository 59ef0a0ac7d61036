/** One line of an upload: its text, or why its bytes cannot be a license. */
export type UploadedLine = { number: number; text: string } | { number: number; problem: string };

/**
 * A 2,048-character line is at most 8 KiB in UTF-8; past this many bytes (or, for a JSON string
 * element, UTF-16 units) a line is refused unread, leaving room for whitespace around a license.
 */
export const MAX_RAW_LINE_LENGTH = 16 * 1024;
export const TOO_LONG = 'longer than 2,048 characters';
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Splits a byte stream into numbered lines (LF or CRLF) without ever holding more than one
 * line, so memory stays flat whatever the file size. A UTF-8 BOM is dropped; bytes that are
 * not UTF-8 make that line a problem, not the whole file.
 */
export async function* readLines(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<UploadedLine> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let parts: Buffer[] = [];
  let length = 0;
  let overflow = false;
  let number = 0;
  let first = true;

  const finish = (): UploadedLine => {
    number++;
    if (overflow) return { number, problem: TOO_LONG };
    let bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts, length);
    if (first && bytes.subarray(0, 3).equals(BOM)) bytes = bytes.subarray(3);
    if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
    first = false;
    try {
      return { number, text: decoder.decode(bytes) };
    } catch {
      return { number, problem: 'not valid UTF-8 text' };
    }
  };
  const append = (piece: Buffer) => {
    if (overflow) return;
    if (length + piece.length > MAX_RAW_LINE_LENGTH) {
      overflow = true;
      parts = [];
      return;
    }
    parts.push(piece);
    length += piece.length;
  };

  for await (const raw of chunks) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
    let start = 0;
    for (let end = chunk.indexOf(0x0a, start); end !== -1; end = chunk.indexOf(0x0a, start)) {
      append(chunk.subarray(start, end));
      yield finish();
      parts = [];
      length = 0;
      overflow = false;
      start = end + 1;
    }
    // Copied: the stream may reuse its buffer once we hand control back.
    if (start < chunk.length) append(Buffer.from(chunk.subarray(start)));
  }
  if (length > 0 || overflow) yield finish();
}
