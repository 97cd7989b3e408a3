import { DriverTimeoutError } from '../errors.js';
import { type Clock, systemClock, within } from '../internal/clock.js';
import { DeadlineScheduler } from '../internal/deadlines.js';
import type { DriverOpOptions } from './driver.js';

export interface DeadlineOptions {
  /** Cancels the work in the browser when the deadline passes or the caller aborts. */
  readonly cancel?: () => Promise<unknown> | void;
  /** How long to wait, after cancelling, for the work to acknowledge. Default 1000 ms. */
  readonly settleGraceMs?: number;
  readonly clock?: Clock;
}

// One scheduler (so one platform timer) per clock for every driver operation in the process.
const schedulers = new WeakMap<Clock, DeadlineScheduler>();

function schedulerFor(clock: Clock): DeadlineScheduler {
  let scheduler = schedulers.get(clock);
  if (!scheduler) {
    scheduler = new DeadlineScheduler(clock);
    schedulers.set(clock, scheduler);
  }
  return scheduler;
}

/**
 * Run one driver operation under its deadline. When time runs out or `op.signal` aborts, the
 * operation is cancelled (not abandoned): `cancel` runs, the work gets a short grace period to
 * settle, and only then does the promise reject — with `DriverTimeoutError` for the deadline, or
 * `signal.reason` for an abort. A late result or error of cancelled work is discarded.
 * There is no AbortController per operation (on Node 20 building one costs more than a whole
 * in-memory operation): `cancel` is how work is stopped.
 */
export function withDeadline<T>(label: string, op: DriverOpOptions, run: () => Promise<T>, options: DeadlineOptions = {}): Promise<T> {
  const { signal } = op;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const clock = options.clock ?? systemClock;
  return new Promise<T>((resolve, reject) => {
    let finished = false;
    const finish = (): boolean => {
      if (finished) return false;
      finished = true;
      deadline.cancel();
      signal?.removeEventListener('abort', onAbort);
      return true;
    };
    const interrupt = (reason: unknown): void => {
      if (!finish()) return;
      void cancelAndSettle(work, options, clock).then(() => reject(reason));
    };
    const onAbort = (): void => interrupt(signal?.reason);
    const deadline = schedulerFor(clock).at(clock.now() + op.timeoutMs, () =>
      interrupt(new DriverTimeoutError(`${label} did not finish within ${op.timeoutMs}ms`, { details: { timeoutMs: op.timeoutMs } })),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    let work: Promise<T>;
    try {
      work = run();
    } catch (error) {
      work = Promise.reject(error);
    }
    work.then(
      (value) => {
        if (finish()) resolve(value);
      },
      (error: unknown) => {
        if (finish()) reject(error);
      },
    );
  });
}

async function cancelAndSettle(work: Promise<unknown>, options: DeadlineOptions, clock: Clock): Promise<void> {
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
  await within(clock, options.settleGraceMs ?? 1000, cancelled);
}
