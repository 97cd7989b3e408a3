/**
 * The live status of a running job: each supervised actor and each dispatcher worker with its
 * state, uptime, restarts, lanes, queue depth, the tasks in flight, the last fault and recent
 * throughput, and each queue's submitting side (the Redis dispatcher). `snapshot()` is plain
 * JSON; the monitoring endpoint serves it at `/status.json`, an HTML page that refreshes itself
 * at `/status`, and `browser-actor status` prints it. It follows any {@link TaskExecutor}: task
 * ends through the one event vocabulary, the rest from the executor's own health at each snapshot.
 */
import { type Clock, systemClock } from '../internal/clock.js';
import { RateWindow, type Throughput } from '../internal/rate-window.js';
import { redactText } from '../internal/redact.js';
import { type TaskExecutor, onExecutorEvent } from '../runtime/executor.js';
import type { WorkDispatcher } from '../runtime/dispatch/work-dispatcher.js';
import type { SessionSupervisor } from '../runtime/supervisor/session-supervisor.js';

/** Tasks answered recently: in the last minute, and the rate over that minute (or since watched, when shorter). */
export type { Throughput } from '../internal/rate-window.js';

/** A fault on the status page: its kind, reason and age. */
export interface FaultStatus {
  readonly kind: string;
  /** Secrets by shape (credentials in URLs, tokens) are redacted. */
  readonly reason: string;
  readonly agoMs: number;
}

/** A task running now, on the status page. */
export interface RunningTask {
  readonly taskId: string;
  readonly type: string;
  readonly lane?: number;
  /** Since it was handed to the browser (actors) or to the worker (dispatcher). */
  readonly forMs: number;
}

/** A supervisor (an actor with its browser) on the status page. */
export interface ActorStatus {
  readonly id: string;
  readonly state: string;
  readonly uptimeMs: number;
  readonly restarts: number;
  readonly recycles: number;
  readonly browserPid: number | null;
  readonly lanes: number;
  readonly lanesBusy: number;
  readonly queueDepth: number;
  readonly running: readonly RunningTask[];
  readonly lastFault: FaultStatus | null;
  /** Time until a pending restart (the backoff in progress), or `null`. */
  readonly restartInMs: number | null;
  readonly throughput: Throughput;
}

/** A dispatcher's worker process on the status page. */
export interface WorkerStatus {
  readonly index: number;
  readonly pid: number | null;
  readonly state: string;
  readonly uptimeMs: number;
  /** Replacements of the worker process. */
  readonly restarts: number;
  /** The worker's own supervisor, as its last heartbeat reported it (browser state and restarts). */
  readonly browserState: string | null;
  readonly browserRestarts: number;
  /** Planned browser replacements (recycling) in the worker, as its last heartbeat reported them. */
  readonly browserRecycles: number;
  readonly browserPid: number | null;
  readonly lanes: number;
  readonly lanesBusy: number;
  readonly capacity: number;
  /** Tasks waiting for this worker: pinned to it here, and queued in its supervisor. */
  readonly queueDepth: number;
  readonly running: readonly RunningTask[];
  /** The latest of its process's last exit and its browser's last fault. */
  readonly lastFault: FaultStatus | null;
  readonly tasksServed: number;
  readonly throughput: Throughput;
}

/** A dispatcher and its workers on the status page. */
export interface DispatcherStatus {
  readonly id: string;
  readonly queued: number;
  readonly queuedByPriority: readonly number[];
  readonly deferred: number;
  readonly inFlight: number;
  readonly throughput: Throughput;
  readonly workers: readonly WorkerStatus[];
}

/** The submitting side of a queue on other machines (the Redis dispatcher): what it waits for and how its answers go. */
export interface QueueStatus {
  readonly id: string;
  readonly kind: string;
  readonly state: string;
  /** Tasks submitted here and not answered yet. */
  readonly inFlight: number;
  readonly lastFault: { readonly kind: string; readonly reason: string } | null;
  readonly throughput: Throughput;
}

/** Whether Redis answers this process (a worker host, or a submitter over Redis). */
export interface RedisStatus {
  readonly state: 'connected' | 'unreachable';
  /** Since when (ISO 8601). */
  readonly since: string;
  readonly reason?: string;
}

