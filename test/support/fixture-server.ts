import { EventEmitter } from 'node:events';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeSiteHandler } from '../../src/drivers/fake/fake-site.js';
import { type Deferred, createDeferred } from '../../src/internal/deferred.js';
import { listenOnLoopback } from '../../src/internal/loopback-server.js';

export interface FixtureServer {
  readonly origin: string;
  /** Paths requested so far, in order (counted at the server). */
  readonly requests: string[];
  /** How many requests for exactly this path and query the server received. */
  count(pathAndQuery: string): number;
  /** Most requests the server was handling at the same time (since the last {@link resetMaxInFlight}). */
  readonly maxInFlight: number;
  resetMaxInFlight(): void;
  /** Resolves at the first request (already received or still to come) whose path and query pass `test`. */
  waitForRequest(test: (pathAndQuery: string) => boolean): Promise<string>;
  /**
   * Hold every request whose path and query pass `test` (it arrives, counts and stays in flight,
   * unanswered) until `release()`; then the held ones and later ones are answered as usual.
   */
  hold(test: (pathAndQuery: string) => boolean): { release(): void };
  close(): Promise<void>;
}

/** Serve a site handler over real HTTP on 127.0.0.1 and an ephemeral port. */
export async function startFixtureServer(handler: FakeSiteHandler): Promise<FixtureServer> {
  const requests: string[] = [];
  const counts = new Map<string, number>();
  const arrivals = new EventEmitter();
  arrivals.setMaxListeners(0);
  let inFlight = 0;
  let maxInFlight = 0;
  const holds = new Set<{ test: (path: string) => boolean; released: Deferred<void> }>();
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    requests.push(path);
    counts.set(path, (counts.get(path) ?? 0) + 1);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    arrivals.emit('request', path);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
    const held = [...holds].filter((h) => h.test(path)).map((h) => h.released.promise);
    Promise.all(held)
      .then(() => handler({ method: 'GET', url: `http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`, headers }))
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
  const waitForRequest = (test: (path: string) => boolean): Promise<string> => {
    const seen = requests.find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => {
      const onRequest = (path: string): void => {
        if (!test(path)) return;
        arrivals.off('request', onRequest);
        resolve(path);
      };
      arrivals.on('request', onRequest);
    });
  };
  return {
    ...(await listenOnLoopback(server)),
    requests,
    count: (path) => counts.get(path) ?? 0,
    get maxInFlight() {
      return maxInFlight;
    },
    resetMaxInFlight: () => {
      maxInFlight = inFlight;
    },
    waitForRequest,
    hold: (test) => {
      const entry = { test, released: createDeferred<void>() };
      holds.add(entry);
      return {
        release: () => {
          holds.delete(entry);
          entry.released.resolve();
        },
      };
    },
  };
}

/** A URL on 127.0.0.1 whose port nothing listens on (bound, then released). */
export async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/`;
}
