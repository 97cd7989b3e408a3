import type { BrowserInfo, Driver, DriverEvent, DriverFactory, DriverOpOptions, PageId } from '../../drivers/driver.js';
import {
  ActorCrashedError,
  ActorStoppedError,
  BrowserActorError,
  DriverError,
  InvalidOptionError,
  InvalidTaskError,
  MailboxFullError,
  ShedError,
  TaskTimeoutError,
  isBrowserActorError,
  isTargetClosed,
} from '../../errors.js';
import { type Clock, systemClock, within } from '../../internal/clock.js';
import { type Deferred, createDeferred } from '../../internal/deferred.js';
import { TypedEmitter } from '../../internal/typed-emitter.js';
import { PriorityMailbox, type Ticket } from '../mailbox/mailbox.js';
import { isIdempotent, runTask } from '../tasks/run-task.js';
import type { ResultOf, Task } from '../tasks/types.js';
import { type TaskLimits, type ValidTask, taskLimits, validateTask } from '../tasks/validate.js';
import { type AcceptedTask, AnswerLedger, acceptedTask } from '../answer-ledger.js';
import { type SubmitDefaults, follow, mailboxOptions, parseSubmitOptions, submitDefaults } from '../submit-helpers.js';
import { booleanOption, positive } from '../../internal/options.js';
import type {
  ActorBookkeeping,
  ActorState,
  ActorStats,
  BrowserActorEvents,
  BrowserActorOptions,
  SubmitOptions,
  TaskOutcome,
} from './actor-types.js';

export type {
  ActorBookkeeping,
  ActorState,
  ActorStats,
  BrowserActorEvents,
  BrowserActorOptions,
  SubmitOptions,
  TaskOutcome,
} from './actor-types.js';

type Phase = 'queued' | 'running' | 'done';

interface Entry extends AcceptedTask {
  readonly task: ValidTask;
  readonly lane: number;
  phase: Phase;
  startedAt: number;
  ticket: Ticket<Entry> | undefined;
  controller: AbortController | undefined;
  interrupted: Deferred<void> | undefined;
  /** Its tab crashed under it: nothing of it can still run, so there is no grace to wait out. */
  tabGone: boolean;
  /** The tab it ran on, once it asked for one. */
  pageId: PageId | undefined;
}

let actorCounter = 0;

/**
 * One browser, one owner. The actor creates its driver, and only the actor's own code calls it:
 * in actor mode a single worker loop takes tasks from a bounded priority mailbox and runs them
 * one at a time; in direct mode each submit runs its task at once. Either way every accepted
 * task is answered exactly once — result, typed error, timeout or cancellation — and a late
 * browser answer after the deadline is discarded.
 */
export class BrowserActor {
  readonly id: string;
  readonly actorMode: boolean;
  readonly #factory: DriverFactory;
  readonly #clock: Clock;
  readonly #ledger: AnswerLedger<Entry>;
  readonly #events = new TypedEmitter<BrowserActorEvents>();
  readonly #mailbox: PriorityMailbox<Entry>;
  readonly #limits: TaskLimits;
  readonly #defaults: SubmitDefaults;
  readonly #launchTimeoutMs: number;
  readonly #closeTimeoutMs: number;
  readonly #cancelGraceMs: number;
  readonly #isolatedLanes: boolean;
  #state: ActorState = 'idle';
  #stateReason: string | undefined;
  #driver: Driver | undefined;
  #offDriverEvents: (() => void) | undefined;
  #browser: BrowserInfo | undefined;
  /** Each lane's tab, once opened. */
  #pages = new Map<number, PageId>();
  #pagePromises = new Map<number, Promise<PageId>>();
  /** Tabs forgotten after a task found them closed, by the lane they served: see {@link #dropPage}. */
  readonly #droppedPages = new Map<PageId, number>();
  #pumping = false;
  #seq = 0;
  #inFlight = new Set<Entry>();
  #controllers: AbortController[] = [];
  #waiting = new Set<Entry>(); // direct mode: submitted before the browser was ready
  #startPromise: Promise<void> | undefined;
  #launchAbort: AbortController | undefined;
  #stopPromise: Promise<void> | undefined;
  #killPromise: Promise<void> | undefined;
  #drained: Deferred<void> | undefined;
  #idleWaiters: { readonly lane: number | undefined; readonly deferred: Deferred<void> }[] = [];
  #counts = { submitted: 0, completed: 0, failed: 0, timedOut: 0, cancelled: 0, shed: 0, rejected: 0 };

