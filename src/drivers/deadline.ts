import { DriverTimeoutError } from '../errors.js';
import { type Clock, systemClock } from '../internal/clock.js';
import type { DriverOpOptions } from './driver.js';

export interface DeadlineOptions {
  /** Cancels the work in the browser when the deadline passes or the caller aborts. */
  readonly cancel?: () => Promise<unknown> | void;
  /** How long to wait, after cancelling, for the work to acknowledge. Default 1000 ms. */
  readonly settleGraceMs?: number;
  readonly clock?: Clock;
}

/**
 * Run one driver operation under its deadline. When time runs out or `op.signal` aborts, the
 * operation is cancelled (not abandoned): `cancel` runs, the work gets a short grace period to
 * settle, and only then does the promise reject — with `DriverTimeoutError` for the deadline, or
 * `signal.reason` for an abort. A late result or error of cancelled work is discarded.
 */
export async function withDeadline<T>(
  label: string,
  op: DriverOpOptions,
  run: (signal: AbortSignal) => Promise<T>,
  options: DeadlineOptions = {},
): Promise<T> {
  op.signal?.throwIfAborted();
  const clock = options.clock ?? systemClock;
  const controller = new AbortController();
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    onAbort = (): void => {
      const reason: unknown = op.signal?.aborted
        ? op.signal.reason
        : new DriverTimeoutError(`${label} did not finish within ${op.timeoutMs}ms`, { details: { timeoutMs: op.timeoutMs } });
      controller.abort(reason);
      reject(reason);
    };
  });
  const timer = clock.setTimeout(() => onAbort?.(), op.timeoutMs);
  op.signal?.addEventListener('abort', onAbort as () => void, { once: true });
  const work = run(controller.signal);
  try {
    return await Promise.race([work, stopped]);
  } catch (error) {
    if (controller.signal.aborted) {
      work.catch(() => undefined);
      await cancelAndSettle(work, options, clock);
      throw controller.signal.reason;
    }
    throw error;
  } finally {
    clock.clearTimeout(timer);
    op.signal?.removeEventListener('abort', onAbort as () => void);
  }
}

async function cancelAndSettle(work: Promise<unknown>, options: DeadlineOptions, clock: Clock): Promise<void> {
  const grace = options.settleGraceMs ?? 1000;
  let timer: ReturnType<Clock['setTimeout']> | undefined;
  const graceOver = new Promise<void>((resolve) => {
    timer = clock.setTimeout(resolve, grace);
  });
  try {
    const cancelled = (async () => {
      try {
        await options.cancel?.();
      } catch {
        // The target may already be gone; the grace period still bounds the wait.
      }
      await work.then(
        () => undefined,
        () => undefined,
      );
    })();
    await Promise.race([cancelled, graceOver]);
  } finally {
    if (timer !== undefined) clock.clearTimeout(timer);
  }
}
