/**
 * The one interface of the runtime's three executors — {@link SessionSupervisor} (lanes of one
 * browser), WorkDispatcher (worker processes) and RedisWorkDispatcher (worker hosts on BullMQ) —
 * and the one event vocabulary they all emit. Callers that only need to run tasks (the CLI, the
 * session layer, benchmarks, logging, metrics, the status page) depend on this, not on a class.
 */
import type { OverflowPolicy } from './mailbox/mailbox.js';
import type { ResultOf, Task, TaskType } from './tasks/types.js';

/** Which executor it is. */
export type ExecutorKind = 'supervisor' | 'dispatcher' | 'redis';

/**
 * Where a task ran or a fault happened: a lane (tab) of the supervisor's browser, a worker
 * process of a dispatcher (and, when it reported it, the lane in that worker's browser), or a
 * worker host of the Redis dispatcher.
 */
export interface Where {
  readonly lane?: number;
  readonly worker?: number;
  readonly host?: string;
}

/** Fields every event carries. */
interface EventBase {
  /** The executor's id (`supervisor-1`, `dispatcher-1`, `redis-dispatcher-…`). */
  readonly executor: string;
}

/**
 * Everything an executor reports, one discriminated union. A listener that throws never breaks
 * the executor. Ordinary task failures are `task:end` with `ok: false`, never an error event.
 */
export type ExecutorEvent =
  /** A task reached a browser (once per run; `attempt` counts from 1). Not every executor sees this (see `capabilities.taskStart`). */
  | (EventBase & {
      readonly type: 'task:start';
      readonly taskId: string;
      readonly taskType: TaskType;
      readonly attempt: number;
      readonly where: Where;
      readonly correlationId?: string;
    })
  /** A task was answered: exactly once per accepted task. `where` is null when it never ran (a timeout in the queue, a refusal after acceptance). */
  | (EventBase & {
      readonly type: 'task:end';
      readonly taskId: string;
      readonly taskType: TaskType;
      readonly ok: boolean;
      /** The error's code when `ok` is false (`ERR_UNKNOWN` for errors without one). */
      readonly errorCode?: string;
      /** Runs that reached a browser. */
      readonly attempts: number;
      /** From submit to answer. */
      readonly durationMs: number;
      readonly where: Where | null;
      readonly correlationId?: string;
    })
  /** Something failed underneath: a browser or tab crash, a failed probe, a wedged task, a lost worker or host. */
  | (EventBase & { readonly type: 'fault'; readonly kind: string; readonly reason: string; readonly where: Where })
  /** A browser, worker process or host is being replaced after a fault (`delayMs` of backoff first). */
  | (EventBase & {
      readonly type: 'restart';
      readonly reason: string;
      readonly attempt: number;
      readonly delayMs: number;
      readonly where: Where;
    })
  /** A planned replacement (recycling by navigations, age, memory): no task sees it. */
  | (EventBase & { readonly type: 'recycle'; readonly reason: string; readonly where: Where })
  /** A browser, worker process or host serves (the first one, or a replacement with the session restored). */
  | (EventBase & { readonly type: 'ready'; readonly where: Where; readonly downtimeMs?: number; readonly pid?: number | null })
  /** The executor, or one of its workers or hosts, gave up (restart limit, no Chromium); `where` is empty for the executor itself. */
  | (EventBase & { readonly type: 'failed'; readonly reason: string; readonly errorCode?: string; readonly where: Where })
  /** A worker process ended: its tasks were placed again (`requeued`) or failed as maybe executed (`failed`). `clean`: it left when told to, with nothing lost. */
  | (EventBase & {
      readonly type: 'worker:exit';
      readonly worker: number;
      readonly pid: number | null;
      readonly reason: string;
      readonly requeued: number;
      readonly failed: number;
      readonly clean: boolean;
    })
  /** A Redis session's host was lost: its waiting tasks moved to another host. */
  | (EventBase & { readonly type: 'host:moved'; readonly from: string; readonly to: string; readonly tasks: number })
  /** Redis stopped answering (`unreachable`, since `since`, wall-clock ms) or answers again (`connected`, after `downMs`). */
  | (EventBase & {
      readonly type: 'redis';
      readonly state: 'connected' | 'unreachable';
      readonly since: number;
      readonly reason?: string;
      readonly downMs?: number;
      readonly where: Where;
    });

/** The `type` of each executor event. */
export type ExecutorEventType = ExecutorEvent['type'];
/** The event of one type. */
export type ExecutorEventOf<K extends ExecutorEventType> = Extract<ExecutorEvent, { readonly type: K }>;

/** What an executor can do; the executor contract suite checks each declaration against behaviour. */
export interface ExecutorCapabilities {
  /** `lane()` / `withLane()` pin a sequence to one tab; without it they throw `ERR_INVALID_OPTION`. */
  readonly laneHandles: boolean;
  /** The mailbox overflow policies it accepts (`mailbox.overflow`). */
  readonly overflow: readonly OverflowPolicy[];
  /** `sessionKey` keeps tasks on the worker or host that holds a session. */
  readonly sessionKeys: boolean;
  /** It reports `task:start` (the moment a task reaches a browser). */
  readonly taskStart: boolean;
  /** `kill()` ends the browsers at once (the Redis dispatcher only stops waiting: hosts may still run queued jobs). */
  readonly killsBrowsers: boolean;
}

