import type { CookieInput, StorageState } from '../../drivers/browser-types.js';
import { ActorCrashedError } from '../../errors.js';
import type { BrowserActor } from '../actor/browser-actor.js';
import { Priority } from '../mailbox/mailbox.js';
import { cookieToInput } from '../tasks/cookie-formats.js';
import type { ExecuteJsTask } from '../tasks/types.js';
import type { Clock } from '../../internal/clock.js';
import type { SupervisorSettings } from './supervisor-options.js';

/** A session as carried from one browser to the next: cookies, local storage, and where it was. */
export interface SessionSnapshot {
  readonly state: StorageState;
  readonly url: string | undefined;
  /** Clock time it was taken. */
  readonly at: number;
}

/** Export the browser's cookies and local storage (context-wide: no tab is opened for it). */
export async function captureSession(actor: BrowserActor, lane: number, timeoutMs: number): Promise<StorageState> {
  return actor.submit({ type: 'ExportCookies', format: 'storage-state' }, { priority: Priority.HIGHEST, timeoutMs, lane });
}

/**
 * The task that writes an origin's local-storage items into the current page's storage (the page
 * must be a document of that origin); it answers how many items the storage then holds.
 */
export function writeLocalStorage(items: StorageState['origins'][number]['localStorage']): ExecuteJsTask<number> {
  return {
    type: 'ExecuteJS',
    script: 'for (const [k, v] of arguments[0]) localStorage.setItem(k, v); return localStorage.length;',
    args: [items.map((i) => [i.name, i.value])],
  };
}

/**
 * Load a snapshot into a fresh browser and check it took: the cookies are present and scripts
 * run. Local storage needs a document of its origin, so each origin with storage is visited once
 * (on `lane`'s tab).
 */
export async function restoreSession(
  actor: BrowserActor,
  snapshot: SessionSnapshot | undefined,
  options: { readonly lane: number; readonly timeoutMs: number },
): Promise<{ cookies: number; origins: number }> {
  const op = { priority: Priority.HIGHEST, timeoutMs: options.timeoutMs, lane: options.lane };
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
      // The document only has to exist for its storage to be written: its commit is enough (no
      // need to wait for the page to be parsed or loaded).
      await actor.submit({ type: 'Navigate', url, waitUntil: 'commit' }, op);
      const stored = await actor.submit(writeLocalStorage(localStorage), op);
      if (typeof stored !== 'number' || stored < localStorage.length) {
        throw new ActorCrashedError(
          `The new browser kept ${typeof stored === 'number' ? stored : 'no'} of ${localStorage.length} local-storage items of ${origin}`,
          { details: { maybeExecuted: false } },
        );
      }
      scriptsRun = true;
      origins++;
    }
  }
  const present = await actor.submit({ type: 'GetCookies' }, op);
  const missing = cookies.filter(
    (c) => !present.some((p) => p.name === c.name && (c.domain === undefined || sameDomain(p.domain, c.domain))),
  );
  if (missing.length > 0) {
    throw new ActorCrashedError(
      `The new browser is missing ${missing.length} restored cookie(s) (${missing.map((c) => c.name).join(', ')}) after the import`,
      {
        details: { missing: missing.length, maybeExecuted: false },
      },
    );
  }
  if (!scriptsRun) {
    const two = await actor.submit({ type: 'ExecuteJS', script: 'return 1 + 1', idempotent: true }, op);
    if (two !== 2)
      throw new ActorCrashedError('The new browser does not run scripts correctly (1 + 1 did not give 2)', {
        details: { maybeExecuted: false },
      });
  }
  return { cookies: cookies.length, origins };
}

function sameDomain(a: string, b: string): boolean {
  return a.replace(/^\./, '') === b.replace(/^\./, '');
}

/** Which session version of which browser a snapshot reflects. */
export interface SnapshotVersion {
  readonly generation: number;
  readonly version: number;
}

