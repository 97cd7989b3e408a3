/**
 * Prometheus metrics (prom-client) of a running job: a registry and the live status board, with
 * no server of their own (`metrics-server.ts` serves them on an opt-in loopback port). Counters
 * and histograms follow the executors' one event vocabulary ({@link ExecutorEvent}), the same for a
 * supervisor, a WorkDispatcher or the submitting side of a Redis dispatcher; gauges and the status
 * read the executors' and sessions' own stats at each request, so they are never stale.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ConfigError } from '../errors.js';
import { type StatusSnapshot, createStatusBoard } from './status.js';
import type { TaskExecutor } from '../runtime/executor.js';
import type { WorkDispatcher } from '../runtime/dispatch/work-dispatcher.js';
import type { SessionSupervisor } from '../runtime/supervisor/session-supervisor.js';
import type { SessionStats } from '../session/session-manager.js';

/** What metrics can watch. Sessions and caches only need their `stats()` / counts. */
export interface MetricSources {
  /** Supervisors, dispatchers and Redis dispatchers alike. */
  readonly executors?: readonly TaskExecutor[];
  /** Session managers whose counters to export. */
  readonly sessions?: readonly {
    /** The session's counters now. */
    stats(): SessionStats;
  }[];
  readonly cache?: { readonly hits: number; readonly misses: number };
  /** Whether Redis answers (a worker host's, or a submitter's): shown on the status page. */
  readonly redis?: () => { readonly state: 'connected' | 'unreachable'; readonly since: number; readonly reason?: string };
  /** A batch job's progress: shown on the status page. */
  readonly batch?: () => { readonly total: number; readonly done: number; readonly failed: number };
}

/** A Prometheus registry fed by the executors and sessions it watches. */
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

/** A metrics registry with the runtime's metrics (tasks, faults, restarts, queues, workers, sessions); `watch` what to follow. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  const board = createStatusBoard();
  const offs: (() => void)[] = [];
  const executors: TaskExecutor[] = [];
  // Per-lane and per-worker detail comes from the executors that have lanes or workers.
  const supervisors: SessionSupervisor[] = [];
  let dispatcher: WorkDispatcher | undefined;
  const sessions: { stats(): SessionStats }[] = [];
  let cache: { readonly hits: number; readonly misses: number } | undefined;
  const sum = (pick: (s: SessionStats) => number): number => sessions.reduce((n, s) => n + pick(s.stats()), 0);

  const tasks = new Counter({
    name: `${PREFIX}tasks_total`,
    help: 'Tasks answered, by executor, type and outcome (ok, or the error code).',
    labelNames: ['executor', 'type', 'outcome'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: `${PREFIX}task_duration_seconds`,
    help: 'Task time from submit to answer, by type.',
    labelNames: ['type'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const restarts = new Counter({
    name: `${PREFIX}restarts_total`,
    help: 'Browser and worker replacements after a fault (planned recycles are counted as planned="true").',
    labelNames: ['executor', 'planned'],
    registers: [registry],
  });
  const placedTasks = new Counter({
    name: `${PREFIX}dispatcher_tasks_total`,
    help: 'Dispatcher tasks answered, by the worker or host that answered, and outcome.',
    labelNames: ['executor', 'worker', 'outcome'],
    registers: [registry],
  });
  const faults = new Counter({
    name: `${PREFIX}faults_total`,
    help: 'Faults seen, by executor and kind (browser crashes, lost workers and hosts, failed probes).',
    labelNames: ['executor', 'kind'],
    registers: [registry],
  });
  new Gauge({
    name: `${PREFIX}queue_depth`,
    help: 'Tasks waiting: per executor, and per priority in the dispatcher.',
    labelNames: ['owner', 'priority'],
    registers: [registry],
    collect() {
      this.reset();
      for (const e of executors) if (e !== dispatcher) this.set({ owner: e.id, priority: 'all' }, e.executorHealth().queued);
      dispatcher
        ?.stats()
        .queuedByPriority.forEach((n, priority) => this.set({ owner: dispatcher?.id ?? 'dispatcher', priority: String(priority) }, n));
    },
  });
  new Gauge({
    name: `${PREFIX}in_flight`,
    help: 'Tasks handed to a browser, worker or host and not answered yet, per executor.',
    labelNames: ['executor'],
    registers: [registry],
    collect() {
      this.reset();
      for (const e of executors) this.set({ executor: e.id }, e.executorHealth().inFlight);
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
      for (const e of sources.executors ?? []) {
        executors.push(e);
        if (e.kind === 'supervisor') supervisors.push(e as SessionSupervisor);
        if (e.kind === 'dispatcher') dispatcher = e as WorkDispatcher;
        offs.push(
          e.onEvent((event) => {
            switch (event.type) {
              case 'task:end': {
                const outcome = event.ok ? 'ok' : (event.errorCode ?? 'error');
                tasks.inc({ executor: e.id, type: event.taskType, outcome });
                duration.observe({ type: event.taskType }, event.durationMs / 1000);
                if (e.kind !== 'supervisor')
                  placedTasks.inc({ executor: e.id, worker: event.where?.worker ?? event.where?.host ?? 'none', outcome });
                return;
              }
              case 'restart':
                restarts.inc({ executor: e.id, planned: 'false' });
                return;
              case 'recycle':
                restarts.inc({ executor: e.id, planned: 'true' });
                return;
              case 'fault':
                faults.inc({ executor: e.id, kind: event.kind });
                return;
              case 'worker:exit':
                if (!event.clean) faults.inc({ executor: e.id, kind: 'worker-lost' });
                return;
              case 'host:moved':
                faults.inc({ executor: e.id, kind: 'host-lost' });
                return;
              case 'redis':
                if (event.state === 'unreachable') faults.inc({ executor: e.id, kind: 'redis-unreachable' });
                return;
              default:
            }
          }),
        );
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
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65_535)
    throw new ConfigError(`--metrics-port must be a whole number from 0 to 65535, got ${JSON.stringify(raw.slice(0, 20))}`);
  return Number(raw);
}
