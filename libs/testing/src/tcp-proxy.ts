import { AddressInfo, Server, Socket, createConnection, createServer } from 'node:net';

/**
 * How a proxy that is down treats connections: `refuse` closes its listening port (new
 * connections get ECONNREFUSED, as from a stopped database); `blackhole` accepts them and never
 * answers (as from a network that drops packets: clients see only their own timeouts).
 */
export type ProxyFault = 'refuse' | 'blackhole';

/**
 * A TCP proxy on 127.0.0.1 for injecting faults between a client and a real server:
 *
 * ```ts
 * const proxy = await TcpProxy.start(5432);        // forwards 127.0.0.1:<proxy.port> → 127.0.0.1:5432
 * const url = `postgres://postgres@127.0.0.1:${proxy.port}/db`;
 * await proxy.down();                              // cuts every open connection, refuses new ones
 * await proxy.up();                                // forwards again on the same port
 * await proxy.close();
 * ```
 *
 * `down()` always destroys the connections in flight, so clients see a reset mid-conversation;
 * `up()` after a blackhole also cuts the connections it held silent.
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private fault?: ProxyFault;

  private constructor(
    private readonly server: Server,
    private readonly target: { host: string; port: number },
    /** The port clients connect to; it stays the same across down() and up(). */
    readonly port: number,
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
    const server = createServer();
    await listen(server, 0);
    return new TcpProxy(server, { host: targetHost, port: targetPort }, (server.address() as AddressInfo).port);
  }

  get isUp(): boolean {
    return this.fault === undefined;
  }

  /** Connections opened through the proxy and not closed yet. */
  get openConnections(): number {
    return this.sockets.size;
  }

  async down(fault: ProxyFault = 'refuse'): Promise<void> {
    if (this.fault) throw new Error(`the proxy is already down (${this.fault})`);
    this.fault = fault;
    const closed = fault === 'refuse' ? new Promise<void>((resolve) => this.server.close(() => resolve())) : Promise.resolve();
    this.cutAll();
    await closed;
  }

  async up(): Promise<void> {
    if (!this.fault) return;
    if (this.fault === 'refuse') await listen(this.server, this.port);
    else this.cutAll();
    this.fault = undefined;
  }

  async close(): Promise<void> {
    this.fault = this.fault ?? 'refuse';
    this.cutAll();
    if (this.server.listening) await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.track(client);
    if (this.fault === 'blackhole') {
      client.pause();
      return;
    }
    const upstream = createConnection(this.target);
    this.track(upstream);
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', cut).on('close', cut);
    upstream.on('error', cut).on('close', cut);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  private cutAll(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}
