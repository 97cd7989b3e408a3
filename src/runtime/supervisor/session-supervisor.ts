import type { BrowserInfo, DriverFactory } from '../../drivers/driver.js';
import type { CookieInput, StorageState } from '../../drivers/browser-types.js';
import {
  ActorCrashedError,
  ActorStoppedError,
  type BrowserActorError,
  InvalidOptionError,
  InvalidTaskError,
  MailboxFullError,
  RestartLimitError,
  ShedError,
  TaskTimeoutError,
  isBrowserActorError,
} from '../../errors.js';
import { type BackoffOptions, backoffCeilingMs, nextDelayMs } from '../../internal/backoff.js';
import { type Clock, type TimerHandle, systemClock } from '../../internal/clock.js';
import { type Deadline, DeadlineScheduler } from '../../internal/deadlines.js';
import { type Deferred, createDeferred } from '../../internal/deferred.js';
import { TypedEmitter } from '../../internal/typed-emitter.js';
import { BrowserActor, type BrowserActorOptions } from '../actor/browser-actor.js';
import { Priority, PriorityMailbox, type Ticket } from '../mailbox/mailbox.js';
import { cookieToInput } from '../tasks/cookie-formats.js';
import { isIdempotent } from '../tasks/run-task.js';
import type { ResultOf, Task, TaskType } from '../tasks/types.js';
import { type TaskLimits, type ValidTask, defaultTaskLimits, validateTask } from '../tasks/validate.js';
import { IdempotencyKeys, type MailboxSettings, type SubmitDefaults, follow, mailboxOptions, parseSubmitOptions, positive, positiveInteger, submitDefaults } from '../submit-helpers.js';

/**
 * Where the supervisor is in its life. `idle`: made, not started yet. `starting`: the first
 * browser is launching. `healthy`: serving. `degraded`: serving, but the last reachability
 * probe failed. `restarting`: the browser died or was retired; a new one is being launched
 * (tasks wait). `failed`: gave up (restart limit, or a launch error no retry can fix).
 * `stopping`/`stopped`: `stop()` or `kill()` was called.
 */
export type SupervisorState = 'idle' | 'starting' | 'healthy' | 'degraded' | 'restarting' | 'failed' | 'stopping' | 'stopped';

/** What made the supervisor replace a browser. */
export type FaultKind = 'browser-disconnected' | 'page-crashed' | 'stuck-page' | 'probe-failed' | 'watchdog' | 'launch-failed' | 'restore-failed' | 'manual';

export interface FaultRecord {
  readonly kind: FaultKind;
  readonly reason: string;
  /** Clock time of the fault (the supervisor's clock, milliseconds). */
  readonly at: number;
}

/** A snapshot of the supervisor, for dashboards and for {@link SessionSupervisor.ensureActorLive} callers. */
export interface SupervisorHealth {
  readonly state: SupervisorState;
  /** Browser replacements after faults (recycling not included). */
  readonly restarts: number;
  /** Planned replacements (task count, age, memory). */
  readonly recycles: number;
  readonly lastFault: FaultRecord | null;
  /** Clock time at which the pending restart launches, or `null`. */
  readonly nextRestartAt: number | null;
  /** How long the current browser has been serving; 0 when none is. */
  readonly uptimeMs: number;
  /** Tasks accepted and not yet handed to the browser (retries and compensations included). */
  readonly queueDepth: number;
  /** Tasks handed to the browser and not answered yet (0 or 1). */
  readonly inFlight: number;
  /** Reachability probes that failed in a row. */
  readonly probeFailures: number;
  /** The current browser's process id, when known. */
  readonly browserPid: number | null;
  /** Whether a session snapshot is held, and its age in ms. */
  readonly snapshotAgeMs: number | null;
}

export interface SessionSupervisorOptions {
  /** Makes a fresh driver for each browser the supervisor starts. */
  readonly driver: DriverFactory;
  /** Name used in messages and events. Default `supervisor-<n>`. */
  readonly id?: string;
  /** Time source for every timer. Default: the system clock. */
  readonly clock?: Clock;
  /** Jitter source in `[0, 1)`. Default `Math.random`. */
  readonly random?: () => number;
  /** Passed to each {@link BrowserActor} (timeouts of launch, close, cancel grace). */
  readonly actor?: Pick<BrowserActorOptions, 'launchTimeoutMs' | 'closeTimeoutMs' | 'cancelGraceMs'>;
  /** The supervisor's own bounded mailbox, where tasks wait (also while a restart is pending). */
  readonly mailbox?: MailboxSettings;
  /** Default 30 000 ms. */
  readonly defaultTimeoutMs?: number;
  /** Default 600 000 ms. */
  readonly maxTimeoutMs?: number;
  /** Default `Priority.NORMAL`. */
  readonly defaultPriority?: number;
  readonly limits?: Partial<TaskLimits>;
  /** Restart delays: full jitter. Default `{ baseMs: 100, factor: 2, maxMs: 10 000 }`. */
  readonly backoff?: Partial<BackoffOptions>;
  /** After this long serving without a fault, the backoff attempt counter starts over. Default 60 000 ms. */
  readonly stablePeriodMs?: number;
  /** At most `maxRestarts` restarts (failed launches included) within `windowMs`. Default 5 in 60 000 ms. */
  readonly restartLimit?: { readonly maxRestarts?: number; readonly windowMs?: number };
  /** Reachability probe, run only while no task is running or completing. */
  readonly probe?: {
    /** Default 5000 ms. */
    readonly intervalMs?: number;
    /** Deadline of one probe. Default 2000 ms. */
    readonly timeoutMs?: number;
    /** Failures in a row that count as a fault. Default 3. */
    readonly failuresBeforeRestart?: number;
  };
  /**
   * A task still unanswered this long after its deadline means the actor itself is wedged: the
   * browser is killed and replaced. Default: cancel grace + 2 × close timeout + 1000 ms.
   */
  readonly watchdogSlackMs?: number;
  /** Most runs of an idempotent task across crashes. Default 3. */
  readonly maxAttempts?: number;
  /** Session snapshots (cookies + local storage), restored into each new browser. */
  readonly snapshot?: {
    /** Default `true`. `false`: new browsers start with an empty session. */
    readonly enabled?: boolean;
    /** Task types after which the session may have changed. Default Navigate, ExecuteJS, ImportCookies. */
    readonly after?: readonly TaskType[];
    /** Also re-snapshot a changed session this often while idle. Default 30 000 ms. */
    readonly intervalMs?: number;
  };
  /** Navigate a new browser back to the last URL before tasks resume (per task: `restoreUrl`). Default `false`. */
  readonly restoreUrl?: boolean;
  /** Retire and replace the browser (session carried over, no task failed) after any of these. */
  readonly recycle?: {
    readonly maxTasks?: number;
    readonly maxAgeMs?: number;
    /** Summed RSS of the browser's processes. Checked every probe interval. */
    readonly maxRssBytes?: number;
  };
  /** Deadline of each restore step (cookie import, storage, verification). Default 10 000 ms. */
  readonly restoreTimeoutMs?: number;
}

