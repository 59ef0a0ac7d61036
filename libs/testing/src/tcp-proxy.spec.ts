import { AddressInfo, Server, Socket, createConnection, createServer } from 'node:net';
import { TcpProxy } from './tcp-proxy';

describe('TcpProxy', () => {
  let echo: Server;
  let proxy: TcpProxy;

  beforeEach(async () => {
    echo = createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    proxy = await TcpProxy.start((echo.address() as AddressInfo).port);
  });
  afterEach(async () => {
    await proxy.close();
    await new Promise((resolve) => echo.close(resolve));
  });

  const connect = () =>
    new Promise<Socket>((resolve, reject) => {
      const socket = createConnection({ host: '127.0.0.1', port: proxy.port }, () => resolve(socket));
      socket.once('error', reject);
    });
  const roundTrip = (socket: Socket, text: string) =>
    new Promise<string>((resolve) => {
      socket.once('data', (data) => resolve(data.toString()));
      socket.write(text);
    });
  const closed = (socket: Socket) => new Promise<void>((resolve) => socket.once('close', () => resolve()));

  it('forwards both ways while up', async () => {
    const socket = await connect();
    expect(await roundTrip(socket, 'ping')).toBe('ping');
    socket.destroy();
  });

  it('cuts open connections and refuses new ones while down, and forwards again on the same port once up', async () => {
    const socket = await connect();
    const cut = closed(socket);
    await proxy.down();
    await cut;
    await expect(connect()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await proxy.up();
    const again = await connect();
    expect(await roundTrip(again, 'back')).toBe('back');
    again.destroy();
  });

  it('accepts and never answers while blackholed', async () => {
    await proxy.down('blackhole');
    const socket = await connect();
    const answer = roundTrip(socket, 'anyone?');
    const silence = new Promise((resolve) => setTimeout(() => resolve('silence'), 300));
    expect(await Promise.race([answer, silence])).toBe('silence');
    const cut = closed(socket);
    await proxy.up();
    await cut;
    expect(await roundTrip(await connect(), 'back')).toBe('back');
  });
});
