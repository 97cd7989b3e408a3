import type { DriverFactory } from '../../drivers/driver.js';
import { InvalidOptionError } from '../../errors.js';
import type { BackoffOptions } from '../../internal/backoff.js';
import type { Clock } from '../../internal/clock.js';
import type { BrowserActorOptions } from '../actor/browser-actor.js';
import type { Task, TaskType } from '../tasks/types.js';
import { type TaskLimits, taskLimits } from '../tasks/validate.js';
import { type MailboxSettings, type SubmitDefaults, submitDefaults } from '../submit-helpers.js';
import { badOption, booleanOption, integerIn, positive, positiveInteger } from '../../internal/options.js';

/** Options of a {@link SessionSupervisor}: its driver, lanes, mailbox, probes, restarts, recycling and session snapshots. */
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
  /**
   * Tabs (lanes) in the one browser, each running one task at a time: an integer 1–32. Default 1.
   * A lane's tab is opened only when work waits for it. All lanes share the browser's session.
   */
  readonly lanes?: number;
  /**
   * Give each lane a browser context of its own (own cookies and storage, own login) instead of
   * the shared one. Each lane's session is then snapshotted after its own tasks and restored into
   * its new tab after a crash. Default `false`.
   */
  readonly isolateLanes?: boolean;
  /**
   * Keep a second browser started and idle, so that a replacement after a crash only needs the
   * session restored (about a tenth of a launch). Costs one idle Chromium. Default `false`.
   */
  readonly standby?: boolean;
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
  /**
   * After this long serving without a fault, the backoff attempt counter starts over; so it does
   * once a browser has answered a caller's task. Default 60 000 ms.
   */
  readonly stablePeriodMs?: number;
  /**
   * At most `maxRestarts` restarts of browsers that did no work (failed launches included) within
   * `windowMs`, then the supervisor gives up. Default 5 in 60 000 ms.
   */
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
  /**
   * Most runs of an idempotent task that crashes may be blamed on: runs that started alone on a
   * fresh browser with nothing started beside them, or any run once the task is isolated (after
   * 4 × this many runs ended by crashes beside other work it runs only alone). Default 3.
   */
  readonly maxAttempts?: number;
  /** Session snapshots (cookies + local storage), restored into each new browser. */
  readonly snapshot?: {
    /** Default `true`. `false`: new browsers start with an empty session. */
    readonly enabled?: boolean;
    /** Task types after which the session may have changed. Default Navigate, ExecuteJS, ImportCookies. */
    readonly after?: readonly TaskType[];
    /**
     * `'changed'` (default): after such a task, snapshot only if the browser reports that the
     * session may have changed since the last snapshot (a response set a cookie, a script wrote
     * cookies or local storage, cookies were imported); the snapshot is still taken before the
     * task is answered. `'always'`: after every such task. A driver that cannot tell gets `'always'`.
     */
    readonly when?: 'changed' | 'always';
    /** Also re-snapshot a changed session this often while idle. Default 30 000 ms. */
    readonly intervalMs?: number;
  };
  /** Navigate a lane's new tab back to that lane's last URL before its next task (per task: `restoreUrl`). Default `false`. */
  readonly restoreUrl?: boolean;
  /**
   * Retire and replace the browser (session carried over, no task failed) after any of these,
   * so that a job that never ends keeps its memory flat: Playwright keeps client-side state for
   * every navigation until its browser context closes (about 17 KB in Node's heap per page).
   * Defaults: {@link DEFAULT_RECYCLE}. `false` turns recycling off.
   */
  readonly recycle?:
    | false
    | {
        readonly maxTasks?: number;
        /** Navigate tasks answered by one browser (all lanes). Default {@link DEFAULT_RECYCLE}.maxNavigations. */
        readonly maxNavigations?: number;
        readonly maxAgeMs?: number;
        /** Summed RSS of the browser's processes. Checked every probe interval. */
        readonly maxRssBytes?: number;
        /**
         * Growth of Node's heap (used, as V8 reports it) since the browser started serving. A
         * backstop: the heap also holds the program's own data. Checked every probe interval.
         */
        readonly maxHeapGrowthBytes?: number;
      };
  /** Deadline of each restore step (cookie import, storage, verification). Default 10 000 ms. */
  readonly restoreTimeoutMs?: number;
}

/** Options of one submit to a SessionSupervisor. */
export interface SupervisedSubmitOptions {
  /** Integer 0–9, higher runs first. Default 5. Through a lane handle: the handle's priority applies. */
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
  /** Before this task runs on a new tab, navigate that lane back to its last URL. */
  readonly restoreUrl?: boolean;
  /** The caller's own id for the task, repeated in its `task:start` and `task:end` events (a dispatcher's task id, a log id). */
  readonly correlationId?: string;
}