/** Submit options every executor takes (each may take more). */
export interface ExecutorSubmitOptions {
  /** 0 (lowest) … 9 (highest). */
  readonly priority?: number;
  /** Deadline in ms from submit, queue time included. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** A second submit with the same key while the first is pending gets the first one's answer. */
  readonly idempotencyKey?: string;
  /** After a crash, reload the lane's last page before the next task that reads the page. */
  readonly restoreUrl?: boolean;
}

/** Options of `lane()` and `withLane()`. */
export interface ExecutorLaneOptions {
  readonly priority?: number;
}

/** A sequence of tasks pinned to one tab, in order (see each executor's lane handle). */
export interface ExecutorLaneHandle {
  readonly id: string;
  /** Submit the next task of the sequence; it runs after the handle's earlier tasks, on the same page. */
  submit<T extends Task>(task: T, options?: Omit<ExecutorSubmitOptions, 'priority'>): Promise<ResultOf<T>>;
  /** Let the lane go once its tasks are answered; later submits through the handle are refused. */
  release(): void;
}

/** The state of an executor as a whole. */
export type ExecutorState = 'idle' | 'starting' | 'healthy' | 'degraded' | 'restarting' | 'failed' | 'stopping' | 'stopped';

/** A synchronous summary every executor can give (the Redis dispatcher's from what it saw last). */
export interface ExecutorHealth {
  readonly state: ExecutorState;
  /** Accepted, not handed to a browser yet. */
  readonly queued: number;
  /** Handed to a browser (or a worker, or a host), not answered yet. */
  readonly inFlight: number;
  /** Replacements after faults (browsers, worker processes). */
  readonly restarts: number;
  /** Planned replacements. */
  readonly recycles: number;
  readonly lastFault: { readonly kind: string; readonly reason: string } | null;
}

/**
 * The runtime's executors: accept typed tasks and answer each exactly once (a result, a typed
 * error, a timeout or a cancellation). `stop()` answers every accepted task, then closes;
 * `kill()` fails what is pending at once. Both are idempotent; afterwards `submit` rejects with
 * `ERR_ACTOR_STOPPED`.
 */
export interface TaskExecutor {
  readonly id: string;
  readonly kind: ExecutorKind;
  readonly capabilities: ExecutorCapabilities;
  /** Accept a task and answer it exactly once: its result, a typed error, a timeout or a cancellation. */
  submit<T extends Task>(task: T, options?: ExecutorSubmitOptions): Promise<ResultOf<T>>;
  /** A handle whose tasks run in order on one page (where `capabilities.laneHandles`); release it when done. */
  lane(options?: ExecutorLaneOptions): ExecutorLaneHandle;
  /** Run `fn` with a lane handle and release the handle when `fn` settles. */
  withLane<R>(fn: (lane: ExecutorLaneHandle) => Promise<R>, options?: ExecutorLaneOptions): Promise<R>;
  /** The executor's state and counters now, in the shape all three executors share. */
  executorHealth(): ExecutorHealth;
  /** Take no new tasks, answer every accepted one, then close (what is left at `timeoutMs` is failed). */
  stop(options?: { timeoutMs?: number }): Promise<void>;
  /** Fail every pending task at once (`ERR_ACTOR_STOPPED`) and close. */
  kill(reason?: unknown): Promise<void>;
  /** Listen to every event (one union); returns the unsubscribe function. */
  onEvent(listener: (event: ExecutorEvent) => void): () => void;
}

/** Listen to events of one type only. */
export function onExecutorEvent<K extends ExecutorEventType>(
  executor: Pick<TaskExecutor, 'onEvent'>,
  type: K,
  listener: (event: ExecutorEventOf<K>) => void,
): () => void {
  return executor.onEvent((event) => {
    if (event.type === type) listener(event as ExecutorEventOf<K>);
  });
}

/** `{ correlationId }` when there is one (for building events). */
export function correlation(id: string | undefined): { readonly correlationId?: string } {
  return id === undefined ? {} : { correlationId: id };
}

/** What every executor's own `task:end` carries, under its own field names. */
export interface OwnTaskEnd {
  readonly taskId: string;
  readonly type: TaskType;
  readonly ok: boolean;
  readonly errorCode?: string;
  readonly attempts: number;
  readonly durationMs: number;
  readonly correlationId?: string;
}

/** An executor's own `task:end` in the one vocabulary. */
export function taskEndEvent(executor: string, e: OwnTaskEnd, where: Where | null): ExecutorEventOf<'task:end'> {
  return {
    type: 'task:end',
    executor,
    taskId: e.taskId,
    taskType: e.type,
    ok: e.ok,
    ...(e.errorCode === undefined ? {} : { errorCode: e.errorCode }),
    attempts: e.attempts,
    durationMs: e.durationMs,
    where,
    ...correlation(e.correlationId),
  };
}