export interface SupervisedSubmitOptions {
  /** Integer 0–9, higher runs first. Default 5. */
  readonly priority?: number;
  /** Whole budget from submit to answer: queueing, restarts and re-runs included. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** A second submit with the same key while the first is pending gets the first one's answer. */
  readonly idempotencyKey?: string;
  /**
   * Runs on the new browser when this (non-idempotent) task was running at a crash, before the
   * task is answered with `ERR_ACTOR_CRASHED` (`details.compensated` says whether it succeeded).
   */
  readonly compensate?: Task;
  /** Before this task runs on a new browser, navigate back to the session's last URL. */
  readonly restoreUrl?: boolean;
}

/** Events of a {@link SessionSupervisor}. */
export interface SessionSupervisorEvents {
  /** The supervisor moved between states. */
  state: { readonly from: SupervisorState; readonly to: SupervisorState; readonly reason?: string };
  /** Something went wrong underneath: a crash, a failed probe, a wedged task. */
  fault: FaultRecord;
  /** A replacement browser is scheduled. */
  restarting: { readonly attempt: number; readonly delayMs: number; readonly reason: string; readonly planned: boolean };
  /** A browser is serving: the first one, or a replacement with the session restored. */
  ready: { readonly generation: number; readonly restoredCookies: number; readonly restoredOrigins: number; readonly launchMs: number; readonly downtimeMs: number };
  /** The supervisor gave up; every pending and later task fails with `error`. */
  failed: { readonly error: BrowserActorError };
  /** A session snapshot was taken. */
  snapshot: { readonly cookies: number; readonly origins: number };
  /** A task was answered (exactly once per accepted task). */
  'task:end': { readonly taskId: string; readonly type: TaskType; readonly ok: boolean; readonly errorCode?: string; readonly attempts: number; readonly durationMs: number };
}

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
  phase: Phase;
  attempts: number;
  ticket: Ticket<Entry> | undefined;
  deadline: Deadline | undefined;
  onAbort: (() => void) | undefined;
  forward: AbortController | undefined;
  crash: ActorCrashedError | undefined;
}

/** What the slot (one task at a time on the browser) is busy with. */
type Slot = 'free' | 'task' | 'probe' | 'snapshot' | 'restore';

interface Snapshot {
  readonly state: StorageState;
  readonly url: string | undefined;
  readonly at: number;
}

const FATAL_LAUNCH_CODES = new Set(['ERR_BROWSER_NOT_FOUND', 'ERR_INVALID_OPTION']);
let supervisorCounter = 0;

/**
 * Keeps one browser session alive for its callers. Tasks wait in the supervisor's own bounded
 * priority mailbox and go to the current {@link BrowserActor} one at a time. When the browser
 * dies, hangs or stops answering probes, the supervisor replaces it (exponential backoff with
 * full jitter, at most N restarts in T), loads the last session snapshot into the new browser,
 * verifies it, and carries on: queued tasks wait (their timeouts still count), the task that was
 * running is re-run when it is idempotent, and every accepted task is answered exactly once.
 */
export class SessionSupervisor {
  readonly id: string;
  readonly #factory: DriverFactory;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #deadlines: DeadlineScheduler;
  readonly #events = new TypedEmitter<SessionSupervisorEvents>();
  readonly #mailbox: PriorityMailbox<Entry>;
  readonly #limits: TaskLimits;
  readonly #actorOptions: SessionSupervisorOptions['actor'];
  readonly #defaults: SubmitDefaults;
  readonly #backoff: BackoffOptions;
  readonly #stablePeriodMs: number;
  readonly #maxRestarts: number;
  readonly #restartWindowMs: number;
  readonly #probeIntervalMs: number;
  readonly #probeTimeoutMs: number;
  readonly #probeFailuresBeforeRestart: number;
  readonly #watchdogSlackMs: number;
  readonly #maxAttempts: number;
  readonly #snapshotEnabled: boolean;
  readonly #snapshotAfter: ReadonlySet<TaskType>;
  readonly #snapshotIntervalMs: number;
  readonly #restoreUrlDefault: boolean;
  readonly #recycle: { readonly maxTasks: number; readonly maxAgeMs: number; readonly maxRssBytes: number };
  readonly #restoreTimeoutMs: number;

