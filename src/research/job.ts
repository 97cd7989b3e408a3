/**
 * The research job's composition root: everything a run against a site needs, wired once — the
 * executor that owns the browsers (one supervised browser, worker processes, or worker hosts on
 * Redis), its logs and metrics, and one signed-in session per browser behind one rate limiter.
 * The CLI parses arguments, calls {@link openSiteResearch}, runs the searches and prints.
 */
import { randomUUID } from 'node:crypto';
import { createSessionSupervisor } from '../compose.js';
import { type LogLevel, createLogger, logEvents, parseLogLevel } from '../observability/logging.js';
import { type Metrics, createMetrics } from '../observability/metrics.js';
import { type MetricsServer, startMetricsServer } from '../observability/metrics-server.js';
import { type RedisWorkDispatcher, createRedisDispatcher } from '../runtime/dispatch/redis-dispatcher.js';
import { createWorkDispatcher } from '../runtime/dispatch/work-dispatcher.js';
import type { TaskExecutor } from '../runtime/executor.js';
import type { SessionSupervisor } from '../runtime/supervisor/session-supervisor.js';
import { dispatcherSession } from '../session/dispatcher-session.js';
import { RateLimiter } from '../session/rate-limiter.js';
import { loadSessionConfig } from '../session/session-config.js';
import { SessionManager } from '../session/session-manager.js';
import { type PersonSource, type RunCache, SiteSource, type Timings } from './research.js';

/** What {@link openSiteResearch} needs: the site, the environment, and how to run the browser. */
export interface SiteResearchOptions {
  /** The site's address (BASE_URL). */
  readonly site: string;
  /** The environment, `.env` already merged in (credentials, browser and session settings). */
  readonly env: NodeJS.ProcessEnv;
  /** Sessions on worker processes (or, with `redis`, on worker hosts); absent: one supervised browser here. */
  readonly workers?: number;
  readonly redis?: string;
  readonly queue?: string;
  readonly logLevel?: LogLevel;
  /** Serve metrics and the status page on this loopback port while the job runs. */
  readonly metricsPort?: number;
  readonly timings: Timings;
  readonly cache: RunCache;
  /** Where the job says where its metrics are. */
  readonly say: (line: string) => void;
}

/** An open research job on a site: sessions signed in, ready for searches. Close it when done. */
export interface SiteResearch {
  /** One person source per session; searches are spread over them. */
  readonly sources: readonly PersonSource[];
  readonly sessions: readonly SessionManager[];
  /** The executor that owns the browsers. */
  readonly executor: TaskExecutor;
  /** Show a batch's progress on the job's status page (with --metrics-port), in every mode. */
  watchBatch(read: () => { readonly total: number; readonly done: number; readonly failed: number }): void;
  /** Stop the browsers, the metrics and their endpoint. Idempotent. */
  close(): Promise<void>;
}

