import type { BrowserInfo, DriverFactory } from '../../drivers/driver.js';
import {
  ActorCrashedError,
  ActorStoppedError,
  type BrowserActorError,
  InvalidOptionError,
  InvalidTaskError,
  MailboxFullError,
  RestartLimitError,
  SequenceCutError,
  ShedError,
  TaskTimeoutError,
  isBrowserActorError,
} from '../../errors.js';
import { type Clock, type TimerHandle, systemClock } from '../../internal/clock.js';
import type { Deadline } from '../../internal/deadlines.js';
import { type Deferred, createDeferred } from '../../internal/deferred.js';
import { redactUrl } from '../../internal/redact.js';
import { TypedEmitter } from '../../internal/typed-emitter.js';
import { type ActorBookkeeping, BrowserActor } from '../actor/browser-actor.js';
import { Priority, PriorityMailbox, type Ticket } from '../mailbox/mailbox.js';
import { isIdempotent } from '../tasks/run-task.js';
import type { ResultOf, Task } from '../tasks/types.js';
import { type ValidTask, validateTask } from '../tasks/validate.js';
import { AnswerLedger } from '../answer-ledger.js';
import { type ExecutorCapabilities, type ExecutorEvent, type ExecutorHealth, type TaskExecutor, correlation, taskEndEvent } from '../executor.js';
import { handlePriority, mailboxOptions, parseSubmitOptions, resumeUrlOption, withHandle } from '../submit-helpers.js';
import { type HandleState, type Lane, type LaneWork, type SnapshotVersion, laneIsFree, newLane, newTab } from './lanes.js';
import { checkHealth } from './health-monitor.js';
import { type FailedBrowser, RestartPolicy } from './restart-policy.js';
import { type SessionSnapshot, captureSession, restoreSession } from './session-snapshot.js';
import { type SessionSupervisorOptions, type SupervisedSubmitOptions, type SupervisorSettings, resolveSupervisorOptions } from './supervisor-options.js';
import type { FaultKind, FaultRecord, LaneHandle, LaneOptions, SessionSupervisorEvents, SupervisorHealth, SupervisorState } from './supervisor-types.js';

export type { LaneHealth, LaneWork } from './lanes.js';
export type { FaultKind, FaultRecord, LaneHandle, LaneOptions, SessionSupervisorEvents, SupervisorHealth, SupervisorState } from './supervisor-types.js';
export type { SessionSupervisorOptions, SupervisedSubmitOptions } from './supervisor-options.js';

type Phase = 'queued' | 'running' | 'compensating' | 'done';

interface Entry {
  readonly id: string;
  readonly task: Task;
  readonly valid: ValidTask;
  readonly priority: number;
  readonly timeoutMs: number;
  readonly submittedAt: number;
  readonly deadlineAt: number;
  readonly result: Deferred<unknown>;
  readonly signal: AbortSignal | undefined;
  readonly idempotencyKey: string | undefined;
  readonly compensate: Task | undefined;
  readonly restoreUrl: boolean;
  /** The task's own `restoreUrl`, if it gave one (a lane handle reopens its page unless told `false`). */
  readonly restoreUrlAsked: boolean | undefined;
  readonly correlationId: string | undefined;
  readonly handle: HandleState<Entry> | undefined;
  phase: Phase;
  attempts: number;
  /** Runs ended by a crash that may have been the task's own doing (see `#afterCrash`). */
  blamedRuns: number;
  /** Whether the current run started alone on a browser that had answered nothing yet. */
  alone: boolean;
  /** The lane of its last run. */
  lane: number | undefined;
  ticket: Ticket<Entry> | undefined;
  deadline: Deadline | undefined;
  onAbort: (() => void) | undefined;
  forward: AbortController | undefined;
  crash: ActorCrashedError | undefined;
}

const SUPERVISOR_CAPABILITIES: ExecutorCapabilities = Object.freeze({
  laneHandles: true,
  overflow: Object.freeze(['reject', 'shed-lowest', 'defer'] as const),
  sessionKeys: false,
  taskStart: true,
  killsBrowsers: true,
});

/** Runs of an idempotent task in all, crashes it cannot have caused included, as a multiple of maxAttempts. */
const COLLATERAL_RUNS_FACTOR = 4;
/** Tasks that read or act on the page a sequence is on (the others work on the session, which a restore brings back). */
const PAGE_BOUND: ReadonlySet<string> = new Set(['ExecuteJS', 'Screenshot', 'CurrentUrl']);
const FATAL_LAUNCH_CODES = new Set(['ERR_BROWSER_NOT_FOUND', 'ERR_INVALID_OPTION']);
let supervisorCounter = 0;

/**
 * Keeps one browser session alive for its callers. Tasks wait in the supervisor's own bounded
 * priority mailbox and go to the current {@link BrowserActor}, one at a time per lane (tab).
 * When the browser dies, hangs or stops answering probes, the supervisor replaces it
 * (exponential backoff with full jitter; a crash loop of browsers that do no work ends in
 * `ERR_RESTART_LIMIT`), loads the last session snapshot into the new browser, verifies it, and
 * carries on: queued tasks wait (their timeouts still count), the tasks that were running are
 * re-run when they are idempotent, and every accepted task is answered exactly once.
 */
export class SessionSupervisor implements TaskExecutor {
  readonly id: string;
  readonly kind = 'supervisor' as const;
  readonly capabilities: ExecutorCapabilities = SUPERVISOR_CAPABILITIES;
  readonly #factory: DriverFactory;
  readonly #clock: Clock;
  readonly #ledger: AnswerLedger<Entry>;
  readonly #events = new TypedEmitter<SessionSupervisorEvents>();
  readonly #mailbox: PriorityMailbox<Entry>;
  readonly #settings: SupervisorSettings;
  readonly #policy: RestartPolicy;
  readonly #actorOptions: SessionSupervisorOptions['actor'];
  readonly #lanes: Lane<Entry>[];
  /** The actor lane number for session-wide work (cookies, snapshots): never opens a tab. */
  readonly #sessionLane: number;