  #state: SupervisorState = 'idle';
  #actor: BrowserActor | undefined;
  #generation = 0;
  #slot: Slot = 'free';
  #slotSince = 0;
  /** When the slot's work should be over: the task's deadline, or start + restore timeout. */
  #slotDueAt = 0;
  #running: Entry | undefined;
  #retry: Entry[] = [];
  #compensations: Entry[] = [];
  readonly #keys = new IdempotencyKeys<Entry>();
  #seq = 0;
  #snapshot: Snapshot | undefined;
  #dirty = false;
  #lastUrl: string | undefined;
  #urlRestoredFor = 0;
  /** A task just got a crash answer from a browser that still looks alive: check it before anything else runs. */
  #verifyFirst = false;
  #restarts = 0;
  #recycles = 0;
  #restartTimes: number[] = [];
  #attempt = 0;
  #lastFault: FaultRecord | null = null;
  #faultAt: number | undefined;
  #nextRestartAt: number | null = null;
  #restartTimer: TimerHandle | undefined;
  #tickTimer: TimerHandle | undefined;
  #readyAt = 0;
  #tasksOnBrowser = 0;
  #recyclePending: string | undefined;
  #probeFailures = 0;
  #lastProgressAt = 0;
  #lastTickAt = 0;
  #failure: BrowserActorError | undefined;
  #readyWaiters: Deferred<void>[] = [];
  #drainWaiters: Deferred<void>[] = [];
  #stopPromise: Promise<void> | undefined;
  #retiring = new Set<Promise<void>>();

