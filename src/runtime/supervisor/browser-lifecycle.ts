import { ActorCrashedError, ActorStoppedError, type BrowserActorError, RestartLimitError, isBrowserActorError } from '../../errors.js';
import type { Clock, TimerHandle } from '../../internal/clock.js';
import { type Deferred, createDeferred } from '../../internal/deferred.js';
import type { TypedEmitter } from '../../internal/typed-emitter.js';
import type { BrowserActor } from '../actor/browser-actor.js';
import { Priority } from '../mailbox/mailbox.js';
import type { BrowserSlot } from './browser-slot.js';
import { checkHealth, probeVerdict } from './health-monitor.js';
import { type Lane, type LaneWork, laneIsFree, newTab } from './lanes.js';
import type { FailedBrowser, RestartPolicy } from './restart-policy.js';
import { type SessionSnapshots, restoreSession } from './session-snapshot.js';
import { type Entry, describeFailure } from './supervisor-entry.js';
import type { SupervisorSettings } from './supervisor-options.js';
import type { FaultKind, FaultRecord, SessionSupervisorEvents, SupervisorState } from './supervisor-types.js';

const FATAL_LAUNCH_CODES = new Set(['ERR_BROWSER_NOT_FOUND', 'ERR_INVALID_OPTION']);

/** What the lifecycle needs from the supervisor's dispatch part. */
export interface LifecycleContext {
  readonly id: string;
  readonly clock: Clock;
  readonly settings: SupervisorSettings;
  readonly events: TypedEmitter<SessionSupervisorEvents>;
  readonly slot: BrowserSlot;
  readonly policy: RestartPolicy;
  readonly snapshots: SessionSnapshots;
  readonly lanes: readonly Lane<Entry>[];
  /** Tasks waiting for a lane. */
  queueDepth(): number;
  /** Hand waiting work to free lanes (called whenever a browser starts serving or a lane frees up). */
  pump(): void;
  /** The supervisor gave up: answer every pending task with `error`. */
  failPending(error: BrowserActorError): void;
}

/**
 * Keeps the supervisor's one browser alive: starts it and restores the session into it, checks
 * it (periodic reachability probes, a check after every crash answer, the watchdog, recycling by
 * age, memory, tasks or navigations), and replaces it on a fault with exponential backoff, within
 * the restart limit, or at once for a planned recycle. Owns the supervisor's state. The dispatch
 * part (the supervisor) reads which browser serves and tells it what it saw: a crash answer
 * (`verifyFirst`), a recycle its answers call for (`recyclePending`), progress.
 */
export class BrowserLifecycle {
  readonly #ctx: LifecycleContext;
  #state: SupervisorState = 'idle';
  #failure: BrowserActorError | undefined;
  #restarts = 0;
  #recycles = 0;
  #lastFault: FaultRecord | null = null;
  #faultAt: number | undefined;
  #nextRestartAt: number | null = null;
  #restartTimer: TimerHandle | undefined;
  #tickTimer: TimerHandle | undefined;
  #lastTickAt = 0;
  #probeFailures = 0;
  #verifying = false;
  /** Checks after a crash answer that ran out of time without an answer, on this browser. */
  #verifyTimeouts = 0;
  #recycling = false;
  #readyWaiters: Deferred<void>[] = [];
  /** A task just got a crash answer from a browser that still looks alive: check it before anything else runs. */
  verifyFirst = false;
  /** A planned recycle is due: it happens once every lane has finished its current work. */
  recyclePending: string | undefined;
  /** When a task last got an answer from the browser (the watchdog's measure of progress). */
  lastProgressAt = 0;

  constructor(ctx: LifecycleContext) {
    this.#ctx = ctx;
  }

  get state(): SupervisorState {
    return this.#state;
  }

  get restarts(): number {
    return this.#restarts;
  }

  get recycles(): number {
    return this.#recycles;
  }

  get lastFault(): FaultRecord | null {
    return this.#lastFault;
  }

  get nextRestartAt(): number | null {
    return this.#nextRestartAt;
  }

  /** Callers waiting for a browser to serve. */
  get waiters(): number {
    return this.#readyWaiters.length;
  }

