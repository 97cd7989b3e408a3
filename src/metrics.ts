/**
 * Prometheus metrics (prom-client) and the live status of a running job, on an opt-in HTTP
 * endpoint bound to 127.0.0.1 (`--metrics-port`): `/metrics`, the status page `/status` and its
 * data `/status.json`. Counters and histograms follow the runtime's events; gauges and the status
 * read the supervisors', dispatchers' and sessions' own stats at each request, so they are never stale.
 */
import { type Server, createServer } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ConfigError } from './errors.js';
import { STATUS_CSS, STATUS_HTML, STATUS_JS } from './status-page.js';
import { type StatusSnapshot, createStatusBoard } from './status.js';
import type { AddressInfo } from 'node:net';
import type { WorkDispatcher } from './runtime/dispatch/work-dispatcher.js';
import type { SessionSupervisor } from './runtime/supervisor/session-supervisor.js';
import type { SessionStats } from './session/session-manager.js';

/** What metrics can watch. Sessions and caches only need their `stats()` / counts. */
export interface MetricSources {
  readonly supervisors?: readonly SessionSupervisor[];
  readonly dispatcher?: WorkDispatcher;
  readonly sessions?: readonly { stats(): SessionStats }[];
  readonly cache?: { readonly hits: number; readonly misses: number };
}

export interface Metrics {
  readonly registry: Registry;
  /** Start following these sources (counters from now on; gauges at each scrape). */
  watch(sources: MetricSources): void;
  /** The exposition text, as `/metrics` serves it. */
  text(): Promise<string>;
  /** The live status of the supervisors and dispatchers watched, as `/status.json` serves it. */
  status(): StatusSnapshot;
  /** Stop following every source. */
  close(): void;
}

const PREFIX = 'browser_actor_';

export function createMetrics(): Metrics {
  const registry = new Registry();
  const board = createStatusBoard();
  const offs: (() => void)[] = [];
  const supervisors: SessionSupervisor[] = [];
  let dispatcher: WorkDispatcher | undefined;
  const sessions: { stats(): SessionStats }[] = [];
  let cache: { readonly hits: number; readonly misses: number } | undefined;
  const sum = (pick: (s: SessionStats) => number): number => sessions.reduce((n, s) => n + pick(s.stats()), 0);

  const tasks = new Counter({ name: `${PREFIX}tasks_total`, help: 'Tasks answered, by type and outcome (ok, or the error code).', labelNames: ['supervisor', 'type', 'outcome'], registers: [registry] });
  const duration = new Histogram({
    name: `${PREFIX}task_duration_seconds`,
    help: 'Task time from submit to answer, by type.',
    labelNames: ['type'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const restarts = new Counter({ name: `${PREFIX}restarts_total`, help: 'Browser replacements after a fault (planned recycles are counted as planned="true").', labelNames: ['supervisor', 'planned'], registers: [registry] });
  const workerTasks = new Counter({ name: `${PREFIX}dispatcher_tasks_total`, help: 'Dispatcher tasks answered, by worker and outcome.', labelNames: ['worker', 'outcome'], registers: [registry] });
  new Gauge({
    name: `${PREFIX}queue_depth`,
    help: 'Tasks waiting: per supervisor, and per priority in the dispatcher.',
    labelNames: ['owner', 'priority'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of supervisors) this.set({ owner: s.id, priority: 'all' }, s.health().queueDepth);
      dispatcher?.stats().queuedByPriority.forEach((n, priority) => this.set({ owner: dispatcher?.id ?? 'dispatcher', priority: String(priority) }, n));
    },
  });
  new Gauge({
    name: `${PREFIX}deferred`,
    help: 'Dispatcher tasks waiting outside the queue under the defer policy.',
    registers: [registry],
    collect() {
      this.set(dispatcher?.stats().deferred ?? 0);
    },
  });
  new Gauge({
    name: `${PREFIX}lanes_busy`,
    help: 'Lanes (tabs) running a task now, per supervisor.',
    labelNames: ['supervisor'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of supervisors) this.set({ supervisor: s.id }, s.health().lanes.filter((l) => l.taskId !== null).length);
    },
  });
  new Gauge({
    name: `${PREFIX}restart_pending_seconds`,
    help: 'Time until a pending browser restart (the backoff in progress), 0 when none is pending.',
    labelNames: ['supervisor'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of supervisors) {
        const at = s.health().nextRestartAt;
        this.set({ supervisor: s.id }, at === null ? 0 : Math.max(0, (at - performance.now()) / 1000));
      }
    },
  });
  new Gauge({
    name: `${PREFIX}worker_in_flight`,
    help: 'Tasks in flight per dispatcher worker.',
    labelNames: ['worker'],
    registers: [registry],
    collect() {
      this.reset();
      for (const w of dispatcher?.stats().workers ?? []) this.set({ worker: String(w.index) }, w.inFlight);
    },
  });
  new Gauge({
    name: `${PREFIX}worker_restarts`,
    help: 'Restarts per dispatcher worker.',
    labelNames: ['worker'],
    registers: [registry],
    collect() {
      this.reset();
      for (const w of dispatcher?.stats().workers ?? []) this.set({ worker: String(w.index) }, w.restarts);
    },
  });
  const sessionGauge = (name: string, help: string, pick: (s: SessionStats) => number): void => {
    new Gauge({
      name: `${PREFIX}${name}`,
      help,
      registers: [registry],
      collect() {
        this.set(sum(pick));
      },
    });
  };
  sessionGauge('auth_checks', 'Auth checks made (all sessions).', (s) => s.authChecks);
  sessionGauge('auth_checks_skipped', 'Auth checks skipped by the adaptive policy.', (s) => s.authChecksSkipped);
  sessionGauge('probes_coalesced', 'Session probes that joined one already in flight.', (s) => s.probesCoalesced);
  sessionGauge('navigations_skipped', 'Navigations the BrowserManager found needless.', (s) => s.navigationsSkipped);
  sessionGauge('sign_ins', 'Sign-ins through the form.', (s) => s.signIns);
  sessionGauge('api_requests', 'API requests sent.', (s) => s.apiRequests);
  sessionGauge('http_429', 'Answers 429 (rate-limited by the site).', (s) => s.throttled);
  sessionGauge('rate_limit_wait_seconds', 'Time spent waiting for the rate limiter.', (s) => s.rateLimitWaitMs / 1000);
  new Gauge({
    name: `${PREFIX}cache_lookups`,
    help: 'Per-run cache lookups, by result.',
    labelNames: ['result'],
    registers: [registry],
    collect() {
      this.set({ result: 'hit' }, cache?.hits ?? 0);
      this.set({ result: 'miss' }, cache?.misses ?? 0);
    },
  });

  return {
    registry,
    watch(sources) {
      board.watch(sources);
      for (const s of sources.supervisors ?? []) {
        supervisors.push(s);
        offs.push(
          s.on('task:end', (e) => {
            tasks.inc({ supervisor: s.id, type: e.type, outcome: e.ok ? 'ok' : (e.errorCode ?? 'error') });
            duration.observe({ type: e.type }, e.durationMs / 1000);
          }),
          s.on('restarting', (e) => restarts.inc({ supervisor: s.id, planned: String(e.planned) })),
        );
      }
      if (sources.dispatcher) {
        const d = sources.dispatcher;
        dispatcher = d;
        offs.push(d.on('task:end', (e) => workerTasks.inc({ worker: e.worker === null ? 'none' : String(e.worker), outcome: e.ok ? 'ok' : (e.errorCode ?? 'error') })));
      }
      sessions.push(...(sources.sessions ?? []));
      if (sources.cache) cache = sources.cache;
    },
    text: () => registry.metrics(),
    status: () => board.snapshot(),
    close() {
      board.close();
      for (const off of offs.splice(0)) off();
    },
  };
}

