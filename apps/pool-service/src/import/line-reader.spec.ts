import { Readable } from 'node:stream';
import { UploadedLine, readLines } from './line-reader';

async function linesOf(...chunks: (string | Buffer)[]): Promise<UploadedLine[]> {
  const out: UploadedLine[] = [];
  for await (const line of readLines(Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))))) out.push(line);
  return out;
}

describe('readLines', () => {
  it('numbers LF and CRLF lines and drops a leading UTF-8 BOM', async () => {
    expect(await linesOf('\ufeffA\r\nB\nC')).toEqual([
      { number: 1, text: 'A' },
      { number: 2, text: 'B' },
      { number: 3, text: 'C' },
    ]);
  });

  it('joins a line split across chunks, even inside a multi-byte character', async () => {
    const euro = Buffer.from('KEY-€-1\n');
    expect(await linesOf(euro.subarray(0, 5), euro.subarray(5))).toEqual([{ number: 1, text: 'KEY-€-1' }]);
  });

  it('marks bytes that are not UTF-8 as a problem of that line only', async () => {
    expect(await linesOf(Buffer.from([0x41, 0xff, 0x0a, 0x42]))).toEqual([
      { number: 1, problem: 'not valid UTF-8 text' },
      { number: 2, text: 'B' },
    ]);
  });

  it('refuses an endless line without buffering it', async () => {
    const huge = 'x'.repeat(40_000);
    expect(await linesOf(huge, huge, '\nok')).toEqual([
      { number: 1, problem: 'longer than 2,048 characters' },
      { number: 2, text: 'ok' },
    ]);
  });

  it('yields no line for an empty upload and no extra line after a final newline', async () => {
    expect(await linesOf('')).toEqual([]);
    expect(await linesOf('A\n')).toEqual([{ number: 1, text: 'A' }]);
  });
});
