import type { Clock } from './clock.js';

/** Tasks answered in the last minute (and of them, failed), and the rate per second over that minute. */
export interface Throughput {
  readonly lastMinute: number;
  readonly failedLastMinute: number;
  readonly perSecond: number;
}

const WINDOW_S = 60;

/** Answers per second over the last minute, in one-second buckets (constant memory). */
export class RateWindow {
  readonly #ok = new Array<number>(WINDOW_S).fill(0);
  readonly #failed = new Array<number>(WINDOW_S).fill(0);
  #second: number;

  constructor(
    private readonly clock: Clock,
    private readonly since: number,
  ) {
    this.#second = Math.floor(clock.now() / 1000);
  }

  record(ok: boolean): void {
    this.#advance();
    const slot = this.#second % WINDOW_S;
    if (ok) this.#ok[slot] = (this.#ok[slot] ?? 0) + 1;
    else this.#failed[slot] = (this.#failed[slot] ?? 0) + 1;
  }

  read(): Throughput {
    this.#advance();
    const ok = this.#ok.reduce((a, b) => a + b, 0);
    const failed = this.#failed.reduce((a, b) => a + b, 0);
    const spanS = Math.min(WINDOW_S, Math.max(1, (this.clock.now() - this.since) / 1000));
    return { lastMinute: ok + failed, failedLastMinute: failed, perSecond: Math.round(((ok + failed) / spanS) * 100) / 100 };
  }

  /** Clear the buckets of the seconds that went by. */
  #advance(): void {
    const now = Math.floor(this.clock.now() / 1000);
    for (let s = this.#second + 1; s <= now && s <= this.#second + WINDOW_S; s++) {
      this.#ok[s % WINDOW_S] = 0;
      this.#failed[s % WINDOW_S] = 0;
    }
    this.#second = Math.max(this.#second, now);
  }
}