/** A batch job's progress (the research job's searches). */
export interface BatchStatus {
  readonly total: number;
  /** Answered so far, failed ones included. */
  readonly done: number;
  readonly failed: number;
}

/** Everything the status page shows, at one moment. */
export interface StatusSnapshot {
  /** Wall-clock time of the snapshot (ISO 8601). */
  readonly at: string;
  readonly process: { readonly pid: number; readonly uptimeMs: number; readonly rssBytes: number };
  /** Present in a process that uses Redis (a worker host; a submitter over Redis). */
  readonly redis?: RedisStatus;
  /** Present in a batch job (research --batch), in every mode. */
  readonly batch?: BatchStatus;
  readonly actors: readonly ActorStatus[];
  readonly dispatchers: readonly DispatcherStatus[];
  readonly queues: readonly QueueStatus[];
}

/** Follows executors and answers what the status page shows. */
export interface StatusBoard {
  /** Start following these executors (throughput and task times count from now on). */
  watch(sources: {
    readonly executors?: readonly TaskExecutor[];
    readonly redis?: () => { readonly state: 'connected' | 'unreachable'; readonly since: number; readonly reason?: string };
    readonly batch?: () => BatchStatus;
  }): void;
  /** The status of everything followed, now. */
  snapshot(): StatusSnapshot;
  /** Stop following every source. */
  close(): void;
}

const fault = (kind: string, reason: string, agoMs: number): FaultStatus => ({
  kind,
  reason: redactText(reason).slice(0, 500),
  agoMs: Math.max(0, Math.round(agoMs)),
});

/**
 * A status board over supervisors and dispatchers. Reading it costs nothing between snapshots:
 * the supervisors' and dispatchers' own `health()` / `stats()` are read at each snapshot; only
 * task ends are followed, into fixed-size windows. `clock` must be the supervisors'
 * clock (the default is the same system clock they use by default).
 */
