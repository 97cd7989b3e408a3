import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sweepStaleBrowserDirs } from '../../drivers/browser-dirs.js';
import { waitFor } from '../../drivers/process-tree.js';
import { ActorStoppedError, InvalidOptionError, RestartLimitError, deserializeError } from '../../errors.js';
import type { Clock } from '../../internal/clock.js';
import { type Deferred, createDeferred } from '../../internal/deferred.js';
import type { TypedEmitter } from '../../internal/typed-emitter.js';
import { RestartPolicy, type RestartPolicyOptions } from '../supervisor/restart-policy.js';
import type { TaskType } from '../tasks/types.js';
import { type FromWorker, OrderedSender, type ToWorker, type WorkerHealth, frame, fromWorkerProblem, unframe } from './codec.js';

/** A worker process's state, as the pool sees it. */
export type WorkerState = 'starting' | 'ready' | 'restarting' | 'stopping' | 'stopped' | 'failed';

/** The WorkDispatcher's own events about its worker processes (it also emits the executor event union). */
export interface WorkDispatcherEvents {
  'worker:ready': {
    readonly worker: number;
    readonly pid: number | null;
    readonly browserPid: number | null;
    readonly incarnation: number;
  };
  /** `clean`: it exited with code 0 of its own accord (told to stop), and nothing of it was lost. */
  'worker:exit': {
    readonly worker: number;
    readonly pid: number | null;
    readonly reason: string;
    readonly requeued: number;
    readonly failed: number;
    readonly clean: boolean;
  };
  'worker:restarting': { readonly worker: number; readonly delayMs: number; readonly attempt: number };
  'worker:failed': { readonly worker: number; readonly reason: string };
  /** A task reached a worker's browser (once per run; `attempt` counts from 1). */
  'task:start': { readonly taskId: string; readonly type: TaskType; readonly worker: number; readonly attempt: number };
  'task:end': {
    readonly taskId: string;
    readonly type: TaskType;
    readonly worker: number | null;
    readonly ok: boolean;
    readonly errorCode?: string;
    readonly attempts: number;
    readonly durationMs: number;
  };
}

/**
 * One worker slot: the process that fills it now (restarted into the same slot) and the work the
 * dispatcher placed on it. `E` is the dispatcher's task entry, `H` its lane handle state.
 */
export interface WorkerRecord<E = unknown, H = unknown> {
  readonly index: number;
  /** Counts the processes that filled this slot. */
  incarnation: number;
  child: ChildProcess | undefined;
  pid: number | null;
  state: WorkerState;
  // ── placement (the dispatcher's) ──
  readonly capacity: number;
  readonly inFlight: Map<string, E>;
  /** Tasks that must run on this worker, in arrival order per priority. */
  pinned: E[];
  /** Lane handles bound to it and not released: at most its lanes, so a handle never waits for a tab while holding a slot. */
  readonly handles: Set<H>;
  readonly lanes: number;
  tasksServed: number;
  // ── the process (the pool's) ──
  /** Messages to the current process, in order (undefined while none runs). */
  sender: OrderedSender<ToWorker> | undefined;
  readonly policy: RestartPolicy;
  servingSince: number | undefined;
  tasksThisIncarnation: number;
  restarts: number;
  lastPongAt: number;
  pingSeq: number;
  health: WorkerHealth | null;
  /** The worker's current browser (its process group), as last reported. */
  browserPid: number | null;
  startTimer: ReturnType<Clock['setTimeout']> | undefined;
  restartTimer: ReturnType<Clock['setTimeout']> | undefined;
  exited: Deferred<void>;
  /** Why the pool killed it (heartbeat, start timeout, a malformed message), for the exit report. */
  killReason: string | undefined;
  lastExit: { readonly reason: string; readonly at: number } | undefined;
}

/** What the pool starts its processes with. */
export interface WorkerPoolOptions extends RestartPolicyOptions {
  readonly workers: number;
  readonly lanes: number;
  readonly capacity: number;
  readonly supervisor?: Readonly<Record<string, unknown>>;
  readonly browser?: Readonly<Record<string, unknown>>;
  readonly driverModule?: string;
  readonly workerEntry?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly random?: () => number;
  readonly heartbeatMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly startTimeoutMs: number;
}