/** A `--metrics-port` value: a whole number from 0 (a free port) to 65535. */
export function metricsPortFrom(raw: string): number {
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65_535) throw new ConfigError(`--metrics-port must be a whole number from 0 to 65535, got ${JSON.stringify(raw.slice(0, 20))}`);
  return Number(raw);
}

export interface MetricsServer {
  /** `http://127.0.0.1:<port>/metrics`. */
  readonly url: string;
  /** The live status page, `http://127.0.0.1:<port>/status`. */
  readonly statusUrl: string;
  readonly port: number;
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
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'referrer-policy': 'no-referrer',
};

/**
 * Serve, on 127.0.0.1 only: `GET /metrics` (Prometheus), `GET /status` (a page that refreshes
 * itself), `GET /status.json`. It holds little for anyone: no other route, short request and
 * header deadlines, a small connection cap; and it answers only requests addressed to the
 * loopback host by name or number, so a web page elsewhere cannot read it through a DNS name
 * that points at 127.0.0.1. A port in use is a ConfigError.
 */
export async function startMetricsServer(metrics: Metrics, options: { readonly port: number }): Promise<MetricsServer> {
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65_535) throw new ConfigError(`--metrics-port must be a whole number from 0 to 65535, got ${String(options.port)}`);
  // The Host values this endpoint answers, known once it listens (before any request can come).
  let allowedHosts = new Set<string>();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (!allowedHosts.has((req.headers.host ?? '').toLowerCase())) {
      res.writeHead(421, { 'content-type': 'text/plain', ...SECURITY_HEADERS }).end('misdirected request: address this endpoint as 127.0.0.1 or localhost\n');
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
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain', ...SECURITY_HEADERS }).end('not found: GET /metrics, /status or /status.json\n');
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
  server.maxConnections = 16;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new ConfigError(`--metrics-port ${options.port}: ${error.code === 'EADDRINUSE' ? 'the port is in use on 127.0.0.1' : error.message}`, { cause: error })),
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