export function createStatusBoard(options: { readonly clock?: Clock } = {}): StatusBoard {
  const clock = options.clock ?? systemClock;
  const offs: (() => void)[] = [];
  const actors: { readonly supervisor: SessionSupervisor; readonly rate: RateWindow }[] = [];
  const dispatchers: {
    readonly dispatcher: WorkDispatcher;
    readonly since: number;
    readonly rate: RateWindow;
    readonly perWorker: Map<number, RateWindow>;
  }[] = [];
  const queues: { readonly executor: TaskExecutor; readonly rate: RateWindow }[] = [];
  const redisLinks: (() => { readonly state: 'connected' | 'unreachable'; readonly since: number; readonly reason?: string })[] = [];
  let batch: (() => BatchStatus) | undefined;

  const actorStatus = (a: (typeof actors)[number], now: number): ActorStatus => {
    const h = a.supervisor.health();
    const running: RunningTask[] = [];
    for (const lane of h.lanes) {
      if (lane.taskId !== null)
        running.push({ taskId: lane.taskId, type: lane.taskType ?? 'unknown', lane: lane.lane, forMs: Math.round(lane.runningForMs) });
    }
    return {
      id: a.supervisor.id,
      state: h.state,
      uptimeMs: Math.round(h.uptimeMs),
      restarts: h.restarts,
      recycles: h.recycles,
      browserPid: h.browserPid,
      lanes: h.lanes.length,
      lanesBusy: running.length,
      queueDepth: h.queueDepth,
      running,
      lastFault: h.lastFault ? fault(h.lastFault.kind, h.lastFault.reason, now - h.lastFault.at) : null,
      restartInMs: h.nextRestartAt === null ? null : Math.max(0, Math.round(h.nextRestartAt - now)),
      throughput: a.rate.read(),
    };
  };

  const dispatcherStatus = (d: (typeof dispatchers)[number]): DispatcherStatus => {
    const s = d.dispatcher.stats();
    return {
      id: d.dispatcher.id,
      queued: s.queued,
      queuedByPriority: s.queuedByPriority,
      deferred: s.deferred,
      inFlight: s.inFlight,
      throughput: d.rate.read(),
      workers: s.workers.map((w) => {
        const h = w.health;
        const exit = w.lastExit ? fault('worker-exit', w.lastExit.reason, w.lastExit.agoMs) : null;
        const browserFault = h?.lastFault ? fault(h.lastFault.kind, h.lastFault.reason, h.lastFault.agoMs) : null;
        // A heartbeat from a replaced process may still describe the old one: the newer fault wins.
        const lastFault = exit && browserFault ? (exit.agoMs <= browserFault.agoMs ? exit : browserFault) : (exit ?? browserFault);
        return {
          index: w.index,
          pid: w.pid,
          state: w.state,
          uptimeMs: Math.round(w.uptimeMs),
          restarts: w.restarts,
          browserState: h?.state ?? null,
          browserRestarts: h?.restarts ?? 0,
          browserRecycles: h?.recycles ?? 0,
          browserPid: h?.browserPid ?? null,
          lanes: h?.lanes ?? w.capacity,
          lanesBusy: h?.lanesBusy ?? Math.min(w.capacity, w.running.length),
          capacity: w.capacity,
          queueDepth: w.queued + (h?.queueDepth ?? 0),
          running: w.running.map((r) => ({ taskId: r.taskId, type: r.type, forMs: Math.round(r.forMs) })),
          lastFault,
          tasksServed: w.tasksServed,
          throughput: d.perWorker.get(w.index)?.read() ?? { lastMinute: 0, failedLastMinute: 0, perSecond: 0 },
        };
      }),
    };
  };

  // The worst of the Redis links watched (unreachable first), if any.
  const redisStatus = (): { redis?: RedisStatus } => {
    const links = redisLinks.map((read) => read());
    const link = links.find((l) => l.state === 'unreachable') ?? links[0];
    if (!link) return {};
    return {
      redis: {
        state: link.state,
        since: new Date(link.since).toISOString(),
        ...(link.reason ? { reason: redactText(link.reason).slice(0, 300) } : {}),
      },
    };
  };

  return {
    watch(sources) {
      if (sources.redis) redisLinks.push(sources.redis);
      if (sources.batch) batch = sources.batch;
      for (const executor of sources.executors ?? []) {
        const since = clock.now();
        if (executor.kind === 'supervisor') {
          const a = { supervisor: executor as SessionSupervisor, rate: new RateWindow(clock, since) };
          actors.push(a);
          offs.push(onExecutorEvent(executor, 'task:end', (e) => a.rate.record(e.ok)));
        } else if (executor.kind === 'dispatcher') {
          const d = {
            dispatcher: executor as WorkDispatcher,
            since,
            rate: new RateWindow(clock, since),
            perWorker: new Map<number, RateWindow>(),
          };
          dispatchers.push(d);
          offs.push(
            onExecutorEvent(executor, 'task:end', (e) => {
              d.rate.record(e.ok);
              const worker = e.where?.worker;
              if (worker === undefined) return;
              let w = d.perWorker.get(worker);
              if (!w) d.perWorker.set(worker, (w = new RateWindow(clock, d.since)));
              w.record(e.ok);
            }),
          );
        } else {
          const q = { executor, rate: new RateWindow(clock, since) };
          queues.push(q);
          offs.push(onExecutorEvent(executor, 'task:end', (e) => q.rate.record(e.ok)));
        }
      }
    },
    snapshot() {
      const now = clock.now();
      return {
        at: new Date().toISOString(),
        process: { pid: process.pid, uptimeMs: Math.round(process.uptime() * 1000), rssBytes: process.memoryUsage.rss() },
        ...redisStatus(),
        ...(batch ? { batch: batch() } : {}),
        actors: actors.map((a) => actorStatus(a, now)),
        dispatchers: dispatchers.map(dispatcherStatus),
        queues: queues.map(({ executor, rate }) => {
          const h = executor.executorHealth();
          return {
            id: executor.id,
            kind: executor.kind,
            state: h.state,
            inFlight: h.inFlight,
            lastFault: h.lastFault && { kind: h.lastFault.kind, reason: redactText(h.lastFault.reason).slice(0, 500) },
            throughput: rate.read(),
          };
        }),
      };
    },
    close() {
      for (const off of offs.splice(0)) off();
    },
  };
}