/** What the pool needs from the dispatcher that places work on it. */
export interface WorkerPoolContext<E, H> {
  readonly id: string;
  readonly clock: Clock;
  readonly events: TypedEmitter<WorkDispatcherEvents>;
  /** A worker reported on one of its tasks. */
  onTask(w: WorkerRecord<E, H>, message: Extract<FromWorker, { t: 'started' | 'done' | 'failed' }>): void;
  /** A worker's process is gone: place its tasks again or answer them; returns how many of each. */
  onLost(w: WorkerRecord<E, H>, reason: string): { readonly requeued: number; readonly failed: number };
  /** A worker is given up for good; `allFailed` is set when it was the last one. */
  onGivenUp(w: WorkerRecord<E, H>, allFailed: Error | undefined): void;
  /** Workers changed (one serves, one is gone): place waiting work. */
  pump(): void;
  /** The dispatcher runs (or drains): heartbeats go on. */
  live(): boolean;
  /** The dispatcher stopped: lost workers are not restarted. */
  stopped(): boolean;
}

/**
 * The dispatcher's worker processes (`child_process.fork`), each hosting a SessionSupervisor on
 * its own browser: starting them, the IPC channel (every message from a worker is checked; a
 * worker that sends what no worker of ours sends is killed and replaced), heartbeats, restarts
 * with backoff into the same slot (a slot is given up after restarts without progress), and on
 * stop the end of every process and of what their browsers left on disk.
 */
export class WorkerPool<E, H> {
  readonly workers: WorkerRecord<E, H>[] = [];
  readonly #ctx: WorkerPoolContext<E, H>;
  readonly #options: WorkerPoolOptions;
  readonly #entry: string;
  readonly #readyWaiters = new Map<WorkerRecord<E, H>, Deferred<void>>();
  /** Every worker process ever started: their browsers' directories are swept after they are gone. */
  readonly #pids = new Set<number>();
  #heartbeat: ReturnType<Clock['setTimeout']> | undefined;
  /** A worker could not start its supervisor at all (no Chromium, bad options): no restart can fix that. */
  #fatal: Error | undefined;

  constructor(ctx: WorkerPoolContext<E, H>, options: WorkerPoolOptions) {
    this.#ctx = ctx;
    this.#options = options;
    this.#entry = options.workerEntry ?? defaultWorkerEntry();
    for (let index = 0; index < options.workers; index++) {
      this.workers.push({
        index,
        incarnation: 0,
        child: undefined,
        pid: null,
        state: 'stopped',
        capacity: options.capacity,
        inFlight: new Map(),
        pinned: [],
        handles: new Set(),
        lanes: options.lanes,
        tasksServed: 0,
        sender: undefined,
        policy: new RestartPolicy(options, options.random),
        servingSince: undefined,
        tasksThisIncarnation: 0,
        restarts: 0,
        lastPongAt: 0,
        pingSeq: 0,
        health: null,
        browserPid: null,
        startTimer: undefined,
        restartTimer: undefined,
        exited: createDeferred<void>(),
        killReason: undefined,
        lastExit: undefined,
      });
    }
  }

