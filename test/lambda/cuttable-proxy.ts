// A TCP pass-through to a local server whose connections a test can cut, as a network failure would: the tests of a
// change whose outcome is unknown (the connection lost while the server may still commit it).
import { AddressInfo, Socket, createServer } from 'net';

export interface CuttableProxy {
  /** The port to connect to instead of the server's. */
  readonly port: number;
  /** Cuts every open connection, both ways. */
  cut(): void;
  /** Cuts them and stops listening. */
  close(): void;
}

/** A pass-through to `port` on 127.0.0.1. */
export async function cuttableProxy(port: number): Promise<CuttableProxy> {
  const sockets = new Set<Socket>();
  const proxy = createServer(client => {
    const upstream = new Socket();
    upstream.connect(port, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => { sockets.delete(socket); client.destroy(); upstream.destroy(); });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>(resolve => proxy.listen(0, '127.0.0.1', resolve));
  const cut = () => { for (const socket of sockets) socket.destroy(); };
  return { port: (proxy.address() as AddressInfo).port, cut, close: () => { cut(); proxy.close(); } };
}