  constructor(options: BrowserActorOptions) {
    if (typeof options?.driver !== 'function') {
      throw new InvalidOptionError('BrowserActor needs a driver factory: new BrowserActor({ driver: () => new SomeDriver() })');
    }
    this.id = options.id ?? `actor-${++actorCounter}`;
    this.actorMode = booleanOption('actorMode', options.actorMode, false);
    this.#factory = options.driver;
    this.#clock = options.clock ?? systemClock;
    this.#ledger = new AnswerLedger<Entry>(this.#clock);
    this.#defaults = submitDefaults(options);
    this.#launchTimeoutMs = positive('launchTimeoutMs', options.launchTimeoutMs ?? 30_000);
    this.#closeTimeoutMs = positive('closeTimeoutMs', options.closeTimeoutMs ?? 5000);
    this.#cancelGraceMs = positive('cancelGraceMs', options.cancelGraceMs ?? 2000);
    this.#isolatedLanes = booleanOption('isolatedLanes', options.isolatedLanes, false);
    this.#limits = taskLimits(options.limits);
    this.#mailbox = new PriorityMailbox<Entry>(mailboxOptions<Entry>(options.mailbox, (entry) => this.#onShed(entry)));
  }

  /** Current lifecycle state. */
  get state(): ActorState {
    return this.#state;
  }

  /** The browser's name, version and pid, once started. */
  get browser(): BrowserInfo | undefined {
    return this.#browser;
  }

  /** Counts of what the actor holds between tasks, for leak checks: they stay flat over a long run. */
  bookkeeping(): ActorBookkeeping {
    return {
      ...this.#ledger.bookkeeping(),
      listeners: this.#events.listenerCount(),
      inFlight: this.#inFlight.size,
      waiting: this.#waiting.size,
      controllers: this.#controllers.length,
      pages: this.#pages.size,
      idleWaiters: this.#idleWaiters.length,
    };
  }

  /** Subscribe to an event; returns an unsubscribe function. A throwing listener never breaks the actor. */
  on<K extends keyof BrowserActorEvents>(name: K, listener: (event: BrowserActorEvents[K]) => void): () => void {
    return this.#events.on(name, listener);
  }

  /** Stop calling `listener` for `name`. */
  off<K extends keyof BrowserActorEvents>(name: K, listener: (event: BrowserActorEvents[K]) => void): void {
    this.#events.off(name, listener);
  }

