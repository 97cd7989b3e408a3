/**
 * When to check that the session is still signed in (pure: the caller passes the time).
 *
 * - Start at `baseIntervalMs`. After `successesToWiden` successes in a row the interval doubles,
 *   up to `maxIntervalMs`: it widens only after proven stability.
 * - A failure resets it to `failureIntervalMs` (short) and asks for one re-sign-in.
 * - When the session's expiry is known (from its cookie), the next check is moved forward so it
 *   happens `earlyWarningMs` before the expiry, and inside that window checks come at the short
 *   interval.
 *
 * Defaults follow the system the design note came from (300 s, doubling after 3, up to 1800 s,
 * 120 s after a failure), with a 300 s early-warning window.
 */
import { atLeast, badOption, positive } from '../internal/options.js';
/** Options of {@link AuthCheckPolicy} (milliseconds; defaults in the class description). */
export interface AuthPolicyOptions {
  readonly baseIntervalMs?: number;
  readonly maxIntervalMs?: number;
  readonly failureIntervalMs?: number;
  readonly successesToWiden?: number;
  readonly earlyWarningMs?: number;
}

export interface AuthCheckOutcome {
  /** When the next check is due (clock ms). */
  readonly nextCheckAt: number;
  readonly intervalMs: number;
  /** A failed check: sign in again (once). */
  readonly resignIn: boolean;
}

/** When to check that the session is still signed in: the interval doubles after a run of successes (up to a maximum), a failure shortens it and asks for one new sign-in, and a known cookie expiry brings the check forward. */
export class AuthCheckPolicy {
  readonly #base: number;
  readonly #max: number;
  readonly #failure: number;
  readonly #widenAfter: number;
  readonly #early: number;
  #interval: number;
  #streak = 0;
  #nextAt: number;
  #expiresAt: number | undefined;

  constructor(now: number, options: AuthPolicyOptions = {}) {
    this.#base = positive('baseIntervalMs', options.baseIntervalMs ?? 300_000);
    this.#max = positive('maxIntervalMs', options.maxIntervalMs ?? 1_800_000);
    this.#failure = positive('failureIntervalMs', options.failureIntervalMs ?? 120_000);
    this.#widenAfter = positive('successesToWiden', options.successesToWiden ?? 3);
    this.#early = options.earlyWarningMs ?? 300_000;
    atLeast('earlyWarningMs', this.#early, 0);
    if (this.#max < this.#base) throw badOption('maxIntervalMs', `at least baseIntervalMs (${this.#base})`, this.#max);
    this.#interval = this.#base;
    this.#nextAt = now; // the first use checks
  }

  get intervalMs(): number {
    return this.#interval;
  }

  get nextCheckAt(): number {
    return this.#nextAt;
  }

  /** Whether a check is due at `now`. */
  isDue(now: number): boolean {
    return now >= this.#nextAt;
  }

  /** The session's known expiry (clock ms), e.g. from its cookie; `undefined` when unknown. */
  setExpiry(expiresAt: number | undefined, now: number): void {
    this.#expiresAt = expiresAt;
    this.#schedule(now);
  }

  /** A check succeeded at `now`: when the next one is due. */
  recordSuccess(now: number): AuthCheckOutcome {
    this.#streak++;
    if (this.#streak >= this.#widenAfter) {
      this.#interval = Math.min(this.#max, Math.max(this.#interval, this.#base) * 2);
      this.#streak = 0;
    } else if (this.#interval < this.#base) {
      this.#interval = this.#base; // recovered from a failure: back to the base, widening again from there
    }
    this.#schedule(now);
    return { nextCheckAt: this.#nextAt, intervalMs: this.#interval, resignIn: false };
  }

  /** A check failed at `now`: sign in again, and when the next check is due. */
  recordFailure(now: number): AuthCheckOutcome {
    this.#streak = 0;
    this.#interval = Math.min(this.#failure, this.#base);
    this.#schedule(now);
    return { nextCheckAt: this.#nextAt, intervalMs: this.#interval, resignIn: true };
  }

  #schedule(now: number): void {
    let next = now + this.#interval;
    if (this.#expiresAt !== undefined) {
      const warnAt = this.#expiresAt - this.#early;
      if (now >= warnAt) next = Math.min(next, now + Math.min(this.#failure, this.#interval));
      else next = Math.min(next, warnAt);
    }
    this.#nextAt = next;
  }
}
