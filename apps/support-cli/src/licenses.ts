import { readFile } from 'node:fs/promises';

/** A license value is at most 2,048 characters; a file much larger than that is not one value. */
const MAX_VALUE_FILE_BYTES = 64 * 1024;

export interface LicenseHistory {
  license: {
    licenseId: string;
    value: string;
    status: string;
    poolId: string;
    merchantId: string;
    productId: string | null;
    test: boolean;
  };
  history: ({ at: string; kind: string; orderId: string | null; lineId: string | null } & Record<string, unknown>)[];
  more: boolean;
}

/**
 * The value to look up, from a file or stdin (`-`), never argv: the command line shows in `ps`
 * and shell history. One value: surrounding whitespace and the final newline go, as at import.
 */
export async function readLicenseValue(file: string, stdin: () => Promise<Buffer>): Promise<string> {
  const bytes = file === '-' ? await stdin() : await readFile(file);
  if (bytes.length > MAX_VALUE_FILE_BYTES)
    throw new Error(`${file === '-' ? 'stdin' : file} holds more than ${MAX_VALUE_FILE_BYTES / 1024} KiB: one license value is expected`);
  const value = bytes.toString('utf8').trim();
  if (value === '') throw new Error(`${file === '-' ? 'stdin' : file} holds no value`);
  if (value.includes('\n')) throw new Error(`${file === '-' ? 'stdin' : file} holds several lines: put one license value in it`);
  return value;
}

/** Reads all of stdin, stopping past the bound so a wrong pipe does not fill memory. */
export async function readStdin(stream: NodeJS.ReadableStream = process.stdin): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    chunks.push(buffer);
    size += buffer.length;
    if (size > MAX_VALUE_FILE_BYTES) break;
  }
  return Buffer.concat(chunks);
}

/** The license on one line, then one line per entry, oldest first; the value stays masked as the service sent it. */
export function printLicenseHistory(answer: LicenseHistory, out: (line: string) => void): void {
  const l = answer.license;
  out(`license ${l.licenseId}  ${l.status}  ${l.value}  merchant ${l.merchantId}  pool ${l.poolId}  product ${l.productId ?? '-'}${l.test ? '  (test)' : ''}`);
  for (const entry of answer.history) {
    const { at, kind, orderId, lineId, ...detail } = entry;
    const line = orderId ? `  order ${orderId} line ${lineId}` : '';
    const rest = Object.entries(detail)
      .filter(([, value]) => value !== null && value !== undefined)
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(' ');
    out(`  ${at}  ${kind.padEnd(9)}${line}${rest ? `  ${rest}` : ''}`);
  }
  if (answer.more) out('  … more entries than the service lists; the oldest are shown');
}
