/**
 * A token bucket: `capacity` requests at once, refilled at `refillPerSecond`. `take()` says
 * whether a request may go now and, if not, how long until it may (for `Retry-After`).
 */
export class TokenBucket {
  readonly capacity: number;
  readonly refillPerSecond: number;
  #tokens: number;
  #at: number;

  constructor(capacity: number, refillPerSecond: number, now: number) {
    if (!(capacity >= 1) || !(refillPerSecond > 0)) throw new RangeError('a token bucket needs capacity ≥ 1 and refillPerSecond > 0');
    this.capacity = capacity;
    this.refillPerSecond = refillPerSecond;
    this.#tokens = capacity;
    this.#at = now;
  }

  /** Take one token at time `now` (ms). */
  take(now: number): { ok: true } | { ok: false; retryAfterMs: number } {
    this.#tokens = Math.min(this.capacity, this.#tokens + ((now - this.#at) / 1000) * this.refillPerSecond);
    this.#at = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil(((1 - this.#tokens) / this.refillPerSecond) * 1000) };
  }
}
