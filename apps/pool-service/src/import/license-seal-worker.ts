// A sealing worker of WorkerLicenseSealer: hashes and seals the batches it is sent, in order.
import { parentPort, workerData } from 'node:worker_threads';
import { SecretBox } from '@keypool/platform';
import { BulkLicenseHasher, sealLicenses } from './license-copy-rows';
import type { SealReply, SealRequest, SealerKeys } from './license-sealer';

const keys = workerData as SealerKeys;
const cipher = SecretBox.fromSpec(keys.encryptionKeys, keys.activeKeyId);
const hasher = new BulkLicenseHasher(Buffer.from(keys.hashKey));
const port = parentPort!;

port.on('message', (request: SealRequest) => {
  let reply: SealReply;
  try {
    reply = {
      id: request.id,
      batch: sealLicenses(
        request.values.map((value, i) => ({ line: request.lines[i], value })),
        hasher,
        cipher,
      ),
    };
  } catch (error) {
    // The reason only: a value never leaves in an error.
    reply = { id: request.id, error: error instanceof Error ? error.name : 'error' };
  }
  port.postMessage(reply);
});
