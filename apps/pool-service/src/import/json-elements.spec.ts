import { Readable } from 'node:stream';
import { uploadedLines } from './upload-body';
import type { UploadedLine } from './line-reader';

async function elementsOf(...chunks: string[]): Promise<UploadedLine[]> {
  const out: UploadedLine[] = [];
  for await (const line of await uploadedLines('json', {}, Readable.from(chunks.map((c) => Buffer.from(c))))) out.push(line);
  return out;
}

describe('JSON array elements as lines', () => {
  it('numbers string elements, unescaped, even when split across chunks', async () => {
    expect(await elementsOf('["AAAA-1", "BB', 'BB-\\u0032", "C\\"D"]')).toEqual([
      { number: 1, text: 'AAAA-1' },
      { number: 2, text: 'BBBB-2' },
      { number: 3, text: 'C"D' },
    ]);
  });

  it('calls every other element "not a string", nested ones included, and goes on', async () => {
    expect(await elementsOf('[1, true, null, {"k": ["x"]}, [[], "y"], -2.5e3, "OK"]')).toEqual([
      ...[1, 2, 3, 4, 5, 6].map((number) => ({ number, problem: 'not a string' })),
      { number: 7, text: 'OK' },
    ]);
  });

  it('refuses an over-long string element by its number without keeping it', async () => {
    const piece = 'x'.repeat(10_000);
    expect(await elementsOf('["A", "', piece, piece, '", "B"]')).toEqual([
      { number: 1, text: 'A' },
      { number: 2, problem: 'longer than 2,048 characters' },
      { number: 3, text: 'B' },
    ]);
  });

  it('yields nothing for an empty array', async () => {
    expect(await elementsOf(' [ ] ')).toEqual([]);
  });

  it.each([
    ['an object', '{"keys": ["A"]}', 'the body is not an array'],
    ['a cut-off array', '["A", ', 'Parser has expected a value'],
    ['text after the array', '["A"] ["B"]', 'Parser cannot parse input: unexpected characters'],
    ['too deep a nesting', `["A", ${'['.repeat(70)}`, 'element 2 nests arrays or objects more than 64 deep'],
  ])('refuses %s as a whole, saying why', async (_, body, reason) => {
    await expect(elementsOf(body)).rejects.toThrow(
      `The JSON body must be one array of strings, one license each; it could not be read: ${reason}. Nothing was stored`,
    );
  });
});