/** What a lane keeps of its own session (isolated lanes): the supervisor's lane state has these fields. */
export interface SnapshotLane {
  readonly index: number;
  readonly lastUrl: string | undefined;
  snapshot: SessionSnapshot | undefined;
  snapshotVersion: SnapshotVersion | undefined;
}

/** What {@link SessionSnapshots} needs from its supervisor. */
export interface SnapshotsContext {
  readonly clock: Clock;
  readonly settings: Pick<SupervisorSettings, 'snapshotEnabled' | 'isolateLanes' | 'snapshotWhenChanged' | 'restoreTimeoutMs'>;
  /** The actor lane for session-wide work (never opens a tab). */
  readonly sessionLane: number;
  /** The current browser generation: work begun for an older one is dropped. */
  generation(): number;
  /** The last page any lane navigated to (a restore visits it for its origin's storage). */
  lastUrl(): string | undefined;
  /** A snapshot was taken. */
  taken(event: { readonly cookies: number; readonly origins: number }): void;
  /** A shared snapshot ended (work that waited for it may go on). */
  settled(): void;
}

/**
 * The session a supervisor carries from one browser to the next: the one shared snapshot (taken
 * after tasks that may change the session, and coalesced: while one is being taken, every caller
 * that arrives waits for the single next one), or with isolated lanes each lane's own. A task's
 * answer waits for the snapshot that holds its changes, so a caller told "signed in" stays signed
 * in across a crash; a browser that reports its session unchanged since the last snapshot costs none.
 */
export class SessionSnapshots {
  readonly #ctx: SnapshotsContext;
  #snapshot: SessionSnapshot | undefined;
  /** The session version the latest shared snapshot (taken or being taken) reflects. */
  #version: SnapshotVersion | undefined;
  #taken = 0;
  #skipped = 0;
  #dirty = false;
  #running: Promise<void> | undefined;
  #next: Promise<void> | undefined;

  constructor(ctx: SnapshotsContext) {
    this.#ctx = ctx;
  }

  /** Snapshots of the one shared context (isolated lanes each keep their own instead). */
  get shared(): boolean {
    return this.#ctx.settings.snapshotEnabled && !this.#ctx.settings.isolateLanes;
  }

  /** The shared snapshot to load into a new browser (none with isolated lanes or snapshots off). */
  get forRestore(): SessionSnapshot | undefined {
    return this.shared ? this.#snapshot : undefined;
  }

  /** When the shared snapshot was taken. */
  get at(): number | undefined {
    return this.#snapshot?.at;
  }

  /** A shared snapshot still being taken. */
  get running(): Promise<void> | undefined {
    return this.#running;
  }

  /** The session changed since the last shared snapshot, which failed or has not been taken yet. */
  get dirty(): boolean {
    return this.#dirty;
  }

  counts(): { readonly taken: number; readonly skipped: number } {
    return { taken: this.#taken, skipped: this.#skipped };
  }

  /** A snapshot that starts after this call (see the class). */
  take(actor: BrowserActor, generation: number): Promise<void> {
    if (this.#running === undefined) return this.#start(actor, generation);
    this.#next ??= this.#running.then(() => {
      this.#next = undefined;
      return this.#start(actor, generation);
    });
    return this.#next;
  }