  get probeFailures(): number {
    return this.#probeFailures;
  }

  /** A check after a crash answer is running: nothing else starts meanwhile. */
  get verifying(): boolean {
    return this.#verifying;
  }

  /** The browser is being retired (its session captured): nothing starts meanwhile. */
  get recycling(): boolean {
    return this.#recycling;
  }

  /** Serving tasks (a browser is up and its session restored). */
  get serving(): boolean {
    return this.#state === 'healthy' || this.#state === 'degraded';
  }

  /** Still taking tasks. */
  accepting(): boolean {
    return this.#state !== 'failed' && this.#state !== 'stopping' && this.#state !== 'stopped';
  }

  /** Why a submit (or a wait for the browser) is refused now. */
  notAcceptingError(): BrowserActorError {
    if (this.#state === 'failed' && this.#failure) return this.#failure;
    return new ActorStoppedError(`Supervisor ${this.#ctx.id} is ${this.#state}; it takes no new tasks`, {
      details: { state: this.#state },
    });
  }

  setState(to: SupervisorState, reason?: string): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    this.#ctx.events.emit('state', { from, to, ...(reason === undefined ? {} : { reason }) });
  }

  /** Start the first browser (when none was started). */
  start(): void {
    if (this.#state !== 'idle') return;
    this.setState('starting');
    this.#scheduleTick();
    void this.#launch(0);
  }

  /** Resolves when a browser serves (starting one if none was started); rejects when the supervisor failed or stopped. */
  whenServing(signal?: AbortSignal): Promise<void> {
    if (this.#state === 'idle') this.start();
    if (this.serving) return Promise.resolve();
    if (!this.accepting()) return Promise.reject(this.notAcceptingError());
    const waiter = createDeferred<void>();
    this.#readyWaiters.push(waiter);
    if (!signal) return waiter.promise;
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      waiter.promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /** Mark `lane` busy with `work` until `dueAt` (default: start + the probe or restore timeout). */
  occupy(lane: Lane<Entry>, work: Exclude<LaneWork, 'free'>, dueAt?: number): void {
    lane.work = work;
    lane.busySince = this.#ctx.clock.now();
    lane.dueAt = dueAt ?? lane.busySince + (work === 'probe' ? this.#ctx.settings.probeTimeoutMs : this.#ctx.settings.restoreTimeoutMs);
  }

  /**
   * Free the lane once the browser has really finished on it (a timed-out script may still be
   * running until the actor has stopped it or replaced the tab), unless the browser was
   * replaced meanwhile, which reset every lane.
   */
  async release(lane: Lane<Entry>, actor: BrowserActor, generation: number): Promise<void> {
    if (generation !== this.#ctx.slot.generation) return;
    await actor.idle(lane.index);
    if (generation !== this.#ctx.slot.generation) return;
    lane.work = 'free';
  }

  /**
   * Something failed underneath. A crashed or stuck page only costs its tab (the actor replaces
   * it); anything else replaces the browser, with backoff.
   */
  fault(kind: FaultKind, reason: string, lane?: number): void {
    const now = this.#ctx.clock.now();
    this.#lastFault = { kind, reason, at: now, ...(lane === undefined ? {} : { lane }) };
    this.#ctx.events.emit('fault', this.#lastFault);
    if (kind === 'page-crashed' || kind === 'stuck-page') return; // the actor replaces the tab; the browser stays
    const state = this.#state;
    if (state !== 'healthy' && state !== 'degraded' && state !== 'starting' && !(state === 'stopping' && this.#ctx.slot.actor)) return;
    this.#faultAt ??= now;
    const failed = this.#ctx.slot.failed();
    this.#abandonActor(new ActorCrashedError(`The browser was replaced: ${reason}`, { details: { maybeExecuted: true } }));
    if (this.#state !== 'stopping') this.setState('restarting', reason);
    this.#scheduleRestart(reason, failed);
  }

  /**
   * A cheap reachability check on `lane`. Periodic probes count failures (N in a row are a
   * fault); `verify` (after a crash answer) treats a single failure as the fault.
   */
  async probe(lane: Lane<Entry>, verify = false): Promise<void> {
    const { slot, settings, clock } = this.#ctx;
    const actor = slot.actor as BrowserActor;
    const generation = slot.generation;
    // A verification decides on one answer, so it gets the restore check's time, not the short
    // probe deadline: a browser that is closing fails at once either way, while one whose tab was
    // just replaced may need seconds on a loaded machine to start the new tab's renderer.
    const timeoutMs = verify ? settings.restoreTimeoutMs : settings.probeTimeoutMs;
    this.occupy(lane, 'probe', clock.now() + timeoutMs);
    if (verify) {
      this.verifyFirst = false;
      this.#verifying = true;
    }
    let ok = false;
    let timedOut = false;
    let why = 'it answered something other than 1';
    try {
      ok =
        (await actor.submit(
          { type: 'ExecuteJS', script: 'return 1', idempotent: true },
          { priority: Priority.HIGHEST, timeoutMs, lane: lane.index },
        )) === 1;
    } catch (error) {
      ok = false;
      timedOut = isBrowserActorError(error, 'ERR_TASK_TIMEOUT');
      why = describeFailure(error);
    }
    if (verify) this.#verifying = false;
    if (generation === slot.generation) {
      const limit = settings.probeFailuresBeforeRestart;
      switch (
        probeVerdict({
          ok,
          timedOut,
          verify,
          current: slot.actor === actor,
          ready: actor.state === 'ready',
          verifyTimeouts: this.#verifyTimeouts,
        })
      ) {
        case 'answered':
          this.#probeFailures = 0;
          if (verify) this.#verifyTimeouts = 0;
          if (this.#state === 'degraded') this.setState('healthy', 'probe answered');
          break;
        case 'check-again':
          this.#verifyTimeouts++;
          this.verifyFirst = true;
          if (this.#state === 'healthy') this.setState('degraded', `the check after a crash got no answer (${why}); checking again`);
          break;
        case 'failed-check':
          this.fault('browser-disconnected', `the browser failed its check after a task crashed on it (${why})`);
          break;
        case 'missed':
          this.#probeFailures++;
          if (this.#probeFailures >= limit) {
            this.fault(
              'probe-failed',
              `${this.#probeFailures} reachability probes in a row got no answer within ${settings.probeTimeoutMs}ms`,
            );
          } else if (this.#state === 'healthy') {
            this.setState('degraded', `reachability probe ${this.#probeFailures} of ${limit} failed`);
          }
          break;
        case 'stale':
          break;
      }
    }
    await this.release(lane, actor, generation);
    this.#ctx.pump();
  }

  /** Planned replacement (call once every lane has finished its work): carry the session over. */
  async retire(): Promise<void> {
    const reason = this.recyclePending ?? 'recycling';
    const { slot } = this.#ctx;
    this.recyclePending = undefined;
    this.#recycling = true;
    const old = slot.actor as BrowserActor;
    try {
      await this.#ctx.snapshots.beforeRetire(old);
    } finally {
      this.#recycling = false;
    }
    if (slot.actor !== old) return; // it crashed meanwhile: the fault path took over
    this.#recycles++;
    // Every lane keeps its page across a planned recycle: its next page-bound task reopens the
    // lane's last URL first (a lane handle's page is reopened from the handle's own URL).
    for (const lane of this.#ctx.lanes) lane.reopenAfterRecycle = lane.lastUrl !== undefined;
    this.#dropActor();
    slot.retire(old);
    this.#faultAt = this.#ctx.clock.now();
    if (this.#state !== 'stopping') this.setState('restarting', `recycling: ${reason}`);
    this.#scheduleRestart(`recycling: ${reason}`, undefined);
  }

  /** End for good with `error`: every pending task and waiter gets it, the browser is killed. */
  giveUp(error: BrowserActorError): void {
    if (this.#state === 'failed' || this.#state === 'stopped') return;
    const { slot } = this.#ctx;
    this.#failure = error;
    slot.dropStandby();
    this.setState('failed', error.message);
    this.#clearTimers();
    this.#ctx.failPending(error);
    for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(error);
    const actor = this.#dropActor();
    if (actor) slot.kill(actor, error);
    this.#ctx.events.emit('failed', { error });
  }

  /** Stop every timer and browser (killed when `force`, else closed), and wait until they are gone. */
  async shutdown(force: boolean): Promise<void> {
    const { slot } = this.#ctx;
    this.#clearTimers();
    slot.dropStandby();
    for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(this.notAcceptingError());
    const actor = this.#dropActor();
    if (actor) {
      if (force) slot.kill(actor, new ActorStoppedError(`Supervisor ${this.#ctx.id} was killed`));
      else slot.retire(actor);
    }
    await slot.settled();
  }

  // ── periodic checks ───────────────────────────────────────────────────────────────────

  #scheduleTick(): void {
    this.#tickTimer = this.#ctx.clock.setTimeout(() => this.#tick(), this.#ctx.settings.probeIntervalMs, { unref: true });
  }

  #tick(): void {
    this.#tickTimer = undefined;
    if (this.#state === 'stopped' || this.#state === 'failed') return;
    const { clock, settings, slot, snapshots, lanes } = this.#ctx;
    const now = clock.now();
    const sinceLastTick = this.#lastTickAt;
    this.#lastTickAt = now;
    this.#scheduleTick();
    const actor = slot.actor;
    if (!actor || !this.serving) return;
    const { recycle } = settings;
    const action = checkHealth({
      now,
      readyAt: slot.readyAt,
      lanes: lanes.map((l) => ({
        index: l.index,
        work: l.work,
        dueAt: l.dueAt,
        what: l.running ? `task ${l.running.id} (${l.running.task.type})` : `a ${l.work}`,
      })),
      watchdogSlackMs: settings.watchdogSlackMs,
      recycle,
      rssBytes: recycle.maxRssBytes < Number.MAX_SAFE_INTEGER ? actor.browserRssBytes() : null,
      heapGrowthBytes: slot.heapGrowthBytes(),
      busy: !lanes.every(laneIsFree) || snapshots.running !== undefined || this.#recycling,
      queued: this.#ctx.queueDepth(),
      snapshotEnabled: snapshots.shared,
      snapshotIntervalMs: settings.snapshotIntervalMs,
      snapshotAt: snapshots.at,
      tasksOnBrowser: slot.tasksServed,
      lastProgressAt: this.lastProgressAt,
      previousCheckAt: sinceLastTick,
    });
    switch (action.kind) {
      case 'watchdog':
        this.fault('watchdog', action.reason);
        return;
      case 'recycle':
        this.recyclePending ??= action.reason;
        this.#ctx.pump(); // retires the browser once every lane is free
        return;
      case 'snapshot':
        void snapshots.take(actor, slot.generation);
        return;
      case 'probe':
        void this.probe(lanes[0] as Lane<Entry>);
        return;
      case 'none':
        if (this.recyclePending !== undefined) this.#ctx.pump();
    }
  }

  #clearTimers(): void {
    const { clock } = this.#ctx;
    if (this.#restartTimer !== undefined) clock.clearTimeout(this.#restartTimer);
    if (this.#tickTimer !== undefined) clock.clearTimeout(this.#tickTimer);
    this.#restartTimer = undefined;
    this.#tickTimer = undefined;
    this.#nextRestartAt = null;
  }

  // ── faults and restarts ───────────────────────────────────────────────────────────────

  /** Forget the current actor: every lane is free for the next browser (running tasks are answered by the old one). */
  #dropActor(): BrowserActor | undefined {
    const old = this.#ctx.slot.drop();
    this.verifyFirst = false;
    this.#verifying = false;
    this.#verifyTimeouts = 0;
    for (const lane of this.#ctx.lanes) lane.work = 'free';
    return old;
  }

  /** Stop using the current actor; it is killed in the background (after it finished answering its own tasks). */
  #abandonActor(reason: BrowserActorError): void {
    const old = this.#dropActor();
    this.#probeFailures = 0;
    // After the current event (a crash the actor is still answering), so its own per-task errors win.
    if (old) this.#ctx.slot.kill(old, reason, true);
  }

  /** Schedule the next browser: after a failure (`failed` set) with backoff, or at once when planned. */
  #scheduleRestart(reason: string, failed: FailedBrowser | undefined): void {
    const { clock, events, slot } = this.#ctx;
    const now = clock.now();
    let attempt = 0;
    let delayMs = 0;
    if (failed) {
      const decision = this.#ctx.policy.onFailure(now, failed);
      if (decision.kind === 'give-up') {
        this.giveUp(
          new RestartLimitError(
            `Supervisor ${this.#ctx.id} gave up: ${decision.restartsInWindow} restarts of browsers that did no work within ${decision.windowMs}ms reached the limit (${decision.maxRestarts}); last fault: ${reason}`,
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
    events.emit('restarting', { attempt, delayMs, reason, planned: failed === undefined });
    const generation = slot.generation;
    if (delayMs === 0) {
      this.#nextRestartAt = null;
      void this.#launch(generation);
      return;
    }
    this.#restartTimer = clock.setTimeout(() => {
      this.#restartTimer = undefined;
      this.#nextRestartAt = null;
      void this.#launch(generation);
    }, delayMs);
  }

  /** Start a browser for `generation`, restore the session into it, verify it, and serve. */
  async #launch(generation: number): Promise<void> {
    const { clock, events, slot, lanes, settings } = this.#ctx;
    if (generation !== slot.generation || this.#state === 'stopped' || this.#state === 'failed') return;
    const started = clock.now();
    // A standby browser takes over (at once when it is up, else as soon as its launch ends); otherwise a new one starts now.
    const { actor, started: running } = slot.open();
    actor.on('state', ({ to, reason }) => {
      if (slot.actor !== actor || (to !== 'crashed' && to !== 'failed')) return;
      if (this.serving || this.#state === 'stopping') this.fault('browser-disconnected', reason ?? `the browser ${to}`);
    });
    actor.on('fault', ({ kind, reason, lane }) => {
      if (slot.actor !== actor || kind === 'browser-disconnected') return;
      const hit = lane === undefined ? undefined : lanes[lane];
      if (hit) {
        newTab(hit); // a new tab starts blank
        hit.sessionFor = -1; // and, isolated, with an empty context
      }
      this.fault(kind, reason, lane);
    });
    let restored: { cookies: number; origins: number };
    try {
      await running;
      if (slot.actor !== actor) return;
      restored = await restoreSession(actor, this.#ctx.snapshots.forRestore, { lane: 0, timeoutMs: settings.restoreTimeoutMs });
    } catch (error) {
      if (slot.actor !== actor) return;
      const fatal = isBrowserActorError(error) && FATAL_LAUNCH_CODES.has(error.code);
      this.#dropActor();
      slot.kill(actor, new ActorStoppedError('launch failed'));
      if (fatal) {
        this.giveUp(error);
        return;
      }
      const phase = actor.state === 'ready' ? 'restore-failed' : 'launch-failed';
      const reason = `${phase === 'restore-failed' ? 'restoring the session failed' : 'the browser failed to start'}: ${error instanceof Error ? error.message : String(error)}`;
      this.#lastFault = { kind: phase, reason, at: clock.now() };
      events.emit('fault', this.#lastFault);
      this.#faultAt ??= clock.now();
      if (this.serving) this.setState('restarting', reason);
      this.#scheduleRestart(reason, { servingSince: undefined, tasksServed: 0 });
      return;
    }
    if (slot.actor !== actor) return;
    const now = clock.now();
    // Lane 0's tab was used (and maybe navigated) by the restore: its URL is not the lane's.
    for (const lane of lanes) {
      newTab(lane);
      lane.sessionFor = -1;
    }
    slot.serving(now);
    this.#probeFailures = 0;
    this.lastProgressAt = now;
    const downtimeMs = this.#faultAt === undefined ? 0 : now - this.#faultAt;
    this.#faultAt = undefined;
    if (this.#state !== 'stopping') this.setState('healthy');
    events.emit('ready', {
      generation,
      restoredCookies: restored.cookies,
      restoredOrigins: restored.origins,
      launchMs: now - started,
      downtimeMs,
    });
    for (const waiter of this.#readyWaiters.splice(0)) waiter.resolve();
    this.#ctx.pump();
    if (this.accepting()) slot.prepareStandby();
  }
}