/** Options resolved to their defaults and checked. */
export interface SupervisorSettings {
  readonly lanes: number;
  readonly isolateLanes: boolean;
  readonly standby: boolean;
  readonly defaults: SubmitDefaults;
  readonly limits: TaskLimits;
  readonly probeIntervalMs: number;
  readonly probeTimeoutMs: number;
  readonly probeFailuresBeforeRestart: number;
  readonly watchdogSlackMs: number;
  readonly maxAttempts: number;
  readonly snapshotEnabled: boolean;
  readonly snapshotAfter: ReadonlySet<TaskType>;
  readonly snapshotWhenChanged: boolean;
  readonly snapshotIntervalMs: number;
  readonly restoreUrl: boolean;
  readonly recycle: {
    readonly maxTasks: number;
    readonly maxNavigations: number;
    readonly maxAgeMs: number;
    readonly maxRssBytes: number;
    readonly maxHeapGrowthBytes: number;
  };
  readonly restoreTimeoutMs: number;
}

export const MAX_LANES = 32;

/**
 * Recycling by default: a new browser (the session carried over) every 1 000 navigations, or once
 * Node's heap has grown 256 MB since the browser started. The contract: Node's heap stays
 * within about ±10 MB over a long run (what Playwright keeps per navigation is let go at each
 * recycle), for the cost of one browser start with the session restored per 1 000 pages
 * (`npm run bench:soak` measures both; docs/benchmarks.md has the figures). No limit on tasks, age
 * or browser memory unless asked.
 */
export const DEFAULT_RECYCLE = {
  maxTasks: Number.MAX_SAFE_INTEGER,
  maxNavigations: 1000,
  maxAgeMs: Number.MAX_SAFE_INTEGER,
  maxRssBytes: Number.MAX_SAFE_INTEGER,
  maxHeapGrowthBytes: 256 * 1024 * 1024,
} as const;

const NEVER = {
  maxTasks: Number.MAX_SAFE_INTEGER,
  maxNavigations: Number.MAX_SAFE_INTEGER,
  maxAgeMs: Number.MAX_SAFE_INTEGER,
  maxRssBytes: Number.MAX_SAFE_INTEGER,
  maxHeapGrowthBytes: Number.MAX_SAFE_INTEGER,
} as const;

function recycleSettings(recycle: SessionSupervisorOptions['recycle']): SupervisorSettings['recycle'] {
  if (recycle === false) return NEVER;
  if (recycle !== undefined && (typeof recycle !== 'object' || recycle === null))
    throw new InvalidOptionError(`recycle must be false or an object of limits, got ${JSON.stringify(recycle)}`);
  const r = recycle ?? {};
  return {
    maxTasks: positiveInteger('recycle.maxTasks', r.maxTasks ?? DEFAULT_RECYCLE.maxTasks),
    maxNavigations: positiveInteger('recycle.maxNavigations', r.maxNavigations ?? DEFAULT_RECYCLE.maxNavigations),
    maxAgeMs: positive('recycle.maxAgeMs', r.maxAgeMs ?? DEFAULT_RECYCLE.maxAgeMs),
    maxRssBytes: positive('recycle.maxRssBytes', r.maxRssBytes ?? DEFAULT_RECYCLE.maxRssBytes),
    maxHeapGrowthBytes: positive('recycle.maxHeapGrowthBytes', r.maxHeapGrowthBytes ?? DEFAULT_RECYCLE.maxHeapGrowthBytes),
  };
}

function snapshotWhen(when: unknown): boolean {
  if (when === undefined || when === 'changed') return true;
  if (when === 'always') return false;
  throw badOption('snapshot.when', "'changed' or 'always'", when);
}

export function resolveSupervisorOptions(options: SessionSupervisorOptions): SupervisorSettings {
  const lanes = options.lanes ?? 1;
  integerIn('lanes', lanes, 1, MAX_LANES);
  const grace = options.actor?.cancelGraceMs ?? 2000;
  const close = options.actor?.closeTimeoutMs ?? 5000;
  return {
    lanes,
    isolateLanes: booleanOption('isolateLanes', options.isolateLanes, false),
    standby: booleanOption('standby', options.standby, false),
    defaults: submitDefaults(options),
    limits: taskLimits(options.limits),
    probeIntervalMs: positive('probe.intervalMs', options.probe?.intervalMs ?? 5000),
    probeTimeoutMs: positive('probe.timeoutMs', options.probe?.timeoutMs ?? 2000),
    probeFailuresBeforeRestart: positiveInteger('probe.failuresBeforeRestart', options.probe?.failuresBeforeRestart ?? 3),
    watchdogSlackMs: positive('watchdogSlackMs', options.watchdogSlackMs ?? grace + 2 * close + 1000),
    maxAttempts: positiveInteger('maxAttempts', options.maxAttempts ?? 3),
    snapshotEnabled: booleanOption('snapshot.enabled', options.snapshot?.enabled, true),
    snapshotAfter: new Set(options.snapshot?.after ?? ['Navigate', 'ExecuteJS', 'ImportCookies']),
    snapshotWhenChanged: snapshotWhen(options.snapshot?.when),
    snapshotIntervalMs: positive('snapshot.intervalMs', options.snapshot?.intervalMs ?? 30_000),
    restoreUrl: booleanOption('restoreUrl', options.restoreUrl, false),
    recycle: recycleSettings(options.recycle),
    restoreTimeoutMs: positive('restoreTimeoutMs', options.restoreTimeoutMs ?? 10_000),
  };
}
