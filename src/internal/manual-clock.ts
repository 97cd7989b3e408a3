import type { Clock, TimerHandle } from './clock.js';

interface ManualTimer {
  readonly id: number;
  at: number;
  readonly callback: () => void;
  cancelled: boolean;
  keepAlive: boolean;
}

/**
 * A clock that moves only when told to. Timers fire in deadline order (ties in creation order)
 * during {@link ManualClock.advance}, with promise callbacks flushed between timers, so code under
 * test observes the same interleaving it would see with real time.
 */
export class ManualClock implements Clock {
  #now: number;
  #nextId = 1;
  #timers: ManualTimer[] = [];

  constructor(startMs = 0) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  /** Schedule `callback` at now + `delayMs`; it runs when {@link ManualClock.advance} passes that time. */
  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const timer: ManualTimer = { id: this.#nextId++, at: this.#now + Math.max(0, delayMs), callback, cancelled: false, keepAlive: true };
    this.#timers.push(timer);
    return timer;
  }

  /** Cancel a pending timer; it will not run. */
  clearTimeout(handle: TimerHandle): void {
    (handle as ManualTimer).cancelled = true;
    this.#timers = this.#timers.filter((t) => t !== handle);
  }

  setKeepAlive(handle: TimerHandle, keepAlive: boolean): void {
    (handle as ManualTimer).keepAlive = keepAlive;
  }

  /** Timers not yet fired or cleared that would keep a real process alive. */
  get keepAliveTimers(): number {
    return this.#timers.filter((t) => t.keepAlive).length;
  }

  /** Number of timers not yet fired or cleared. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Move time forward by `ms`, firing every timer that falls due, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await flushMicrotasks();
    for (;;) {
      const next = this.#nextDue(target);
      if (!next) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = Math.max(this.#now, next.at);
      next.callback();
      await flushMicrotasks();
    }
    this.#now = target;
    await flushMicrotasks();
  }

  /** Fire timers due now without moving time. */
  async runDue(): Promise<void> {
    await this.advance(0);
  }

  #nextDue(limit: number): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const t of this.#timers) {
      if (t.at <= limit && (!best || t.at < best.at || (t.at === best.at && t.id < best.id))) best = t;
    }
    return best;
  }
}

/** Let pending promise callbacks run (a macrotask turn drains every microtask queued before it). */
export function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
