import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform, pipeline as streamPipeline } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface SpoolLimits {
  /** Bytes of request body accepted; more is refused (`too-large`). */
  maxBytes: number;
  /** A body that sends nothing for this long is refused (`stalled`). */
  idleTimeoutMs: number;
  directory: string;
}

export type UploadRefusal = 'too-large' | 'stalled' | 'abandoned';

/** Why an upload was not received; nothing of it is kept. */
export class UploadRefused extends Error {
  constructor(
    readonly refusal: UploadRefusal,
    message: string,
  ) {
    super(message);
  }
}

/** A received upload, on local disk, sealed; read it as often as needed, then dispose of it. */
export interface SpooledUpload {
  bytes: number;
  open(): Readable;
  dispose(): Promise<void>;
}

/**
 * Receives a whole request body into a temporary file before the import touches the database,
 * so a slow client holds a socket and a file, never a pooled connection or the merchant's
 * import lock. License values are secrets, so the file is sealed (AES-256-GCM) with a key that
 * exists only in this process's memory for this one upload: a crash leaves unreadable bytes.
 */
export async function spoolUpload(body: Readable, declaredLength: number | undefined, limits: SpoolLimits): Promise<SpooledUpload> {
  if (declaredLength !== undefined && declaredLength > limits.maxBytes) throw tooLarge(limits.maxBytes);
  const path = join(limits.directory, `keypool-import-${randomUUID()}.sealed`);
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  let received = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      idle.refresh();
      done(received > limits.maxBytes ? tooLarge(limits.maxBytes) : null, chunk);
    },
  });
  const stop = (refusal: UploadRefused) => {
    // The request itself is left open, so the refusal can still be answered on it.
    body.unpipe(meter);
    meter.destroy(refusal);
  };
  const idle = setTimeout(
    () => stop(new UploadRefused('stalled', `The upload stalled: nothing arrived for ${seconds(limits.idleTimeoutMs)}. Nothing was stored; send it again`)),
    limits.idleTimeoutMs,
  );
  const abandoned = () => {
    if (!body.readableEnded) stop(new UploadRefused('abandoned', 'The upload was abandoned before its end. Nothing was stored'));
  };
  body.once('close', abandoned);
  body.once('error', abandoned);
  body.pipe(meter);
  try {
    await pipeline(meter, cipher, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  } finally {
    clearTimeout(idle);
    body.off('close', abandoned);
    body.off('error', abandoned);
  }
  const tag = cipher.getAuthTag();
  return {
    bytes: received,
    open: () => {
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAuthTag(tag);
      // pipeline, not pipe: a reader that stops early must close the file too.
      return streamPipeline(createReadStream(path), decipher, () => undefined);
    },
    dispose: () => rm(path, { force: true }),
  };
}

function tooLarge(maxBytes: number): UploadRefused {
  return new UploadRefused(
    'too-large',
    `The upload is over the limit of ${describeBytes(maxBytes)} for one import; split the file and send the parts one after the other. Nothing was stored`,
  );
}

export function describeBytes(bytes: number): string {
  const exact = bytes.toLocaleString('en');
  if (bytes >= 2 ** 20 && bytes % 2 ** 20 === 0) return `${(bytes / 2 ** 20).toLocaleString('en')} MiB (${exact} bytes)`;
  return `${exact} bytes`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toLocaleString('en')} s`;
}
