import { type BackoffOptions, nextDelayMs } from '../internal/backoff.js';
import { type Clock, sleep, systemClock } from '../internal/clock.js';

/**
 * The one retry layer: an attempt that fails with a retryable error is tried again after an
 * exponential full-jitter delay (or the delay the error asks for, e.g. Retry-After), at most
 * `maxAttempts` times in all. Nothing else in the session code retries.
 */
export interface RetryOptions {
  /** Attempts in all, first included. Default 4. */
  readonly maxAttempts?: number;
  /** Default `{ baseMs: 250, factor: 2, maxMs: 10 000 }`. */
  readonly backoff?: BackoffOptions;
  /** Time source of the waits. Default: the system clock. */
  readonly clock?: Clock;
  /** Random source of the backoff's jitter. Default `Math.random`. */
  readonly random?: () => number;
  /** Stops retrying (and waiting) when aborted. */
  readonly signal?: AbortSignal;
}

/** What to do with an error: give up, or retry (after at least `delayMs` when given). */
export type RetryDecision = { readonly retry: false } | { readonly retry: true; readonly delayMs?: number };

/** Run `attempt` until it succeeds, `decide` says stop, or the attempts are used up; waits with jittered exponential backoff between attempts. */
export async function withRetry<T>(
  attempt: (n: number) => Promise<T>,
  decide: (error: unknown) => RetryDecision,
  options: RetryOptions = {},
): Promise<T> {
  const max = options.maxAttempts ?? 4;
  const backoff = options.backoff ?? { baseMs: 250, factor: 2, maxMs: 10_000 };
  const clock = options.clock ?? systemClock;
  for (let n = 1; ; n++) {
    options.signal?.throwIfAborted();
    try {
      return await attempt(n);
    } catch (error) {
      const decision = decide(error);
      if (!decision.retry || n >= max) throw error;
      const delay = Math.max(decision.delayMs ?? 0, nextDelayMs(n - 1, backoff, options.random));
      await sleep(clock, delay, options.signal);
    }
  }
}