  /** Start every worker and the heartbeats; resolves once all serve (rejects if one cannot start at all). */
  async start(): Promise<void> {
    const ready = this.workers.map((w) => this.#waitReady(w));
    for (const w of this.workers) this.#spawn(w);
    this.#armHeartbeat();
    await Promise.all(ready);
  }

  /** Send to the worker's current process, if it runs (in order, with backpressure: {@link OrderedSender}). */
  send(w: WorkerRecord<E, H>, message: ToWorker): void {
    w.sender?.send(message);
  }

  /** SIGKILL a worker (it stopped answering, never started, or broke the protocol); its exit does the rest. */
  kill(w: WorkerRecord<E, H>, reason: string): void {
    w.killReason = reason;
    try {
      w.child?.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }

  /**
   * End every worker: told to stop (finishing their tasks), or with `kill` terminated; SIGKILLed
   * after a grace period either way. Then remove what their browsers left on disk.
   */
  async stop(kill: boolean): Promise<void> {
    const { clock } = this.#ctx;
    if (this.#heartbeat) clock.clearTimeout(this.#heartbeat);
    for (const d of this.#readyWaiters.values()) d.reject(new ActorStoppedError(`${this.#ctx.id} was stopped`));
    await Promise.all(
      this.workers.map(async (w) => {
        if (w.restartTimer) clock.clearTimeout(w.restartTimer);
        if (w.startTimer) clock.clearTimeout(w.startTimer);
        const child = w.child;
        w.state = 'stopping';
        if (child && child.exitCode === null && child.signalCode === null) {
          if (kill) child.kill('SIGTERM');
          else this.send(w, { t: 'stop', timeoutMs: 10_000 });
          const grace = kill ? 5000 : 15_000;
          const timer = setTimeout(() => child.kill('SIGKILL'), grace);
          await w.exited.promise;
          clearTimeout(timer);
        }
        w.state = 'stopped';
      }),
    );
    await this.#sweepDirs();
  }

  #spawn(w: WorkerRecord<E, H>): void {
    w.incarnation++;
    w.state = 'starting';
    w.servingSince = undefined;
    w.tasksThisIncarnation = 0;
    w.sender = undefined;
    w.health = null;
    w.killReason = undefined;
    w.exited = createDeferred<void>();
    const args = this.#options.driverModule === undefined ? [] : [this.#options.driverModule];
    let child: ChildProcess;
    try {
      child = fork(this.#entry, args, {
        serialization: 'json',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        env: this.#options.env ?? process.env,
      });
    } catch (error) {
      this.#gone(w, `could not start: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    w.child = child;
    w.sender = new OrderedSender<ToWorker>((message, written) =>
      child.connected ? child.send(frame(message), undefined, {}, written) : true,
    );
    w.pid = child.pid ?? null;
    if (w.pid !== null) this.#pids.add(w.pid);
    const incarnation = w.incarnation;
    child.on('message', (raw: unknown) => {
      // Nothing from a process being killed is acted on: its exit answers or re-places its tasks.
      if (w.child !== child || w.killReason !== undefined) return;
      const decoded = unframe(raw);
      const problem = 'problem' in decoded ? decoded.problem : fromWorkerProblem(decoded.message);
      // A worker that sends what no worker of ours sends is broken: it is replaced, and its tasks
      // are handled as for any lost worker. Its message is never acted on.
      if (problem === undefined) this.#onMessage(w, (decoded as { message: FromWorker }).message);
      else this.kill(w, `sent a malformed message (${problem})`);
    });
    child.on('error', () => undefined); // the exit event follows
    child.on('exit', (code, signal) => {
      w.exited.resolve();
      if (w.child !== child || w.incarnation !== incarnation) return;
      this.#gone(w, w.killReason ?? `exited (${signal ?? `code ${String(code)}`})`, code === 0 && w.killReason === undefined);
    });
    this.send(w, {
      t: 'init',
      config: {
        index: w.index,
        incarnation,
        supervisor: { ...this.#options.supervisor, lanes: this.#options.lanes },
        browser: { ...this.#options.browser },
      },
    });
    w.startTimer = this.#ctx.clock.setTimeout(() => {
      if (w.child === child && w.state === 'starting') this.kill(w, `did not start within ${this.#options.startTimeoutMs}ms`);
    }, this.#options.startTimeoutMs);
  }

  #onMessage(w: WorkerRecord<E, H>, message: FromWorker): void {
    const { clock, events } = this.#ctx;
    switch (message.t) {
      case 'ready':
        if (w.startTimer) clock.clearTimeout(w.startTimer);
        w.state = 'ready';
        w.servingSince = clock.now();
        w.lastPongAt = clock.now();
        w.browserPid = message.browserPid;
        events.emit('worker:ready', { worker: w.index, pid: w.pid, browserPid: message.browserPid, incarnation: w.incarnation });
        this.#readyWaiters.get(w)?.resolve();
        this.#ctx.pump();
        return;
      case 'fatal': {
        const error = deserializeError(message.error);
        this.#fatal = error;
        this.#readyWaiters.get(w)?.reject(error);
        return;
      }
      case 'started':
      case 'done':
      case 'failed':
        this.#ctx.onTask(w, message);
        return;
      case 'pong':
        w.lastPongAt = clock.now();
        w.health = message.health;
        w.browserPid = message.health.browserPid;
        return;
    }
  }

  #waitReady(w: WorkerRecord<E, H>): Promise<void> {
    const d = createDeferred<void>();
    this.#readyWaiters.set(w, d);
    return d.promise.finally(() => this.#readyWaiters.delete(w));
  }

  /** A worker exited or could not start: its tasks go back to the dispatcher; it is restarted with backoff, or given up. */
  #gone(w: WorkerRecord<E, H>, reason: string, exitedCleanly = false): void {
    const { clock, events } = this.#ctx;
    if (w.startTimer) clock.clearTimeout(w.startTimer);
    w.lastExit = { reason, at: clock.now() };
    const pid = w.pid;
    w.child = undefined;
    w.sender = undefined;
    w.pid = null;
    // A worker that died without closing its browser (SIGKILL, a crash) leaves it running: end
    // it by its process group (the browser's pid), as the worker itself would have.
    if (w.browserPid !== null) {
      try {
        process.kill(-w.browserPid, 'SIGKILL');
      } catch {
        // Already gone.
      }
      w.browserPid = null;
    }
    const { requeued, failed } = this.#ctx.onLost(w, reason);
    events.emit('worker:exit', { worker: w.index, pid, reason, requeued, failed, clean: exitedCleanly && requeued === 0 && failed === 0 });
    if (this.#ctx.stopped() || w.state === 'stopping' || w.state === 'stopped') {
      w.state = 'stopped';
      this.#ctx.pump();
      return;
    }
    if (this.#fatal) {
      this.#giveUp(w, `${reason}: ${this.#fatal.message}`);
      return;
    }
    const decision = w.policy.onFailure(clock.now(), { servingSince: w.servingSince, tasksServed: w.tasksThisIncarnation });
    if (decision.kind === 'give-up') {
      this.#giveUp(w, `${reason}; ${decision.restartsInWindow} restarts without progress within ${decision.windowMs}ms`);
      return;
    }
    w.state = 'restarting';
    w.restarts++;
    events.emit('worker:restarting', { worker: w.index, delayMs: decision.delayMs, attempt: decision.attempt });
    w.restartTimer = clock.setTimeout(() => {
      w.restartTimer = undefined;
      if (w.state === 'restarting' && !this.#ctx.stopped()) this.#spawn(w);
    }, decision.delayMs);
    this.#ctx.pump();
  }

  /** The worker is failed for good; with none left, everything waiting fails. */
  #giveUp(w: WorkerRecord<E, H>, reason: string): void {
    w.state = 'failed';
    this.#ctx.events.emit('worker:failed', { worker: w.index, reason });
    if (this.workers.every((x) => x.state === 'failed')) {
      const error =
        this.#fatal ??
        new RestartLimitError(`Every worker of ${this.#ctx.id} failed (last: worker ${w.index}, ${reason})`, {
          details: { workers: this.workers.length },
        });
      for (const d of this.#readyWaiters.values()) d.reject(error);
      this.#ctx.onGivenUp(w, error);
      return;
    }
    this.#ctx.onGivenUp(w, undefined);
    this.#ctx.pump();
  }

  #armHeartbeat(): void {
    this.#heartbeat = this.#ctx.clock.setTimeout(() => {
      const now = this.#ctx.clock.now();
      for (const w of this.workers) {
        if (w.state !== 'ready' || !w.child) continue;
        if (now - w.lastPongAt > this.#options.heartbeatTimeoutMs) {
          this.kill(w, `missed heartbeats for ${Math.round(now - w.lastPongAt)}ms`);
          continue;
        }
        this.send(w, { t: 'ping', seq: ++w.pingSeq });
      }
      if (this.#ctx.live()) this.#armHeartbeat();
    }, this.#options.heartbeatMs);
  }

  /**
   * A worker that was SIGKILLed could not remove its browser's directory (its Chromium exits
   * when the pipe closes; the crash handler a second later). Remove what such workers left,
   * waiting a few seconds for their last processes.
   */
  async #sweepDirs(): Promise<void> {
    const browser = this.#options.browser ?? {};
    const root =
      typeof browser['tmpRoot'] === 'string'
        ? browser['tmpRoot']
        : (this.#options.env ?? process.env)['BROWSER_ACTOR_TMPDIR'] || join(tmpdir(), 'browser-actor');
    const ours = (): string[] => {
      try {
        return readdirSync(root).filter((name) => [...this.#pids].some((pid) => name.startsWith(`b-${pid}-`)));
      } catch {
        return [];
      }
    };
    await waitFor(
      () => {
        sweepStaleBrowserDirs(root);
        return ours().length === 0;
      },
      5000,
      100,
    );
  }
}

/** `dist/worker.js` next to this build; from the TypeScript sources (tests), the built copy. */
function defaultWorkerEntry(): string {
  const here = fileURLToPath(new URL('../../worker.js', import.meta.url));
  if (existsSync(here)) return here;
  const built = here.replace(/[\\/]src[\\/]worker\.js$/, '/dist/worker.js');
  if (existsSync(built)) return built;
  throw new InvalidOptionError(
    `The dispatcher's worker script was not found at ${here}; build the package (npm run build) or pass workerEntry`,
  );
}
