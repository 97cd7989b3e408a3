import type { BrowserInfo } from '../../drivers/driver.js';
import {
  ActorCrashedError,
  ActorStoppedError,
  type BrowserActorError,
  InvalidOptionError,
  MailboxFullError,
  SequenceCutError,
  ShedError,
  TaskTimeoutError,
  isBrowserActorError,
} from '../../errors.js';
import { type Clock, systemClock } from '../../internal/clock.js';
import { type Deferred, createDeferred } from '../../internal/deferred.js';
import { redactUrl } from '../../internal/redact.js';
import { TypedEmitter } from '../../internal/typed-emitter.js';
import type { ActorBookkeeping, BrowserActor } from '../actor/browser-actor.js';
import { Priority, PriorityMailbox } from '../mailbox/mailbox.js';
import type { ResultOf, Task } from '../tasks/types.js';
import { AnswerLedger } from '../answer-ledger.js';
import {
  type ExecutorCapabilities,
  type ExecutorEvent,
  type ExecutorHealth,
  type TaskExecutor,
  correlation,
  taskEndEvent,
} from '../executor.js';
import { handlePriority, mailboxOptions, resumeUrlOption, withHandle } from '../submit-helpers.js';
import { type HandleState, type Lane, laneIsFree, newLane, newTab } from './lanes.js';
import { RestartPolicy } from './restart-policy.js';
import { BrowserSlot } from './browser-slot.js';
import { BrowserLifecycle } from './browser-lifecycle.js';
import { type Entry, type PageToReopen, crashVerdict, describeFailure, newEntry, pageToReopen } from './supervisor-entry.js';
import { SessionSnapshots } from './session-snapshot.js';
import {
  type SessionSupervisorOptions,
  type SupervisedSubmitOptions,
  type SupervisorSettings,
  resolveSupervisorOptions,
} from './supervisor-options.js';
import type { LaneHandle, LaneOptions, SessionSupervisorEvents, SupervisorHealth, SupervisorState } from './supervisor-types.js';

export type { LaneHealth, LaneWork } from './lanes.js';
export type {
  FaultKind,
  FaultRecord,
  LaneHandle,
  LaneOptions,
  SessionSupervisorEvents,
  SupervisorHealth,
  SupervisorState,
} from './supervisor-types.js';
export type { SessionSupervisorOptions, SupervisedSubmitOptions } from './supervisor-options.js';

