import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { SpoolLimits, spoolUpload } from './upload-spool';

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('spoolUpload', () => {
  let directory: string;
  let limits: SpoolLimits;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'keypool-spool-test-'));
    limits = { maxBytes: 1024, idleTimeoutMs: 200, directory };
  });
  afterEach(() => rm(directory, { recursive: true, force: true }));

  it('gives the body back as sent, keeps it sealed on disk, and leaves nothing after dispose', async () => {
    const upload = await spoolUpload(Readable.from([Buffer.from('SECRET-KEY-0001\n'), Buffer.from('SECRET-KEY-0002\n')]), undefined, limits);
    expect(upload.bytes).toBe(32);
    const [file] = await readdir(directory);
    expect((await readFile(join(directory, file))).includes('SECRET-KEY')).toBe(false);
    expect(await readAll(upload.open())).toBe('SECRET-KEY-0001\nSECRET-KEY-0002\n');
    await upload.dispose();
    expect(await readdir(directory)).toEqual([]);
  });

  it('refuses a declared length over the limit before reading anything', async () => {
    const body = Readable.from([Buffer.from('x')]);
    await expect(spoolUpload(body, 1025, limits)).rejects.toMatchObject({ refusal: 'too-large', message: expect.stringContaining('1,024 bytes') });
    expect(body.readableFlowing).toBeNull();
  });

  it('refuses a body that grows over the limit and keeps no file', async () => {
    const body = Readable.from(Array.from({ length: 5 }, () => Buffer.alloc(300, 0x41)));
    await expect(spoolUpload(body, undefined, limits)).rejects.toMatchObject({ refusal: 'too-large' });
    expect(await readdir(directory)).toEqual([]);
  });

  it('refuses a body that stops sending and keeps no file', async () => {
    const body = new Readable({ read() {} });
    body.push('STALL-0001\n');
    await expect(spoolUpload(body, undefined, limits)).rejects.toMatchObject({ refusal: 'stalled', message: expect.stringContaining('0.2 s') });
    expect(await readdir(directory)).toEqual([]);
  });

  it('calls a body that breaks off abandoned and keeps no file', async () => {
    const body = new Readable({ read() {} });
    body.push('ABANDON-0001\n');
    setTimeout(() => body.destroy(new Error('socket hang up')), 20);
    await expect(spoolUpload(body, undefined, limits)).rejects.toMatchObject({ refusal: 'abandoned' });
    expect(await readdir(directory)).toEqual([]);
  });
});