  /**
   * After a task that may have changed the session on `lane`: snapshot it before the task is
   * answered, unless the browser reports it unchanged since the last snapshot (then wait for a
   * snapshot still being taken, which holds the task's changes).
   */
  async afterTask(actor: BrowserActor, lane: SnapshotLane, generation: number): Promise<void> {
    if (this.#ctx.settings.isolateLanes) {
      if (await this.#changed(actor, lane.index, lane.snapshotVersion)) await this.#takeLane(actor, lane, generation);
    } else if (this.#dirty || (await this.#changed(actor, lane.index, this.#version))) {
      this.#dirty = true;
      await this.take(actor, generation);
    } else if (this.#running !== undefined) {
      await this.#running;
    }
  }

  /** Isolated lanes: load the lane's own session into its new tab's context. Throws when that fails. */
  async restoreLane(actor: BrowserActor, lane: SnapshotLane): Promise<void> {
    await restoreSession(actor, lane.snapshot, { lane: lane.index, timeoutMs: this.#ctx.settings.restoreTimeoutMs });
  }

  /** Before a planned recycle: the session as the retiring browser leaves it (on failure the previous snapshot stays). */
  async beforeRetire(actor: BrowserActor): Promise<void> {
    if (!this.shared) return;
    try {
      const state = await captureSession(actor, this.#ctx.sessionLane, this.#ctx.settings.restoreTimeoutMs);
      this.#snapshot = { state, url: this.#ctx.lastUrl(), at: this.#ctx.clock.now() };
      this.#dirty = false;
    } catch {
      // Keep the previous snapshot.
    }
  }

  #start(actor: BrowserActor, generation: number): Promise<void> {
    const run = this.#now(actor, generation).finally(() => {
      if (this.#running === run) this.#running = undefined;
      this.#ctx.settled();
    });
    this.#running = run;
    return run;
  }

  /**
   * Whether the session `lane` uses may have changed since the snapshot taken at `last`: the
   * browser's session version moved, or it cannot tell. With `snapshot.when: 'always'`, always.
   */
  async #changed(actor: BrowserActor, lane: number, last: SnapshotVersion | undefined): Promise<boolean> {
    if (!this.#ctx.settings.snapshotWhenChanged || last === undefined || last.generation !== this.#ctx.generation()) return true;
    const version = await actor.sessionVersion(lane, this.#ctx.settings.restoreTimeoutMs);
    if (version !== null && version === last.version) {
      this.#skipped++;
      return false;
    }
    return true;
  }

  /** The session version a snapshot about to be taken reflects (read before the capture, so later changes count as new). */
  async #versionNow(actor: BrowserActor, lane: number, generation: number): Promise<SnapshotVersion | undefined> {
    if (!this.#ctx.settings.snapshotWhenChanged) return undefined;
    const version = await actor.sessionVersion(lane, this.#ctx.settings.restoreTimeoutMs);
    return version === null ? undefined : { generation, version };
  }

  /** Isolated lanes: the lane's own context after its task; on failure the previous one stays. */
  async #takeLane(actor: BrowserActor, lane: SnapshotLane, generation: number): Promise<void> {
    try {
      const version = await this.#versionNow(actor, lane.index, generation);
      const state = await captureSession(actor, lane.index, this.#ctx.settings.restoreTimeoutMs);
      if (generation !== this.#ctx.generation()) return;
      lane.snapshot = { state, url: lane.lastUrl, at: this.#ctx.clock.now() };
      lane.snapshotVersion = version;
      this.#taken++;
      this.#ctx.taken({ cookies: state.cookies.length, origins: state.origins.length });
    } catch {
      // A browser that died here is handled by the crash path.
      lane.snapshotVersion = undefined;
    }
  }

  /** Export cookies and local storage; on failure keep the previous snapshot and stay dirty. */
  async #now(actor: BrowserActor, generation: number): Promise<void> {
    if (generation !== this.#ctx.generation()) return;
    this.#dirty = false;
    try {
      // Set before the capture: a task that ends meanwhile with no change of its own need not wait for it.
      this.#version = await this.#versionNow(actor, 0, generation);
      const state = await captureSession(actor, this.#ctx.sessionLane, this.#ctx.settings.restoreTimeoutMs);
      if (generation === this.#ctx.generation()) {
        this.#snapshot = { state, url: this.#ctx.lastUrl(), at: this.#ctx.clock.now() };
        this.#taken++;
        this.#ctx.taken({ cookies: state.cookies.length, origins: state.origins.length });
      }
    } catch {
      // A browser that died here is handled by the crash path; the previous snapshot stays.
      if (generation === this.#ctx.generation()) {
        this.#dirty = true;
        this.#version = undefined;
      }
    }
  }
}
