import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local HTTP server started on 127.0.0.1, with the origin to reach it and a close that ends its connections. */
export interface LoopbackServer {
  readonly origin: string;
  close(): Promise<void>;
}

/** Listen on 127.0.0.1 (`port` 0 picks a free one) and resolve once listening. */
export async function listenOnLoopback(server: Server, port = 0): Promise<LoopbackServer> {
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
