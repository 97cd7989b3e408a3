import { type Clock, sleep, systemClock } from '../internal/clock.js';
import { TokenBucket } from '../internal/token-bucket.js';
import { atLeast, between, positive } from '../internal/options.js';

/**
 * The one rate limiter between us and a site: a token bucket, plus an adaptive spacing that a
 * 429 widens (and whose `Retry-After` it always honours) and successes narrow again gradually.
 * Callers are served first come, first served.
 */
export interface RateLimiterOptions {
  /** Requests allowed in a burst. Default 5. */
  readonly capacity?: number;
  /** Sustained requests per second. Default 2. */
  readonly refillPerSecond?: number;
  /** Spacing after the first 429. Default 1000 ms. */
  readonly minPenaltyMs?: number;
  /** Growth of the spacing per further 429. Default 2. */
  readonly penaltyFactor?: number;
  /** Largest spacing. Default 300 000 ms. */
  readonly maxPenaltyMs?: number;
  /** Spacing kept after each success (0.8 = 20% narrower). Below 10 ms it ends. Default 0.8. */
  readonly successDecay?: number;
  readonly clock?: Clock;
}

export interface RateLimiterStats {
  readonly acquired: number;
  /** Total time callers waited, ms. */
  readonly waitedMs: number;
  /** 429 answers reported. */
  readonly throttled: number;
  /** Current spacing between requests, ms. */
  readonly penaltyMs: number;
}

/** One rate limiter for a session's requests: a token bucket that spaces requests out after a 429 (honouring `Retry-After`) and speeds up again gradually on success. */
export class RateLimiter {
  readonly #minPenalty: number;
  readonly #factor: number;
  readonly #maxPenalty: number;
  readonly #decay: number;
  readonly #clock: Clock;
  readonly #bucket: TokenBucket;
  #penalty = 0;
  #notBefore = Number.NEGATIVE_INFINITY;
  #lastGrant = Number.NEGATIVE_INFINITY;
  #tail: Promise<void> = Promise.resolve();
  #stats = { acquired: 0, waitedMs: 0, throttled: 0 };

  constructor(options: RateLimiterOptions = {}) {
    const capacity = options.capacity ?? 5;
    const rate = options.refillPerSecond ?? 2;
    this.#minPenalty = options.minPenaltyMs ?? 1000;
    this.#factor = options.penaltyFactor ?? 2;
    this.#maxPenalty = options.maxPenaltyMs ?? 300_000;
    this.#decay = options.successDecay ?? 0.8;
    this.#clock = options.clock ?? systemClock;
    atLeast('capacity', capacity, 1);
    positive('refillPerSecond', rate);
    between('successDecay', this.#decay, 0, 1);
    atLeast('penaltyFactor', this.#factor, 1);
    this.#bucket = new TokenBucket(capacity, rate, this.#clock.now());
  }

  /** Wait for a turn; resolves with how long this caller waited (ms). */
  acquire(signal?: AbortSignal): Promise<number> {
    const turn = this.#tail.then(() => this.#take(signal));
    this.#tail = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  /** The site answered 429: slow down, and wait at least `retryAfterMs` (its Retry-After) before the next request. */
  on429(retryAfterMs?: number): void {
    this.#stats.throttled++;
    this.#penalty = Math.min(this.#maxPenalty, Math.max(this.#minPenalty, this.#penalty * this.#factor));
    const now = this.#clock.now();
    this.#notBefore = Math.max(this.#notBefore, now + Math.max(retryAfterMs ?? 0, this.#penalty));
  }

  /** A request went through: narrow the spacing a little. */
  onSuccess(): void {
    this.#penalty *= this.#decay;
    if (this.#penalty < 10) this.#penalty = 0;
  }

  /** Grants, waits and 429s so far, and the current spacing. */
  stats(): RateLimiterStats {
    return { ...this.#stats, penaltyMs: this.#penalty };
  }

  async #take(signal: AbortSignal | undefined): Promise<number> {
    const start = this.#clock.now();
    for (;;) {
      signal?.throwIfAborted();
      const now = this.#clock.now();
      const wait = Math.max(this.#bucket.waitMs(now), this.#notBefore - now, this.#lastGrant + this.#penalty - now);
      if (wait <= 0 && this.#bucket.take(now).ok) break;
      await sleep(this.#clock, Math.max(1, Math.ceil(wait)), signal);
    }
    this.#lastGrant = this.#clock.now();
    const waited = this.#lastGrant - start;
    this.#stats.acquired++;
    this.#stats.waitedMs += waited;
    return waited;
  }
}