const SUPERVISOR_CAPABILITIES: ExecutorCapabilities = Object.freeze({
  laneHandles: true,
  overflow: Object.freeze(['reject', 'shed-lowest', 'defer'] as const),
  sessionKeys: false,
  taskStart: true,
  killsBrowsers: true,
});

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
  readonly #clock: Clock;
  readonly #ledger: AnswerLedger<Entry>;
  readonly #events = new TypedEmitter<SessionSupervisorEvents>();
  readonly #mailbox: PriorityMailbox<Entry>;
  readonly #settings: SupervisorSettings;
  readonly #lanes: Lane<Entry>[];
  /** The actor lane number for session-wide work (cookies, snapshots): never opens a tab. */
  readonly #sessionLane: number;
  readonly #snapshots: SessionSnapshots;

  readonly #slot: BrowserSlot;
  readonly #life: BrowserLifecycle;
  get #state(): SupervisorState {
    return this.#life.state;
  }
  /** The current browser's actor (see {@link BrowserSlot}). */
  get #actor(): BrowserActor | undefined {
    return this.#slot.actor;
  }
  get #generation(): number {
    return this.#slot.generation;
  }
  #retry: Entry[] = [];
  /** Tasks that run only alone (see `crashVerdict`), first in line first; each stays listed until answered. */
  #isolated: Entry[] = [];
  #compensations: Entry[] = [];
  #seq = 0;
  #handleSeq = 0;
  #lastUrl: string | undefined;
  #drainWaiters: Deferred<void>[] = [];
  #stopPromise: Promise<void> | undefined;

  constructor(options: SessionSupervisorOptions) {
    if (typeof options?.driver !== 'function') {
      throw new InvalidOptionError('SessionSupervisor needs a driver factory: new SessionSupervisor({ driver: () => new SomeDriver() })');
    }
    this.id = options.id ?? `supervisor-${++supervisorCounter}`;
    this.#clock = options.clock ?? systemClock;
    this.#ledger = new AnswerLedger<Entry>(this.#clock);
    this.#settings = resolveSupervisorOptions(options);
    this.#lanes = Array.from({ length: this.#settings.lanes }, (_, i) => newLane<Entry>(i));
    this.#sessionLane = this.#settings.lanes;
    this.#slot = new BrowserSlot({
      id: this.id,
      factory: options.driver,
      clock: this.#clock,
      settings: this.#settings,
      actorOptions: options.actor,
    });
    this.#snapshots = new SessionSnapshots({
      clock: this.#clock,
      settings: this.#settings,
      sessionLane: this.#sessionLane,
      generation: () => this.#generation,
      lastUrl: () => this.#lastUrl,
      taken: (e) => this.#events.emit('snapshot', e),
      settled: () => this.#pump(),
    });
    this.#life = new BrowserLifecycle({
      id: this.id,
      clock: this.#clock,
      settings: this.#settings,
      events: this.#events,
      slot: this.#slot,
      policy: new RestartPolicy(options, options.random ?? Math.random),
      snapshots: this.#snapshots,
      lanes: this.#lanes,
      queueDepth: () => this.#queueDepth(),
      pump: () => this.#pump(),
      failPending: (error) => this.#failPending(() => error),
    });
    this.#mailbox = new PriorityMailbox<Entry>(
      mailboxOptions<Entry>(options.mailbox, (entry) =>
        this.#settle(
          entry,
          undefined,
          new ShedError(
            `Task ${entry.id} (${entry.task.type}, priority ${entry.priority}) was dropped from the full mailbox for a higher-priority task (${this.id}); it never ran`,
            {
              details: { taskId: entry.id, priority: entry.priority },
            },
          ),
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

  /** Listen to one of the supervisor's own events; returns the unsubscribe function. */
  on<K extends keyof SessionSupervisorEvents>(name: K, listener: (event: SessionSupervisorEvents[K]) => void): () => void {
    return this.#events.on(name, listener);
  }

  /** Stop calling `listener` for `name`. */
  off<K extends keyof SessionSupervisorEvents>(name: K, listener: (event: SessionSupervisorEvents[K]) => void): void {
    this.#events.off(name, listener);
  }

  /** Every event in the executors' one vocabulary ({@link ExecutorEvent}). */
  onEvent(listener: (event: ExecutorEvent) => void): () => void {
    const executor = this.id;
    const offs = [
      this.on('task:start', (e) =>
        listener({
          type: 'task:start',
          executor,
          taskId: e.taskId,
          taskType: e.type,
          attempt: e.attempt,
          where: { lane: e.lane },
          ...correlation(e.correlationId),
        }),
      ),
      this.on('task:end', (e) => listener(taskEndEvent(executor, e, e.lane === undefined ? null : { lane: e.lane }))),
      this.on('fault', (e) =>
        listener({ type: 'fault', executor, kind: e.kind, reason: e.reason, where: e.lane === undefined ? {} : { lane: e.lane } }),
      ),
      this.on('restarting', (e) =>
        listener(
          e.planned
            ? { type: 'recycle', executor, reason: e.reason, where: {} }
            : { type: 'restart', executor, reason: e.reason, attempt: e.attempt, delayMs: e.delayMs, where: {} },
        ),
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
    return {
      state: h.state,
      queued: h.queueDepth,
      inFlight: h.inFlight,
      restarts: h.restarts,
      recycles: h.recycles,
      lastFault: h.lastFault && { kind: h.lastFault.kind, reason: h.lastFault.reason },
    };
  }

  /**
   * Start the first browser (idempotent). Resolves once it serves; a failed launch is retried
   * with backoff within the restart limit, and the promise rejects when the supervisor gives up.
   */
  startActor(): Promise<void> {
    this.#life.start();
    return this.#life.whenServing();
  }

  /** Resolves when a browser is serving (starting one if none was started); rejects when the supervisor failed or stopped. */
  ensureActorLive(options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.#life.whenServing(options.signal);
  }

  /**
   * Replace the browser now because of `reason` (counts toward the restart limit when the
   * browser did no work). Resolves when the new browser serves.
   */
  restartOnFault(reason: string): Promise<void> {
    if (this.#state === 'healthy' || this.#state === 'degraded' || this.#state === 'starting') this.#life.fault('manual', reason);
    return this.#life.whenServing();
  }

  /** The supervisor's state, its browser, its restarts and recycles, and its last faults. */
  health(): SupervisorHealth {
    const now = this.#clock.now();
    const serving = this.#state === 'healthy' || this.#state === 'degraded';
    const open = new Set(this.#actor?.openLanes() ?? []);
    return {
      state: this.#state,
      restarts: this.#life.restarts,
      recycles: this.#life.recycles,
      lastFault: this.#life.lastFault,
      nextRestartAt: this.#life.nextRestartAt,
      uptimeMs: serving ? now - this.#slot.readyAt : 0,
      queueDepth: this.#queueDepth(),
      inFlight: this.#lanes.filter((l) => l.running !== undefined).length,
      probeFailures: this.#life.probeFailures,
      browserPid: this.#actor?.browser?.pid ?? null,
      snapshotAgeMs: this.#snapshots.at === undefined ? null : now - this.#snapshots.at,
      snapshots: this.#snapshots.counts(),
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
      standby: this.#slot.standbyState,
    };
  }

  /** Counts of what the supervisor (and its current browser's actor) holds between tasks, for leak checks: they stay flat over a long run. */
  bookkeeping(): {
    readonly idempotencyKeys: number;
    readonly deadlines: number;
    readonly deadlineEntries: number;
    readonly listeners: number;
    readonly retry: number;
    readonly compensations: number;
    readonly waiters: number;
    readonly retiring: number;
    readonly actor: ActorBookkeeping | null;
  } {
    return {
      ...this.#ledger.bookkeeping(),
      listeners: this.#events.listenerCount(),
      retry: this.#retry.length,
      compensations: this.#compensations.length,
      waiters: this.#life.waiters + this.#drainWaiters.length,
      retiring: this.#slot.retiringCount,
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
    const state: HandleState<Entry> = {
      id: `${this.id}/lane-handle-${++this.#handleSeq}`,
      priority,
      lane: undefined,
      unbound: [],
      released: false,
      url,
      block: undefined,
      pageOn: undefined,
    };
    return {
      id: state.id,
      get lane() {
        return state.lane?.index;
      },
      submit: <T extends Task>(task: T, opts: Omit<SupervisedSubmitOptions, 'priority'> = {}) =>
        this.#submit(task, opts, state) as Promise<ResultOf<T>>,
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
    const error =
      reason instanceof Error
        ? reason
        : new ActorStoppedError(`Supervisor ${this.id} was killed${typeof reason === 'string' ? `: ${reason}` : ''}`);
    if (this.#state !== 'stopped') this.#life.setState('stopped', 'kill()');
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
      if (!this.#life.accepting()) throw this.#life.notAcceptingError();
      if (handle?.released)
        throw new ActorStoppedError(`Lane handle ${handle.id} was released; it takes no new tasks (take a new one with supervisor.lane())`);
      entry = newEntry(`${this.id}:${++this.#seq}`, task, options, handle, this.#settings, this.#clock.now());
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
        return new MailboxFullError(
          `Lane ${lane.index} of ${this.id} already has ${lane.queue.length} tasks queued (the mailbox capacity); task refused — await the earlier ones first`,
          {
            details: { capacity: this.#mailbox.capacity, queued: lane.queue.length, lane: lane.index },
          },
        );
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
    if (this.#life.recycling) return;
    if (this.#state === 'stopping' && this.#isDrained()) {
      this.#checkDrained();
      return;
    }
    if (this.#life.recyclePending !== undefined) {
      // Recycling waits for every lane to finish its current task; nothing new starts meanwhile.
      if (this.#lanes.every(laneIsFree) && this.#snapshots.running === undefined) void this.#life.retire();
      return;
    }
    if (this.#life.verifying) return;
    if (this.#life.verifyFirst) {
      const lane = this.#lanes.find(laneIsFree);
      if (!lane) return;
      void this.#life.probe(lane, true);
      return;
    }
    if (this.#snapshots.dirty && this.#snapshots.shared && this.#snapshots.running === undefined)
      void this.#snapshots.take(actor, this.#generation);
    if (this.#runIsolated()) return;
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

  /**
   * A task that runs only alone holds the browser: nothing new starts while it waits for the lanes
   * to empty, or while it runs. Returns whether it holds it (false also when no lane can take it
   * yet because lane handles hold them all: then the others go on, so that no handle waits forever).
   */
  #runIsolated(): boolean {
    const isolated = this.#isolated;
    while (isolated.length > 0 && (isolated[0] as Entry).phase !== 'queued' && (isolated[0] as Entry).phase !== 'running') isolated.shift();
    const entry = isolated[0];
    if (!entry) return false;
    if (entry.phase === 'running') return true;
    if (!this.#lanes.every(laneIsFree)) return true;
    const lane = entry.handle?.lane ?? this.#lanes.find((l) => l.owner === undefined);
    if (!lane) return false;
    removeFrom(this.#retry, entry);
    removeFrom(lane.queue, entry);
    if (entry.handle && !entry.handle.lane) this.#bind(entry.handle, lane, entry);
    void this.#run(entry, lane);
    return true;
  }

  async #run(entry: Entry, lane: Lane<Entry>): Promise<void> {
    const actor = this.#actor as BrowserActor;
    const generation = this.#generation;
    this.#life.occupy(lane, 'task', entry.deadlineAt);
    lane.running = entry;
    entry.phase = 'running';
    entry.ticket = undefined;
    const remaining = (): number => Math.max(1, entry.deadlineAt - this.#clock.now());
    if (this.#settings.isolateLanes && lane.sessionFor !== generation) {
      lane.sessionFor = generation;
      if (this.#settings.snapshotEnabled && lane.snapshot) await this.#restoreLane(actor, lane, generation);
    }
    const reopen = pageToReopen(entry, lane);
    if (reopen !== undefined) await this.#reopen(entry, lane, actor, generation, reopen, remaining());
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
      entry.alone =
        generation === this.#generation &&
        (entry.isolated || this.#slot.tasksServed === 0) &&
        this.#lanes.every((l) => l === lane || l.running === undefined);
      // A run is alone only while nothing starts beside it: the tasks already running have company now.
      for (const other of this.#lanes) if (other !== lane && other.running) other.running.alone = false;
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
        value = await actor.submit(entry.task, {
          priority: entry.priority,
          timeoutMs: remaining(),
          signal: forward.signal,
          lane: lane.index,
        });
        ok = true;
      } catch (e) {
        error = e;
      }
      entry.forward = undefined;
    }
    if (lane.running === entry) lane.running = undefined;
    if (entry.phase === 'running') {
      if (ok) {
        this.#life.lastProgressAt = this.#clock.now();
        this.#slot.answered(generation, entry.task.type);
        lane.tasksServed++;
        if (entry.task.type === 'Navigate') {
          const url = (value as { url?: string } | undefined)?.url;
          const block = entry.valid.type === 'Navigate' ? entry.valid.block : undefined;
          if (url !== undefined && /^https?:/i.test(url)) {
            lane.lastUrl = url;
            lane.lastBlock = block;
            this.#lastUrl = url;
          }
          // The tab the task started on now shows the page (if the tab was lost since, its epoch has moved on).
          lane.urlOn = epoch;
          lane.reopenAfterRecycle = false;
          if (entry.handle) {
            entry.handle.url = typeof url === 'string' ? url : entry.task.url;
            entry.handle.block = block;
            entry.handle.pageOn = epoch;
          }
        }
        // Snapshot before answering: a caller told "logged in" must stay logged in across a crash.
        if (this.#settings.snapshotEnabled && this.#settings.snapshotAfter.has(entry.task.type) && generation === this.#generation)
          await this.#snapshots.afterTask(actor, lane, generation);
        this.#settle(entry, value, undefined);
      } else if (
        isBrowserActorError(error, 'ERR_ACTOR_CRASHED') ||
        (isBrowserActorError(error, 'ERR_ACTOR_STOPPED') && generation !== this.#generation)
      ) {
        // A browser that is closing fails operations before it reports the disconnect: never
        // re-run on it (or run anything else) before it has proved it still works.
        if (generation === this.#generation && actor.state === 'ready') this.#life.verifyFirst = true;
        this.#afterCrash(entry, error);
      } else {
        // The task's own failure (script error, timeout, navigation error): never a fault.
        this.#life.lastProgressAt = this.#clock.now();
        this.#settle(entry, undefined, error);
      }
    }
    await this.#life.release(lane, actor, generation);
    if (generation === this.#generation) this.#life.recyclePending ??= this.#slot.recycleDue();
    this.#pump();
  }

  /**
   * Load `url` on the lane before `entry` runs. A browser or tab that dies meanwhile leaves the
   * task queued for the next one (the caller's check); any other failure, or a handle's task
   * that says `restoreUrl: false`, answers the task with `ERR_SEQUENCE_CUT` without running it.
   */
  async #reopen(
    entry: Entry,
    lane: Lane<Entry>,
    actor: BrowserActor,
    generation: number,
    { url, block }: PageToReopen,
    timeoutMs: number,
  ): Promise<void> {
    const handle = entry.handle;
    const cut = (why: string, cause?: unknown): void => {
      this.#settle(
        entry,
        undefined,
        new SequenceCutError(
          `Task ${entry.id} (${entry.task.type}) did not run: lane ${lane.index}'s page was lost before it and ${why} (${this.id}); run the sequence again from its Navigate`,
          {
            ...(cause === undefined ? {} : { cause }),
            details: { taskId: entry.id, lane: lane.index, url: redactUrl(url) },
          },
        ),
      );
    };
    if (handle && entry.restoreUrlAsked === false) {
      cut('the task said restoreUrl: false');
      return;
    }
    const epoch = lane.tabEpoch;
    try {
      await actor.submit(
        { type: 'Navigate', url, ...(block === undefined ? {} : { block }) },
        { priority: Priority.HIGHEST, timeoutMs, lane: lane.index },
      );
    } catch (error) {
      if (generation !== this.#generation || lane.tabEpoch !== epoch || isBrowserActorError(error, 'ERR_ACTOR_CRASHED')) {
        // Lost again while reopening: the task never started; it runs after the next tab is up.
        if (entry.phase === 'running' && generation === this.#generation) {
          entry.phase = 'queued';
          this.#requeue(entry);
          // As after a task's crash answer: a browser that still looks alive proves it works first.
          if (actor.state === 'ready') this.#life.verifyFirst = true;
        }
        return;
      }
      if (entry.phase === 'running') cut(`reopening it failed (${describeFailure(error)})`, error);
      return;
    }
    lane.urlOn = epoch;
    lane.reopenAfterRecycle = false;
    if (handle) handle.pageOn = epoch;
  }

  /** The running task's browser or tab died under it: re-run, compensate, or answer with the crash. */
  #afterCrash(entry: Entry, error: BrowserActorError): void {
    const crash = crashVerdict(entry, error, this.#settings.maxAttempts, this.id);
    if (crash === 'run-again') {
      entry.phase = 'queued';
      this.#requeue(entry);
      if (entry.isolated && !this.#isolated.includes(entry)) this.#isolated.push(entry);
      return;
    }
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
    this.#life.occupy(lane, 'task');
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
    await this.#life.release(lane, actor, generation);
    this.#pump();
  }

  // ── session snapshots ─────────────────────────────────────────────────────────────────

  /** Isolated lanes: load the lane's own session into its new tab's context, before its first task there. */
  async #restoreLane(actor: BrowserActor, lane: Lane<Entry>, generation: number): Promise<void> {
    try {
      await this.#snapshots.restoreLane(actor, lane);
      newTab(lane); // the restore may have navigated the tab
    } catch (error) {
      if (generation !== this.#generation || this.#actor !== actor) return; // the browser died meanwhile: the crash path runs
      this.#life.fault(
        'restore-failed',
        `restoring lane ${lane.index}'s session failed: ${error instanceof Error ? error.message : String(error)}`,
        lane.index,
      );
    }
  }

  // ── answers ───────────────────────────────────────────────────────────────────────────

  #onTimeout(entry: Entry): void {
    const where =
      entry.phase === 'queued' ? (this.#state === 'restarting' ? 'while waiting for a browser restart' : 'while queued') : 'while running';
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
    this.#mailbox.rejectWaiters(this.#life.notAcceptingError());
    this.#checkDrained();
  }

  // ── lifecycle ─────────────────────────────────────────────────────────────────────────

  async #stop(timeoutMs: number): Promise<void> {
    if (this.#state === 'stopped') return;
    if (this.#state !== 'failed') {
      const wasIdle = this.#state === 'idle';
      this.#life.setState('stopping', 'stop()');
      if (!wasIdle && !this.#isDrained()) {
        const drained = createDeferred<void>();
        this.#drainWaiters.push(drained);
        const timer = this.#clock.setTimeout(() => {
          this.#failPending(
            (entry) =>
              new ActorStoppedError(
                `Supervisor ${this.id} stopped after waiting ${timeoutMs}ms for its tasks; task ${entry.id} (${entry.task.type}) was not finished`,
                {
                  details: { taskId: entry.id, maybeExecuted: entry.phase === 'running' },
                },
              ),
          );
          drained.resolve();
        }, timeoutMs);
        this.#pump();
        await drained.promise;
        this.#clock.clearTimeout(timer);
      }
      this.#failPending(() => new ActorStoppedError(`Supervisor ${this.id} is stopped`));
    }
    this.#life.setState('stopped', 'stop()');
    await this.#shutdown(false);
  }

  async #shutdown(force: boolean): Promise<void> {
    await this.#life.shutdown(force);
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
}

function removeFrom<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i !== -1) list.splice(i, 1);
}