  #state: SupervisorState = 'idle';
  #actor: BrowserActor | undefined;
  #generation = 0;
  #retry: Entry[] = [];
  #compensations: Entry[] = [];
  #seq = 0;
  #handleSeq = 0;
  #snapshot: SessionSnapshot | undefined;
  /** The session version the latest shared snapshot (taken or being taken) reflects. */
  #snapshotVersion: SnapshotVersion | undefined;
  #snapshotsTaken = 0;
  #snapshotsSkipped = 0;
  #dirty = false;
  #snapRunning: Promise<void> | undefined;
  #snapNext: Promise<void> | undefined;
  #lastUrl: string | undefined;
  /** A task just got a crash answer from a browser that still looks alive: check it before anything else runs. */
  #verifyFirst = false;
  #verifying = false;
  /** Checks after a crash answer that ran out of time without an answer, on this browser. */
  #verifyTimeouts = 0;
  #recycling = false;
  #restarts = 0;
  #recycles = 0;
  #lastFault: FaultRecord | null = null;
  #faultAt: number | undefined;
  #nextRestartAt: number | null = null;
  #restartTimer: TimerHandle | undefined;
  #tickTimer: TimerHandle | undefined;
  #readyAt = 0;
  #serving = false;
  #tasksOnBrowser = 0;
  /** Navigate tasks the current browser answered (recycling by navigations). */
  #navigationsOnBrowser = 0;
  /** Node's used heap when the current browser started serving (recycling by heap growth). */
  #heapAtReady = 0;
  get #watchHeap(): boolean {
    return this.#settings.recycle.maxHeapGrowthBytes < Number.MAX_SAFE_INTEGER;
  }
  #recyclePending: string | undefined;
  #probeFailures = 0;
  #lastProgressAt = 0;
  #lastTickAt = 0;
  #failure: BrowserActorError | undefined;
  #readyWaiters: Deferred<void>[] = [];
  #drainWaiters: Deferred<void>[] = [];
  #stopPromise: Promise<void> | undefined;
  #retiring = new Set<Promise<void>>();
  #standby: { readonly actor: BrowserActor; readonly started: Promise<void>; ready: boolean } | undefined;
  #standbySeq = 0;

  constructor(options: SessionSupervisorOptions) {
    if (typeof options?.driver !== 'function') {
      throw new InvalidOptionError('SessionSupervisor needs a driver factory: new SessionSupervisor({ driver: () => new SomeDriver() })');
    }
    this.id = options.id ?? `supervisor-${++supervisorCounter}`;
    this.#factory = options.driver;
    this.#clock = options.clock ?? systemClock;
    this.#ledger = new AnswerLedger<Entry>(this.#clock);
    this.#actorOptions = options.actor;
    this.#settings = resolveSupervisorOptions(options);
    this.#policy = new RestartPolicy(options, options.random ?? Math.random);
    this.#lanes = Array.from({ length: this.#settings.lanes }, (_, i) => newLane<Entry>(i));
    this.#sessionLane = this.#settings.lanes;
    this.#mailbox = new PriorityMailbox<Entry>(
      mailboxOptions<Entry>(options.mailbox, (entry) =>
        this.#settle(
          entry,
          undefined,
          new ShedError(`Task ${entry.id} (${entry.task.type}, priority ${entry.priority}) was dropped from the full mailbox for a higher-priority task (${this.id}); it never ran`, {
            details: { taskId: entry.id, priority: entry.priority },
          }),
        ),
      ),
    );
  }

  get state(): SupervisorState {
    return this.#state;
  }

  /** The current browser's name, version and pid. */
  get browser(): BrowserInfo | undefined {
    return this.#actor?.browser;
  }

  on<K extends keyof SessionSupervisorEvents>(name: K, listener: (event: SessionSupervisorEvents[K]) => void): () => void {
    return this.#events.on(name, listener);
  }

  off<K extends keyof SessionSupervisorEvents>(name: K, listener: (event: SessionSupervisorEvents[K]) => void): void {
    this.#events.off(name, listener);
  }

  /** Every event in the executors' one vocabulary ({@link ExecutorEvent}). */
  onEvent(listener: (event: ExecutorEvent) => void): () => void {
    const executor = this.id;
    const offs = [
      this.on('task:start', (e) => listener({ type: 'task:start', executor, taskId: e.taskId, taskType: e.type, attempt: e.attempt, where: { lane: e.lane }, ...correlation(e.correlationId) })),
      this.on('task:end', (e) => listener(taskEndEvent(executor, e, e.lane === undefined ? null : { lane: e.lane }))),
      this.on('fault', (e) => listener({ type: 'fault', executor, kind: e.kind, reason: e.reason, where: e.lane === undefined ? {} : { lane: e.lane } })),
      this.on('restarting', (e) =>
        listener(e.planned ? { type: 'recycle', executor, reason: e.reason, where: {} } : { type: 'restart', executor, reason: e.reason, attempt: e.attempt, delayMs: e.delayMs, where: {} }),
      ),
      this.on('ready', (e) => listener({ type: 'ready', executor, where: {}, downtimeMs: e.downtimeMs, pid: this.browser?.pid ?? null })),
      this.on('failed', (e) => listener({ type: 'failed', executor, reason: e.error.message, errorCode: e.error.code, where: {} })),
    ];
    return () => {
      for (const off of offs) off();
    };
  }

  /** The summary every executor gives ({@link ExecutorHealth}). */
  executorHealth(): ExecutorHealth {
    const h = this.health();
    return { state: h.state, queued: h.queueDepth, inFlight: h.inFlight, restarts: h.restarts, recycles: h.recycles, lastFault: h.lastFault && { kind: h.lastFault.kind, reason: h.lastFault.reason } };
  }

  /**
   * Start the first browser (idempotent). Resolves once it serves; a failed launch is retried
   * with backoff within the restart limit, and the promise rejects when the supervisor gives up.
   */
  startActor(): Promise<void> {
    if (this.#state === 'idle') {
      this.#setState('starting');
      this.#scheduleTick();
      void this.#launch(0);
    }
    return this.ensureActorLive();
  }

  /** Resolves when a browser is serving (starting one if none was started); rejects when the supervisor failed or stopped. */
  ensureActorLive(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.#state === 'idle') return this.startActor();
    if (this.#state === 'healthy' || this.#state === 'degraded') return Promise.resolve();
    if (this.#state === 'failed' || this.#state === 'stopping' || this.#state === 'stopped') return Promise.reject(this.#notAcceptingError());
    const waiter = createDeferred<void>();
    this.#readyWaiters.push(waiter);
    const { signal } = options;
    if (!signal) return waiter.promise;
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      waiter.promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /**
   * Replace the browser now because of `reason` (counts toward the restart limit when the
   * browser did no work). Resolves when the new browser serves.
   */
  restartOnFault(reason: string): Promise<void> {
    if (this.#state === 'healthy' || this.#state === 'degraded' || this.#state === 'starting') this.#fault('manual', reason);
    return this.ensureActorLive();
  }

  health(): SupervisorHealth {
    const now = this.#clock.now();
    const serving = this.#state === 'healthy' || this.#state === 'degraded';
    const open = new Set(this.#actor?.openLanes() ?? []);
    return {
      state: this.#state,
      restarts: this.#restarts,
      recycles: this.#recycles,
      lastFault: this.#lastFault,
      nextRestartAt: this.#nextRestartAt,
      uptimeMs: serving ? now - this.#readyAt : 0,
      queueDepth: this.#queueDepth(),
      inFlight: this.#lanes.filter((l) => l.running !== undefined).length,
      probeFailures: this.#probeFailures,
      browserPid: this.#actor?.browser?.pid ?? null,
      snapshotAgeMs: this.#snapshot ? now - this.#snapshot.at : null,
      snapshots: { taken: this.#snapshotsTaken, skipped: this.#snapshotsSkipped },
      lanes: this.#lanes.map((l) => ({
        lane: l.index,
        work: l.work,
        taskId: l.running?.id ?? null,
        taskType: l.running?.task.type ?? null,
        runningForMs: l.running ? now - l.busySince : 0,
        tabOpen: open.has(l.index),
        reserved: l.owner !== undefined,
        queued: l.queue.length,
        tasksServed: l.tasksServed,
      })),
    };
  }

  /** Counts of what the supervisor (and its current browser's actor) holds between tasks, for leak checks: they stay flat over a long run. */
  bookkeeping(): { readonly idempotencyKeys: number; readonly deadlines: number; readonly deadlineEntries: number; readonly listeners: number; readonly retry: number; readonly compensations: number; readonly waiters: number; readonly retiring: number; readonly actor: ActorBookkeeping | null } {
    return {
      ...this.#ledger.bookkeeping(),
      listeners: this.#events.listenerCount(),
      retry: this.#retry.length,
      compensations: this.#compensations.length,
      waiters: this.#readyWaiters.length + this.#drainWaiters.length,
      retiring: this.#retiring.size,
      actor: this.#actor?.bookkeeping() ?? null,
    };
  }

  /**
   * Submit a task; the promise settles exactly once. Bad input is rejected here and never counts
   * as a fault. Starts the first browser if none was started. The task runs on any free lane.
   */
  submit<T extends Task>(task: T, options: SupervisedSubmitOptions = {}): Promise<ResultOf<T>> {
    return this.#submit(task, options, undefined) as Promise<ResultOf<T>>;
  }

  /**
   * A handle that pins a sequence of tasks to one lane (tab), in order. Release it when done
   * (or use {@link withLane}). `priority` (default the supervisor's default) places its tasks
   * among the others while it waits for a lane.
   */
  lane(options: LaneOptions = {}): LaneHandle {
    const priority = handlePriority(options.priority, this.#settings.defaults.defaultPriority);
    const url = resumeUrlOption(options.resumeUrl);
    const state: HandleState<Entry> = { id: `${this.id}/lane-handle-${++this.#handleSeq}`, priority, lane: undefined, unbound: [], released: false, url, pageOn: undefined };
    return {
      id: state.id,
      get lane() {
        return state.lane?.index;
      },
      submit: <T extends Task>(task: T, opts: Omit<SupervisedSubmitOptions, 'priority'> = {}) => this.#submit(task, opts, state) as Promise<ResultOf<T>>,
      release: () => this.#releaseHandle(state),
    };
  }

  /** Run `fn` with a lane handle, and release it afterwards, also when `fn` throws. */
  withLane<R>(fn: (lane: LaneHandle) => Promise<R>, options: LaneOptions = {}): Promise<R> {
    return withHandle(this.lane(options), fn);
  }

  /** Finish every accepted task (waiting out restarts), then close the browser. Idempotent. */
  stop(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#stopPromise ??= this.#stop(options.timeoutMs ?? this.#settings.defaults.maxTimeoutMs);
    return this.#stopPromise;
  }

  /** Fail every pending task with `reason` and kill the browser now. Idempotent. */
  async kill(reason?: unknown): Promise<void> {
    const error = reason instanceof Error ? reason : new ActorStoppedError(`Supervisor ${this.id} was killed${typeof reason === 'string' ? `: ${reason}` : ''}`);
    if (this.#state !== 'stopped') this.#setState('stopped', 'kill()');
    this.#failPending(() => error);
    await this.#shutdown(true);
  }

  /** Resolves when a submit would be admitted without refusal or deferral. */
  onCapacity(options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.#mailbox.onCapacity(options);
  }

  // ── submit ────────────────────────────────────────────────────────────────────────────

  #submit(task: Task, options: SupervisedSubmitOptions, handle: HandleState<Entry> | undefined): Promise<unknown> {
    let entry: Entry;
    try {
      if (!this.#accepting()) throw this.#notAcceptingError();
      if (handle?.released) throw new ActorStoppedError(`Lane handle ${handle.id} was released; it takes no new tasks (take a new one with supervisor.lane())`);
      const valid = validateTask(task, this.#settings.limits);
      const parsed = parseSubmitOptions(handle ? { ...options, priority: handle.priority } : options, this.#settings.defaults);
      const { priority, timeoutMs, signal, idempotencyKey } = parsed;
      const { compensate } = options;
      if (compensate !== undefined) {
        try {
          validateTask(compensate, this.#settings.limits);
        } catch (error) {
          throw new InvalidTaskError(`compensate is not a valid task: ${(error as Error).message}`, { cause: error });
        }
      }
      if (options.restoreUrl !== undefined && typeof options.restoreUrl !== 'boolean') throw new InvalidTaskError('restoreUrl must be a boolean');
      if (options.correlationId !== undefined && (typeof options.correlationId !== 'string' || options.correlationId.length > 256)) {
        throw new InvalidTaskError('correlationId must be a string of at most 256 characters');
      }
      signal?.throwIfAborted();
      const now = this.#clock.now();
      entry = {
        id: `${this.id}:${++this.#seq}`,
        task,
        valid,
        priority,
        timeoutMs,
        submittedAt: now,
        deadlineAt: now + timeoutMs,
        result: createDeferred<unknown>(),
        signal,
        idempotencyKey,
        compensate,
        restoreUrl: options.restoreUrl ?? this.#settings.restoreUrl,
        restoreUrlAsked: options.restoreUrl,
        correlationId: options.correlationId,
        handle,
        phase: 'queued',
        attempts: 0,
        blamedRuns: 0,
        alone: false,
        lane: undefined,
        ticket: undefined,
        deadline: undefined,
        onAbort: undefined,
        forward: undefined,
        crash: undefined,
      };
    } catch (error) {
      return Promise.reject(error);
    }
    const { answer, accepted } = this.#ledger.admit(
      entry,
      () => JSON.stringify(entry.valid),
      () => this.#enqueue(entry),
      () => this.#onTimeout(entry),
      () => this.#cancel(entry, entry.signal?.reason),
    );
    if (accepted) {
      if (this.#state === 'idle') void this.startActor().catch(() => undefined);
      this.#pump();
    }
    return answer;
  }

  /**
   * Queue an accepted entry: a bound lane handle's task goes to its lane's own queue (bounded by
   * the mailbox capacity), everything else into the mailbox. Returns the refusal, if any.
   */
  #enqueue(entry: Entry): MailboxFullError | undefined {
    const lane = entry.handle?.lane;
    if (lane) {
      if (lane.queue.length >= this.#mailbox.capacity) {
        return new MailboxFullError(`Lane ${lane.index} of ${this.id} already has ${lane.queue.length} tasks queued (the mailbox capacity); task refused — await the earlier ones first`, {
          details: { capacity: this.#mailbox.capacity, queued: lane.queue.length, lane: lane.index },
        });
      }
      lane.queue.push(entry);
      return undefined;
    }
    const ticket = this.#mailbox.offer(entry, entry.priority);
    if (!ticket) {
      return new MailboxFullError(
        `Mailbox full: ${this.#mailbox.size} of ${this.#mailbox.capacity} queued (${this.id}, state ${this.#state}); task refused — retry later or await onCapacity()`,
        { details: { capacity: this.#mailbox.capacity, queued: this.#mailbox.size, priority: entry.priority, state: this.#state } },
      );
    }
    entry.ticket = ticket;
    entry.handle?.unbound.push(entry);
    return undefined;
  }

  #releaseHandle(handle: HandleState<Entry>): void {
    if (handle.released) return;
    handle.released = true;
    this.#pump();
  }

  /** The handle takes `lane`: its other tasks leave the mailbox for the lane's queue, in order. */
  #bind(handle: HandleState<Entry>, lane: Lane<Entry>, first: Entry): void {
    handle.lane = lane;
    lane.owner = handle;
    for (const entry of handle.unbound.splice(0)) {
      if (entry === first || entry.phase !== 'queued') continue;
      if (entry.ticket) this.#mailbox.remove(entry.ticket);
      entry.ticket = undefined;
      lane.queue.push(entry);
    }
  }

  // ── dispatch ──────────────────────────────────────────────────────────────────────────

  /** Hand the next pieces of work to free lanes. The only place that starts work. */
  #pump(): void {
    const actor = this.#actor;
    if (!actor || (this.#state !== 'healthy' && this.#state !== 'degraded' && this.#state !== 'stopping')) return;
    if (this.#recycling) return;
    if (this.#state === 'stopping' && this.#isDrained()) {
      this.#checkDrained();
      return;
    }
    if (this.#recyclePending !== undefined) {
      // Recycling waits for every lane to finish its current task; nothing new starts meanwhile.
      if (this.#lanes.every(laneIsFree) && this.#snapRunning === undefined) void this.#retire(this.#recyclePending);
      return;
    }
    if (this.#verifying) return;
    if (this.#verifyFirst) {
      const lane = this.#lanes.find(laneIsFree);
      if (!lane) return;
      this.#verifyFirst = false;
      void this.#probe(lane, true);
      return;
    }
    if (this.#dirty && this.#sharedSnapshots && this.#snapRunning === undefined) void this.#snapshotSession(actor, this.#generation);
    for (const lane of this.#lanes) {
      if (!laneIsFree(lane)) continue;
      const owner = lane.owner;
      if (owner) {
        const next = lane.queue.shift();
        if (next) {
          void this.#run(next, lane);
          continue;
        }
        if (!owner.released) continue;
        lane.owner = undefined; // released and drained: the lane is free for anyone
        owner.lane = undefined;
      }
      const compensation = this.#compensations.shift();
      if (compensation) {
        void this.#runCompensation(compensation, lane);
        continue;
      }
      const entry = this.#retry.shift() ?? this.#mailbox.take();
      if (!entry) continue;
      if (entry.handle) this.#bind(entry.handle, lane, entry);
      void this.#run(entry, lane);
    }
    this.#checkDrained();
  }

  async #run(entry: Entry, lane: Lane<Entry>): Promise<void> {
    const actor = this.#actor as BrowserActor;
    const generation = this.#generation;
    this.#occupy(lane, 'task', entry.deadlineAt);
    lane.running = entry;
    entry.phase = 'running';
    entry.ticket = undefined;
    const remaining = (): number => Math.max(1, entry.deadlineAt - this.#clock.now());
    if (this.#settings.isolateLanes && lane.sessionFor !== generation) {
      lane.sessionFor = generation;
      if (this.#settings.snapshotEnabled && lane.snapshot) await this.#restoreLane(actor, lane, generation);
    }
    const reopenUrl = this.#pageToReopen(entry, lane);
    if (reopenUrl !== undefined) await this.#reopen(entry, lane, actor, generation, reopenUrl, remaining());
    // The tab the task runs on (a Navigate that succeeds leaves its page on this tab).
    const epoch = lane.tabEpoch;
    let value: unknown;
    let error: unknown;
    let ok = false;
    if (entry.phase === 'running' && generation !== this.#generation) {
      // The browser died while the lane's URL was being restored: the task itself never started.
      entry.phase = 'queued';
      this.#requeue(entry);
    }
    if (entry.phase === 'running') {
      entry.attempts++;
      entry.lane = lane.index;
      entry.alone = generation === this.#generation && this.#tasksOnBrowser === 0 && this.#lanes.every((l) => l === lane || l.running === undefined);
      const forward = new AbortController();
      entry.forward = forward;
      if (this.#events.hasListeners('task:start')) {
        this.#events.emit('task:start', {
          taskId: entry.id,
          type: entry.task.type,
          lane: lane.index,
          attempt: entry.attempts,
          queuedMs: this.#clock.now() - entry.submittedAt,
          ...(entry.correlationId === undefined ? {} : { correlationId: entry.correlationId }),
        });
      }
      try {
        value = await actor.submit(entry.task, { priority: entry.priority, timeoutMs: remaining(), signal: forward.signal, lane: lane.index });
        ok = true;
      } catch (e) {
        error = e;
      }
      entry.forward = undefined;
    }
    if (lane.running === entry) lane.running = undefined;
    if (entry.phase === 'running') {
      if (ok) {
        this.#lastProgressAt = this.#clock.now();
        if (generation === this.#generation) {
          this.#tasksOnBrowser++;
          if (entry.task.type === 'Navigate') this.#navigationsOnBrowser++;
        }
        lane.tasksServed++;
        if (entry.task.type === 'Navigate') {
          const url = (value as { url?: string } | undefined)?.url;
          if (url !== undefined && /^https?:/i.test(url)) {
            lane.lastUrl = url;
            this.#lastUrl = url;
          }
          // The tab the task started on now shows the page (if the tab was lost since, its epoch has moved on).
          lane.urlOn = epoch;
          lane.reopenAfterRecycle = false;
          if (entry.handle) {
            entry.handle.url = typeof url === 'string' ? url : entry.task.url;
            entry.handle.pageOn = epoch;
          }
        }
        if (this.#settings.snapshotEnabled && this.#settings.snapshotAfter.has(entry.task.type) && generation === this.#generation) {
          // Snapshot before answering: a caller told "logged in" must stay logged in across a
          // crash. Unless the browser reports the session unchanged since the last snapshot.
          if (this.#settings.isolateLanes) {
            if (await this.#sessionChanged(actor, lane.index, lane.snapshotVersion)) await this.#snapshotLane(actor, lane, generation);
          } else if (this.#dirty || (await this.#sessionChanged(actor, lane.index, this.#snapshotVersion))) {
            this.#dirty = true;
            await this.#snapshotSession(actor, generation);
          } else if (this.#snapRunning !== undefined) {
            // Unchanged since a snapshot still being taken: it holds this task's changes once done.
            await this.#snapRunning;
          }
        }
        this.#settle(entry, value, undefined);
      } else if (isBrowserActorError(error, 'ERR_ACTOR_CRASHED') || (isBrowserActorError(error, 'ERR_ACTOR_STOPPED') && generation !== this.#generation)) {
        // A browser that is closing fails operations before it reports the disconnect: never
        // re-run on it (or run anything else) before it has proved it still works.
        if (generation === this.#generation && actor.state === 'ready') this.#verifyFirst = true;
        this.#afterCrash(entry, error);
      } else {
        // The task's own failure (script error, timeout, navigation error): never a fault.
        this.#lastProgressAt = this.#clock.now();
        this.#settle(entry, undefined, error);
      }
    }
    await this.#release(lane, actor, generation);
    if (generation === this.#generation) {
      if (this.#tasksOnBrowser >= this.#settings.recycle.maxTasks) this.#recyclePending ??= `served ${this.#tasksOnBrowser} tasks`;
      else if (this.#navigationsOnBrowser >= this.#settings.recycle.maxNavigations) this.#recyclePending ??= `${this.#navigationsOnBrowser} navigations`;
    }
    this.#pump();
  }

  /**
   * The URL to load on `lane` before `entry` runs, so that it sees the page its sequence left:
   * a lane handle's page after its tab was lost (crash, replaced tab, recycle); a lane's last
   * page after a planned recycle (ours to hide, with or without a handle); a lane's last page on
   * a new tab when the task asks for `restoreUrl`. Only tasks that read or act on the page need it.
   */
  #pageToReopen(entry: Entry, lane: Lane<Entry>): string | undefined {
    if (!PAGE_BOUND.has(entry.task.type)) return undefined;
    const handle = entry.handle;
    if (handle && handle === lane.owner && handle.url !== undefined) return handle.pageOn === lane.tabEpoch ? undefined : handle.url;
    if (lane.lastUrl === undefined) return undefined;
    if (lane.reopenAfterRecycle || (entry.restoreUrl && lane.urlOn !== lane.tabEpoch)) return lane.lastUrl;
    return undefined;
  }

  /**
   * Load `url` on the lane before `entry` runs. A browser or tab that dies meanwhile leaves the
   * task queued for the next one (the caller's check); any other failure, or a handle's task
   * that says `restoreUrl: false`, answers the task with `ERR_SEQUENCE_CUT` without running it.
   */
  async #reopen(entry: Entry, lane: Lane<Entry>, actor: BrowserActor, generation: number, url: string, timeoutMs: number): Promise<void> {
    const handle = entry.handle;
    const cut = (why: string, cause?: unknown): void => {
      this.#settle(
        entry,
        undefined,
        new SequenceCutError(`Task ${entry.id} (${entry.task.type}) did not run: lane ${lane.index}'s page was lost before it and ${why} (${this.id}); run the sequence again from its Navigate`, {
          ...(cause === undefined ? {} : { cause }),
          details: { taskId: entry.id, lane: lane.index, url: redactUrl(url) },
        }),
      );
    };
    if (handle && entry.restoreUrlAsked === false) {
      cut('the task said restoreUrl: false');
      return;
    }
    const epoch = lane.tabEpoch;
    try {
      await actor.submit({ type: 'Navigate', url }, { priority: Priority.HIGHEST, timeoutMs, lane: lane.index });
    } catch (error) {
      if (generation !== this.#generation || lane.tabEpoch !== epoch || isBrowserActorError(error, 'ERR_ACTOR_CRASHED')) {
        // Lost again while reopening: the task never started; it runs after the next tab is up.
        if (entry.phase === 'running' && generation === this.#generation) {
          entry.phase = 'queued';
          this.#requeue(entry);
          // As after a task's crash answer: a browser that still looks alive proves it works first.
          if (actor.state === 'ready') this.#verifyFirst = true;
        }
        return;
      }
      if (entry.phase === 'running') cut(`reopening it failed (${describeProbeError(error)})`, error);
      return;
    }
    lane.urlOn = epoch;
    lane.reopenAfterRecycle = false;
    if (handle) handle.pageOn = epoch;
  }

  /** The running task's browser or tab died under it: re-run, compensate, or answer with the crash. */
  #afterCrash(entry: Entry, error: BrowserActorError): void {
    const maybeExecuted = error.details['maybeExecuted'] !== false;
    const maxAttempts = this.#settings.maxAttempts;
    if (!maybeExecuted) entry.attempts--; // it never ran: not an attempt
    // Only a crash the task may have caused counts toward maxAttempts: one that ended a run that
    // started alone on a browser that had answered nothing yet. A browser that served other work,
    // or ran other tasks beside this one, died of something else as likely as of this task (a
    // kill, memory): such runs are bounded apart, by a wider limit, so that a browser killed
    // again and again from outside does not cost its bystanders their answers.
    if (maybeExecuted && entry.alone) entry.blamedRuns++;
    const mayRunAgain = isIdempotent(entry.valid) && entry.blamedRuns < maxAttempts && entry.attempts < maxAttempts * COLLATERAL_RUNS_FACTOR;
    if (!maybeExecuted || mayRunAgain) {
      entry.phase = 'queued';
      this.#requeue(entry);
      return;
    }
    const crash = new ActorCrashedError(
      `Task ${entry.id} (${entry.task.type}) was running when the browser or tab died (${this.id}, ${isIdempotent(entry.valid) ? `run ${entry.attempts}; ${entry.blamedRuns} of its runs ended alone on a fresh browser (maxAttempts ${maxAttempts})` : `attempt ${entry.attempts}, not idempotent`}); it may have taken effect`,
      { cause: error, details: { taskId: entry.id, maybeExecuted: true, idempotent: isIdempotent(entry.valid), attempts: entry.attempts } },
    );
    if (entry.compensate) {
      entry.phase = 'compensating';
      entry.crash = crash;
      this.#compensations.push(entry);
      return;
    }
    this.#settle(entry, undefined, crash);
  }

  /** Put a task that must run again back in line: first in its lane handle's queue, or ahead of new work of its priority. */
  #requeue(entry: Entry): void {
    const lane = entry.handle?.lane;
    if (lane) {
      lane.queue.unshift(entry);
      return;
    }
    const at = this.#retry.findIndex((e) => e.priority < entry.priority);
    if (at === -1) this.#retry.push(entry);
    else this.#retry.splice(at, 0, entry);
  }

  async #runCompensation(entry: Entry, lane: Lane<Entry>): Promise<void> {
    const actor = this.#actor as BrowserActor;
    const generation = this.#generation;
    this.#occupy(lane, 'task');
    const crash = entry.crash as ActorCrashedError;
    let compensated = false;
    let compensationError: string | null = null;
    try {
      const timeoutMs = Math.max(1, Math.min(this.#settings.defaults.defaultTimeoutMs, entry.deadlineAt - this.#clock.now()));
      await actor.submit(entry.compensate as Task, { priority: Priority.HIGHEST, timeoutMs, lane: lane.index });
      compensated = true;
    } catch (error) {
      compensationError = (error as { code?: string }).code ?? 'ERR_UNKNOWN';
    }
    this.#settle(
      entry,
      undefined,
      new ActorCrashedError(`${crash.message}; its compensating task ${compensated ? 'ran' : `failed (${compensationError})`}`, {
        cause: crash.cause,
        details: { ...crash.details, compensated, compensationError },
      }),
    );
    await this.#release(lane, actor, generation);
    this.#pump();
  }

  #occupy(lane: Lane<Entry>, work: Exclude<LaneWork, 'free'>, dueAt?: number): void {
    lane.work = work;
    lane.busySince = this.#clock.now();
    lane.dueAt = dueAt ?? lane.busySince + (work === 'probe' ? this.#settings.probeTimeoutMs : this.#settings.restoreTimeoutMs);
  }

  /**
   * Free the lane once the browser has really finished on it (a timed-out script may still be
   * running until the actor has stopped it or replaced the tab), unless the browser was
   * replaced meanwhile, which reset every lane.
   */
  async #release(lane: Lane<Entry>, actor: BrowserActor, generation: number): Promise<void> {
    if (generation !== this.#generation) return;
    await actor.idle(lane.index);
    if (generation !== this.#generation) return;
    lane.work = 'free';
  }

  // ── session snapshots ─────────────────────────────────────────────────────────────────

  /**
   * A snapshot that starts after this call. Concurrent callers share one: while a snapshot runs,
   * every caller that arrives waits for the single next one, which reflects all their changes.
   */
  #snapshotSession(actor: BrowserActor, generation: number): Promise<void> {
    if (this.#snapRunning === undefined) return this.#startSnapshot(actor, generation);
    this.#snapNext ??= this.#snapRunning.then(() => {
      this.#snapNext = undefined;
      return this.#startSnapshot(actor, generation);
    });
    return this.#snapNext;
  }

  #startSnapshot(actor: BrowserActor, generation: number): Promise<void> {
    const run = this.#snapshotNow(actor, generation).finally(() => {
      if (this.#snapRunning === run) this.#snapRunning = undefined;
      this.#pump();
    });
    this.#snapRunning = run;
    return run;
  }

  /** Snapshots of the one shared context (isolated lanes each keep their own instead). */
  get #sharedSnapshots(): boolean {
    return this.#settings.snapshotEnabled && !this.#settings.isolateLanes;
  }

  /**
   * Whether the session `lane` uses may have changed since the snapshot taken at `last`: the
   * browser's session version moved, or it cannot tell. With `snapshot.when: 'always'`, always.
   */
  async #sessionChanged(actor: BrowserActor, lane: number, last: SnapshotVersion | undefined): Promise<boolean> {
    if (!this.#settings.snapshotWhenChanged || last === undefined || last.generation !== this.#generation) return true;
    const version = await actor.sessionVersion(lane, this.#settings.restoreTimeoutMs);
    if (version !== null && version === last.version) {
      this.#snapshotsSkipped++;
      return false;
    }
    return true;
  }

  /** The session version a snapshot about to be taken reflects (read before the capture, so later changes count as new). */
  async #versionNow(actor: BrowserActor, lane: number, generation: number): Promise<SnapshotVersion | undefined> {
    if (!this.#settings.snapshotWhenChanged) return undefined;
    const version = await actor.sessionVersion(lane, this.#settings.restoreTimeoutMs);
    return version === null ? undefined : { generation, version };
  }

  /** Isolated lanes: the lane's own context after its task; on failure the previous one stays. */
  async #snapshotLane(actor: BrowserActor, lane: Lane<Entry>, generation: number): Promise<void> {
    try {
      const version = await this.#versionNow(actor, lane.index, generation);
      const state = await captureSession(actor, lane.index, this.#settings.restoreTimeoutMs);
      if (generation !== this.#generation) return;
      lane.snapshot = { state, url: lane.lastUrl, at: this.#clock.now() };
      lane.snapshotVersion = version;
      this.#snapshotsTaken++;
      this.#events.emit('snapshot', { cookies: state.cookies.length, origins: state.origins.length });
    } catch {
      // A browser that died here is handled by the crash path.
      lane.snapshotVersion = undefined;
    }
  }

  /** Isolated lanes: load the lane's own session into its new tab's context, before its first task there. */
  async #restoreLane(actor: BrowserActor, lane: Lane<Entry>, generation: number): Promise<void> {
    try {
      await restoreSession(actor, lane.snapshot, { lane: lane.index, timeoutMs: this.#settings.restoreTimeoutMs });
      newTab(lane); // the restore may have navigated the tab
    } catch (error) {
      if (generation !== this.#generation || this.#actor !== actor) return; // the browser died meanwhile: the crash path runs
      this.#fault('restore-failed', `restoring lane ${lane.index}'s session failed: ${error instanceof Error ? error.message : String(error)}`, lane.index);
    }
  }

  /** Export cookies and local storage; on failure keep the previous snapshot and stay dirty. */
  async #snapshotNow(actor: BrowserActor, generation: number): Promise<void> {
    if (generation !== this.#generation) return;
    this.#dirty = false;
    try {
      // Set before the capture: a task that ends meanwhile with no change of its own need not wait for it.
      this.#snapshotVersion = await this.#versionNow(actor, 0, generation);
      const state = await captureSession(actor, this.#sessionLane, this.#settings.restoreTimeoutMs);
      if (generation === this.#generation) {
        this.#snapshot = { state, url: this.#lastUrl, at: this.#clock.now() };
        this.#snapshotsTaken++;
        this.#events.emit('snapshot', { cookies: state.cookies.length, origins: state.origins.length });
      }
    } catch {
      // A browser that died here is handled by the crash path; the previous snapshot stays.
      if (generation === this.#generation) {
        this.#dirty = true;
        this.#snapshotVersion = undefined;
      }
    }
  }

  /**
   * A cheap reachability check on `lane`. Periodic probes count failures (N in a row are a
   * fault); `verify` (after a crash answer) treats a single failure as the fault.
   */
  async #probe(lane: Lane<Entry>, verify = false): Promise<void> {
    const actor = this.#actor as BrowserActor;
    const generation = this.#generation;
    // A verification decides on one answer, so it gets the restore check's time, not the short
    // probe deadline: a browser that is closing fails at once either way, while one whose tab was
    // just replaced may need seconds on a loaded machine to start the new tab's renderer.
    const timeoutMs = verify ? this.#settings.restoreTimeoutMs : this.#settings.probeTimeoutMs;
    this.#occupy(lane, 'probe', this.#clock.now() + timeoutMs);
    if (verify) this.#verifying = true;
    let ok = false;
    let timedOut = false;
    let why = 'it answered something other than 1';
    try {
      ok = (await actor.submit({ type: 'ExecuteJS', script: 'return 1', idempotent: true }, { priority: Priority.HIGHEST, timeoutMs, lane: lane.index })) === 1;
    } catch (error) {
      ok = false;
      timedOut = isBrowserActorError(error, 'ERR_TASK_TIMEOUT');
      why = describeProbeError(error);
    }
    if (verify) this.#verifying = false;
    if (generation === this.#generation) {
      const limit = this.#settings.probeFailuresBeforeRestart;
      if (ok) {
        this.#probeFailures = 0;
        if (verify) this.#verifyTimeouts = 0;
        if (this.#state === 'degraded') this.#setState('healthy', 'probe answered');
      } else if (verify && this.#actor === actor && timedOut && this.#verifyTimeouts === 0) {
        // No answer is not yet a verdict: on a loaded machine the tab that replaces a crashed one
        // can take longer than the check's time to answer (the actor replaces a tab that stays
        // stuck). Check once more before the browser is given up; a browser that is gone fails
        // the next check at once, and a hung one fails it again.
        this.#verifyTimeouts++;
        this.#verifyFirst = true;
        if (this.#state === 'healthy') this.#setState('degraded', `the check after a crash got no answer (${why}); checking again`);
      } else if (verify && this.#actor === actor) {
        this.#fault('browser-disconnected', `the browser failed its check after a task crashed on it (${why})`);
      } else if (this.#actor === actor && actor.state === 'ready') {
        this.#probeFailures++;
        if (this.#probeFailures >= limit) {
          this.#fault('probe-failed', `${this.#probeFailures} reachability probes in a row got no answer within ${this.#settings.probeTimeoutMs}ms`);
        } else if (this.#state === 'healthy') {
          this.#setState('degraded', `reachability probe ${this.#probeFailures} of ${limit} failed`);
        }
      }
    }
    await this.#release(lane, actor, generation);
    this.#pump();
  }

  /** Planned replacement: every lane has finished its work; carry the session over. */
  async #retire(reason: string): Promise<void> {
    this.#recyclePending = undefined;
    this.#recycling = true;
    const old = this.#actor as BrowserActor;
    try {
      if (this.#sharedSnapshots) {
        try {
          const state = await captureSession(old, this.#sessionLane, this.#settings.restoreTimeoutMs);
          this.#snapshot = { state, url: this.#lastUrl, at: this.#clock.now() };
          this.#dirty = false;
        } catch {
          // Keep the previous snapshot.
        }
      }
    } finally {
      this.#recycling = false;
    }
    if (this.#actor !== old) return; // it crashed meanwhile: the fault path took over
    this.#recycles++;
    // Every lane keeps its page across a planned recycle: its next page-bound task reopens the
    // lane's last URL first (a lane handle's page is reopened from the handle's own URL).
    for (const lane of this.#lanes) lane.reopenAfterRecycle = lane.lastUrl !== undefined;
    this.#dropActor();
    this.#track(old.stop({ timeoutMs: this.#settings.restoreTimeoutMs }));
    this.#faultAt = this.#clock.now();
    if (this.#state !== 'stopping') this.#setState('restarting', `recycling: ${reason}`);
    this.#scheduleRestart(`recycling: ${reason}`, undefined);
  }

  #dropStandby(): void {
    const standby = this.#standby;
    this.#standby = undefined;
    if (standby) this.#track(standby.actor.kill(new ActorStoppedError(`Supervisor ${this.id} is stopping`)));
  }

  #giveUp(error: BrowserActorError): void {
    if (this.#state === 'failed' || this.#state === 'stopped') return;
    this.#failure = error;
    this.#dropStandby();
    this.#setState('failed', error.message);
    this.#clearTimers();
    this.#failPending(() => error);
    for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(error);
    const actor = this.#actor;
    this.#dropActor();
    if (actor) this.#track(actor.kill(error));
    this.#events.emit('failed', { error });
  }

  // ── periodic checks ───────────────────────────────────────────────────────────────────

  #scheduleTick(): void {
    this.#tickTimer = this.#clock.setTimeout(() => this.#tick(), this.#settings.probeIntervalMs, { unref: true });
  }

  #tick(): void {
    this.#tickTimer = undefined;
    if (this.#state === 'stopped' || this.#state === 'failed') return;
    const now = this.#clock.now();
    const sinceLastTick = this.#lastTickAt;
    this.#lastTickAt = now;
    this.#scheduleTick();
    const actor = this.#actor;
    if (!actor || (this.#state !== 'healthy' && this.#state !== 'degraded')) return;
    const { recycle } = this.#settings;
    const action = checkHealth({
      now,
      readyAt: this.#readyAt,
      lanes: this.#lanes.map((l) => ({ index: l.index, work: l.work, dueAt: l.dueAt, what: l.running ? `task ${l.running.id} (${l.running.task.type})` : `a ${l.work}` })),
      watchdogSlackMs: this.#settings.watchdogSlackMs,
      recycle,
      rssBytes: recycle.maxRssBytes < Number.MAX_SAFE_INTEGER ? actor.browserRssBytes() : null,
      heapGrowthBytes: this.#watchHeap ? process.memoryUsage().heapUsed - this.#heapAtReady : null,
      busy: !this.#lanes.every(laneIsFree) || this.#snapRunning !== undefined || this.#recycling,
      queued: this.#queueDepth(),
      snapshotEnabled: this.#sharedSnapshots,
      snapshotIntervalMs: this.#settings.snapshotIntervalMs,
      snapshotAt: this.#snapshot?.at,
      tasksOnBrowser: this.#tasksOnBrowser,
      lastProgressAt: this.#lastProgressAt,
      previousCheckAt: sinceLastTick,
    });
    switch (action.kind) {
      case 'watchdog':
        this.#fault('watchdog', action.reason);
        return;
      case 'recycle':
        this.#recyclePending ??= action.reason;
        this.#pump(); // retires the browser once every lane is free
        return;
      case 'snapshot':
        void this.#snapshotSession(actor, this.#generation);
        return;
      case 'probe':
        void this.#probe(this.#lanes[0] as Lane<Entry>);
        return;
      case 'none':
        if (this.#recyclePending !== undefined) this.#pump();
    }
  }

  #clearTimers(): void {
    if (this.#restartTimer !== undefined) this.#clock.clearTimeout(this.#restartTimer);
    if (this.#tickTimer !== undefined) this.#clock.clearTimeout(this.#tickTimer);
    this.#restartTimer = undefined;
    this.#tickTimer = undefined;
    this.#nextRestartAt = null;
  }

  // ── answers ───────────────────────────────────────────────────────────────────────────

  #onTimeout(entry: Entry): void {
    const where = entry.phase === 'queued' ? (this.#state === 'restarting' ? 'while waiting for a browser restart' : 'while queued') : 'while running';
    const error = new TaskTimeoutError(
      `Task ${entry.id} (${entry.task.type}) timed out after ${entry.timeoutMs}ms ${where} (${this.id}, ${this.#queueDepth()} queued, attempt ${Math.max(1, entry.attempts)})`,
      { details: { taskId: entry.id, timeoutMs: entry.timeoutMs, phase: entry.phase, attempts: entry.attempts } },
    );
    this.#cancel(entry, error);
  }

  /** Answer now (timeout, cancel): remove a waiting task, or stop a running one in the browser. */
  #cancel(entry: Entry, reason: unknown): void {
    if (entry.phase === 'done') return;
    if (entry.phase === 'queued') {
      if (entry.ticket) this.#mailbox.remove(entry.ticket);
      entry.ticket = undefined;
      removeFrom(this.#retry, entry);
      if (entry.handle) {
        removeFrom(entry.handle.unbound, entry);
        if (entry.handle.lane) removeFrom(entry.handle.lane.queue, entry);
      }
    } else if (entry.phase === 'compensating') {
      removeFrom(this.#compensations, entry);
    }
    this.#settle(entry, undefined, reason);
    entry.forward?.abort(reason);
    this.#checkDrained();
  }

  #settle(entry: Entry, value: unknown, error: unknown): void {
    if (!this.#ledger.answer(entry, value, error)) return;
    if (this.#events.hasListeners('task:end')) {
      this.#events.emit('task:end', {
        taskId: entry.id,
        type: entry.task.type,
        ok: error === undefined,
        attempts: entry.attempts,
        durationMs: this.#clock.now() - entry.submittedAt,
        ...(error === undefined ? {} : { errorCode: (error as { code?: string }).code ?? 'ERR_UNKNOWN' }),
        ...(entry.lane === undefined ? {} : { lane: entry.lane }),
        ...(entry.correlationId === undefined ? {} : { correlationId: entry.correlationId }),
      });
    }
  }

  #failPending(errorFor: (entry: Entry) => unknown): void {
    for (const entry of this.#mailbox.drain()) this.#settle(entry, undefined, errorFor(entry));
    for (const entry of this.#retry.splice(0)) this.#settle(entry, undefined, errorFor(entry));
    for (const entry of this.#compensations.splice(0)) this.#settle(entry, undefined, errorFor(entry));
    for (const lane of this.#lanes) {
      for (const entry of lane.queue.splice(0)) this.#settle(entry, undefined, errorFor(entry));
      if (lane.owner) lane.owner.unbound.length = 0;
      const running = lane.running;
      if (running) this.#cancel(running, errorFor(running));
    }
    this.#mailbox.rejectWaiters(this.#notAcceptingError());
    this.#checkDrained();
  }

  // ── faults and restarts ───────────────────────────────────────────────────────────────

  #fault(kind: FaultKind, reason: string, lane?: number): void {
    const now = this.#clock.now();
    this.#lastFault = { kind, reason, at: now, ...(lane === undefined ? {} : { lane }) };
    this.#events.emit('fault', this.#lastFault);
    if (kind === 'page-crashed' || kind === 'stuck-page') return; // the actor replaces the tab; the browser stays
    if (this.#state !== 'healthy' && this.#state !== 'degraded' && this.#state !== 'starting' && !(this.#state === 'stopping' && this.#actor)) return;
    this.#faultAt ??= now;
    const failed = this.#failedBrowser();
    this.#abandonActor(new ActorCrashedError(`The browser was replaced: ${reason}`, { details: { maybeExecuted: true } }));
    if (this.#state !== 'stopping') this.#setState('restarting', reason);
    this.#scheduleRestart(reason, failed);
  }

  #failedBrowser(): FailedBrowser {
    return { servingSince: this.#serving ? this.#readyAt : undefined, tasksServed: this.#tasksOnBrowser };
  }

  /** Forget the current actor: every lane is free for the next browser (running tasks are answered by the old one). */
  #dropActor(): void {
    this.#actor = undefined;
    this.#generation++;
    this.#serving = false;
    this.#verifyFirst = false;
    this.#verifying = false;
    this.#verifyTimeouts = 0;
    for (const lane of this.#lanes) lane.work = 'free';
  }

  /** Stop using the current actor; it is killed in the background (after it finished answering its own tasks). */
  #abandonActor(reason: BrowserActorError): void {
    const old = this.#actor;
    this.#dropActor();
    this.#probeFailures = 0;
    if (old) {
      // After the current event (a crash the actor is still answering), so its own per-task errors win.
      const done = Promise.resolve().then(() => old.kill(reason));
      this.#track(done);
    }
  }

  #track(work: Promise<void>): void {
    const p = work.catch(() => undefined).finally(() => this.#retiring.delete(p));
    this.#retiring.add(p);
  }

  /** Schedule the next browser: after a failure (`failed` set) with backoff, or at once when planned. */
  #scheduleRestart(reason: string, failed: FailedBrowser | undefined): void {
    const now = this.#clock.now();
    let attempt = 0;
    let delayMs = 0;
    if (failed) {
      const decision = this.#policy.onFailure(now, failed);
      if (decision.kind === 'give-up') {
        this.#giveUp(
          new RestartLimitError(
            `Supervisor ${this.id} gave up: ${decision.restartsInWindow} restarts of browsers that did no work within ${decision.windowMs}ms reached the limit (${decision.maxRestarts}); last fault: ${reason}`,
            { details: { maxRestarts: decision.maxRestarts, windowMs: decision.windowMs, restarts: this.#restarts } },
          ),
        );
        return;
      }
      this.#restarts++;
      attempt = decision.attempt;
      delayMs = decision.delayMs;
    }
    this.#nextRestartAt = now + delayMs;
    this.#events.emit('restarting', { attempt, delayMs, reason, planned: failed === undefined });
    const generation = this.#generation;
    if (delayMs === 0) {
      this.#nextRestartAt = null;
      void this.#launch(generation);
      return;
    }
    this.#restartTimer = this.#clock.setTimeout(() => {
      this.#restartTimer = undefined;
      this.#nextRestartAt = null;
      void this.#launch(generation);
    }, delayMs);
  }

  /** Start a browser for `generation`, restore the session into it, verify it, and serve. */
  async #launch(generation: number): Promise<void> {
    if (generation !== this.#generation || this.#state === 'stopped' || this.#state === 'failed') return;
    const started = this.#clock.now();
    // A standby browser takes over (at once when it is up, else as soon as its launch ends); otherwise a new one starts now.
    const standby = this.#takeStandby();
    const actor = standby?.actor ?? this.#newActor(`b${generation}`);
    this.#actor = actor;
    this.#tasksOnBrowser = 0;
    this.#navigationsOnBrowser = 0;
    actor.on('state', ({ to, reason }) => {
      if (this.#actor !== actor || (to !== 'crashed' && to !== 'failed')) return;
      if (this.#state === 'healthy' || this.#state === 'degraded' || this.#state === 'stopping') this.#fault('browser-disconnected', reason ?? `the browser ${to}`);
    });
    actor.on('fault', ({ kind, reason, lane }) => {
      if (this.#actor !== actor || kind === 'browser-disconnected') return;
      const hit = lane === undefined ? undefined : this.#lanes[lane];
      if (hit) {
        newTab(hit); // a new tab starts blank
        hit.sessionFor = -1; // and, isolated, with an empty context
      }
      this.#fault(kind, reason, lane);
    });
    let restored: { cookies: number; origins: number };
    try {
      await (standby ? standby.started : actor.start());
      if (this.#actor !== actor) return;
      restored = await restoreSession(actor, this.#sharedSnapshots ? this.#snapshot : undefined, { lane: 0, timeoutMs: this.#settings.restoreTimeoutMs });
    } catch (error) {
      if (this.#actor !== actor) return;
      const fatal = isBrowserActorError(error) && FATAL_LAUNCH_CODES.has(error.code);
      this.#dropActor();
      this.#track(actor.kill(new ActorStoppedError('launch failed')));
      if (fatal) {
        this.#giveUp(error);
        return;
      }
      const phase = actor.state === 'ready' ? 'restore-failed' : 'launch-failed';
      const reason = `${phase === 'restore-failed' ? 'restoring the session failed' : 'the browser failed to start'}: ${error instanceof Error ? error.message : String(error)}`;
      this.#lastFault = { kind: phase, reason, at: this.#clock.now() };
      this.#events.emit('fault', this.#lastFault);
      this.#faultAt ??= this.#clock.now();
      if (this.#state === 'healthy' || this.#state === 'degraded') this.#setState('restarting', reason);
      this.#scheduleRestart(reason, { servingSince: undefined, tasksServed: 0 });
      return;
    }
    if (this.#actor !== actor) return;
    const now = this.#clock.now();
    // Lane 0's tab was used (and maybe navigated) by the restore: its URL is not the lane's.
    for (const lane of this.#lanes) {
      newTab(lane);
      lane.sessionFor = -1;
    }
    this.#readyAt = now;
    this.#heapAtReady = this.#watchHeap ? process.memoryUsage().heapUsed : 0;
    this.#serving = true;
    this.#probeFailures = 0;
    this.#lastProgressAt = now;
    const downtimeMs = this.#faultAt === undefined ? 0 : now - this.#faultAt;
    this.#faultAt = undefined;
    if (this.#state !== 'stopping') this.#setState('healthy');
    this.#events.emit('ready', { generation, restoredCookies: restored.cookies, restoredOrigins: restored.origins, launchMs: now - started, downtimeMs });
    for (const waiter of this.#readyWaiters.splice(0)) waiter.resolve();
    this.#pump();
    this.#prepareStandby();
  }

  #newActor(name: string): BrowserActor {
    const { defaults, limits } = this.#settings;
    return new BrowserActor({
      driver: this.#factory,
      id: `${this.id}/${name}`,
      clock: this.#clock,
      actorMode: false,
      isolatedLanes: this.#settings.isolateLanes,
      defaultTimeoutMs: defaults.defaultTimeoutMs,
      maxTimeoutMs: defaults.maxTimeoutMs,
      limits,
      ...this.#actorOptions,
    });
  }

  /**
   * With `standby`: start the next browser now, while this one serves, so that a replacement
   * only needs the session restored. A standby that dies while it waits is dropped (and another
   * one started after the next restart).
   */
  #prepareStandby(): void {
    if (!this.#settings.standby || this.#standby || this.#state === 'stopping' || this.#state === 'stopped' || this.#state === 'failed') return;
    const actor = this.#newActor(`standby-${++this.#standbySeq}`);
    const started = actor.start();
    const entry = { actor, started, ready: false };
    this.#standby = entry;
    actor.on('state', ({ to }) => {
      if ((to === 'crashed' || to === 'failed') && this.#standby === entry) this.#standby = undefined;
    });
    started.then(
      () => {
        entry.ready = true;
      },
      () => {
        // Taken by a restart while starting: that launch handles its failure.
        if (this.#standby !== entry) return;
        this.#standby = undefined;
        this.#track(actor.kill(new ActorStoppedError('standby failed to start')));
      },
    );
  }

  /**
   * The standby browser, ready or still starting (a launch already under way is nearer to serving
   * than a new one, and a second launch beside it would only slow both down); `undefined` when
   * there is none or it died.
   */
  #takeStandby(): { readonly actor: BrowserActor; readonly started: Promise<void> } | undefined {
    const entry = this.#standby;
    if (!entry) return undefined;
    const state = entry.actor.state;
    if (state !== 'ready' && state !== 'starting') return undefined;
    this.#standby = undefined;
    return entry;
  }

  // ── lifecycle ─────────────────────────────────────────────────────────────────────────

  async #stop(timeoutMs: number): Promise<void> {
    if (this.#state === 'stopped') return;
    if (this.#state !== 'failed') {
      const wasIdle = this.#state === 'idle';
      this.#setState('stopping', 'stop()');
      if (!wasIdle && !this.#isDrained()) {
        const drained = createDeferred<void>();
        this.#drainWaiters.push(drained);
        const timer = this.#clock.setTimeout(() => {
          this.#failPending(
            (entry) =>
              new ActorStoppedError(`Supervisor ${this.id} stopped after waiting ${timeoutMs}ms for its tasks; task ${entry.id} (${entry.task.type}) was not finished`, {
                details: { taskId: entry.id, maybeExecuted: entry.phase === 'running' },
              }),
          );
          drained.resolve();
        }, timeoutMs);
        this.#pump();
        await drained.promise;
        this.#clock.clearTimeout(timer);
      }
      this.#failPending(() => new ActorStoppedError(`Supervisor ${this.id} is stopped`));
    }
    this.#setState('stopped', 'stop()');
    await this.#shutdown(false);
  }

  async #shutdown(force: boolean): Promise<void> {
    this.#clearTimers();
    this.#dropStandby();
    for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(this.#notAcceptingError());
    const actor = this.#actor;
    this.#dropActor();
    if (actor) this.#track(force ? actor.kill(new ActorStoppedError(`Supervisor ${this.id} was killed`)) : actor.stop({ timeoutMs: this.#settings.restoreTimeoutMs }));
    while (this.#retiring.size > 0) await Promise.all([...this.#retiring]);
    this.#ledger.clear();
  }

  #queueDepth(): number {
    let depth = this.#mailbox.size + this.#mailbox.deferredSize + this.#retry.length + this.#compensations.length;
    for (const lane of this.#lanes) depth += lane.queue.length;
    return depth;
  }

  #isDrained(): boolean {
    return this.#queueDepth() === 0 && this.#lanes.every((l) => l.running === undefined);
  }

  #checkDrained(): void {
    if (this.#drainWaiters.length > 0 && this.#isDrained()) for (const waiter of this.#drainWaiters.splice(0)) waiter.resolve();
  }

  #accepting(): boolean {
    return this.#state !== 'failed' && this.#state !== 'stopping' && this.#state !== 'stopped';
  }

  #notAcceptingError(): BrowserActorError {
    if (this.#state === 'failed' && this.#failure) return this.#failure;
    return new ActorStoppedError(`Supervisor ${this.id} is ${this.#state}; it takes no new tasks`, { details: { state: this.#state } });
  }

  #setState(to: SupervisorState, reason?: string): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    this.#events.emit('state', { from, to, ...(reason === undefined ? {} : { reason }) });
  }
}

function removeFrom<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i !== -1) list.splice(i, 1);
}

/** A probe's failure in one short line for the fault's reason: its code and the first line of its message. */
function describeProbeError(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  const short = message.length > 200 ? `${message.slice(0, 200)}…` : message;
  return typeof code === 'string' ? `${code}: ${short}` : short;
}
