// The SendGrid-compatible sink: a plain node:http server so tests can start it
// in-process on port 0 and services can point @sendgrid/mail at it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultInjector, type FaultSpec } from './fault-injector';
import { sendJson } from './http-io';
import { handleMailSend } from './mail-send-handler';
import { DEFAULT_MAX_MESSAGES, MessageStore } from './message-store';
import { handleSinkRoute } from './sink-routes';

export interface SinkOptions {
  /** The only API key accepted in `Authorization: Bearer <key>`. */
  apiKey: string;
  /** Oldest messages are dropped beyond this many; default 10 000. */
  maxMessages?: number;
}

/** In-process equivalents of the /__control endpoints. */
export interface SinkControls {
  /** Next `count` (default 1) send requests answer `status`. */
  failNext(spec: FaultSpec): void;
  /** Number of send requests that will still fail. */
  pendingFaults(): number;
  /** Forget all messages and pending faults. */
  reset(): void;
}

export interface Sink {
  server: Server;
  store: MessageStore;
  controls: SinkControls;
}

export function createSinkServer(options: SinkOptions): Sink {
  if (options.apiKey === '') throw new RangeError('apiKey must not be empty');
  const store = new MessageStore(options.maxMessages ?? DEFAULT_MAX_MESSAGES);
  const faults = new FaultInjector();
  const controls: SinkControls = {
    failNext: (spec) => faults.schedule(spec),
    pendingFaults: () => faults.pendingCount,
    reset: () => {
      store.clear();
      faults.clear();
    },
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sink.local');
    const handled =
      req.method === 'POST' && url.pathname === '/v3/mail/send'
        ? handleMailSend(req, res, { apiKey: options.apiKey, store, faults })
        : handleSinkRoute(req, res, url, { store, faults, controls });
    handled.catch((error: unknown) => {
      // A bug in the sink must surface as a 500 the test can see, not a hang.
      if (!res.headersSent) sendJson(res, 500, { error: String(error) });
      else res.destroy();
    });
  });
  return { server, store, controls };
}

export interface RunningSink extends Sink {
  /** Base URL for `client.setDefaultRequest('baseUrl', url)`, e.g. http://127.0.0.1:41234 */
  url: string;
  close(): Promise<void>;
}

/** Creates the sink and listens; port 0 (the default) picks a free port. */
export async function startSinkServer(options: SinkOptions & { port?: number; host?: string }): Promise<RunningSink> {
  const sink = createSinkServer(options);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    sink.server.once('error', reject);
    sink.server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = sink.server.address() as AddressInfo;
  const close = (): Promise<void> =>
    new Promise((resolve, reject) => {
      sink.server.close((error) => (error ? reject(error) : resolve()));
      sink.server.closeAllConnections(); // keep-alive sockets would delay close
    });
  return { ...sink, url: `http://${host}:${port}`, close };
}
