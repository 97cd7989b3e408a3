/**
 * The opt-in HTTP endpoint of a job's metrics (`--metrics-port`), bound to 127.0.0.1: `/metrics`
 * (Prometheus), the status page `/status` and its data `/status.json`. The registry and the
 * status board it serves are built apart ({@link createMetrics}); this file only serves them.
 */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../errors.js';
import { guardConnections } from '../internal/connection-guard.js';
import { redactText } from '../internal/redact.js';
import type { Metrics } from './metrics.js';
import { STATUS_CSS, STATUS_HTML, STATUS_JS } from './status-page.js';

/** A running metrics server: `/metrics` for Prometheus, `/status` and `/status.json` for people. */
export interface MetricsServer {
  /** `http://127.0.0.1:<port>/metrics`. */
  readonly url: string;
  /** The live status page, `http://127.0.0.1:<port>/status`. */
  readonly statusUrl: string;
  readonly port: number;
  /** Stop serving and close every connection. */
  close(): Promise<void>;
}

const STATIC: Readonly<Record<string, readonly [string, string]>> = {
  '/status': ['text/html; charset=utf-8', STATUS_HTML],
  '/status.js': ['text/javascript; charset=utf-8', STATUS_JS],
  '/status.css': ['text/css; charset=utf-8', STATUS_CSS],
};

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'referrer-policy': 'no-referrer',
};

/**
 * Serve, on 127.0.0.1 only: `GET /metrics` (Prometheus), `GET /status` (a page that refreshes
 * itself), `GET /status.json`. It holds little for anyone: no other route, short request and
 * header deadlines, a connection cap where idle connections make room for new ones; and it
 * answers only requests addressed to the loopback host by name or number, so a web page elsewhere
 * cannot read it through a DNS name that points at 127.0.0.1. A port in use is a ConfigError.
 */
export interface MetricsServerOptions {
  readonly port: number;
  /**
   * In Redis mode, the cluster's view (every live worker host on the queue), served at
   * `/cluster.json` and shown on the status page. Read at most once per `clusterCacheMs`
   * (default 2000) however many clients ask; it must answer within its own deadline.
   */
  readonly cluster?: () => Promise<unknown>;
  readonly clusterCacheMs?: number;
}

/** Serve `metrics` on 127.0.0.1 (by default): Prometheus text, the live status page and its JSON; connections are bounded. */
export async function startMetricsServer(metrics: Metrics, options: MetricsServerOptions): Promise<MetricsServer> {
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65_535)
    throw new ConfigError(`--metrics-port must be a whole number from 0 to 65535, got ${String(options.port)}`);
  // The Host values this endpoint answers, known once it listens (before any request can come).
  let allowedHosts = new Set<string>();
  const cluster = options.cluster === undefined ? undefined : cachedRead(options.cluster, options.clusterCacheMs ?? 2000);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (!allowedHosts.has((req.headers.host ?? '').toLowerCase())) {
      res
        .writeHead(421, { 'content-type': 'text/plain', ...SECURITY_HEADERS })
        .end('misdirected request: address this endpoint as 127.0.0.1 or localhost\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'text/plain', allow: 'GET, HEAD', ...SECURITY_HEADERS }).end('only GET\n');
      return;
    }
    const asset = STATIC[path];
    if (asset) {
      res.writeHead(200, { 'content-type': asset[0], ...SECURITY_HEADERS }).end(asset[1]);
      return;
    }
    if (path === '/status.json') {
      let body: string;
      try {
        body = JSON.stringify(metrics.status());
      } catch {
        res.writeHead(500, { 'content-type': 'text/plain', ...SECURITY_HEADERS }).end('status failed\n');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', ...SECURITY_HEADERS }).end(body);
      return;
    }
    if (path === '/cluster.json') {
      if (cluster === undefined) {
        res
          .writeHead(404, { 'content-type': 'text/plain', ...SECURITY_HEADERS })
          .end('not found: this job uses no Redis queue, so it has no cluster\n');
        return;
      }
      cluster().then(
        (body) => res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', ...SECURITY_HEADERS }).end(body),
        (error: unknown) =>
          res
            .writeHead(503, { 'content-type': 'application/json; charset=utf-8', ...SECURITY_HEADERS })
            .end(JSON.stringify({ error: redactText(error instanceof Error ? error.message : String(error)).slice(0, 500) })),
      );
      return;
    }
    if (path !== '/metrics') {
      res
        .writeHead(404, { 'content-type': 'text/plain', ...SECURITY_HEADERS })
        .end('not found: GET /metrics, /status, /status.json or /cluster.json\n');
      return;
    }
    metrics.text().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType, ...SECURITY_HEADERS }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain', ...SECURITY_HEADERS }).end('metrics failed\n'),
    );
  });
  server.requestTimeout = 5000;
  server.headersTimeout = 5000;
  server.keepAliveTimeout = 1000;
  // Pollers (a status page, Prometheus, `browser-actor status`) send their request at once: idle
  // connections beyond the bound are the oldest to go, so a few slow ones cannot lock them out.
  guardConnections(server, { maxConnections: 32, perClient: 32 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new ConfigError(
          `--metrics-port ${options.port}: ${error.code === 'EADDRINUSE' ? 'the port is in use on 127.0.0.1' : error.message}`,
          { cause: error },
        ),
      ),
    );
    server.listen(options.port, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  return {
    url: `http://127.0.0.1:${port}/metrics`,
    statusUrl: `http://127.0.0.1:${port}/status`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * `read`, serialised, at most once per `maxAgeMs`: callers within that time share the last answer
 * (or failure), and callers while a read runs share that read.
 */
function cachedRead(read: () => Promise<unknown>, maxAgeMs: number): () => Promise<string> {
  let last: { at: number; body: Promise<string> } | undefined;
  return () => {
    const now = performance.now();
    if (last === undefined || now - last.at >= maxAgeMs) {
      const body = read().then((value) => JSON.stringify(value));
      last = { at: now, body };
      // A failure is not kept for the whole period once it is known: the next caller tries again.
      // (This handler also keeps a failure no caller awaits from going unhandled.)
      body.catch(() => {
        if (last?.body === body) last = undefined;
      });
    }
    return last.body;
  };
}
