import type { DriverFactory } from '../../drivers/driver.js';
import { ActorStoppedError, type BrowserActorError } from '../../errors.js';
import type { Clock } from '../../internal/clock.js';
import { BrowserActor } from '../actor/browser-actor.js';
import type { TaskType } from '../tasks/types.js';
import type { FailedBrowser } from './restart-policy.js';
import type { SessionSupervisorOptions, SupervisorSettings } from './supervisor-options.js';

/** What a {@link BrowserSlot} needs to start browsers. */
export interface BrowserSlotOptions {
  /** The supervisor's id: browsers are named `<id>/b<generation>` and `<id>/standby-<n>`. */
  readonly id: string;
  readonly factory: DriverFactory;
  readonly clock: Clock;
  readonly settings: Pick<SupervisorSettings, 'defaults' | 'limits' | 'isolateLanes' | 'standby' | 'restoreTimeoutMs' | 'recycle'>;
  readonly actorOptions: SessionSupervisorOptions['actor'];
}

/**
 * The one browser a supervisor serves from, over its lifetime: which {@link BrowserActor} is
 * current and of which generation (work begun for an older generation is dropped), the standby
 * browser started beside it, the browsers being retired or killed in the background, and what
 * the current browser did since it started serving (for the restart policy and for recycling).
 * Deciding when to replace it is the supervisor's; starting, swapping and retiring it is this.
 */
export class BrowserSlot {
  readonly #options: BrowserSlotOptions;
  #actor: BrowserActor | undefined;
  #generation = 0;
  #standby: { readonly actor: BrowserActor; readonly started: Promise<void>; ready: boolean } | undefined;
  #standbySeq = 0;
  readonly #retiring = new Set<Promise<void>>();
  #serving = false;
  #readyAt = 0;
  #heapAtReady = 0;
  #tasks = 0;
  #navigations = 0;

  constructor(options: BrowserSlotOptions) {
    this.#options = options;
  }

  /** The current browser's actor (starting or serving), if any. */
  get actor(): BrowserActor | undefined {
    return this.#actor;
  }

  /** Moves on every browser dropped: work begun on an older generation belongs to a browser that is gone. */
  get generation(): number {
    return this.#generation;
  }

  /** When the current browser started serving (0 before the first). */
  get readyAt(): number {
    return this.#readyAt;
  }

  /** Caller tasks the current browser answered. */
  get tasksServed(): number {
    return this.#tasks;
  }

  /** Browsers still closing or being killed in the background. */
  get retiringCount(): number {
    return this.#retiring.size;
  }

