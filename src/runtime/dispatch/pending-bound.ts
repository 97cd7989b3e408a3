import { MailboxFullError, TaskTimeoutError } from '../../errors.js';
import type { Clock, TimerHandle } from '../../internal/clock.js';
import { type Deferred, createDeferred } from '../../internal/deferred.js';
import { type OverflowPolicy, deferralBounds } from '../mailbox/mailbox.js';
import { oneOf, positiveInteger } from '../../internal/options.js';

/** The overflow policies a {@link PendingBound} applies. */
export type PendingOverflow = Extract<OverflowPolicy, 'reject' | 'defer'>;

export interface PendingBoundOptions {
  /** Most tasks waiting for an answer at once. */
  readonly capacity: number;
  /** `'reject'` (default): a submit beyond the capacity is refused. `'defer'`: it waits for a slot. */
  readonly overflow?: PendingOverflow;
  /** `defer` only: once full, slots go to deferred submits again when fewer than this are held (1…capacity). Default `max(1, ⌊capacity / 2⌋)`. */
  readonly lowWaterMark?: number;
  /** `defer` only: most submits waiting for a slot; beyond it new ones are refused. Default `capacity`. */
  readonly maxDeferred?: number;
}

interface Waiter {
  readonly priority: number;
  readonly granted: Deferred<void>;
  timer: TimerHandle | undefined;
  cleanup: (() => void) | undefined;
}

/**
 * A bound on the tasks an executor waits on at once (the Redis dispatcher's pending answers),
 * with the mailbox's overflow policies that make sense for work already handed to someone else:
 * refuse, or defer. A deferred submit waits outside the bound, within its own deadline and
 * signal; once the bound was reached, slots go to deferred submits (highest priority first, then
 * in arrival order) after the number held fell below the low-water mark, as in the mailbox.
 */
export class PendingBound {
  readonly capacity: number;
  readonly overflow: PendingOverflow;
  readonly lowWaterMark: number;
  readonly maxDeferred: number;
  readonly #clock: Clock;
  #held = 0;
  #saturated = false;
  readonly #waiting: Waiter[] = [];

  constructor(options: PendingBoundOptions, clock: Clock) {
    this.capacity = positiveInteger('mailbox.capacity', options.capacity);
    this.overflow = oneOf('overflow', options.overflow ?? 'reject', ['reject', 'defer']);
    ({ lowWaterMark: this.lowWaterMark, maxDeferred: this.maxDeferred } = deferralBounds(
      this.capacity,
      options.lowWaterMark,
      options.maxDeferred,
    ));
    this.#clock = clock;
  }

  /** Slots held (tasks waiting for an answer, or being handed over). */
  get held(): number {
    return this.#held;
  }

  /** Submits waiting for a slot. */
  get deferred(): number {
    return this.#waiting.length;
  }

  /** Take a slot if one is free now (no deferral): `true` when taken. */
  tryAcquire(): boolean {
    if (this.#held >= this.capacity || this.#saturated) return false;
    this.#held++;
    return true;
  }

  /**
   * Take a slot: at once, or with `defer` once one frees up. Throws `ERR_MAILBOX_FULL` when
   * refused, `ERR_TASK_TIMEOUT` when `timeoutMs` passes first, or the signal's reason on abort.
   * `what` names the task in those errors. A slot taken must be given back with {@link release}.
   */
  async acquire(priority: number, timeoutMs: number, signal: AbortSignal | undefined, what: string): Promise<void> {
    if (this.tryAcquire()) return;
    if (this.overflow === 'reject' || this.#waiting.length >= this.maxDeferred) {
      throw new MailboxFullError(
        `${what} refused: ${this.#held} tasks already wait for an answer (capacity ${this.capacity})${this.overflow === 'defer' ? ` and ${this.#waiting.length} more wait for a slot (maxDeferred ${this.maxDeferred})` : ''} — await the earlier ones first`,
        { details: { capacity: this.capacity, queued: this.#held, deferred: this.#waiting.length } },
      );
    }
    if (this.#held >= this.capacity) this.#saturated = true;
    const waiter: Waiter = { priority, granted: createDeferred<void>(), timer: undefined, cleanup: undefined };
    const at = this.#waiting.findIndex((w) => w.priority < priority);
    if (at === -1) this.#waiting.push(waiter);
    else this.#waiting.splice(at, 0, waiter);
    const leave = (error: unknown): void => {
      const i = this.#waiting.indexOf(waiter);
      if (i === -1) return; // granted meanwhile
      this.#waiting.splice(i, 1);
      waiter.cleanup?.();
      waiter.granted.reject(error);
    };
    waiter.timer = this.#clock.setTimeout(
      () =>
        leave(
          new TaskTimeoutError(
            `${what} timed out after ${timeoutMs}ms while deferred (every one of the ${this.capacity} slots for pending answers was taken)`,
            { details: { timeoutMs, phase: 'deferred' } },
          ),
        ),
      timeoutMs,
    );
    const onAbort = (): void => leave(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    waiter.cleanup = () => {
      signal?.removeEventListener('abort', onAbort);
      if (waiter.timer !== undefined) this.#clock.clearTimeout(waiter.timer);
    };
    await waiter.granted.promise;
  }

  /** Give a slot back: it goes to the next deferred submit once the bound allows. */
  release(): void {
    this.#held = Math.max(0, this.#held - 1);
    if (this.#saturated && this.#held >= this.lowWaterMark) return;
    this.#saturated = false;
    while (this.#held < this.capacity && this.#waiting.length > 0) {
      const waiter = this.#waiting.shift() as Waiter;
      waiter.cleanup?.();
      this.#held++;
      waiter.granted.resolve();
    }
    if (this.#waiting.length > 0) this.#saturated = true;
  }

  /** Refuse every deferred submit with `error` (the executor stops). */
  rejectDeferred(error: Error): void {
    for (const waiter of this.#waiting.splice(0)) {
      waiter.cleanup?.();
      waiter.granted.reject(error);
    }
  }
}
