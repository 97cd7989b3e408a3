import { InvalidOptionError } from '../../errors.js';
import { type BackoffOptions, backoffCeilingMs, nextDelayMs } from '../../internal/backoff.js';
import { positive, positiveInteger } from '../../internal/options.js';

export interface RestartPolicyOptions {
  /** Restart delays: full jitter. Default `{ baseMs: 100, factor: 2, maxMs: 10 000 }`. */
  readonly backoff?: Partial<BackoffOptions>;
  /** After this long serving without a fault, the backoff starts over. Default 60 000 ms. */
  readonly stablePeriodMs?: number;
  /** At most `maxRestarts` unproductive restarts (failed launches included) within `windowMs`. Default 5 in 60 000 ms. */
  readonly restartLimit?: { readonly maxRestarts?: number; readonly windowMs?: number };
}

/** What the browser that just failed had achieved. */
export interface FailedBrowser {
  /** Clock time when it started serving, or `undefined` when it never did (failed launch or restore). */
  readonly servingSince: number | undefined;
  /** Caller tasks it answered successfully. */
  readonly tasksServed: number;
}

export type RestartDecision =
  | { readonly kind: 'restart'; readonly attempt: number; readonly delayMs: number; readonly productive: boolean }
  | { readonly kind: 'give-up'; readonly restartsInWindow: number; readonly maxRestarts: number; readonly windowMs: number };

/**
 * When to start the next browser after one failed, and when to stop trying. Pure apart from the
 * jitter source: the supervisor passes the clock's time in.
 *
 * A browser that answered at least one caller task, or served for a stable period, was
 * productive: the backoff starts over and its death does not count toward the intensity limit,
 * so a browser that keeps dying while making progress keeps being replaced quickly. Browsers
 * that die before doing any work (failed launches included) count; `maxRestarts` of them within
 * `windowMs` is a crash loop, and the supervisor gives up.
 */
export class RestartPolicy {
  readonly backoff: BackoffOptions;
  readonly stablePeriodMs: number;
  readonly maxRestarts: number;
  readonly windowMs: number;
  readonly #random: () => number;
  #attempt = 0;
  #unproductive: number[] = [];

  constructor(options: RestartPolicyOptions = {}, random: () => number = Math.random) {
    this.backoff = { baseMs: 100, factor: 2, maxMs: 10_000, ...options.backoff };
    try {
      backoffCeilingMs(0, this.backoff);
    } catch (error) {
      throw new InvalidOptionError(`backoff: ${(error as Error).message}`);
    }
    this.stablePeriodMs = positive('stablePeriodMs', options.stablePeriodMs ?? 60_000);
    this.maxRestarts = positiveInteger('restartLimit.maxRestarts', options.restartLimit?.maxRestarts ?? 5);
    this.windowMs = positive('restartLimit.windowMs', options.restartLimit?.windowMs ?? 60_000);
    this.#random = random;
  }

  /** The browser failed at `now` (a fault, or a failed launch or restore). */
  onFailure(now: number, failed: FailedBrowser): RestartDecision {
    const productive = failed.tasksServed > 0 || (failed.servingSince !== undefined && now - failed.servingSince >= this.stablePeriodMs);
    if (productive) {
      this.#attempt = 0;
      this.#unproductive = [];
    } else {
      this.#unproductive = this.#unproductive.filter((t) => t > now - this.windowMs);
      if (this.#unproductive.length >= this.maxRestarts) {
        return { kind: 'give-up', restartsInWindow: this.#unproductive.length, maxRestarts: this.maxRestarts, windowMs: this.windowMs };
      }
      this.#unproductive.push(now);
    }
    const attempt = this.#attempt++;
    return { kind: 'restart', attempt, delayMs: nextDelayMs(attempt, this.backoff, this.#random), productive };
  }

  /** Unproductive restarts within the window, as of the last failure. */
  get unproductiveRestarts(): number {
    return this.#unproductive.length;
  }
}
