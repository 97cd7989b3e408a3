import {
  ActorCrashedError,
  ActorStoppedError,
  InvalidOptionError,
  MailboxFullError,
  ShedError,
  TaskTimeoutError,
  deserializeError,
} from '../../errors.js';
import { type Clock, systemClock } from '../../internal/clock.js';
import { createDeferred, type Deferred } from '../../internal/deferred.js';
import type { Deadline } from '../../internal/deadlines.js';
import { TypedEmitter } from '../../internal/typed-emitter.js';
import { AnswerLedger } from '../answer-ledger.js';
import { PriorityMailbox, type Ticket } from '../mailbox/mailbox.js';
import {
  type MailboxSettings,
  type SubmitDefaults,
  executorId,
  handlePriority,
  mailboxOptions,
  parseSubmitOptions,
  submitDefaults,
  withHandle,
} from '../submit-helpers.js';
import { integerIn, positive, positiveInteger } from '../../internal/options.js';
import type { RestartPolicyOptions } from '../supervisor/restart-policy.js';
import { isIdempotent } from '../tasks/run-task.js';
import type { ResultOf, Task } from '../tasks/types.js';
import { type ExecutorCapabilities, type ExecutorEvent, type ExecutorHealth, type TaskExecutor, taskEndEvent } from '../executor.js';
import { type DispatchLaneHandle, type DispatchSubmitOptions, checkPlacementOptions } from './dispatch-types.js';
import { type TaskLimits, type ValidTask, taskLimits, validateTask, withSubmitterDefaults } from '../tasks/validate.js';
import { type FromWorker, type ToWorker, type WorkerHealth, decodeValue } from './codec.js';
import { type WorkDispatcherEvents, WorkerPool, type WorkerRecord as PoolWorker, type WorkerState } from './worker-pool.js';

export type { DispatchLaneHandle, DispatchSubmitOptions } from './dispatch-types.js';
export type { WorkDispatcherEvents, WorkerState } from './worker-pool.js';

/** Most worker processes one dispatcher runs. */
const MAX_WORKERS = 64;

/** Options of a {@link WorkDispatcher}: its worker processes, their lanes and supervisors, heartbeats and restarts. */
export interface WorkDispatcherOptions extends RestartPolicyOptions {
  /** Its name in task ids, logs, metrics and the status page (1–64 letters, digits, `.`, `_`, `-`). Default `dispatcher-N`. */
  readonly id?: string;
  /** Worker processes, each with its own supervised browser, profile and temporary directory. 1–64. */
  readonly workers: number;
  /** Tabs (lanes) of each worker's browser. Default 1. */
  readonly lanes?: number;
  /** Most tasks one worker holds at once (running or waiting in its supervisor). Default: its lanes. */
  readonly workerCapacity?: number;
  /**
   * Other SessionSupervisor options for every worker, as plain data (it crosses the process
   * boundary): `isolateLanes`, `snapshot`, `probe`, `restoreUrl`, `recycle`, `standby`, …
   */
  readonly supervisor?: Readonly<Record<string, unknown>>;
  /** Options for each worker's Chromium (`executablePath`, `headless`, `args`, `tmpRoot`, …), plain data. */
  readonly browser?: Readonly<Record<string, unknown>>;
  /** The dispatcher's own bounded queue. Default capacity 1000, overflow `'reject'`. */
  readonly mailbox?: MailboxSettings;
  readonly defaultTimeoutMs?: number;
  readonly maxTimeoutMs?: number;
  readonly defaultPriority?: number;
  readonly limits?: Partial<TaskLimits>;
  /** Most runs of an idempotent task across lost workers (a run counts once it reached a browser). Default 3. */
  readonly maxAttempts?: number;
  /** Liveness: a worker that answers no ping for `timeoutMs` is killed and replaced. Default every 1000 ms, 10 000 ms. */
  readonly heartbeat?: { readonly intervalMs?: number; readonly timeoutMs?: number };
  /** How long a worker may take to start its browser before it counts as failed. Default 60 000 ms. */
  readonly startTimeoutMs?: number;
  /** Tests: a module exporting `createDriver(): Driver` that workers use instead of Chromium. */
  readonly driverModule?: string;
  /** The worker entry script. Default: `worker.js` of this package's build. */
  readonly workerEntry?: string;
  /** Environment of the worker processes. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Time source (a manual clock in unit tests). Default: the system clock. */
  readonly clock?: Clock;
  /** Random source of the restart backoff's jitter. Default `Math.random`. */
  readonly random?: () => number;
}