  /**
   * Launch the browser. Idempotent: a second call returns the first call's promise. Tasks
   * submitted before it resolves wait (their timeouts still count).
   */
  start(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.#startPromise) return this.#startPromise;
    if (this.#state !== 'idle') return Promise.reject(this.#notAcceptingError());
    this.#startPromise = this.#start(options.signal);
    return this.#startPromise;
  }

  /**
   * Submit a task; the promise settles exactly once with its result or a typed error. Bad input
   * is rejected here, before the browser is touched, and never counts as a browser fault.
   */
  submit<T extends Task>(task: T, options: SubmitOptions = {}): Promise<ResultOf<T>> {
    return this.#submit(task, options) as Promise<ResultOf<T>>;
  }

  /** Finish queued and running tasks, then close the browser. Idempotent. */
  stop(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#stopPromise ??= this.#stop(options.timeoutMs ?? this.#defaults.maxTimeoutMs);
    return this.#stopPromise;
  }

  /** Fail every pending task with `reason` (an Error, or text for an `ERR_ACTOR_STOPPED`) and kill the browser now. Idempotent. */
  kill(reason?: unknown): Promise<void> {
    this.#killPromise ??= this.#kill(reason);
    return this.#killPromise;
  }

  /** Resolves when a submit would be admitted to the mailbox without refusal or deferral. */
  onCapacity(options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.actorMode ? this.#mailbox.onCapacity(options) : Promise.resolve();
  }

  /** Resolves when fewer than `n` tasks are queued. */
  whenBelow(n: number, options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.actorMode ? this.#mailbox.whenBelow(n, options) : Promise.resolve();
  }

  /**
   * Resolves when no task is queued and no task's browser work is still going (a timed-out
   * script that the browser has not stopped yet counts as going). A supervisor hands the next
   * task over only then, so two tasks never share the tab.
   */
  idle(lane?: number): Promise<void> {
    if (this.#isIdle(lane)) return Promise.resolve();
    const deferred = createDeferred<void>();
    this.#idleWaiters.push({ lane, deferred });
    return deferred.promise;
  }

  /** Lanes whose tab is open now. */
  openLanes(): number[] {
    return [...this.#pages.keys()].sort((a, b) => a - b);
  }

  /**
   * A counter that moves whenever the session that `lane` uses may have changed (its own context
   * when lanes are isolated, else the shared one): see {@link Driver.sessionVersion}. Changes made
   * by tasks that have answered are counted. `null` when the driver cannot tell, the browser is
   * not running, or the lane's isolated tab is not open: treat that as "may have changed".
   */
  async sessionVersion(lane = 0, timeoutMs = 1000): Promise<number | null> {
    const driver = this.#driver;
    if (!driver || (this.#state !== 'ready' && this.#state !== 'stopping')) return null;
    let scope: PageId | undefined;
    if (this.#isolatedLanes) {
      scope = this.#pages.get(lane);
      if (scope === undefined) return null;
    }
    try {
      return await driver.sessionVersion({ timeoutMs }, scope);
    } catch {
      return null;
    }
  }

  /** Resident memory of the browser's processes in bytes, when the driver can tell; else `null`. */
  browserRssBytes(): number | null {
    return this.#driver?.rssBytes?.() ?? null;
  }

  /** The actor's state and counters now: tasks by outcome, queue depth, the browser's pid. */
  stats(): ActorStats {
    return {
      id: this.id,
      state: this.#state,
      actorMode: this.actorMode,
      queued: this.#mailbox.size + this.#waiting.size,
      queuedByPriority: this.#mailbox.sizes(),
      deferred: this.#mailbox.deferredSize,
      inFlight: this.#inFlight.size,
      ...this.#counts,
    };
  }

  // ── submit ────────────────────────────────────────────────────────────────────────────

  #submit(task: Task, options: SubmitOptions): Promise<unknown> {
    let entry: Entry;
    try {
      if (!this.#accepting()) throw this.#notAcceptingError();
      const valid = validateTask(task, this.#limits);
      const { priority, timeoutMs, signal, idempotencyKey } = parseSubmitOptions(options, this.#defaults);
      const lane = options.lane ?? 0;
      if (!Number.isSafeInteger(lane) || lane < 0) throw new InvalidTaskError(`lane must be an integer ≥ 0, got ${String(lane)}`);
      signal?.throwIfAborted();
      entry = this.#newEntry(valid, priority, timeoutMs, signal, idempotencyKey, lane);
      const existing = idempotencyKey === undefined ? undefined : this.#ledger.claim(entry, JSON.stringify(valid));
      if (existing) {
        this.#counts.submitted++;
        return follow(existing.result.promise, signal);
      }
    } catch (error) {
      this.#counts.rejected++;
      return Promise.reject(error);
    }
    if (this.actorMode) {
      const ticket = this.#mailbox.offer(entry, entry.priority);
      if (!ticket) {
        this.#ledger.unclaim(entry);
        this.#counts.rejected++;
        return Promise.reject(
          new MailboxFullError(
            `Mailbox full: ${this.#mailbox.size} of ${this.#mailbox.capacity} queued (actor ${this.id}, overflow ${this.#mailbox.overflow}` +
              `${this.#mailbox.overflow === 'defer' ? `, ${this.#mailbox.deferredSize} deferred` : ''}); task refused — retry later or await onCapacity()`,
            { details: { actorId: this.id, capacity: this.#mailbox.capacity, queued: this.#mailbox.size, priority: entry.priority } },
          ),
        );
      }
      entry.ticket = ticket;
    }
    this.#counts.submitted++;
    this.#arm(entry);
    if (this.actorMode) this.#pump();
    else if (this.#state === 'ready' || this.#state === 'stopping') void this.#runEntry(entry);
    else this.#waiting.add(entry);
    return entry.result.promise;
  }

  #newEntry(
    task: ValidTask,
    priority: number,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    idempotencyKey: string | undefined,
    lane: number,
  ): Entry {
    const now = this.#clock.now();
    return {
      ...acceptedTask(`${this.id}:${++this.#seq}`, priority, timeoutMs, signal, idempotencyKey, now),
      task,
      lane,
      startedAt: 0,
      ticket: undefined,
      controller: undefined,
      interrupted: undefined,
      tabGone: false,
      pageId: undefined,
    };
  }

  #arm(entry: Entry): void {
    this.#ledger.arm(
      entry,
      () => this.#onTimeout(entry),
      () => this.#interrupt(entry, entry.signal?.reason, 'cancelled'),
    );
  }

  // ── running ───────────────────────────────────────────────────────────────────────────

  #pump(): void {
    if (this.#pumping || (this.#state !== 'ready' && this.#state !== 'stopping')) return;
    this.#pumping = true;
    void this.#loop();
  }

  /** The worker loop: the only caller of the driver in actor mode. */
  async #loop(): Promise<void> {
    try {
      while (this.#state === 'ready' || this.#state === 'stopping') {
        const entry = this.#mailbox.take();
        if (!entry) break;
        await this.#runEntry(entry);
      }
    } finally {
      this.#pumping = false;
      this.#checkDrained();
    }
  }

  async #runEntry(entry: Entry): Promise<void> {
    if (entry.phase !== 'queued') return;
    const driver = this.#driver as Driver;
    entry.phase = 'running';
    entry.startedAt = this.#clock.now();
    const controller = this.#controllers.pop() ?? new AbortController();
    entry.controller = controller;
    entry.interrupted = createDeferred<void>();
    this.#inFlight.add(entry);
    if (this.#events.hasListeners('task:start')) {
      this.#events.emit('task:start', {
        actorId: this.id,
        taskId: entry.id,
        type: entry.task.type,
        priority: entry.priority,
        queuedMs: entry.startedAt - entry.submittedAt,
      });
    }
    const op = (): DriverOpOptions => ({ timeoutMs: Math.max(1, entry.deadlineAt - this.#clock.now()), signal: controller.signal });
    let work: Promise<unknown>;
    try {
      work = runTask(entry.task, {
        driver,
        limits: this.#limits,
        op,
        page: (o) => this.#pageFor(entry, o),
        scope: (o) => (this.#isolatedLanes ? this.#page(entry.lane, o) : Promise.resolve(undefined)),
      });
    } catch (error) {
      work = Promise.reject(error);
    }
    let workEnded = false;
    // The slot is freed in the same turn as the answer, so stats() never shows finished work.
    const ended = work.then(
      (value) => {
        workEnded = true;
        this.#inFlight.delete(entry);
        this.#settle(entry, value, undefined);
      },
      (error: unknown) => {
        workEnded = true;
        this.#inFlight.delete(entry);
        // The tab closed under the task while the browser may still be up (the renderer died and
        // the driver's connection said so before the crash event came): never run on it again.
        if (isTargetClosed(error)) this.#dropPage(entry);
        this.#settle(entry, undefined, this.#taskError(entry, error));
      },
    );
    try {
      await Promise.race([ended, entry.interrupted.promise]);
      if (!workEnded && !entry.tabGone) {
        // Answered by timeout or cancel: the driver was told to stop the work. Keep the slot
        // until it confirms, so the next task never shares the tab with a runaway script.
        await within(this.#clock, this.#cancelGraceMs, ended);
        if (!workEnded && this.#state !== 'crashed' && this.#state !== 'stopped') await this.#replaceStuckPage(entry);
      }
    } finally {
      this.#inFlight.delete(entry);
      // Building an AbortController costs microseconds on Node 20; one never aborted is reused.
      // Drivers remove their listeners when an operation ends, so a reused signal carries none.
      if (!controller.signal.aborted && this.#controllers.length < 16) this.#controllers.push(controller);
      entry.controller = undefined;
      this.#checkDrained();
    }
  }

  /** A lane's tab, created on first use and reused. */
  #page(lane: number, op: DriverOpOptions): Promise<PageId> {
    const open = this.#pages.get(lane);
    if (open !== undefined) return Promise.resolve(open);
    let pending = this.#pagePromises.get(lane);
    if (!pending) {
      const driver = this.#driver as Driver;
      pending = driver
        .newPage(op, { isolated: this.#isolatedLanes })
        .then((id) => {
          if (this.#driver === driver && this.#state !== 'stopped' && this.#state !== 'crashed') this.#pages.set(lane, id);
          return id;
        })
        .finally(() => this.#pagePromises.delete(lane));
      this.#pagePromises.set(lane, pending);
    }
    return pending;
  }

  /** The lane's tab for `entry`, remembered on the entry so a failure can tell which tab it was. */
  #pageFor(entry: Entry, op: DriverOpOptions): Promise<PageId> {
    const open = this.#pages.get(entry.lane);
    if (open !== undefined) {
      entry.pageId = open;
      return Promise.resolve(open);
    }
    return this.#page(entry.lane, op).then((id) => (entry.pageId = id));
  }

  /**
   * Forget the tab `entry` ran on if it is still its lane's tab: the next task on the lane opens
   * a new one. A crash event that comes for it later is reported, but answers no task (the lane
   * may already serve the next one on its new tab).
   */
  #dropPage(entry: Entry): void {
    const id = entry.pageId;
    if (id === undefined || this.#pages.get(entry.lane) !== id) return;
    this.#pages.delete(entry.lane);
    this.#droppedPages.set(id, entry.lane);
    if (this.#droppedPages.size > 16) this.#droppedPages.delete(this.#droppedPages.keys().next().value as PageId);
    void this.#driver?.closePage(id, { timeoutMs: this.#closeTimeoutMs }).catch(() => undefined);
  }

  #laneOf(pageId: PageId): number | undefined {
    for (const [lane, id] of this.#pages) if (id === pageId) return lane;
    return undefined;
  }

  #onTimeout(entry: Entry): void {
    const where = entry.phase === 'queued' ? 'while queued' : 'while running';
    const error = new TaskTimeoutError(
      `Task ${entry.id} (${entry.task.type}) timed out after ${entry.timeoutMs}ms ${where} (actor ${this.id}, ${this.#mailbox.size} queued, attempt 1)`,
      { details: { taskId: entry.id, actorId: this.id, timeoutMs: entry.timeoutMs, phase: entry.phase } },
    );
    this.#interrupt(entry, error, 'timeout');
  }

  /** Answer a task now (timeout, cancel) and stop its work: it leaves the queue, or the browser is told to stop. */
  #interrupt(entry: Entry, reason: unknown, outcome: TaskOutcome): void {
    if (entry.phase === 'done') return;
    if (entry.phase === 'queued') {
      if (entry.ticket) this.#mailbox.remove(entry.ticket);
      this.#waiting.delete(entry);
      this.#settle(entry, undefined, reason, outcome);
      this.#checkDrained();
      return;
    }
    this.#settle(entry, undefined, reason, outcome);
    entry.controller?.abort(reason);
    entry.interrupted?.resolve();
  }

  /**
   * Answer a task exactly once. `error === undefined` means success. Later calls are ignored,
   * which is how a browser answer arriving after the deadline is discarded.
   */
  #settle(entry: Entry, value: unknown, error: unknown, outcome?: TaskOutcome): void {
    if (!this.#ledger.answer(entry, value, error)) return;
    const final: TaskOutcome =
      error === undefined ? 'ok' : (outcome ?? (isBrowserActorError(error, 'ERR_TASK_TIMEOUT') ? 'timeout' : 'error'));
    switch (final) {
      case 'ok':
        this.#counts.completed++;
        break;
      case 'error':
        this.#counts.failed++;
        break;
      case 'timeout':
        this.#counts.timedOut++;
        break;
      case 'cancelled':
        this.#counts.cancelled++;
        break;
      case 'shed':
        this.#counts.shed++;
        break;
    }
    if (this.#events.hasListeners('task:end')) {
      this.#events.emit('task:end', {
        actorId: this.id,
        taskId: entry.id,
        type: entry.task.type,
        outcome: final,
        durationMs: this.#clock.now() - entry.submittedAt,
        ...(error === undefined ? {} : { errorCode: (error as { code?: string }).code ?? 'ERR_UNKNOWN' }),
      });
    }
  }

  /** Map what the driver threw to the task's answer. */
  #taskError(entry: Entry, error: unknown): unknown {
    if (isBrowserActorError(error, 'ERR_DRIVER_TIMEOUT')) {
      return new TaskTimeoutError(
        `Task ${entry.id} (${entry.task.type}) timed out after ${entry.timeoutMs}ms while running (actor ${this.id}, ${this.#mailbox.size} queued, attempt 1)`,
        { cause: error, details: { taskId: entry.id, actorId: this.id, timeoutMs: entry.timeoutMs, phase: 'running' } },
      );
    }
    if (isTargetClosed(error)) {
      // A driver that queues operations says when one never reached the browser (`notSent`).
      const notSent = (error as DriverError).details['notSent'] === true;
      return this.#crashedError(entry, notSent ? 'the browser was lost before it got the task' : 'the browser or tab closed', notSent);
    }
    if (error instanceof BrowserActorError) return error;
    return new DriverError(
      `Task ${entry.id} (${entry.task.type}) failed in the driver: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }

  #crashedError(entry: Entry, reason: string, notSent = false): ActorCrashedError {
    const ran = entry.phase === 'running' && !notSent;
    return new ActorCrashedError(
      ran
        ? `Task ${entry.id} (${entry.task.type}) was running when ${reason} (actor ${this.id}); it may have taken effect`
        : `Task ${entry.id} (${entry.task.type}) never ran: ${reason} (actor ${this.id})`,
      { details: { taskId: entry.id, actorId: this.id, maybeExecuted: ran, idempotent: isIdempotent(entry.task) } },
    );
  }

  #onShed(entry: Entry): void {
    this.#settle(
      entry,
      undefined,
      new ShedError(
        `Task ${entry.id} (${entry.task.type}, priority ${entry.priority}) was dropped from the full mailbox for a higher-priority task (actor ${this.id}, capacity ${this.#mailbox.capacity}); it never ran`,
        { details: { taskId: entry.id, actorId: this.id, priority: entry.priority } },
      ),
      'shed',
    );
  }

  // ── faults ────────────────────────────────────────────────────────────────────────────

  #onDriverEvent(event: DriverEvent): void {
    if (event.type === 'disconnected') {
      this.#onBrowserGone(event.reason);
      return;
    }
    const dropped = this.#droppedPages.get(event.pageId);
    if (dropped !== undefined) {
      this.#droppedPages.delete(event.pageId);
      this.#emitFault('page-crashed', `the tab of lane ${dropped} crashed`, undefined, dropped);
      return;
    }
    const lane = this.#laneOf(event.pageId);
    if (lane === undefined) return;
    this.#pages.delete(lane);
    const driver = this.#driver;
    void driver?.closePage(event.pageId, { timeoutMs: this.#closeTimeoutMs }).catch(() => undefined);
    // Only this lane's tab died: its neighbours keep running.
    const victims = [...this.#inFlight].filter((entry) => entry.lane === lane);
    for (const entry of victims) {
      entry.tabGone = true;
      this.#emitFault('page-crashed', `the tab of lane ${lane} crashed`, entry.id, lane);
      this.#interrupt(entry, this.#crashedError(entry, 'its tab crashed'), 'error');
    }
    if (victims.length === 0) this.#emitFault('page-crashed', `the tab of lane ${lane} crashed`, undefined, lane);
  }

  /**
   * The browser is gone or past saving: answer everything, then end it. `politely` (a hung tab
   * that would not close) first asks the browser to close within `closeTimeoutMs`; the driver
   * then kills its process group either way.
   */
  #onBrowserGone(reason: string, politely = false): void {
    if (this.#state === 'stopped' || this.#state === 'crashed' || this.#state === 'failed') return;
    this.#emitFault('browser-disconnected', reason);
    this.#setState('crashed', reason);
    this.#failAll((entry) => this.#crashedError(entry, `the browser died (${reason})`));
    const driver = this.#driver;
    if (politely && driver) void driver.close({ timeoutMs: this.#closeTimeoutMs }).catch(() => driver.kill());
    else void driver?.kill();
  }

  /** Close the tab of the stuck task's own lane only; its neighbours keep theirs. */
  async #replaceStuckPage(entry: Entry): Promise<void> {
    const stuck = this.#pages.get(entry.lane);
    this.#emitFault(
      'stuck-page',
      `the tab of lane ${entry.lane} did not stop task ${entry.id} within ${this.#cancelGraceMs}ms`,
      entry.id,
      entry.lane,
    );
    if (stuck === undefined) return;
    this.#pages.delete(entry.lane);
    try {
      await (this.#driver as Driver).closePage(stuck, { timeoutMs: this.#closeTimeoutMs });
    } catch {
      this.#onBrowserGone(`the browser did not close a stuck tab within ${this.#closeTimeoutMs}ms`, true);
    }
  }

  #emitFault(kind: BrowserActorEvents['fault']['kind'], reason: string, taskId?: string, lane?: number): void {
    this.#events.emit('fault', {
      actorId: this.id,
      kind,
      reason,
      ...(taskId === undefined ? {} : { taskId }),
      ...(lane === undefined ? {} : { lane }),
    });
  }

  /** Answer every queued, waiting and running task with an error made for it. */
  #failAll(errorFor: (entry: Entry) => unknown): void {
    for (const entry of this.#mailbox.drain()) this.#settle(entry, undefined, errorFor(entry));
    for (const entry of [...this.#waiting]) this.#settle(entry, undefined, errorFor(entry));
    this.#waiting.clear();
    for (const entry of [...this.#inFlight]) this.#interrupt(entry, errorFor(entry), 'error');
    this.#checkDrained();
  }

  // ── lifecycle ─────────────────────────────────────────────────────────────────────────

  async #start(signal: AbortSignal | undefined): Promise<void> {
    this.#setState('starting');
    let driver: Driver;
    try {
      driver = this.#factory();
    } catch (error) {
      this.#setState('failed', 'the driver factory threw');
      this.#failAll(() => error);
      throw error;
    }
    this.#driver = driver;
    this.#offDriverEvents = driver.onEvent((event) => this.#onDriverEvent(event));
    this.#launchAbort = new AbortController();
    const launchSignal = signal ? AbortSignal.any([signal, this.#launchAbort.signal]) : this.#launchAbort.signal;
    try {
      this.#browser = await driver.launch({ timeoutMs: this.#launchTimeoutMs, signal: launchSignal });
    } catch (error) {
      await driver.kill().catch(() => undefined);
      if (this.#state === 'starting') {
        this.#setState('failed', error instanceof Error ? error.message : String(error));
        this.#failAll(() => error);
      }
      throw error;
    }
    if (this.#state !== 'starting') {
      // stop() or kill() arrived during the launch.
      await driver.kill();
      throw this.#notAcceptingError();
    }
    this.#setState('ready');
    if (this.actorMode) this.#pump();
    else {
      const waiting = [...this.#waiting];
      this.#waiting.clear();
      for (const entry of waiting) void this.#runEntry(entry);
    }
  }

  async #stop(timeoutMs: number): Promise<void> {
    if (this.#state === 'idle') {
      this.#setState('stopped', 'stopped before start');
      return;
    }
    if (this.#state === 'starting') await this.#startPromise?.catch(() => undefined);
    if (this.#state === 'ready') this.#setState('stopping');
    if (this.#state === 'stopping') {
      this.#pump();
      const drained = this.#whenDrained();
      const timer = this.#clock.setTimeout(() => {
        this.#failAll(
          (entry) =>
            new ActorStoppedError(
              `Actor ${this.id} stopped after waiting ${timeoutMs}ms for its tasks; task ${entry.id} (${entry.task.type}) was not finished`,
              {
                details: { taskId: entry.id, actorId: this.id, maybeExecuted: entry.phase === 'running' },
              },
            ),
        );
      }, timeoutMs);
      try {
        await drained;
      } finally {
        this.#clock.clearTimeout(timer);
      }
    }
    await this.#shutDriver(false);
    if (this.#state !== 'stopped') this.#setState('stopped', 'stop()');
  }

  async #kill(reason: unknown): Promise<void> {
    const error =
      reason instanceof Error
        ? reason
        : new ActorStoppedError(`Actor ${this.id} was killed${typeof reason === 'string' ? `: ${reason}` : ''}`, {
            details: { actorId: this.id },
          });
    const wasStarting = this.#state === 'starting';
    if (this.#state !== 'stopped') this.#setState('stopped', 'kill()');
    this.#failAll(() => error);
    this.#launchAbort?.abort(error);
    if (!wasStarting) await this.#shutDriver(true);
    else await this.#startPromise?.catch(() => undefined);
  }

  async #shutDriver(force: boolean): Promise<void> {
    this.#mailbox.rejectWaiters(new ActorStoppedError(`Actor ${this.id} is stopped`));
    const driver = this.#driver;
    if (driver) {
      this.#offDriverEvents?.();
      if (force) await driver.kill();
      else await driver.close({ timeoutMs: this.#closeTimeoutMs }).catch(() => driver.kill());
    }
    this.#pages.clear();
    this.#droppedPages.clear();
    this.#ledger.clear();
  }

  #whenDrained(): Promise<void> {
    this.#drained ??= createDeferred<void>();
    const promise = this.#drained.promise;
    this.#checkDrained();
    return promise;
  }

  /** No work at all (`lane` omitted), or none of that lane's work still going. */
  #isIdle(lane?: number): boolean {
    if (lane !== undefined && !this.actorMode) {
      for (const entry of this.#inFlight) if (entry.lane === lane) return false;
      for (const entry of this.#waiting) if (entry.lane === lane) return false;
      return true;
    }
    return this.#mailbox.size === 0 && this.#mailbox.deferredSize === 0 && this.#inFlight.size === 0 && this.#waiting.size === 0;
  }

  #checkDrained(): void {
    if (this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const waiter of waiters) {
        if (this.#isIdle(waiter.lane)) waiter.deferred.resolve();
        else this.#idleWaiters.push(waiter);
      }
    }
    if (!this.#isIdle()) return;
    this.#drained?.resolve();
  }

  #accepting(): boolean {
    return this.#state === 'idle' || this.#state === 'starting' || this.#state === 'ready';
  }

  #notAcceptingError(): BrowserActorError {
    const why = this.#stateReason ? `: ${this.#stateReason}` : '';
    if (this.#state === 'crashed') {
      return new ActorCrashedError(`Actor ${this.id} has crashed${why}; start a new actor (or let a supervisor restart it)`, {
        details: { actorId: this.id, maybeExecuted: false },
      });
    }
    return new ActorStoppedError(`Actor ${this.id} is ${this.#state}${why}; it takes no new tasks`, {
      details: { actorId: this.id, state: this.#state },
    });
  }

  #setState(to: ActorState, reason?: string): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    this.#stateReason = reason;
    this.#events.emit('state', { actorId: this.id, from, to, ...(reason === undefined ? {} : { reason }) });
  }
}
