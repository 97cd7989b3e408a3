import { InvalidOptionError, InvalidTaskError } from '../errors.js';
import { positive } from '../internal/options.js';
import { type MailboxOptions, type OverflowPolicy, PRIORITY_LEVELS, Priority } from './mailbox/mailbox.js';

/** Shared by the actor and the supervisor: option checks and following an earlier submit's answer. */

export function isPriority(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < PRIORITY_LEVELS;
}

/** The shared answer of an earlier submit, but settled early by this caller's own signal. */
export function follow(promise: Promise<unknown>, signal: AbortSignal | undefined): Promise<unknown> {
  if (!signal) return promise;
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** The priority of a new lane handle: `priority`, else `fallback`; a bad one is an `ERR_INVALID_OPTION`. */
export function handlePriority(priority: number | undefined, fallback: number): number {
  const p = priority ?? fallback;
  if (!isPriority(p)) throw new InvalidOptionError(`priority must be an integer from 0 to 9, got ${String(p)}`);
  return p;
}

/** An executor's `id` option, checked (1–64 letters, digits, `.`, `_`, `-`), or `fallback()` when absent. */
export function executorId(id: string | undefined, fallback: () => string): string {
  if (id === undefined) return fallback();
  if (typeof id !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(id)) {
    throw new InvalidOptionError(`id must be 1–64 letters, digits, ".", "_" or "-", got ${JSON.stringify(String(id).slice(0, 80))}`);
  }
  return id;
}

/** A lane handle's `resumeUrl` option, checked: an absolute URL of at most 8 KiB, or `undefined`. */
export function resumeUrlOption(url: unknown): string | undefined {
  if (url === undefined) return undefined;
  if (typeof url !== 'string' || url.length > 8192 || !URL.canParse(url)) {
    throw new InvalidOptionError(
      `resumeUrl must be an absolute URL of at most 8192 characters, got ${typeof url === 'string' ? `a string of ${url.length} characters` : typeof url}`,
    );
  }
  return url;
}

/** Run `fn` with a lane handle and release the handle afterwards, also when `fn` throws. */
export async function withHandle<H extends { release(): void }, R>(handle: H, fn: (handle: H) => Promise<R>): Promise<R> {
  try {
    return await fn(handle);
  } finally {
    handle.release();
  }
}

/** Timeouts and priority a submit gets when it names none (actor and supervisor options). */
export interface SubmitDefaults {
  readonly defaultTimeoutMs: number;
  readonly maxTimeoutMs: number;
  readonly defaultPriority: number;
}

/** Check and fill the submit defaults of a constructor's options (defaults 30 000 ms, 600 000 ms, NORMAL). */
export function submitDefaults(options: {
  readonly defaultTimeoutMs?: number;
  readonly maxTimeoutMs?: number;
  readonly defaultPriority?: number;
}): SubmitDefaults {
  const defaultTimeoutMs = positive('defaultTimeoutMs', options.defaultTimeoutMs ?? 30_000);
  const maxTimeoutMs = positive('maxTimeoutMs', options.maxTimeoutMs ?? 600_000);
  if (defaultTimeoutMs > maxTimeoutMs)
    throw new InvalidOptionError(`defaultTimeoutMs (${defaultTimeoutMs}) is above maxTimeoutMs (${maxTimeoutMs})`);
  const defaultPriority = options.defaultPriority ?? Priority.NORMAL;
  if (!isPriority(defaultPriority))
    throw new InvalidOptionError(`defaultPriority must be an integer 0–${PRIORITY_LEVELS - 1}, got ${String(options.defaultPriority)}`);
  return { defaultTimeoutMs, maxTimeoutMs, defaultPriority };
}

/** The options every submit takes, checked (a bad one is an `ERR_INVALID_TASK`) and defaulted. */
export function parseSubmitOptions(
  options: { readonly priority?: number; readonly timeoutMs?: number; readonly signal?: AbortSignal; readonly idempotencyKey?: string },
  defaults: SubmitDefaults,
): { priority: number; timeoutMs: number; signal: AbortSignal | undefined; idempotencyKey: string | undefined } {
  if (typeof options !== 'object' || options === null) throw new InvalidTaskError('submit options must be an object');
  const priority = options.priority ?? defaults.defaultPriority;
  if (!isPriority(priority)) {
    throw new InvalidTaskError(`priority must be an integer from 0 (lowest) to ${PRIORITY_LEVELS - 1} (highest), got ${String(priority)}`);
  }
  const timeoutMs = options.timeoutMs ?? defaults.defaultTimeoutMs;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > defaults.maxTimeoutMs) {
    throw new InvalidTaskError(
      `timeoutMs must be a number above 0 and at most ${defaults.maxTimeoutMs} (maxTimeoutMs), got ${String(timeoutMs)}`,
    );
  }
  const { signal, idempotencyKey } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new InvalidTaskError('signal must be an AbortSignal');
  if (idempotencyKey !== undefined && (typeof idempotencyKey !== 'string' || idempotencyKey === '' || idempotencyKey.length > 256)) {
    throw new InvalidTaskError('idempotencyKey must be a non-empty string of at most 256 characters');
  }
  return { priority, timeoutMs, signal, idempotencyKey };
}

/** Mailbox settings as the actor and the supervisor take them. */
export interface MailboxSettings {
  /** Default 1000. */
  readonly capacity?: number;
  /** Default `'reject'`. */
  readonly overflow?: OverflowPolicy;
  /** `defer` only. Default `max(1, ⌊capacity/2⌋)`. */
  readonly lowWaterMark?: number;
  /** `defer` only. Default `capacity`. */
  readonly maxDeferred?: number;
}

export function mailboxOptions<T>(settings: MailboxSettings | undefined, onShed: (item: T) => void): MailboxOptions<T> {
  return {
    capacity: settings?.capacity ?? 1000,
    ...(settings?.overflow === undefined ? {} : { overflow: settings.overflow }),
    ...(settings?.lowWaterMark === undefined ? {} : { lowWaterMark: settings.lowWaterMark }),
    ...(settings?.maxDeferred === undefined ? {} : { maxDeferred: settings.maxDeferred }),
    onShed,
  };
}

/**
 * Submits waiting for an answer, by idempotency key: a second submit of the same task under a
 * key that is still pending shares the first one's answer; the same key with a different task is
 * refused. A key is free again once its entry is answered.
 */
export class IdempotencyKeys<E extends { readonly id: string; readonly result: { readonly promise: Promise<unknown> } }> {
  readonly #byKey = new Map<string, { entry: E; fingerprint: string }>();

  /** The pending entry under `key` for the same task (`fingerprint`), if any; throws for a different task. */
  pending(key: string, fingerprint: string): E | undefined {
    const existing = this.#byKey.get(key);
    if (!existing) return undefined;
    if (existing.fingerprint !== fingerprint) {
      throw new InvalidTaskError(
        `idempotencyKey ${JSON.stringify(key)} is already in use by a different task (${existing.entry.id}); use a new key`,
      );
    }
    return existing.entry;
  }

  get size(): number {
    return this.#byKey.size;
  }

  add(key: string, entry: E, fingerprint: string): void {
    this.#byKey.set(key, { entry, fingerprint });
  }

  /** Free `key` if `entry` holds it (answered, or refused after all). */
  release(key: string | undefined, entry: E): void {
    if (key !== undefined && this.#byKey.get(key)?.entry === entry) this.#byKey.delete(key);
  }
}