/** One worker process as the dispatcher sees it. */
export interface WorkerStats {
  readonly index: number;
  readonly pid: number | null;
  readonly state: WorkerState;
  /** Tasks handed to the worker and not answered by it yet. */
  readonly inFlight: number;
  readonly capacity: number;
  /** Tasks waiting for this worker only (session affinity, lane handles). */
  readonly queued: number;
  readonly restarts: number;
  readonly tasksServed: number;
  /** The worker's supervisor, as its last heartbeat reported it. */
  readonly health: WorkerHealth | null;
  /** How long its current process has been serving (0 when none is). */
  readonly uptimeMs: number;
  /** The last time its process was lost (exit, missed heartbeats), with its age. */
  readonly lastExit: { readonly reason: string; readonly agoMs: number } | null;
  /** The tasks it holds now: id, type, and how long ago each was sent to it. */
  readonly running: readonly { readonly taskId: string; readonly type: string; readonly forMs: number }[];
}

/** A WorkDispatcher's queue and workers, from {@link WorkDispatcher.stats}. */
export interface DispatcherStats {
  /** Waiting for any worker, per priority (index = priority). */
  readonly queuedByPriority: readonly number[];
  readonly queued: number;
  /** Waiting outside the queue under the `defer` policy. */
  readonly deferred: number;
  readonly inFlight: number;
  readonly workers: readonly WorkerStats[];
}

interface HandleState {
  readonly id: string;
  readonly priority: number;
  worker: WorkerRecord | undefined;
  released: boolean;
  /** Tasks not answered yet: the worker's lane is given back once they are. */
  open: number;
  /** The URL of the handle's page (its last successful Navigate), and the worker process it is loaded in. */
  url: string | undefined;
  pageIn: { readonly worker: WorkerRecord; readonly incarnation: number } | undefined;
}

interface Entry {
  readonly id: string;
  /** As submitted (the worker validates it again on its side). */
  readonly raw: Task;
  readonly task: ValidTask;
  readonly priority: number;
  readonly submittedAt: number;
  readonly deadlineAt: number;
  readonly result: Deferred<unknown>;
  readonly signal: AbortSignal | undefined;
  readonly idempotencyKey: string | undefined;
  readonly idempotent: boolean;
  readonly sessionKey: string | undefined;
  readonly handle: HandleState | undefined;
  readonly restoreUrl: boolean | undefined;
  /** {@link WorkDispatcher.broadcast}: this worker's copy. */
  readonly pin: WorkerRecord | undefined;
  phase: 'queued' | 'sent' | 'done';
  /** Runs that reached a browser. */
  attempts: number;
  /** The current run reached a browser (a lost worker then means "maybe executed"). */
  started: boolean;
  /** Clock time the current run was sent to its worker. */
  sentAt: number;
  worker: WorkerRecord | undefined;
  ticket: Ticket<Entry> | undefined;
  deadline: Deadline | undefined;
  onAbort: (() => void) | undefined;
}

/** A worker slot of the pool, with this dispatcher's entries and handles placed on it. */
type WorkerRecord = PoolWorker<Entry, HandleState>;

const DISPATCHER_CAPABILITIES: ExecutorCapabilities = Object.freeze({
  laneHandles: true,
  overflow: Object.freeze(['reject', 'shed-lowest', 'defer'] as const),
  sessionKeys: true,
  taskStart: true,
  killsBrowsers: true,
});

/**
 * Spreads independent tasks over N worker processes (`child_process.fork`), each hosting a
 * SessionSupervisor on its own browser. Same contract as a supervisor: `submit` answers every
 * accepted task exactly once. Placement is least-loaded; `sessionKey` and lane handles keep
 * related tasks on one worker. A worker that exits or stops answering heartbeats is replaced
 * with backoff: its tasks that had not reached a browser are placed again, its idempotent
 * running tasks run again (on any worker), its non-idempotent running tasks fail with
 * `ERR_ACTOR_CRASHED` and `maybeExecuted: true`.
 */
