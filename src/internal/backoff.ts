/**
 * Exponential backoff with full jitter: the wait before retry `attempt` (0 = the first retry) is
 * drawn uniformly from `[0, min(maxMs, baseMs × factor^attempt))`. Full jitter spreads the
 * retries of many clients over the whole window instead of bunching them at its edge.
 */
import { atLeast, badOption, integerIn, positive } from './options.js';
/** Exponential backoff with full jitter: attempt n waits a random time up to min(maxMs, baseMs × factor^n). */
export interface BackoffOptions {
  /** Ceiling of the first window. Must be > 0. */
  readonly baseMs: number;
  /** Growth per attempt. Must be ≥ 1. */
  readonly factor: number;
  /** Largest window. Must be ≥ `baseMs`. */
  readonly maxMs: number;
}

/**
 * The delay before retry `attempt`. Pure: `random` (default `Math.random`) supplies the jitter,
 * a number in `[0, 1)`, so tests can pin it.
 */
export function nextDelayMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  return Math.floor(backoffCeilingMs(attempt, options) * clampUnit(random()));
}

/** The upper end of the window for `attempt`: `min(maxMs, baseMs × factor^attempt)`. */
export function backoffCeilingMs(attempt: number, { baseMs, factor, maxMs }: BackoffOptions): number {
  integerIn('attempt', attempt, 0);
  positive('baseMs', baseMs);
  atLeast('factor', factor, 1);
  if (!(maxMs >= baseMs) || !Number.isFinite(maxMs)) throw badOption('maxMs', `a number ≥ baseMs (${baseMs})`, maxMs);
  // factor^attempt overflows to Infinity for large attempts; min() keeps the ceiling finite.
  return Math.min(maxMs, baseMs * factor ** attempt);
}

function clampUnit(x: number): number {
  if (!(x >= 0)) return 0;
  return x >= 1 ? 1 - Number.EPSILON : x;
}
