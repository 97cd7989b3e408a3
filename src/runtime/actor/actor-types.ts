import type { DriverFactory } from '../../drivers/driver.js';
import type { Clock } from '../../internal/clock.js';
import type { MailboxSettings } from '../submit-helpers.js';
import type { Task } from '../tasks/types.js';
import type { TaskLimits } from '../tasks/validate.js';

/** The actor's public types: options, submit options, stats, events and bookkeeping. */

/** Lifecycle of an actor. `crashed` and `failed` are terminal here; a supervisor replaces the actor. */
export type ActorState = 'idle' | 'starting' | 'ready' | 'stopping' | 'stopped' | 'crashed' | 'failed';

/** How a task was answered. */
export type TaskOutcome = 'ok' | 'error' | 'timeout' | 'cancelled' | 'shed';

/** Options of a {@link BrowserActor}: its driver, its mailbox, its deadlines and limits. */
export interface BrowserActorOptions {
  /** Makes the actor's driver. The actor owns it exclusively; nothing else ever sees it. */
  readonly driver: DriverFactory;
  /** Name used in task ids, events and messages. Default `actor-<n>`. */
  readonly id?: string;
  /**
   * `true`: tasks queue in the bounded priority mailbox and one worker loop runs them, one at a
   * time. `false` (default, as the design note asks): `submit` runs each task directly on the
   * driver, with the same validation, timeouts and typed results, but no queue (concurrent
   * submits reach the browser concurrently).
   */
  readonly actorMode?: boolean;
  readonly mailbox?: MailboxSettings;
  /**
   * Give each lane's tab a browser context of its own: its cookies and storage are its own, and
   * cookie tasks on a lane address that lane's context. Default `false`: every lane shares the
   * browser's one context (one login).
   */
  readonly isolatedLanes?: boolean;
  /** Timeout of a task whose submit gives none. Default 30 000 ms. */
  readonly defaultTimeoutMs?: number;
  /** Largest `timeoutMs` a submit may ask for. Default 600 000 ms. */
  readonly maxTimeoutMs?: number;
  /** Priority of a task whose submit gives none. Default `Priority.NORMAL` (5). */
  readonly defaultPriority?: number;
  /** Size and scheme limits; see {@link TaskLimits}. */
  readonly limits?: Partial<TaskLimits>;
  /** Deadline for the browser to start. Default 30 000 ms. */
  readonly launchTimeoutMs?: number;
  /** Deadline for a polite browser close before its processes are killed. Default 5000 ms. */
  readonly closeTimeoutMs?: number;
  /**
   * After a task times out or is cancelled, how long the worker waits for the browser to
   * confirm the work stopped before it replaces the tab. Default 2000 ms.
   */
  readonly cancelGraceMs?: number;
  /** Time source. Default: the system clock. */
  readonly clock?: Clock;
}

/** Options of one submit to a BrowserActor. */
export interface SubmitOptions {
  /** Integer 0–9, higher runs first. Default 5. */
  readonly priority?: number;
  /** Whole budget from submit to answer, queue time included. Default `defaultTimeoutMs`. */
  readonly timeoutMs?: number;
  /** Cancels the task: a queued task never runs, a running one is stopped in the browser. */
  readonly signal?: AbortSignal;
  /** A second submit with the same key while the first is queued or running gets the first one's answer. */
  readonly idempotencyKey?: string;
  /**
   * Which of the browser's tabs runs the task: an integer ≥ 0 (default 0). Each lane's tab is
   * opened on its first use. The actor does not serialise lanes in direct mode: a supervisor
   * keeps one task per lane at a time.
   */
  readonly lane?: number;
}

/** A BrowserActor's counters and state, from {@link BrowserActor.stats}. */
export interface ActorStats {
  readonly id: string;
  readonly state: ActorState;
  readonly actorMode: boolean;
  /** Tasks waiting to run (in the mailbox, or for the browser to start). */
  readonly queued: number;
  /** Mailbox depth per priority; index = priority. */
  readonly queuedByPriority: readonly number[];
  /** Tasks waiting outside the mailbox under the `defer` policy. */
  readonly deferred: number;
  /** Tasks whose browser work has not ended yet. */
  readonly inFlight: number;
  readonly submitted: number;
  /** Answered with a result. */
  readonly completed: number;
  /** Answered with an error other than timeout, cancellation or shedding. */
  readonly failed: number;
  readonly timedOut: number;
  readonly cancelled: number;
  readonly shed: number;
  /** Refused at submit (invalid, mailbox full, actor stopped). */
  readonly rejected: number;
}

/** Events of a {@link BrowserActor}. */
export interface BrowserActorEvents {
  /** The actor moved from one lifecycle state to another. */
  state: { readonly actorId: string; readonly from: ActorState; readonly to: ActorState; readonly reason?: string };
  /** A task left the queue and began running against the browser. */
  'task:start': {
    readonly actorId: string;
    readonly taskId: string;
    readonly type: Task['type'];
    readonly priority: number;
    readonly queuedMs: number;
  };
  /** A task was answered, exactly once: result, error, timeout, cancellation or shedding. */
  'task:end': {
    readonly actorId: string;
    readonly taskId: string;
    readonly type: Task['type'];
    readonly outcome: TaskOutcome;
    readonly durationMs: number;
    readonly errorCode?: string;
  };
  /** The browser or its tab failed underneath the actor. */
  fault: {
    readonly actorId: string;
    readonly kind: 'browser-disconnected' | 'page-crashed' | 'stuck-page';
    readonly reason: string;
    readonly taskId?: string;
    /** The lane whose tab failed (page faults only). */
    readonly lane?: number;
  };
}

/** See {@link BrowserActor.bookkeeping}. */
export interface ActorBookkeeping {
  readonly idempotencyKeys: number;
  /** Live deadlines, and the entries held (cancelled ones are dropped in bulk: at most 64 wait when none is live). */
  readonly deadlines: number;
  readonly deadlineEntries: number;
  readonly listeners: number;
  readonly inFlight: number;
  readonly waiting: number;
  readonly controllers: number;
  readonly pages: number;
  readonly idleWaiters: number;
}
