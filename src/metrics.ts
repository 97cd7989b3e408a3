/**
 * Prometheus metrics (prom-client) of a running job, on an opt-in HTTP endpoint bound to
 * 127.0.0.1 (`--metrics-port`). Counters and histograms follow the runtime's events; gauges read
 * the supervisors', dispatchers' and sessions' own stats at each scrape, so they are never stale.
 */
import { type Server, createServer } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ConfigError } from './errors.js';
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
  /** Stop following every source. */
  close(): void;
}

const PREFIX = 'browser_actor_';

export function createMetrics(): Metrics {
  const registry = new Registry();
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
    close() {
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
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serve `GET /metrics` on 127.0.0.1 only. It holds little for anyone: no other route, short
 * request and header deadlines, a small connection cap. A port in use is a ConfigError.
 */
export async function startMetricsServer(metrics: Metrics, options: { readonly port: number }): Promise<MetricsServer> {
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65_535) throw new ConfigError(`--metrics-port must be a whole number from 0 to 65535, got ${String(options.port)}`);
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    metrics.text().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics failed\n'),
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
  return {
    url: `http://127.0.0.1:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
