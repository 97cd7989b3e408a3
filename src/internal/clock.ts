/**
 * Injectable time. Everything in the runtime that waits or measures goes through a {@link Clock},
 * so timing logic is tested with a manual clock instead of real sleeps.
 */

/** An opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

export interface TimerOptions {
  /** Let the process exit while this timer is pending (background timers). Default `false`. */
  readonly unref?: boolean;
}

/** Time as the runtime sees it: the system clock in production, a manual one in unit tests. */
export interface Clock {
  /** Monotonic milliseconds; only differences are meaningful. */
  now(): number;
  /** Call `callback` once after `delayMs`; returns a handle for {@link Clock.clearTimeout}. */
  setTimeout(callback: () => void, delayMs: number, options?: TimerOptions): TimerHandle;
  /** Cancel a pending timer; a timer that already ran or was cleared is ignored. */
  clearTimeout(handle: TimerHandle): void;
  /** Whether a pending timer keeps the process alive (Node's ref/unref). Optional: manual clocks ignore it. */
  setKeepAlive?(handle: TimerHandle, keepAlive: boolean): void;
}

/** The real clock: `performance.now()` and Node's timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout(callback, delayMs, options) {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    if (options?.unref) timer.unref();
    return timer;
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
  setKeepAlive(handle, keepAlive) {
    if (keepAlive) (handle as NodeJS.Timeout).ref();
    else (handle as NodeJS.Timeout).unref();
  },
};

/** Resolve after `delayMs` on `clock`, or reject with `signal.reason` when aborted first. */
export function sleep(clock: Clock, delayMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clock.clearTimeout(handle);
      reject(signal?.reason);
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, delayMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * `work`'s outcome, or `undefined` once `delayMs` has passed on `clock` without one: a bounded
 * wait. The timer is cleared either way; `work` itself is not cancelled.
 */
export function within<T>(clock: Clock, delayMs: number, work: Promise<T>): Promise<T | undefined> {
  return new Promise<T | undefined>((resolve, reject) => {
    const handle = clock.setTimeout(() => resolve(undefined), delayMs);
    work.then(
      (value) => {
        clock.clearTimeout(handle);
        resolve(value);
      },
      (error: unknown) => {
        clock.clearTimeout(handle);
        reject(error);
      },
    );
  });
}
