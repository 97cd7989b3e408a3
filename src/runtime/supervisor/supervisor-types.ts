import type { BrowserActorError } from '../../errors.js';
import type { ResultOf, Task, TaskType } from '../tasks/types.js';
import type { LaneHealth } from './lanes.js';
import type { SupervisedSubmitOptions } from './supervisor-options.js';

/**
 * Where the supervisor is in its life. `idle`: made, not started yet. `starting`: the first
 * browser is launching. `healthy`: serving. `degraded`: serving, but the last reachability
 * probe failed. `restarting`: the browser died or was retired; a new one is being launched
 * (tasks wait). `failed`: gave up (restart limit, or a launch error no retry can fix).
 * `stopping`/`stopped`: `stop()` or `kill()` was called.
 */
export type SupervisorState = 'idle' | 'starting' | 'healthy' | 'degraded' | 'restarting' | 'failed' | 'stopping' | 'stopped';

/** What made the supervisor replace a browser (or, for page faults, a tab). */
export type FaultKind =
  'browser-disconnected' | 'page-crashed' | 'stuck-page' | 'probe-failed' | 'watchdog' | 'launch-failed' | 'restore-failed' | 'manual';

/** One fault the supervisor saw: its kind, reason and time. */
export interface FaultRecord {
  readonly kind: FaultKind;
  readonly reason: string;
  /** Clock time of the fault (the supervisor's clock, milliseconds). */
  readonly at: number;
  /** The lane whose tab failed (page faults only). */
  readonly lane?: number;
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
  /** Tasks accepted and not yet handed to the browser (retries, compensations and lane-handle queues included). */
  readonly queueDepth: number;
  /** Tasks handed to the browser and not answered yet (at most one per lane). */
  readonly inFlight: number;
  /** Reachability probes that failed in a row. */
  readonly probeFailures: number;
  /** The current browser's process id, when known. */
  readonly browserPid: number | null;
  /** Whether a session snapshot is held, and its age in ms. */
  readonly snapshotAgeMs: number | null;
  /** Session snapshots taken, and skipped after a task because the browser reported no change since the last one. */
  readonly snapshots: { readonly taken: number; readonly skipped: number };
  /** Each lane (tab) of the browser. */
  readonly lanes: readonly LaneHealth[];
  /** The standby browser (`standby: true`): `'ready'` to take over, `'starting'`, or `'none'` (also without the option). */
  readonly standby: 'none' | 'starting' | 'ready';
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
  ready: {
    readonly generation: number;
    readonly restoredCookies: number;
    readonly restoredOrigins: number;
    readonly launchMs: number;
    readonly downtimeMs: number;
  };
  /** The supervisor gave up; every pending and later task fails with `error`. */
  failed: { readonly error: BrowserActorError };
  /** A session snapshot was taken. */
  snapshot: { readonly cookies: number; readonly origins: number };
  /** A task was handed to the browser on `lane` (once per attempt; `attempt` counts from 1). */
  'task:start': {
    readonly taskId: string;
    readonly type: TaskType;
    readonly lane: number;
    readonly attempt: number;
    readonly queuedMs: number;
    readonly correlationId?: string;
  };
  /** A task was answered (exactly once per accepted task). */
  'task:end': {
    readonly taskId: string;
    readonly type: TaskType;
    readonly ok: boolean;
    readonly errorCode?: string;
    readonly attempts: number;
    readonly durationMs: number;
    readonly lane?: number;
    readonly correlationId?: string;
  };
}

/** Options of {@link SessionSupervisor.lane} and `withLane`. */
export interface LaneOptions {
  /** Places the handle's tasks among the others while it waits for a lane. Default: the supervisor's default priority. */
  readonly priority?: number;
  /**
   * The page a sequence continues on, when it started elsewhere (a dispatcher moving a lane
   * handle to a new worker): the handle's first task that reads the page reopens this URL first.
   */
  readonly resumeUrl?: string;
}

/**
 * A sequence of tasks pinned to one lane (tab), run in submit order, one at a time. The handle
 * takes a lane when its first task reaches the front of the supervisor's queue, and holds it
 * until {@link LaneHandle.release}. It survives browser restarts, tab crashes and planned
 * recycles: its next task that reads the page (ExecuteJS, Screenshot, CurrentUrl) runs after the
 * session is restored and the handle's page (its last Navigate) is loaded again on the new tab.
 * When that page cannot be reloaded, or the task says `restoreUrl: false`, the task fails with
 * `ERR_SEQUENCE_CUT` without running: it never reads a blank tab as if it were the page.
 */
export interface LaneHandle {
  readonly id: string;
  /** The lane it holds, once its first task was placed; `undefined` before. */
  readonly lane: number | undefined;
  /** Like {@link SessionSupervisor.submit}; the handle's priority applies to every task. */
  submit<T extends Task>(task: T, options?: Omit<SupervisedSubmitOptions, 'priority'>): Promise<ResultOf<T>>;
  /** Give the lane back once the tasks already submitted are answered. Idempotent; later submits are refused. */
  release(): void;
}
