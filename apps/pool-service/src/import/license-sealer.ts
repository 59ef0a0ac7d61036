import { availableParallelism } from 'node:os';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { OnModuleDestroy } from '@nestjs/common';
import type { SecretBox } from '@keypool/platform';
import { type AcceptedLine, BulkLicenseHasher, type SealedBatch, sealLicenses } from './license-copy-rows';

/** Hashes and seals an import's accepted lines a batch at a time (license-copy-rows' sealLicenses). */
export interface LicenseSealer {
  seal(lines: readonly AcceptedLine[]): Promise<SealedBatch>;
}

/** On the event loop, a batch at a time, with a turn for other requests (and the database's answers) after each. */
export class InlineLicenseSealer implements LicenseSealer {
  private readonly hasher: BulkLicenseHasher;

  constructor(
    private readonly cipher: SecretBox,
    hashKey: Buffer,
  ) {
    this.hasher = new BulkLicenseHasher(hashKey);
  }

  async seal(lines: readonly AcceptedLine[]): Promise<SealedBatch> {
    const batch = sealLicenses(lines, this.hasher, this.cipher);
    await new Promise((resolve) => setImmediate(resolve));
    return batch;
  }
}

/** What a sealing worker is started with: the encryption keys as configured (DATA_ENCRYPTION_KEYS) and the hash key. */
export interface SealerKeys {
  encryptionKeys: string;
  activeKeyId?: string;
  hashKey: Buffer;
}

/** A request to a worker: a batch's line numbers and values. */
export interface SealRequest {
  id: number;
  lines: number[];
  values: string[];
}

/** A worker's answer: the sealed batch (its buffers arrive as plain Uint8Arrays) or why it failed. */
export type SealReply = { id: number; batch: SealedBatch; error?: undefined } | { id: number; error: string };

interface Pending {
  resolve(batch: SealedBatch): void;
  reject(error: Error): void;
}

interface Sealing {
  worker: Worker;
  pending: Map<number, Pending>;
}

/**
 * Hashing and sealing on worker threads (node:worker_threads), so the event loop keeps reading
 * the upload and answering other requests while a batch is sealed, and a second core can seal
 * while the first parses. Workers start on first use, are shared by every import of the process,
 * take batches in turn, and do not keep the process alive. A worker that fails fails the batches
 * it held (and so their imports); the next batch starts a new one.
 */
export class WorkerLicenseSealer implements LicenseSealer, OnModuleDestroy {
  private readonly workers: (Sealing | undefined)[];
  private turn = 0;
  private requests = 0;

  constructor(
    private readonly keys: SealerKeys,
    count = Math.max(1, Math.min(2, availableParallelism() - 1)),
  ) {
    this.workers = new Array<Sealing | undefined>(count).fill(undefined);
  }

  seal(lines: readonly AcceptedLine[]): Promise<SealedBatch> {
    const at = this.turn;
    this.turn = (this.turn + 1) % this.workers.length;
    const sealing = (this.workers[at] ??= this.start(at));
    const id = ++this.requests;
    const request: SealRequest = { id, lines: lines.map((l) => l.line), values: lines.map((l) => l.value) };
    return new Promise<SealedBatch>((resolve, reject) => {
      sealing.pending.set(id, { resolve, reject });
      sealing.worker.postMessage(request);
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  /** Stops the workers (the batches they held fail). */
  async close(): Promise<void> {
    const workers = this.workers.splice(0, this.workers.length, ...this.workers.map(() => undefined));
    for (const sealing of workers) if (sealing) await sealing.worker.terminate();
  }

  private start(at: number): Sealing {
    const workerData: SealerKeys = this.keys;
    // Built (dist/…/license-seal-worker.js) it loads as it is; from source (.ts) through the same
    // compiler the service runs under, or @swc-node/register where nothing compiles TypeScript (jest).
    const file = join(__dirname, `license-seal-worker${extname(__filename)}`);
    const worker =
      extname(file) === '.ts'
        ? new Worker(`if (!require.extensions['.ts']) require('@swc-node/register');\nrequire(${JSON.stringify(file)});`, { eval: true, workerData })
        : new Worker(file, { workerData });
    worker.unref();
    const sealing: Sealing = { worker, pending: new Map() };
    const fail = (error: Error) => {
      if (this.workers[at] === sealing) this.workers[at] = undefined;
      for (const pending of sealing.pending.values()) pending.reject(error);
      sealing.pending.clear();
    };
    worker.on('message', (reply: SealReply) => {
      const pending = sealing.pending.get(reply.id);
      if (!pending) return;
      sealing.pending.delete(reply.id);
      if (reply.error !== undefined) pending.reject(new Error(`sealing failed: ${reply.error}`));
      else pending.resolve(asBuffers(reply.batch));
    });
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the sealing worker stopped (exit code ${code})`)));
    return sealing;
  }
}

/** Buffers sent between threads arrive as Uint8Arrays: the same bytes, seen as Buffers again. */
function asBuffers(batch: SealedBatch): SealedBatch {
  const buffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { lines: batch.lines, ids: buffer(batch.ids), hashes: buffer(batch.hashes), sealed: buffer(batch.sealed), sealedEnds: batch.sealedEnds };
}
