import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeSiteHandler } from '../../src/drivers/fake/fake-site.js';
import { listenOnLoopback } from '../../src/internal/loopback-server.js';

export interface FixtureServer {
  readonly origin: string;
  /** Paths requested so far, in order (counted at the server). */
  readonly requests: string[];
  close(): Promise<void>;
}

/** Serve a site handler over real HTTP on 127.0.0.1 and an ephemeral port. */
export async function startFixtureServer(handler: FakeSiteHandler): Promise<FixtureServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '/');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
    Promise.resolve(handler({ method: 'GET', url: `http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`, headers }))
      .then((response) => {
        res.statusCode = response.status;
        for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
        res.end(response.body ?? '');
      })
      .catch(() => {
        res.statusCode = 500;
        res.end();
      });
  });
  server.keepAliveTimeout = 1000;
  return { ...(await listenOnLoopback(server)), requests };
}

/** A URL on 127.0.0.1 whose port nothing listens on (bound, then released). */
export async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/`;
}