  /** Whether Node's heap growth is watched (recycling by heap growth is on). */
  get #watchHeap(): boolean {
    return this.#options.settings.recycle.maxHeapGrowthBytes < Number.MAX_SAFE_INTEGER;
  }

  /** Node's heap growth since the current browser started serving, when recycling by it; else null. */
  heapGrowthBytes(): number | null {
    return this.#watchHeap ? process.memoryUsage().heapUsed - this.#heapAtReady : null;
  }

  /**
   * The browser for this generation: the standby (ready, or still starting: a launch under way is
   * nearer to serving than a new one, and a second launch beside it would only slow both down),
   * or a new one. `started` resolves when it runs. It becomes the current browser.
   */
  open(): { readonly actor: BrowserActor; readonly started: Promise<void> } {
    const standby = this.#takeStandby();
    const actor = standby?.actor ?? this.#newActor(`b${this.#generation}`);
    this.#actor = actor;
    this.#tasks = 0;
    this.#navigations = 0;
    return { actor, started: standby ? standby.started : actor.start() };
  }

  /** The current browser restored its session and serves from `now`. */
  serving(now: number): void {
    this.#readyAt = now;
    this.#heapAtReady = this.#watchHeap ? process.memoryUsage().heapUsed : 0;
    this.#serving = true;
  }

  /** A caller task of `type` was answered by the browser of `generation`. */
  answered(generation: number, type: TaskType): void {
    if (generation !== this.#generation) return;
    this.#tasks++;
    if (type === 'Navigate') this.#navigations++;
  }

  /** A planned recycle that the current browser's work calls for (by tasks or navigations), if any. */
  recycleDue(): string | undefined {
    const { recycle } = this.#options.settings;
    if (this.#tasks >= recycle.maxTasks) return `served ${this.#tasks} tasks`;
    if (this.#navigations >= recycle.maxNavigations) return `${this.#navigations} navigations`;
    return undefined;
  }

  /** What the restart policy weighs about the current browser when it failed. */
  failed(): FailedBrowser {
    return { servingSince: this.#serving ? this.#readyAt : undefined, tasksServed: this.#tasks };
  }

  /** Forget the current browser (the next generation begins); returns it, for the caller to stop or kill. */
  drop(): BrowserActor | undefined {
    const old = this.#actor;
    this.#actor = undefined;
    this.#generation++;
    this.#serving = false;
    return old;
  }

  /** Close `actor` in the background within the restore timeout (a planned retirement, or shutdown). */
  retire(actor: BrowserActor): void {
    this.track(actor.stop({ timeoutMs: this.#options.settings.restoreTimeoutMs }));
  }

  /** Kill `actor` in the background: after the current event, so that its own per-task answers go out first. */
  kill(actor: BrowserActor, reason: BrowserActorError, later = false): void {
    this.track(later ? Promise.resolve().then(() => actor.kill(reason)) : actor.kill(reason));
  }

  /** Background work on a browser that is going: shutdown waits for it. */
  track(work: Promise<void>): void {
    const p = work.catch(() => undefined).finally(() => this.#retiring.delete(p));
    this.#retiring.add(p);
  }

  /** Resolves when every browser that is going has gone. */
  async settled(): Promise<void> {
    while (this.#retiring.size > 0) await Promise.all([...this.#retiring]);
  }

  /**
   * With `standby`: start the next browser now, while this one serves, so that a replacement
   * only needs the session restored. A standby that dies while it waits is dropped (and another
   * one started after the next restart).
   */
  prepareStandby(): void {
    if (!this.#options.settings.standby || this.#standby) return;
    const actor = this.#newActor(`standby-${++this.#standbySeq}`);
    const started = actor.start();
    const entry = { actor, started, ready: false };
    this.#standby = entry;
    actor.on('state', ({ to }) => {
      if ((to === 'crashed' || to === 'failed') && this.#standby === entry) this.#standby = undefined;
    });
    started.then(
      () => {
        entry.ready = true;
      },
      () => {
        // Taken by a restart while starting: that launch handles its failure.
        if (this.#standby !== entry) return;
        this.#standby = undefined;
        this.track(actor.kill(new ActorStoppedError('standby failed to start')));
      },
    );
  }

  /** Where the standby browser is: up and waiting, still launching, or none. */
  get standbyState(): 'none' | 'starting' | 'ready' {
    if (!this.#standby) return 'none';
    return this.#standby.ready ? 'ready' : 'starting';
  }

  /** Kill the standby browser, if there is one. */
  dropStandby(): void {
    const standby = this.#standby;
    this.#standby = undefined;
    if (standby) this.track(standby.actor.kill(new ActorStoppedError(`Supervisor ${this.#options.id} is stopping`)));
  }

  #takeStandby(): { readonly actor: BrowserActor; readonly started: Promise<void> } | undefined {
    const entry = this.#standby;
    if (!entry) return undefined;
    const state = entry.actor.state;
    if (state !== 'ready' && state !== 'starting') return undefined;
    this.#standby = undefined;
    return entry;
  }

  #newActor(name: string): BrowserActor {
    const { defaults, limits, isolateLanes } = this.#options.settings;
    return new BrowserActor({
      driver: this.#options.factory,
      id: `${this.#options.id}/${name}`,
      clock: this.#options.clock,
      actorMode: false,
      isolatedLanes: isolateLanes,
      defaultTimeoutMs: defaults.defaultTimeoutMs,
      maxTimeoutMs: defaults.maxTimeoutMs,
      limits,
      ...this.#options.actorOptions,
    });
  }
}