  constructor(options: SessionSupervisorOptions) {
    if (typeof options?.driver !== 'function') {
      throw new InvalidOptionError('SessionSupervisor needs a driver factory: new SessionSupervisor({ driver: () => new SomeDriver() })');
    }
    this.id = options.id ?? `supervisor-${++supervisorCounter}`;
    this.#factory = options.driver;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#deadlines = new DeadlineScheduler(this.#clock);
    this.#actorOptions = options.actor;
    this.#defaults = submitDefaults(options);
    this.#limits = { ...defaultTaskLimits, ...options.limits };
    this.#backoff = { baseMs: 100, factor: 2, maxMs: 10_000, ...options.backoff };
    try {
      backoffCeilingMs(0, this.#backoff);
    } catch (error) {
      throw new InvalidOptionError(`backoff: ${(error as Error).message}`);
    }
    this.#stablePeriodMs = positive('stablePeriodMs', options.stablePeriodMs ?? 60_000);
    this.#maxRestarts = positiveInteger('restartLimit.maxRestarts', options.restartLimit?.maxRestarts ?? 5);
    this.#restartWindowMs = positive('restartLimit.windowMs', options.restartLimit?.windowMs ?? 60_000);
    this.#probeIntervalMs = positive('probe.intervalMs', options.probe?.intervalMs ?? 5000);
    this.#probeTimeoutMs = positive('probe.timeoutMs', options.probe?.timeoutMs ?? 2000);
    this.#probeFailuresBeforeRestart = positiveInteger('probe.failuresBeforeRestart', options.probe?.failuresBeforeRestart ?? 3);
    const grace = options.actor?.cancelGraceMs ?? 2000;
    const close = options.actor?.closeTimeoutMs ?? 5000;
    this.#watchdogSlackMs = positive('watchdogSlackMs', options.watchdogSlackMs ?? grace + 2 * close + 1000);
    this.#maxAttempts = positiveInteger('maxAttempts', options.maxAttempts ?? 3);
    this.#snapshotEnabled = options.snapshot?.enabled ?? true;
    this.#snapshotAfter = new Set(options.snapshot?.after ?? ['Navigate', 'ExecuteJS', 'ImportCookies']);
    this.#snapshotIntervalMs = positive('snapshot.intervalMs', options.snapshot?.intervalMs ?? 30_000);
    this.#restoreUrlDefault = options.restoreUrl ?? false;
    this.#recycle = {
      maxTasks: positiveInteger('recycle.maxTasks', options.recycle?.maxTasks ?? Number.MAX_SAFE_INTEGER),
      maxAgeMs: positive('recycle.maxAgeMs', options.recycle?.maxAgeMs ?? Number.MAX_SAFE_INTEGER),
      maxRssBytes: positive('recycle.maxRssBytes', options.recycle?.maxRssBytes ?? Number.MAX_SAFE_INTEGER),
    };
    this.#restoreTimeoutMs = positive('restoreTimeoutMs', options.restoreTimeoutMs ?? 10_000);
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
   * Replace the browser now because of `reason` (counts toward the restart limit). Resolves when
   * the new browser serves.
   */
  restartOnFault(reason: string): Promise<void> {
    if (this.#state === 'healthy' || this.#state === 'degraded' || this.#state === 'starting') this.#fault('manual', reason);
    return this.ensureActorLive();
  }

  health(): SupervisorHealth {
    const now = this.#clock.now();
    const serving = this.#state === 'healthy' || this.#state === 'degraded';
    return {
      state: this.#state,
      restarts: this.#restarts,
      recycles: this.#recycles,
      lastFault: this.#lastFault,
      nextRestartAt: this.#nextRestartAt,
      uptimeMs: serving ? now - this.#readyAt : 0,
      queueDepth: this.#mailbox.size + this.#mailbox.deferredSize + this.#retry.length + this.#compensations.length,
      inFlight: this.#running ? 1 : 0,
      probeFailures: this.#probeFailures,
      browserPid: this.#actor?.browser?.pid ?? null,
      snapshotAgeMs: this.#snapshot ? now - this.#snapshot.at : null,
    };
  }

  /**
   * Submit a task; the promise settles exactly once. Bad input is rejected here and never counts
   * as a fault. Starts the first browser if none was started.
   */
  submit<T extends Task>(task: T, options: SupervisedSubmitOptions = {}): Promise<ResultOf<T>> {
    return this.#submit(task, options) as Promise<ResultOf<T>>;
  }

  /** Finish every accepted task (waiting out restarts), then close the browser. Idempotent. */
  stop(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#stopPromise ??= this.#stop(options.timeoutMs ?? this.#defaults.maxTimeoutMs);
    return this.#stopPromise;
  }

  /** Fail every pending task with `reason` and kill the browser now. Idempotent. */
  async kill(reason?: unknown): Promise<void> {
    const error = reason instanceof Error ? reason : new ActorStoppedError(`Supervisor ${this.id} was killed${typeof reason === 'string' ? `: ${reason}` : ''}`);
    if (this.#state !== 'stopped') this.#setState('stopped', 'kill()');
    this.#failPending(() => error);
    await this.#shutdown(true);
  }

  // ── submit ────────────────────────────────────────────────────────────────────────────

  #submit(task: Task, options: SupervisedSubmitOptions): Promise<unknown> {
    let entry: Entry;
    try {
      if (!this.#accepting()) throw this.#notAcceptingError();
      const valid = validateTask(task, this.#limits);
      const { priority, timeoutMs, signal, idempotencyKey } = parseSubmitOptions(options, this.#defaults);
      const { compensate } = options;
      if (compensate !== undefined) {
        try {
          validateTask(compensate, this.#limits);
        } catch (error) {
          throw new InvalidTaskError(`compensate is not a valid task: ${(error as Error).message}`, { cause: error });
        }
      }
      if (options.restoreUrl !== undefined && typeof options.restoreUrl !== 'boolean') throw new InvalidTaskError('restoreUrl must be a boolean');
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
        restoreUrl: options.restoreUrl ?? this.#restoreUrlDefault,
        phase: 'queued',
        attempts: 0,
        ticket: undefined,
        deadline: undefined,
        onAbort: undefined,
        forward: undefined,
        crash: undefined,
      };
      if (idempotencyKey !== undefined) {
        const fingerprint = JSON.stringify(valid);
        const existing = this.#keys.pending(idempotencyKey, fingerprint);
        if (existing) return follow(existing.result.promise, signal);
        this.#keys.add(idempotencyKey, entry, fingerprint);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    const ticket = this.#mailbox.offer(entry, entry.priority);
    if (!ticket) {
      this.#keys.release(entry.idempotencyKey, entry);
      return Promise.reject(
        new MailboxFullError(
          `Mailbox full: ${this.#mailbox.size} of ${this.#mailbox.capacity} queued (${this.id}, state ${this.#state}); task refused — retry later or await onCapacity()`,
          { details: { capacity: this.#mailbox.capacity, queued: this.#mailbox.size, priority: entry.priority, state: this.#state } },
        ),
      );
    }
    entry.ticket = ticket;
    entry.deadline = this.#deadlines.at(entry.deadlineAt, () => this.#onTimeout(entry));
    if (entry.signal) {
      const onAbort = (): void => this.#cancel(entry, entry.signal?.reason);
      entry.onAbort = onAbort;
      entry.signal?.addEventListener('abort', onAbort, { once: true });
    }
    if (this.#state === 'idle') void this.startActor().catch(() => undefined);
    this.#pump();
    return entry.result.promise;
  }

  /** Resolves when a submit would be admitted without refusal or deferral. */
  onCapacity(options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.#mailbox.onCapacity(options);
  }

  // ── dispatch ──────────────────────────────────────────────────────────────────────────

  /** Hand the next piece of work to the browser, if it is free. The only place that starts work. */
  #pump(): void {
    if (this.#slot !== 'free' || !this.#actor || (this.#state !== 'healthy' && this.#state !== 'degraded' && this.#state !== 'stopping')) return;
    if (this.#state === 'stopping' && this.#isDrained()) {
      this.#checkDrained();
      return;
    }
    if (this.#recyclePending !== undefined) {
      void this.#retire(this.#recyclePending);
      return;
    }
    if (this.#verifyFirst) {
      this.#verifyFirst = false;
      void this.#probe(true);
      return;
    }
    if (this.#dirty && this.#snapshotEnabled) {
      void this.#takeSnapshot();
      return;
    }
    const compensation = this.#compensations.shift();
    if (compensation) {
      void this.#runCompensation(compensation);
      return;
    }
    const entry = this.#retry.shift() ?? this.#mailbox.take();
    if (!entry) {
      this.#checkDrained();
      return;
    }
    void this.#run(entry);
  }

  async #run(entry: Entry): Promise<void> {
    const actor = this.#actor as BrowserActor;
    const generation = this.#generation;
    this.#occupy('task', entry.deadlineAt);
    this.#running = entry;
    entry.phase = 'running';
    entry.ticket = undefined;
    if (entry.restoreUrl && this.#urlRestoredFor !== generation && this.#lastUrl !== undefined) {
      this.#urlRestoredFor = generation;
      await actor.submit({ type: 'Navigate', url: this.#lastUrl }, { priority: Priority.HIGHEST, timeoutMs: Math.max(1, entry.deadlineAt - this.#clock.now()) }).catch(() => undefined);
    }
    let value: unknown;
    let error: unknown;
    let ok = false;
    if (entry.phase === 'running' && generation !== this.#generation) {
      // The browser died while the last URL was being restored: the task itself never started.
      entry.phase = 'queued';
      this.#insertRetry(entry);
    }
    if (entry.phase === 'running') {
      entry.attempts++;
      const forward = new AbortController();
      entry.forward = forward;
      try {
        value = await actor.submit(entry.task, { priority: entry.priority, timeoutMs: Math.max(1, entry.deadlineAt - this.#clock.now()), signal: forward.signal });
        ok = true;
      } catch (e) {
        error = e;
      }
      entry.forward = undefined;
    }
    if (this.#running === entry) this.#running = undefined;
    if (entry.phase === 'running') {
      if (ok) {
        this.#lastProgressAt = this.#clock.now();
        this.#tasksOnBrowser++;
        if (entry.task.type === 'Navigate') this.#noteUrl((value as { url?: string } | undefined)?.url);
        if (this.#snapshotEnabled && this.#snapshotAfter.has(entry.task.type) && generation === this.#generation) {
          // Snapshot before answering: a caller told "logged in" must stay logged in across a crash.
          this.#dirty = true;
          await this.#snapshotNow(actor, generation);
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
    await this.#release(actor, generation);
    if (generation === this.#generation && this.#tasksOnBrowser >= this.#recycle.maxTasks) this.#recyclePending ??= `served ${this.#tasksOnBrowser} tasks`;
    this.#pump();
  }

  /** The running task's browser died under it: re-run, compensate, or answer with the crash. */
  #afterCrash(entry: Entry, error: BrowserActorError): void {
    const maybeExecuted = error.details['maybeExecuted'] !== false;
    if (!maybeExecuted) entry.attempts--; // it never ran: not an attempt
    if (!maybeExecuted || (isIdempotent(entry.valid) && entry.attempts < this.#maxAttempts)) {
      entry.phase = 'queued';
      this.#insertRetry(entry);
      return;
    }
    const crash = new ActorCrashedError(
      `Task ${entry.id} (${entry.task.type}) was running when the browser or tab died (${this.id}, attempt ${entry.attempts}${isIdempotent(entry.valid) ? ` of ${this.#maxAttempts}` : ', not idempotent'}); it may have taken effect`,
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

  async #runCompensation(entry: Entry): Promise<void> {
    const actor = this.#actor as BrowserActor;
    const generation = this.#generation;
    this.#occupy('task');
    const crash = entry.crash as ActorCrashedError;
    let compensated = false;
    let compensationError: string | null = null;
    try {
      await actor.submit(entry.compensate as Task, { priority: Priority.HIGHEST, timeoutMs: Math.max(1, Math.min(this.#defaults.defaultTimeoutMs, entry.deadlineAt - this.#clock.now())) });
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
    await this.#release(actor, generation);
    this.#pump();
  }

  /** Keep a retried task ahead of new work of the same priority: it was accepted first. */
  #insertRetry(entry: Entry): void {
    const at = this.#retry.findIndex((e) => e.priority < entry.priority);
    if (at === -1) this.#retry.push(entry);
    else this.#retry.splice(at, 0, entry);
  }

  #occupy(slot: Exclude<Slot, 'free'>, dueAt?: number): void {
    this.#slot = slot;
    this.#slotSince = this.#clock.now();
    this.#slotDueAt = dueAt ?? this.#slotSince + (slot === 'probe' ? this.#probeTimeoutMs : this.#restoreTimeoutMs);
  }

  /**
   * Free the slot once the browser has really finished (a timed-out script may still be
   * running until the actor has stopped it or replaced the tab), unless the browser was
   * replaced meanwhile, which reset the slot.
   */
  async #release(actor: BrowserActor, generation: number): Promise<void> {
    if (generation !== this.#generation) return;
    await actor.idle();
    if (generation !== this.#generation) return;
    this.#slot = 'free';
  }

  #noteUrl(url: string | undefined): void {
    if (url !== undefined && /^https?:/i.test(url)) this.#lastUrl = url;
  }

  // ── answers ───────────────────────────────────────────────────────────────────────────

  #onTimeout(entry: Entry): void {
    const where = entry.phase === 'queued' ? (this.#state === 'restarting' ? 'while waiting for a browser restart' : 'while queued') : 'while running';
    const error = new TaskTimeoutError(
      `Task ${entry.id} (${entry.task.type}) timed out after ${entry.timeoutMs}ms ${where} (${this.id}, ${this.health().queueDepth} queued, attempt ${Math.max(1, entry.attempts)})`,
      { details: { taskId: entry.id, timeoutMs: entry.timeoutMs, phase: entry.phase, attempts: entry.attempts } },
    );
    this.#cancel(entry, error);
  }

  /** Answer now (timeout, cancel): remove a waiting task, or stop a running one in the browser. */
  #cancel(entry: Entry, reason: unknown): void {
    if (entry.phase === 'done') return;
    if (entry.phase === 'queued') {
      if (entry.ticket) this.#mailbox.remove(entry.ticket);
      const i = this.#retry.indexOf(entry);
      if (i !== -1) this.#retry.splice(i, 1);
    } else if (entry.phase === 'compensating') {
      const i = this.#compensations.indexOf(entry);
      if (i !== -1) this.#compensations.splice(i, 1);
    }
    this.#settle(entry, undefined, reason);
    entry.forward?.abort(reason);
    this.#checkDrained();
  }

  #settle(entry: Entry, value: unknown, error: unknown): void {
    if (entry.phase === 'done') return;
    entry.phase = 'done';
    entry.deadline?.cancel();
    if (entry.onAbort) entry.signal?.removeEventListener('abort', entry.onAbort);
    this.#keys.release(entry.idempotencyKey, entry);
    if (error === undefined) entry.result.resolve(value);
    else entry.result.reject(error);
    if (this.#events.hasListeners('task:end')) {
      this.#events.emit('task:end', {
        taskId: entry.id,
        type: entry.task.type,
        ok: error === undefined,
        attempts: entry.attempts,
        durationMs: this.#clock.now() - entry.submittedAt,
        ...(error === undefined ? {} : { errorCode: (error as { code?: string }).code ?? 'ERR_UNKNOWN' }),
      });
    }
  }

  #failPending(errorFor: (entry: Entry) => unknown): void {
    for (const entry of this.#mailbox.drain()) this.#settle(entry, undefined, errorFor(entry));
    for (const entry of this.#retry.splice(0)) this.#settle(entry, undefined, errorFor(entry));
    for (const entry of this.#compensations.splice(0)) this.#settle(entry, undefined, errorFor(entry));
    const running = this.#running;
    if (running) this.#cancel(running, errorFor(running));
    this.#mailbox.rejectWaiters(this.#notAcceptingError());
    this.#checkDrained();
  }

  // ── faults and restarts ───────────────────────────────────────────────────────────────

  #fault(kind: FaultKind, reason: string): void {
    const now = this.#clock.now();
    this.#lastFault = { kind, reason, at: now };
    this.#events.emit('fault', this.#lastFault);
    if (kind === 'page-crashed' || kind === 'stuck-page') return; // the actor replaces the tab; the browser stays
    if (this.#state !== 'healthy' && this.#state !== 'degraded' && this.#state !== 'starting' && !(this.#state === 'stopping' && this.#actor)) return;
    this.#faultAt ??= now;
    this.#abandonActor(new ActorCrashedError(`The browser was replaced: ${reason}`, { details: { maybeExecuted: true } }));
    if (this.#state !== 'stopping') this.#setState('restarting', reason);
    this.#scheduleRestart(reason, false);
  }

  /** Stop using the current actor; it is killed in the background (after it finished answering its own tasks). */
  #abandonActor(reason: BrowserActorError): void {
    const old = this.#actor;
    this.#actor = undefined;
    this.#generation++;
    this.#slot = 'free';
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

  #scheduleRestart(reason: string, planned: boolean): void {
    const now = this.#clock.now();
    if (!planned) {
      this.#restartTimes = this.#restartTimes.filter((t) => t > now - this.#restartWindowMs);
      if (this.#restartTimes.length >= this.#maxRestarts) {
        this.#giveUp(
          new RestartLimitError(
            `Supervisor ${this.id} gave up: ${this.#restartTimes.length} restarts within ${this.#restartWindowMs}ms reached the limit (${this.#maxRestarts}); last fault: ${reason}`,
            { details: { maxRestarts: this.#maxRestarts, windowMs: this.#restartWindowMs, restarts: this.#restarts } },
          ),
        );
        return;
      }
      if (this.#readyAt > 0 && this.#faultAt !== undefined && this.#faultAt - this.#readyAt >= this.#stablePeriodMs) this.#attempt = 0;
      this.#restartTimes.push(now);
      this.#restarts++;
    }
    const attempt = planned ? 0 : this.#attempt++;
    const delayMs = planned ? 0 : nextDelayMs(attempt, this.#backoff, this.#random);
    this.#nextRestartAt = now + delayMs;
    this.#events.emit('restarting', { attempt, delayMs, reason, planned });
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
    const actor = new BrowserActor({
      driver: this.#factory,
      id: `${this.id}/b${generation}`,
      clock: this.#clock,
      actorMode: false,
      defaultTimeoutMs: this.#defaults.defaultTimeoutMs,
      maxTimeoutMs: this.#defaults.maxTimeoutMs,
      limits: this.#limits,
      ...this.#actorOptions,
    });
    this.#actor = actor;
    actor.on('state', ({ to, reason }) => {
      if (this.#actor !== actor || (to !== 'crashed' && to !== 'failed')) return;
      if (this.#state === 'healthy' || this.#state === 'degraded' || this.#state === 'stopping') this.#fault('browser-disconnected', reason ?? `the browser ${to}`);
    });
    actor.on('fault', ({ kind, reason }) => {
      if (this.#actor !== actor || kind === 'browser-disconnected') return;
      this.#urlRestoredFor = -1; // a new tab starts blank
      this.#fault(kind, reason);
    });
    let restored: { cookies: number; origins: number };
    try {
      await actor.start();
      if (this.#actor !== actor) return;
      this.#occupy('restore');
      restored = await this.#restore(actor);
    } catch (error) {
      if (this.#actor !== actor) return;
      const fatal = isBrowserActorError(error) && FATAL_LAUNCH_CODES.has(error.code);
      this.#actor = undefined;
      this.#generation++;
      this.#slot = 'free';
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
      this.#scheduleRestart(reason, false);
      return;
    }
    if (this.#actor !== actor) return;
    const now = this.#clock.now();
    this.#slot = 'free';
    this.#readyAt = now;
    this.#tasksOnBrowser = 0;
    this.#probeFailures = 0;
    this.#lastProgressAt = now;
    const downtimeMs = this.#faultAt === undefined ? 0 : now - this.#faultAt;
    this.#faultAt = undefined;
    if (this.#state !== 'stopping') this.#setState('healthy');
    this.#events.emit('ready', { generation, restoredCookies: restored.cookies, restoredOrigins: restored.origins, launchMs: now - started, downtimeMs });
    for (const waiter of this.#readyWaiters.splice(0)) waiter.resolve();
    this.#pump();
  }

  /**
   * Load the last snapshot into a fresh browser and check it took: the cookies are present and
   * scripts run. Local storage needs a document of its origin, so each origin with storage is
   * visited once.
   */
  async #restore(actor: BrowserActor): Promise<{ cookies: number; origins: number }> {
    const op = { priority: Priority.HIGHEST, timeoutMs: this.#restoreTimeoutMs };
    const snapshot = this.#snapshotEnabled ? this.#snapshot : undefined;
    let cookies: CookieInput[] = [];
    let origins = 0;
    let scriptsRun = false;
    if (snapshot) {
      const nowSeconds = Date.now() / 1000;
      cookies = snapshot.state.cookies.filter((c) => c.expires === -1 || c.expires > nowSeconds + 1).map(cookieToInput);
      if (cookies.length > 0) await actor.submit({ type: 'ImportCookies', cookies }, op);
      for (const { origin, localStorage } of snapshot.state.origins) {
        if (localStorage.length === 0 || !/^https?:\/\//.test(origin)) continue;
        const url = snapshot.url !== undefined && snapshot.url.startsWith(`${origin}/`) ? snapshot.url : `${origin}/`;
        // The document only has to exist for its storage to be written: no need to wait for `load`.
        await actor.submit({ type: 'Navigate', url, waitUntil: 'domcontentloaded' }, op);
        const stored = await actor.submit(
          { type: 'ExecuteJS', script: 'for (const [k, v] of arguments[0]) localStorage.setItem(k, v); return localStorage.length;', args: [localStorage.map((i) => [i.name, i.value])] },
          op,
        );
        if (typeof stored !== 'number' || stored < localStorage.length) {
          throw new ActorCrashedError(`The new browser kept ${typeof stored === 'number' ? stored : 'no'} of ${localStorage.length} local-storage items of ${origin}`, { details: { maybeExecuted: false } });
        }
        scriptsRun = true;
        origins++;
      }
    }
    const present = await actor.submit({ type: 'GetCookies' }, op);
    const missing = cookies.filter((c) => !present.some((p) => p.name === c.name && (c.domain === undefined || sameDomain(p.domain, c.domain))));
    if (missing.length > 0) {
      throw new ActorCrashedError(`The new browser is missing ${missing.length} restored cookie(s) (${missing.map((c) => c.name).join(', ')}) after the import`, {
        details: { missing: missing.length, maybeExecuted: false },
      });
    }
    if (!scriptsRun) {
      const two = await actor.submit({ type: 'ExecuteJS', script: 'return 1 + 1', idempotent: true }, op);
      if (two !== 2) throw new ActorCrashedError('The new browser does not run scripts correctly (1 + 1 did not give 2)', { details: { maybeExecuted: false } });
    }
    if (this.#restoreUrlDefault && this.#lastUrl !== undefined) {
      await actor.submit({ type: 'Navigate', url: this.#lastUrl }, op);
      this.#urlRestoredFor = this.#generation;
    }
    return { cookies: cookies.length, origins };
  }

  async #takeSnapshot(): Promise<void> {
    const actor = this.#actor as BrowserActor;
    const generation = this.#generation;
    this.#occupy('snapshot');
    await this.#snapshotNow(actor, generation);
    await this.#release(actor, generation);
    this.#pump();
  }

  /** Export cookies, local storage and the URL; on failure keep the previous snapshot and stay dirty. */
  async #snapshotNow(actor: BrowserActor, generation: number): Promise<void> {
    this.#dirty = false;
    try {
      const op = { priority: Priority.HIGHEST, timeoutMs: this.#restoreTimeoutMs };
      const state = await actor.submit({ type: 'ExportCookies', format: 'storage-state' }, op);
      const url = await actor.submit({ type: 'CurrentUrl' }, op).catch(() => undefined);
      if (generation === this.#generation) {
        this.#noteUrl(url);
        this.#snapshot = { state, url: this.#lastUrl, at: this.#clock.now() };
        this.#events.emit('snapshot', { cookies: state.cookies.length, origins: state.origins.length });
      }
    } catch {
      // A browser that died here is handled by the crash path; the previous snapshot stays.
      if (generation === this.#generation) this.#dirty = true;
    }
  }

  /**
   * A cheap reachability check. Periodic probes count failures (N in a row are a fault);
   * `verify` (after a crash answer) treats a single failure as the fault.
   */
  async #probe(verify = false): Promise<void> {
    const actor = this.#actor as BrowserActor;
    const generation = this.#generation;
    // A verification decides on one answer, so it gets the restore check's time, not the short
    // probe deadline: a browser that is closing fails at once either way, while one whose tab was
    // just replaced may need seconds on a loaded machine to start the new tab's renderer.
    const timeoutMs = verify ? this.#restoreTimeoutMs : this.#probeTimeoutMs;
    this.#occupy('probe', this.#clock.now() + timeoutMs);
    let ok = false;
    try {
      ok = (await actor.submit({ type: 'ExecuteJS', script: 'return 1', idempotent: true }, { priority: Priority.HIGHEST, timeoutMs })) === 1;
    } catch {
      ok = false;
    }
    if (generation === this.#generation) {
      if (ok) {
        this.#probeFailures = 0;
        if (this.#state === 'degraded') this.#setState('healthy', 'probe answered');
      } else if (verify && this.#actor === actor) {
        this.#fault('browser-disconnected', 'the browser failed its check after a task crashed on it');
      } else if (this.#actor === actor && actor.state === 'ready') {
        this.#probeFailures++;
        if (this.#probeFailures >= this.#probeFailuresBeforeRestart) {
          this.#fault('probe-failed', `${this.#probeFailures} reachability probes in a row got no answer within ${this.#probeTimeoutMs}ms`);
        } else if (this.#state === 'healthy') {
          this.#setState('degraded', `reachability probe ${this.#probeFailures} of ${this.#probeFailuresBeforeRestart} failed`);
        }
      }
    }
    await this.#release(actor, generation);
    this.#pump();
  }

  /** Planned replacement: the browser has finished its work (the slot is free); carry the session over. */
  async #retire(reason: string): Promise<void> {
    this.#recyclePending = undefined;
    const old = this.#actor as BrowserActor;
    this.#occupy('restore');
    if (this.#snapshotEnabled) {
      try {
        const state = await old.submit({ type: 'ExportCookies', format: 'storage-state' }, { priority: Priority.HIGHEST, timeoutMs: this.#restoreTimeoutMs });
        this.#snapshot = { state, url: this.#lastUrl, at: this.#clock.now() };
        this.#dirty = false;
      } catch {
        // Keep the previous snapshot.
      }
    }
    if (this.#actor !== old) return; // it crashed meanwhile: the fault path took over
    this.#recycles++;
    this.#actor = undefined;
    this.#generation++;
    this.#slot = 'free';
    this.#track(old.stop({ timeoutMs: this.#restoreTimeoutMs }));
    this.#faultAt = this.#clock.now();
    if (this.#state !== 'stopping') this.#setState('restarting', `recycling: ${reason}`);
    this.#scheduleRestart(`recycling: ${reason}`, true);
  }

  #giveUp(error: BrowserActorError): void {
    if (this.#state === 'failed' || this.#state === 'stopped') return;
    this.#failure = error;
    this.#setState('failed', error.message);
    this.#clearTimers();
    this.#failPending(() => error);
    for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(error);
    const actor = this.#actor;
    this.#actor = undefined;
    this.#generation++;
    if (actor) this.#track(actor.kill(error));
    this.#events.emit('failed', { error });
  }

  // ── periodic checks ───────────────────────────────────────────────────────────────────

  #scheduleTick(): void {
    this.#tickTimer = this.#clock.setTimeout(() => this.#tick(), this.#probeIntervalMs, { unref: true });
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
    // Watchdog: the actor answers every task by its deadline and stops its work within the
    // cancel grace and close timeouts; a slot still busy long after that means it is wedged.
    if (this.#slot !== 'free' && now > this.#slotDueAt + this.#watchdogSlackMs) {
      const what = this.#running ? `task ${this.#running.id} (${this.#running.task.type})` : `a ${this.#slot}`;
      this.#fault('watchdog', `${what} kept the browser busy ${Math.round(now - this.#slotDueAt)}ms past its deadline`);
      return;
    }
    if (now - this.#readyAt >= this.#recycle.maxAgeMs) this.#recyclePending ??= `browser age ${Math.round(now - this.#readyAt)}ms`;
    const rss = this.#recycle.maxRssBytes < Number.MAX_SAFE_INTEGER ? actor.browserRssBytes() : null;
    if (rss !== null && rss > this.#recycle.maxRssBytes) this.#recyclePending ??= `browser memory ${Math.round(rss / 1e6)} MB over ${Math.round(this.#recycle.maxRssBytes / 1e6)} MB`;
    if (this.#slot !== 'free') return;
    if (this.#recyclePending !== undefined) {
      this.#pump();
      return;
    }
    const idle = this.#mailbox.size === 0 && this.#retry.length === 0 && this.#compensations.length === 0;
    if (!idle) return;
    // Pages change the session on their own too (timers, scripts): refresh the snapshot now and then.
    if (this.#snapshotEnabled && this.#tasksOnBrowser > 0 && now - (this.#snapshot?.at ?? this.#readyAt) >= this.#snapshotIntervalMs) {
      void this.#takeSnapshot();
      return;
    }
    // Tasks completed since the last tick prove the browser answers; probe only when nothing did.
    if (this.#lastProgressAt < sinceLastTick) void this.#probe();
  }

  #clearTimers(): void {
    if (this.#restartTimer !== undefined) this.#clock.clearTimeout(this.#restartTimer);
    if (this.#tickTimer !== undefined) this.#clock.clearTimeout(this.#tickTimer);
    this.#restartTimer = undefined;
    this.#tickTimer = undefined;
    this.#nextRestartAt = null;
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
    for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(this.#notAcceptingError());
    const actor = this.#actor;
    this.#actor = undefined;
    this.#generation++;
    if (actor) this.#track(force ? actor.kill(new ActorStoppedError(`Supervisor ${this.id} was killed`)) : actor.stop({ timeoutMs: this.#restoreTimeoutMs }));
    while (this.#retiring.size > 0) await Promise.all([...this.#retiring]);
    this.#deadlines.clear();
  }

  #isDrained(): boolean {
    return this.#mailbox.size === 0 && this.#mailbox.deferredSize === 0 && this.#retry.length === 0 && this.#compensations.length === 0 && this.#running === undefined;
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


function sameDomain(a: string, b: string): boolean {
  return a.replace(/^\./, '') === b.replace(/^\./, '');
}
