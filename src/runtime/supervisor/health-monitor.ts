import type { LaneWork } from './lanes.js';

/** What the periodic health check sees of a serving supervisor. */
export interface HealthView {
  readonly now: number;
  /** When the current browser started serving. */
  readonly readyAt: number;
  readonly lanes: readonly { readonly index: number; readonly work: LaneWork; readonly dueAt: number; readonly what: string }[];
  readonly watchdogSlackMs: number;
  readonly recycle: { readonly maxAgeMs: number; readonly maxRssBytes: number; readonly maxHeapGrowthBytes: number };
  /** The browser's resident memory, when known. */
  readonly rssBytes: number | null;
  /** Growth of Node's used heap since the browser started serving, when watched. */
  readonly heapGrowthBytes: number | null;
  /** Some lane works, a snapshot runs, or the browser is being retired. */
  readonly busy: boolean;
  /** Tasks waiting. */
  readonly queued: number;
  readonly snapshotEnabled: boolean;
  readonly snapshotIntervalMs: number;
  /** When the last snapshot was taken, if any. */
  readonly snapshotAt: number | undefined;
  readonly tasksOnBrowser: number;
  readonly lastProgressAt: number;
  /** When the previous check ran. */
  readonly previousCheckAt: number;
}

export type HealthAction =
  | { readonly kind: 'none' }
  /** A lane is wedged far past its deadline: replace the browser. */
  | { readonly kind: 'watchdog'; readonly reason: string }
  /** Retire the browser once its lanes are free (the supervisor's dispatch does it). */
  | { readonly kind: 'recycle'; readonly reason: string }
  | { readonly kind: 'snapshot' }
  | { readonly kind: 'probe' };

/**
 * The periodic health check, as a pure decision. Order matters: a wedged lane first; then the
 * recycling limits (age, browser memory, Node's heap growth); then, only when the browser is idle, a periodic snapshot (pages
 * change the session on their own too) or a reachability probe, which runs only when no task
 * completed since the previous check (completed tasks already prove the browser answers).
 */
export function checkHealth(v: HealthView): HealthAction {
  for (const lane of v.lanes) {
    // The actor answers every task by its deadline and stops its work within the cancel grace
    // and close timeouts; a lane still busy long after that means the actor itself is wedged.
    if (lane.work !== 'free' && v.now > lane.dueAt + v.watchdogSlackMs) {
      return {
        kind: 'watchdog',
        reason: `${lane.what} kept lane ${lane.index} busy ${Math.round(v.now - lane.dueAt)}ms past its deadline`,
      };
    }
  }
  if (v.now - v.readyAt >= v.recycle.maxAgeMs) return { kind: 'recycle', reason: `browser age ${Math.round(v.now - v.readyAt)}ms` };
  if (v.rssBytes !== null && v.rssBytes > v.recycle.maxRssBytes) {
    return {
      kind: 'recycle',
      reason: `browser memory ${Math.round(v.rssBytes / 1e6)} MB over ${Math.round(v.recycle.maxRssBytes / 1e6)} MB`,
    };
  }
  if (v.heapGrowthBytes !== null && v.heapGrowthBytes > v.recycle.maxHeapGrowthBytes) {
    return {
      kind: 'recycle',
      reason: `Node's heap grew ${Math.round(v.heapGrowthBytes / 1e6)} MB since the browser started (limit ${Math.round(v.recycle.maxHeapGrowthBytes / 1e6)} MB)`,
    };
  }
  if (v.busy || v.queued > 0) return { kind: 'none' };
  if (v.snapshotEnabled && v.tasksOnBrowser > 0 && v.now - (v.snapshotAt ?? v.readyAt) >= v.snapshotIntervalMs) return { kind: 'snapshot' };
  if (v.lastProgressAt < v.previousCheckAt) return { kind: 'probe' };
  return { kind: 'none' };
}

/** What a reachability probe (`ExecuteJS('return 1')` on a lane) found, and about which browser. */
export interface ProbeOutcome {
  /** It answered 1. */
  readonly ok: boolean;
  /** It ran out of time (rather than failing at once). */
  readonly timedOut: boolean;
  /** A check after a task's crash answer (one failure decides), not a periodic probe (N in a row do). */
  readonly verify: boolean;
  /** The probed browser is still the current one. */
  readonly current: boolean;
  /** The probed browser's actor still says it is ready. */
  readonly ready: boolean;
  /** Checks after a crash answer on this browser that already ran out of time. */
  readonly verifyTimeouts: number;
}

/**
 * What a probe's outcome means: `answered` (healthy); `check-again` (a first check after a crash
 * answer got no answer: on a loaded machine the tab that replaces a crashed one can take longer
 * than the check's time, so it is checked once more before the browser is given up; a browser
 * that is gone fails the next check at once, and a hung one fails it again); `failed-check` (the
 * browser is faulty); `missed` (a periodic probe failed: one more in a row); `stale` (about a
 * browser that is no longer current or already failing: nothing to decide).
 */
export function probeVerdict(o: ProbeOutcome): 'answered' | 'check-again' | 'failed-check' | 'missed' | 'stale' {
  if (o.ok) return 'answered';
  if (o.verify && o.current) return o.timedOut && o.verifyTimeouts === 0 ? 'check-again' : 'failed-check';
  if (!o.verify && o.current && o.ready) return 'missed';
  return 'stale';
}
