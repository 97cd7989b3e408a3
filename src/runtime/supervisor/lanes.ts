import type { BlockedResource, TaskType } from '../tasks/types.js';
import type { SessionSnapshot, SnapshotVersion } from './session-snapshot.js';

/** What a lane (one tab of the supervised browser) is busy with. */
export type LaneWork = 'free' | 'task' | 'probe' | 'restore';

/** One lane in {@link SupervisorHealth}. */
export interface LaneHealth {
  readonly lane: number;
  readonly work: LaneWork;
  /** The task running on it, if any. */
  readonly taskId: string | null;
  readonly taskType: TaskType | null;
  /** How long that task has run on the lane (0 when none runs). */
  readonly runningForMs: number;
  /** Whether its tab is open in the current browser (tabs open lazily). */
  readonly tabOpen: boolean;
  /** Held by a lane handle. */
  readonly reserved: boolean;
  /** Tasks of its lane handle waiting for it. */
  readonly queued: number;
  /** Caller tasks it answered successfully, over every browser. */
  readonly tasksServed: number;
}

/** Internal per-lane state of the supervisor. `E` is the supervisor's task entry. */
export interface Lane<E> {
  readonly index: number;
  work: LaneWork;
  /** When the lane's current work should be over: the task's deadline, or start + restore timeout. */
  dueAt: number;
  /** When the lane's current work began. */
  busySince: number;
  running: E | undefined;
  /** The lane's last successfully navigated http(s) URL. */
  lastUrl: string | undefined;
  /** What the Navigate to `lastUrl` kept out (its own `block`, or the executor's default then): its page is reopened the same way. */
  lastBlock: readonly BlockedResource[] | undefined;
  /** The `tabEpoch` whose tab was brought to `lastUrl` (or navigated there itself); any other value: the tab no longer shows it. */
  urlOn: number | undefined;
  /**
   * Counts the tabs this lane has had: it moves whenever the lane's page may no longer be what its
   * last task left (a new browser, a replaced tab, a session restore that navigated it). A lane
   * handle's page is intact while its `pageOn` equals this.
   */
  tabEpoch: number;
  /**
   * A planned recycle retired the browser after a task navigated this lane: its next page-bound
   * task (with or without a lane handle) finds the page again at `lastUrl`, as if nothing happened.
   */
  reopenAfterRecycle: boolean;
  /** With isolated lanes: this lane's own session, and the browser generation it was restored into. */
  snapshot: SessionSnapshot | undefined;
  /** The session version (see `BrowserActor.sessionVersion`) the lane's last snapshot reflects, and of which browser generation. */
  snapshotVersion: SnapshotVersion | undefined;
  sessionFor: number;
  /** The lane handle holding this lane, if any. */
  owner: HandleState<E> | undefined;
  /** The owner's tasks waiting for this lane, in submit order (re-runs after a crash go first). */
  readonly queue: E[];
  tasksServed: number;
}

/** Internal state of a lane handle. */
export interface HandleState<E> {
  readonly id: string;
  readonly priority: number;
  /** The lane it holds, once its first task was placed. */
  lane: Lane<E> | undefined;
  /** Its tasks still in the supervisor's mailbox, before it holds a lane, in submit order. */
  readonly unbound: E[];
  released: boolean;
  /** The URL of the handle's page: its last successful Navigate (or the page it resumes). */
  url: string | undefined;
  /** What its last Navigate kept out (see {@link Lane.lastBlock}); `undefined`: the executor's default. */
  block: readonly BlockedResource[] | undefined;
  /** The lane's `tabEpoch` when the handle's page was loaded; any other value means the page was lost. */
  pageOn: number | undefined;
}

export function newLane<E>(index: number): Lane<E> {
  return {
    index,
    work: 'free',
    dueAt: 0,
    busySince: 0,
    running: undefined,
    lastUrl: undefined,
    lastBlock: undefined,
    urlOn: undefined,
    tabEpoch: 0,
    reopenAfterRecycle: false,
    snapshot: undefined,
    snapshotVersion: undefined,
    sessionFor: -1,
    owner: undefined,
    queue: [],
    tasksServed: 0,
  };
}

/** Moves the lane to a new tab: what its last task left there is gone. */
export function newTab<E>(lane: Lane<E>): void {
  lane.tabEpoch++;
}

export function laneIsFree<E>(lane: Lane<E>): boolean {
  return lane.work === 'free' && lane.running === undefined;
}
