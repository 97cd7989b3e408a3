import { type Clock, systemClock } from '../internal/clock.js';
import { atLeast, positive } from '../internal/options.js';

/**
 * "Is the session/network OK?" asked by many callers at once: they share one in-flight probe.
 * After a success, the answer is reused for a while, and that while grows exponentially with
 * each further success (capped); an error resets it, so the next caller probes at once.
 */
export interface ProbeCoalescerOptions {
  /** How long the first success is reused. Default 1000 ms. */
  readonly baseMs?: number;
  /** Growth per success. Default 2. */
  readonly factor?: number;
  /** Longest reuse. Default 60 000 ms. */
  readonly maxMs?: number;
  readonly clock?: Clock;
}

export interface ProbeStats {
  /** Probes actually run. */
  readonly probes: number;
  /** Callers that joined a probe already in flight. */
  readonly coalesced: number;
  /** Callers answered from a recent success without probing. */
  readonly skipped: number;
  readonly failures: number;
}

/** Shares one in-flight probe among concurrent callers and reuses a success for a window that doubles with each success (capped); a failure resets it. */
export class ProbeCoalescer {
  readonly #probe: () => Promise<void>;
  readonly #base: number;
  readonly #factor: number;
  readonly #max: number;
  readonly #clock: Clock;
  #inFlight: Promise<void> | undefined;
  #validUntil = Number.NEGATIVE_INFINITY;
  #window = 0;
  #stats = { probes: 0, coalesced: 0, skipped: 0, failures: 0 };

  constructor(probe: () => Promise<void>, options: ProbeCoalescerOptions = {}) {
    this.#probe = probe;
    this.#base = options.baseMs ?? 1000;
    this.#factor = options.factor ?? 2;
    this.#max = options.maxMs ?? 60_000;
    this.#clock = options.clock ?? systemClock;
    positive('baseMs', this.#base);
    atLeast('factor', this.#factor, 1);
    atLeast('maxMs', this.#max, this.#base);
  }

  /** Resolves when the probe (shared or recent) succeeded; rejects with the probe's error. */
  check(): Promise<void> {
    if (this.#inFlight) {
      this.#stats.coalesced++;
      return this.#inFlight;
    }
    if (this.#clock.now() < this.#validUntil) {
      this.#stats.skipped++;
      return Promise.resolve();
    }
    this.#stats.probes++;
    const run = (async () => {
      try {
        await this.#probe();
        this.#window = this.#window === 0 ? this.#base : Math.min(this.#max, this.#window * this.#factor);
        this.#validUntil = this.#clock.now() + this.#window;
      } catch (error) {
        this.#stats.failures++;
        this.#window = 0;
        this.#validUntil = Number.NEGATIVE_INFINITY;
        throw error;
      } finally {
        this.#inFlight = undefined;
      }
    })();
    this.#inFlight = run;
    return run;
  }

  /** Forget the last success (e.g. after a 401 elsewhere): the next caller probes. */
  invalidate(): void {
    this.#window = 0;
    this.#validUntil = Number.NEGATIVE_INFINITY;
  }

  /** How long a success is currently reused, in ms. */
  get windowMs(): number {
    return this.#window;
  }

  /** Probes run, coalesced and skipped, and failures so far. */
  stats(): ProbeStats {
    return { ...this.#stats };
  }
}
