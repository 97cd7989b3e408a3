/**
 * A token bucket: `capacity` requests at once, refilled at `refillPerSecond`. The one
 * implementation behind the reference site's per-session limit (which answers 429 with
 * `Retry-After`) and the session layer's RateLimiter (which waits instead).
 */
import { atLeast, positive } from './options.js';
export class TokenBucket {
  readonly capacity: number;
  readonly refillPerSecond: number;
  #tokens: number;
  #at: number;

  constructor(capacity: number, refillPerSecond: number, now: number) {
    atLeast('capacity', capacity, 1);
    positive('refillPerSecond', refillPerSecond);
    this.capacity = capacity;
    this.refillPerSecond = refillPerSecond;
    this.#tokens = capacity;
    this.#at = now;
  }

  /** How long from `now` (ms) until a token is available: 0 when one is. */
  waitMs(now: number): number {
    this.#refill(now);
    return this.#tokens >= 1 ? 0 : ((1 - this.#tokens) / this.refillPerSecond) * 1000;
  }

  /** Take one token at time `now` (ms) if there is one; if not, say how long until there is. */
  take(now: number): { ok: true } | { ok: false; retryAfterMs: number } {
    const wait = this.waitMs(now);
    if (wait > 0) return { ok: false, retryAfterMs: Math.ceil(wait) };
    this.#tokens -= 1;
    return { ok: true };
  }

  #refill(now: number): void {
    if (now > this.#at) this.#tokens = Math.min(this.capacity, this.#tokens + ((now - this.#at) / 1000) * this.refillPerSecond);
    this.#at = Math.max(this.#at, now);
  }
}