/** Compose and open the research job on a site: the executor, logs, metrics, and every session signed in. */
export async function openSiteResearch(o: SiteResearchOptions): Promise<SiteResearch> {
  const siteEnv: NodeJS.ProcessEnv = { ...o.env, BASE_URL: o.site };
  const config = loadSessionConfig(siteEnv, false);
  // Logs go to stderr (JSON, or readable lines on a terminal), redacted, at the log level.
  const log = createLogger({ level: o.logLevel ?? parseLogLevel(siteEnv['LOG_LEVEL']) });
  let metrics: Metrics | undefined;
  let metricsServer: MetricsServer | undefined;
  let executor: (TaskExecutor & { start?(): Promise<void> }) | undefined;
  let closed: Promise<void> | undefined;
  // Over Redis the browsers live on worker hosts that outlive the run: its sessions end with it.
  let remote: { dispatcher: RedisWorkDispatcher; sessions: { manager: SessionManager; key: string }[] } | undefined;
  const close = (): Promise<void> =>
    (closed ??= (async () => {
      if (remote) {
        const { dispatcher } = remote;
        // Only sessions that signed in left anything on a host (or in Redis) to end.
        const sessions = remote.sessions.filter(({ manager }) => manager.ready || manager.identity !== undefined);
        await Promise.all(sessions.map(({ manager }) => manager.signOut()));
        await Promise.all(
          sessions.map(({ key }) =>
            dispatcher
              .endSession(key)
              .catch((error: unknown) =>
                log.warn(
                  { reason: error instanceof Error ? error.message.slice(0, 200) : String(error) },
                  'could not release a session binding in Redis (it lapses by itself)',
                ),
              ),
          ),
        );
      }
      await executor?.stop();
      metrics?.close();
      await metricsServer?.close();
    })());
  // Logs and metrics follow the executor from its first event (workers starting, the first browser).
  const watch = (e: TaskExecutor): void => {
    logEvents(log, { executors: [e] });
    metrics?.watch({ executors: [e] });
  };
  try {
    if (o.metricsPort !== undefined) {
      metrics = createMetrics();
      metrics.watch({ cache: o.cache });
      const { redis, queue } = o;
      // Over Redis, the status page also shows the cluster: every live host on the queue.
      const cluster =
        redis === undefined
          ? undefined
          : async () => (await import('../runtime/dispatch/redis-cluster.js')).readClusterStatus({ redis, ...(queue ? { queue } : {}) });
      metricsServer = await startMetricsServer(metrics, { port: o.metricsPort, ...(cluster ? { cluster } : {}) });
      o.say(`metrics: ${metricsServer.url}; status: ${metricsServer.statusUrl} (or browser-actor status --port ${metricsServer.port})`);
    }
    let sessions: SessionManager[];
    if (o.workers === undefined && o.redis === undefined) {
      const supervisor: SessionSupervisor = createSessionSupervisor({ env: siteEnv });
      executor = supervisor;
      watch(supervisor);
      supervisor.on('task:end', (e) => o.timings.add('browser/actor', taskOperation(e.type), e.durationMs));
      supervisor.on('ready', (e) => o.timings.add('browser/actor', 'launch + restore', e.launchMs));
      sessions = [new SessionManager({ config, supervisor, log })];
    } else {
      // Sessions on dispatcher workers: each its own browser (in a worker process, or on a
      // worker host over Redis), all behind one rate limiter.
      const count = o.workers ?? 1;
      const redisDispatcher =
        o.redis !== undefined ? createRedisDispatcher({ redis: o.redis, ...(o.queue ? { queue: o.queue } : {}) }) : undefined;
      const d = redisDispatcher ?? createWorkDispatcher({ workers: count, env: siteEnv });
      executor = d;
      watch(d);
      if (redisDispatcher) metrics?.watch({ redis: () => redisDispatcher.redis() });
      const limiter = new RateLimiter({ ...config.rateLimit });
      const runId = randomUUID().slice(0, 8);
      const keyed = Array.from({ length: count }, (_, i) => {
        const key = `research-${runId}-${i + 1}`;
        return { key, manager: new SessionManager({ config, supervisor: dispatcherSession(d, key), rateLimiter: limiter, log }) };
      });
      sessions = keyed.map((k) => k.manager);
      if (redisDispatcher) remote = { dispatcher: redisDispatcher, sessions: keyed };
      await o.timings.time('dispatcher', o.redis !== undefined ? 'connect to Redis' : `start ${count} worker(s)`, () => d.start());
    }
    metrics?.watch({ sessions });
    const all = sessions;
    await o.timings.time('session', all.length === 1 ? 'ensure ready (first)' : `ensure ready (first, ${all.length} sessions)`, () =>
      Promise.all(all.map((s) => s.ensureSessionReady())),
    );
    return {
      sources: all.map((s) => new SiteSource((path) => s.get(path), config.baseUrl)),
      sessions: all,
      executor,
      watchBatch: (read) => metrics?.watch({ batch: read }),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A task type as the timings table names it. */
function taskOperation(type: string): string {
  return (
    {
      Navigate: 'navigation',
      ExecuteJS: 'JS',
      ExportCookies: 'cookie export',
      ImportCookies: 'cookie import',
      GetCookies: 'cookie read',
      CurrentUrl: 'current URL',
      Screenshot: 'screenshot',
    }[type] ?? type
  );
}