export class WorkDispatcher implements TaskExecutor {
  readonly kind = 'dispatcher' as const;
  readonly capabilities: ExecutorCapabilities = DISPATCHER_CAPABILITIES;
  readonly #clock: Clock;
  readonly #defaults: SubmitDefaults;
  readonly #limits: TaskLimits;
  readonly #maxAttempts: number;
  readonly #mailbox: PriorityMailbox<Entry>;
  readonly #ledger: AnswerLedger<Entry>;
  readonly #pool: WorkerPool<Entry, HandleState>;
  readonly #workers: readonly WorkerRecord[];
  /** Entries to place before the mailbox's (re-runs after a lost worker), in order. */
  #retry: Entry[] = [];
  readonly #sessions = new Map<string, WorkerRecord>();
  readonly #events = new TypedEmitter<WorkDispatcherEvents>();
  #seq = 0;
  #handleSeq = 0;
  #state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  #startPromise: Promise<void> | undefined;
  #stopPromise: Promise<void> | undefined;
  #drained: Deferred<void> | undefined;
  readonly #id: string;
  static #count = 0;

  constructor(options: WorkDispatcherOptions) {
    if (typeof options !== 'object' || options === null)
      throw new InvalidOptionError('createWorkDispatcher needs an options object, e.g. { workers: 2 }');
    const { workers } = options;
    integerIn('workers', workers, 1, MAX_WORKERS);
    const lanes = options.lanes ?? 1;
    integerIn('lanes', lanes, 1, 32);
    const capacity = positiveInteger('workerCapacity', options.workerCapacity ?? lanes);
    if (options.supervisor !== undefined && (typeof options.supervisor !== 'object' || options.supervisor === null))
      throw new InvalidOptionError('supervisor must be an object of plain-data SessionSupervisor options');
    if (options.supervisor && 'driver' in options.supervisor)
      throw new InvalidOptionError(
        'supervisor.driver cannot cross a process boundary: workers launch their own browser (use browser: {…}, or driverModule in tests)',
      );
    this.#clock = options.clock ?? systemClock;
    this.#defaults = submitDefaults(options);
    this.#limits = taskLimits(options.limits);
    this.#maxAttempts = positiveInteger('maxAttempts', options.maxAttempts ?? 3);
    const heartbeatMs = positive('heartbeat.intervalMs', options.heartbeat?.intervalMs ?? 1000);
    const heartbeatTimeoutMs = positive('heartbeat.timeoutMs', options.heartbeat?.timeoutMs ?? 10_000);
    if (heartbeatTimeoutMs <= heartbeatMs)
      throw new InvalidOptionError(`heartbeat.timeoutMs (${heartbeatTimeoutMs}) must be above heartbeat.intervalMs (${heartbeatMs})`);
    const startTimeoutMs = positive('startTimeoutMs', options.startTimeoutMs ?? 60_000);
    this.#mailbox = new PriorityMailbox<Entry>(mailboxOptions(options.mailbox, (entry) => this.#shed(entry)));
    this.#ledger = new AnswerLedger<Entry>(this.#clock);
    this.#id = executorId(options.id, () => `dispatcher-${++WorkDispatcher.#count}`);
    this.#pool = new WorkerPool<Entry, HandleState>(
      {
        id: this.#id,
        clock: this.#clock,
        events: this.#events,
        onTask: (w, message) => this.#onTask(w, message),
        onLost: (w, reason) => this.#onLost(w, reason),
        onGivenUp: (w, allFailed) => this.#onGivenUp(w, allFailed),
        pump: () => this.#pump(),
        live: () => this.#state === 'running' || this.#state === 'stopping',
        stopped: () => this.#state === 'stopped',
      },
      { ...options, workers, lanes, capacity, heartbeatMs, heartbeatTimeoutMs, startTimeoutMs },
    );
    this.#workers = this.#pool.workers;
  }

  get id(): string {
    return this.#id;
  }

  /** Listen to one of the dispatcher's own events; returns the unsubscribe function. */
  on<K extends keyof WorkDispatcherEvents>(event: K, listener: (payload: WorkDispatcherEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /** Every event in the executors' one vocabulary ({@link ExecutorEvent}). */
  onEvent(listener: (event: ExecutorEvent) => void): () => void {
    const executor = this.#id;
    const offs = [
      this.on('task:start', (e) =>
        listener({ type: 'task:start', executor, taskId: e.taskId, taskType: e.type, attempt: e.attempt, where: { worker: e.worker } }),
      ),
      this.on('task:end', (e) => listener(taskEndEvent(executor, e, e.worker === null ? null : { worker: e.worker }))),
      this.on('worker:ready', (e) => listener({ type: 'ready', executor, where: { worker: e.worker }, pid: e.pid })),
      this.on('worker:exit', (e) => listener({ type: 'worker:exit', executor, ...e })),
      this.on('worker:restarting', (e) =>
        listener({
          type: 'restart',
          executor,
          reason: `worker ${e.worker} is restarted`,
          attempt: e.attempt,
          delayMs: e.delayMs,
          where: { worker: e.worker },
        }),
      ),
      this.on('worker:failed', (e) => listener({ type: 'failed', executor, reason: e.reason, where: { worker: e.worker } })),
    ];
    return () => {
      for (const off of offs) off();
    };
  }

  /** The summary every executor gives ({@link ExecutorHealth}); worker browsers' restarts and recycles come from their last heartbeats. */
  executorHealth(): ExecutorHealth {
    const s = this.stats();
    const live = s.workers.filter((w) => w.state === 'ready');
    const state =
      this.#state === 'idle'
        ? 'idle'
        : this.#state === 'stopping' || this.#state === 'stopped'
          ? this.#state
          : s.workers.every((w) => w.state === 'failed')
            ? 'failed'
            : live.length === s.workers.length
              ? 'healthy'
              : live.length > 0
                ? 'degraded'
                : 'restarting';
    const last = s.workers.filter((w) => w.lastExit !== null).sort((a, b) => (a.lastExit?.agoMs ?? 0) - (b.lastExit?.agoMs ?? 0))[0];
    return {
      state,
      queued: s.queued + s.deferred + s.workers.reduce((n, w) => n + w.queued, 0),
      inFlight: s.inFlight,
      restarts: s.workers.reduce((n, w) => n + w.restarts + (w.health?.restarts ?? 0), 0),
      recycles: s.workers.reduce((n, w) => n + (w.health?.recycles ?? 0), 0),
      lastFault: last?.lastExit ? { kind: 'worker-lost', reason: `worker ${last.index}: ${last.lastExit.reason}` } : null,
    };
  }

  /** Start every worker; resolves once all serve (rejects if one cannot start at all, e.g. no Chromium). Idempotent. */
  start(): Promise<void> {
    this.#startPromise ??= (async () => {
      if (this.#state !== 'idle') throw new ActorStoppedError(`${this.#id} was stopped`);
      this.#state = 'running';
      await this.#pool.start();
    })();
    return this.#startPromise;
  }

  /** Submit a task; the promise settles exactly once. Starts the workers if needed. */
  submit<T extends Task>(task: T, options: DispatchSubmitOptions = {}): Promise<ResultOf<T>> {
    return this.#submit(task, options, undefined) as Promise<ResultOf<T>>;
  }

  /**
   * Run `task` once on every worker that is not failed (for example `ImportCookies` to give every
   * browser the same signed-in session), after starting them. Resolves with each worker's
   * answer, in worker order; rejects with the first failure. A worker that is restarted later
   * starts without it (its supervisor's snapshot restores a session only within one worker).
   */
  async broadcast<T extends Task>(
    task: T,
    options: Omit<DispatchSubmitOptions, 'sessionKey' | 'idempotencyKey'> = {},
  ): Promise<ResultOf<T>[]> {
    await this.start();
    const targets = this.#workers.filter((w) => w.state !== 'failed');
    return Promise.all(targets.map((w) => this.#submit(task, options, undefined, w))) as Promise<ResultOf<T>[]>;
  }

  /** A handle whose tasks run in order on one lane of one worker; release it when done. */
  lane(options: { priority?: number } = {}): DispatchLaneHandle {
    const priority = handlePriority(options.priority, this.#defaults.defaultPriority);
    const state: HandleState = {
      id: `${this.#id}/lane-${++this.#handleSeq}`,
      priority,
      worker: undefined,
      released: false,
      open: 0,
      url: undefined,
      pageIn: undefined,
    };
    return {
      id: state.id,
      get worker() {
        return state.worker?.index;
      },
      submit: <T extends Task>(task: T, opts: Omit<DispatchSubmitOptions, 'priority' | 'sessionKey'> = {}) =>
        this.#submit(task, opts, state) as Promise<ResultOf<T>>,
      release: () => this.#releaseHandle(state),
    };
  }

  /** Run `fn` with a lane handle and release it afterwards, also when `fn` throws. */
  withLane<R>(fn: (lane: DispatchLaneHandle) => Promise<R>, options: { priority?: number } = {}): Promise<R> {
    return withHandle(this.lane(options), fn);
  }

  /** The queue by priority and each worker's state now. */
  stats(): DispatcherStats {
    const now = this.#clock.now();
    return {
      queuedByPriority: this.#mailbox.sizes(),
      queued: this.#mailbox.size + this.#retry.length,
      deferred: this.#mailbox.deferredSize,
      inFlight: this.#workers.reduce((n, w) => n + w.inFlight.size, 0),
      workers: this.#workers.map((w) => ({
        index: w.index,
        pid: w.pid,
        state: w.state,
        inFlight: w.inFlight.size,
        capacity: w.capacity,
        queued: w.pinned.length,
        restarts: w.restarts,
        tasksServed: w.tasksServed,
        health: w.health,
        uptimeMs: w.state === 'ready' && w.servingSince !== undefined ? now - w.servingSince : 0,
        lastExit: w.lastExit ? { reason: w.lastExit.reason, agoMs: now - w.lastExit.at } : null,
        running: [...w.inFlight.values()].map((e) => ({ taskId: e.id, type: e.raw.type, forMs: now - e.sentAt })),
      })),
    };
  }

  /** Answer every accepted task (waiting out worker restarts), then stop the workers and their browsers. Idempotent. */
  stop(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#stopPromise ??= this.#stop(options.timeoutMs ?? 30_000, false);
    return this.#stopPromise;
  }

  /** Fail every pending task with `ERR_ACTOR_STOPPED` (or `reason`, when it is an error) and end the workers and their browsers now. Idempotent. */
  kill(reason?: unknown): Promise<void> {
    this.#stopPromise ??= this.#stop(0, true, reason);
    return this.#stopPromise;
  }

  // ── submit ────────────────────────────────────────────────────────────────────────────

  #submit(task: Task, options: DispatchSubmitOptions, handle: HandleState | undefined, pin?: WorkerRecord): Promise<unknown> {
    let entry: Entry;
    try {
      if (this.#state === 'stopping' || this.#state === 'stopped')
        throw new ActorStoppedError(`${this.#id} is ${this.#state} and takes no new tasks`);
      if (handle?.released)
        throw new ActorStoppedError(`Lane handle ${handle.id} was released; it takes no new tasks (take a new one with dispatcher.lane())`);
      const valid = validateTask(task, this.#limits);
      const parsed = parseSubmitOptions(handle ? { ...options, priority: handle.priority } : options, this.#defaults);
      const { sessionKey, restoreUrl } = checkPlacementOptions(options);
      parsed.signal?.throwIfAborted();
      const now = this.#clock.now();
      entry = {
        id: `${this.#id}:${++this.#seq}`,
        raw: withSubmitterDefaults(task, valid),
        task: valid,
        priority: parsed.priority,
        submittedAt: now,
        deadlineAt: now + parsed.timeoutMs,
        result: createDeferred<unknown>(),
        signal: parsed.signal,
        idempotencyKey: parsed.idempotencyKey,
        idempotent: isIdempotent(valid),
        sessionKey,
        handle,
        restoreUrl,
        pin,
        phase: 'queued',
        attempts: 0,
        started: false,
        sentAt: 0,
        worker: undefined,
        ticket: undefined,
        deadline: undefined,
        onAbort: undefined,
      };
    } catch (error) {
      return Promise.reject(error);
    }
    const { answer, accepted } = this.#ledger.admit(
      entry,
      () => JSON.stringify(entry.task),
      () => this.#enqueue(entry),
      () =>
        this.#giveUp(
          entry,
          new TaskTimeoutError(`Task ${entry.id} (${entry.task.type}) did not finish within its deadline`, {
            details: { taskId: entry.id, type: entry.task.type },
          }),
        ),
      () => this.#giveUp(entry, entry.signal?.reason),
    );
    if (accepted) {
      if (handle) handle.open++;
      if (this.#state === 'idle') void this.start().catch(() => undefined);
      this.#pump();
    }
    return answer;
  }

  /** Tasks bound to a worker wait in its own queue (bounded by the mailbox capacity); the rest in the mailbox. */
  #enqueue(entry: Entry): MailboxFullError | undefined {
    if (entry.sessionKey !== undefined && !entry.pin && !entry.handle && !this.#ownerOf(entry)) this.#bindSession(entry.sessionKey);
    const owner = this.#ownerOf(entry);
    if (owner) {
      if (owner.pinned.length >= this.#mailbox.capacity) {
        return new MailboxFullError(
          `Worker ${owner.index} of ${this.#id} already has ${owner.pinned.length} tasks waiting for it (the queue capacity); task refused — await the earlier ones first`,
          {
            details: { capacity: this.#mailbox.capacity, queued: owner.pinned.length, worker: owner.index },
          },
        );
      }
      insertByPriority(owner.pinned, entry);
      return undefined;
    }
    const ticket = this.#mailbox.offer(entry, entry.priority);
    if (!ticket) {
      return new MailboxFullError(
        `Dispatcher queue full: ${this.#mailbox.size} of ${this.#mailbox.capacity} queued (${this.#id}); task refused — retry later`,
        {
          details: { capacity: this.#mailbox.capacity, queued: this.#mailbox.size, priority: entry.priority },
        },
      );
    }
    entry.ticket = ticket;
    return undefined;
  }

  /**
   * A new session goes to the worker holding the fewest sessions (then the least busy), so that
   * sessions get browsers of their own while there are enough workers: two sessions in one
   * browser share its cookies.
   */
  #bindSession(sessionKey: string): void {
    const sessions = new Map<WorkerRecord, number>();
    for (const w of this.#sessions.values()) sessions.set(w, (sessions.get(w) ?? 0) + 1);
    const load = (w: WorkerRecord): number => w.inFlight.size + w.pinned.length;
    const best = this.#workers
      .filter((w) => w.state !== 'failed')
      .sort((a, b) => (sessions.get(a) ?? 0) - (sessions.get(b) ?? 0) || load(a) - load(b) || a.index - b.index)[0];
    if (best) this.#sessions.set(sessionKey, best);
  }

  /** The worker an entry must run on, if it is bound: its session's or its lane handle's. */
  #ownerOf(entry: Entry): WorkerRecord | undefined {
    const owner = entry.pin ?? entry.handle?.worker ?? (entry.sessionKey === undefined ? undefined : this.#sessions.get(entry.sessionKey));
    return owner && owner.state !== 'failed' ? owner : undefined;
  }

  #shed(entry: Entry): void {
    entry.ticket = undefined;
    this.#answer(
      entry,
      undefined,
      new ShedError(`Task ${entry.id} was shed from the full dispatcher queue for a higher-priority task`, {
        details: { taskId: entry.id, priority: entry.priority },
      }),
    );
  }

  #releaseHandle(handle: HandleState): void {
    if (handle.released) return;
    handle.released = true;
    this.#maybeReleaseRemote(handle);
  }

  #maybeReleaseRemote(handle: HandleState): void {
    if (!handle.released || handle.open > 0 || !handle.worker) return;
    const w = handle.worker;
    if (!w.handles.delete(handle)) return;
    if (w.state === 'ready') this.#send(w, { t: 'release', handle: handle.id });
    this.#pump();
  }

  /** Deadline or abort: answer now; the worker is told to stop the task, and its late answer is discarded. */
  #giveUp(entry: Entry, error: unknown): void {
    if (entry.phase === 'queued') this.#unqueue(entry);
    else if (entry.phase === 'sent' && entry.worker?.state === 'ready') this.#send(entry.worker, { t: 'cancel', id: entry.id });
    this.#answer(entry, undefined, error);
    this.#pump();
  }

  #unqueue(entry: Entry): void {
    if (entry.ticket) {
      this.#mailbox.remove(entry.ticket);
      entry.ticket = undefined;
    }
    this.#retry = this.#retry.filter((e) => e !== entry);
    for (const w of this.#workers) if (w.pinned.includes(entry)) w.pinned = w.pinned.filter((e) => e !== entry);
  }

  #answer(entry: Entry, value: unknown, error: unknown): void {
    const worker = entry.worker?.index ?? null;
    if (!this.#ledger.answer(entry, value, error)) return;
    if (entry.handle) {
      entry.handle.open--;
      this.#maybeReleaseRemote(entry.handle);
    }
    if (this.#events.hasListeners('task:end')) {
      this.#events.emit('task:end', {
        taskId: entry.id,
        type: entry.task.type,
        worker,
        ok: error === undefined,
        attempts: entry.attempts,
        durationMs: this.#clock.now() - entry.submittedAt,
        ...(error === undefined ? {} : { errorCode: (error as { code?: string }).code ?? 'ERR_UNKNOWN' }),
      });
    }
    this.#checkDrained();
  }

  // ── placement ─────────────────────────────────────────────────────────────────────────

  /** Hand waiting tasks to ready workers with room, least-loaded first. The only place that sends tasks. */
  #pump(): void {
    if (this.#state !== 'running' && this.#state !== 'stopping') return;
    for (;;) {
      const candidates = this.#workers.filter((w) => w.state === 'ready' && w.inFlight.size < w.capacity);
      if (candidates.length === 0) return;
      let placed = false;
      // Least-loaded first; ties go to the lower index.
      candidates.sort((a, b) => a.inFlight.size - b.inFlight.size || a.index - b.index);
      for (const w of candidates) {
        const entry = this.#nextFor(w);
        if (!entry) continue;
        this.#dispatch(w, entry);
        placed = true;
        break;
      }
      if (!placed) return;
    }
  }

  /** The next task `w` should run: its own pinned ones first, then re-runs, then the mailbox (skipping tasks bound elsewhere). */
  #nextFor(w: WorkerRecord): Entry | undefined {
    const own = w.pinned.shift();
    if (own) return own;
    for (let i = 0; i < this.#retry.length; i++) {
      const entry = this.#retry[i] as Entry;
      const owner = this.#ownerOf(entry);
      if ((owner && owner !== w) || (!owner && !this.#canTake(w, entry))) continue;
      this.#retry.splice(i, 1);
      return entry;
    }
    for (;;) {
      const entry = this.#mailbox.take();
      if (!entry) return undefined;
      entry.ticket = undefined;
      const owner = this.#ownerOf(entry);
      if (owner && owner !== w) {
        // Bound to a busy worker meanwhile (its session's first task was placed there): wait for it.
        insertByPriority(owner.pinned, entry);
        continue;
      }
      if (!owner && !this.#canTake(w, entry)) {
        // A new lane handle, and every tab of this worker is held: it waits for a worker with a free one.
        this.#retry.push(entry);
        continue;
      }
      return entry;
    }
  }

  /** Whether `w` can take an unbound entry: a new lane handle needs one of its tabs free of other handles. */
  #canTake(w: WorkerRecord, entry: Entry): boolean {
    return !entry.handle || entry.handle.worker !== undefined || w.handles.size < w.lanes;
  }

  #dispatch(w: WorkerRecord, entry: Entry): void {
    if (entry.sessionKey !== undefined && !this.#sessions.has(entry.sessionKey)) this.#sessions.set(entry.sessionKey, w);
    const handle = entry.handle;
    if (handle && handle.worker !== w) {
      // Its first task, or its worker was given up: the handle moves here for good.
      handle.worker?.handles.delete(handle);
      handle.worker = w;
      w.handles.add(handle);
    }
    // A handle whose page lived in a worker process that is gone continues its sequence here on
    // that page: the worker reloads it before the handle's next task that reads the page.
    const resumeUrl =
      handle?.url !== undefined && (handle.pageIn?.worker !== w || handle.pageIn.incarnation !== w.incarnation) ? handle.url : undefined;
    entry.phase = 'sent';
    entry.sentAt = this.#clock.now();
    entry.worker = w;
    w.inFlight.set(entry.id, entry);
    // An idempotent task nobody watches start is counted as started when sent: a lost worker
    // re-runs it either way, and the attempt counts against maxAttempts.
    const reportStart = !entry.idempotent || this.#events.hasListeners('task:start');
    entry.started = !reportStart;
    if (!reportStart) entry.attempts++;
    this.#send(w, {
      t: 'task',
      id: entry.id,
      task: entry.raw,
      priority: entry.priority,
      timeoutMs: Math.max(1, entry.deadlineAt - this.#clock.now()),
      ...(entry.restoreUrl === undefined ? {} : { restoreUrl: entry.restoreUrl }),
      ...(handle ? { handle: handle.id } : {}),
      ...(resumeUrl === undefined ? {} : { resumeUrl }),
      ...(reportStart ? { reportStart: true } : {}),
    });
  }

  #send(w: WorkerRecord, message: ToWorker): void {
    this.#pool.send(w, message);
  }

  // ── workers ───────────────────────────────────────────────────────────────────────────

  /** A worker reported on one of its tasks: it reached the browser, or its answer. */
  #onTask(w: WorkerRecord, message: Extract<FromWorker, { t: 'started' | 'done' | 'failed' }>): void {
    const entry = w.inFlight.get(message.id);
    if (!entry) return;
    if (message.t === 'started') {
      if (!entry.started) {
        entry.started = true;
        entry.attempts++;
        if (this.#events.hasListeners('task:start'))
          this.#events.emit('task:start', { taskId: entry.id, type: entry.task.type, worker: w.index, attempt: entry.attempts });
      }
      return;
    }
    w.inFlight.delete(message.id);
    if (message.t === 'done') {
      w.tasksThisIncarnation++;
      w.tasksServed++;
      if (entry.handle && entry.raw.type === 'Navigate') {
        const url = (message.value as { url?: unknown } | undefined)?.url;
        entry.handle.url = typeof url === 'string' ? url : entry.raw.url;
        entry.handle.pageIn = { worker: w, incarnation: w.incarnation };
      }
      this.#answer(entry, decodeValue(message.value), undefined);
    } else {
      this.#answer(entry, undefined, deserializeError(message.error));
    }
    this.#pump();
  }

  /** A worker's process is gone: its tasks that never reached a browser, or may run again, are placed again; the others fail as maybe executed. */
  #onLost(w: WorkerRecord, reason: string): { requeued: number; failed: number } {
    let requeued = 0;
    let failed = 0;
    const lost = [...w.inFlight.values()];
    w.inFlight.clear();
    for (const entry of lost) {
      if (entry.phase === 'done') continue;
      entry.worker = undefined;
      if (!entry.started || (entry.idempotent && entry.attempts < this.#maxAttempts)) {
        // Never reached a browser, or safe to run again: place it again (front of the line).
        entry.phase = 'queued';
        this.#retry.push(entry);
        requeued++;
      } else {
        failed++;
        this.#answer(
          entry,
          undefined,
          new ActorCrashedError(
            entry.idempotent
              ? `Task ${entry.id} (${entry.task.type}) was running on worker ${w.index} when it was lost, ${entry.attempts} times (maxAttempts); not run again`
              : `Task ${entry.id} (${entry.task.type}) was running on worker ${w.index} when it was lost (${reason}); it is not idempotent, so it was not run again and may or may not have taken effect`,
            { details: { taskId: entry.id, worker: w.index, maybeExecuted: true, attempts: entry.attempts } },
          ),
        );
      }
    }
    return { requeued, failed };
  }

  /** The worker is failed for good: its bound tasks and sessions go to the others; with none left (`allFailed`), everything fails. */
  #onGivenUp(w: WorkerRecord, allFailed: Error | undefined): void {
    for (const [key, owner] of this.#sessions) if (owner === w) this.#sessions.delete(key);
    const pinned = w.pinned;
    w.pinned = [];
    this.#retry.push(...pinned);
    if (allFailed) {
      for (const entry of [...this.#retry, ...this.#mailbox.drain()]) this.#answer(entry, undefined, allFailed);
      this.#retry = [];
    }
  }

  // ── stop ──────────────────────────────────────────────────────────────────────────────

  #pendingCount(): number {
    return (
      this.#mailbox.size +
      this.#mailbox.deferredSize +
      this.#retry.length +
      this.#workers.reduce((n, w) => n + w.pinned.length + [...w.inFlight.values()].filter((e) => e.phase !== 'done').length, 0)
    );
  }

  #checkDrained(): void {
    if (this.#drained && this.#pendingCount() === 0) this.#drained.resolve();
  }

  /** Answer every task not answered yet with `error`: queued, waiting for a worker, or in flight. */
  #failPending(error: Error): void {
    const all = [...this.#retry, ...this.#mailbox.drain(), ...this.#workers.flatMap((w) => [...w.pinned, ...w.inFlight.values()])];
    this.#retry = [];
    for (const w of this.#workers) w.pinned = [];
    for (const entry of all) this.#answer(entry, undefined, error);
  }

  async #stop(timeoutMs: number, kill: boolean, reason?: unknown): Promise<void> {
    const wasIdle = this.#state === 'idle';
    this.#state = 'stopping';
    if (kill) {
      const error =
        reason instanceof Error
          ? reason
          : new ActorStoppedError(`${this.#id} was killed${typeof reason === 'string' ? `: ${reason}` : ''}; the task was not answered`);
      this.#failPending(error);
    } else if (!wasIdle && this.#pendingCount() > 0) {
      this.#drained = createDeferred<void>();
      const timer = this.#clock.setTimeout(() => this.#drained?.resolve(), timeoutMs);
      await this.#drained.promise;
      this.#clock.clearTimeout(timer);
      const error = new ActorStoppedError(`${this.#id} stopped before the task finished (stop timeout ${timeoutMs}ms)`);
      this.#failPending(error);
    }
    this.#state = 'stopped';
    await this.#pool.stop(kill);
    this.#ledger.clear();
  }
}

function insertByPriority(queue: Entry[], entry: Entry): void {
  let i = queue.length;
  while (i > 0 && (queue[i - 1] as Entry).priority < entry.priority) i--;
  queue.splice(i, 0, entry);
}

/** A dispatcher over `options.workers` worker processes; call `start()` (or just `submit`). */
export function createWorkDispatcher(options: WorkDispatcherOptions): WorkDispatcher {
  return new WorkDispatcher(options);
}
