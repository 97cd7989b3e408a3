import type { Clock } from '../internal/clock.js';
import { type Deadline, DeadlineScheduler } from '../internal/deadlines.js';
import { type Deferred, createDeferred } from '../internal/deferred.js';
import { IdempotencyKeys, follow } from './submit-helpers.js';

/** What an accepted task carries until it is answered. */
export interface Answerable {
  readonly id: string;
  readonly deadlineAt: number;
  readonly result: Deferred<unknown>;
  readonly signal: AbortSignal | undefined;
  readonly idempotencyKey: string | undefined;
  /** `'done'` once answered. */
  phase: string;
  deadline: Deadline | undefined;
  onAbort: (() => void) | undefined;
}

/** An accepted task as the actor and the supervisor both hold it: its answer, and when and how urgently it runs. */
export interface AcceptedTask extends Answerable {
  readonly priority: number;
  readonly timeoutMs: number;
  readonly submittedAt: number;
}

/** The fields every accepted task starts with: queued at `now`, due `timeoutMs` later, its answer still to come. */
export function acceptedTask(
  id: string,
  priority: number,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  idempotencyKey: string | undefined,
  now: number,
) {
  return {
    id,
    priority,
    timeoutMs,
    submittedAt: now,
    deadlineAt: now + timeoutMs,
    result: createDeferred<unknown>(),
    signal,
    idempotencyKey,
    phase: 'queued' as const,
    deadline: undefined,
    onAbort: undefined,
  };
}

/**
 * The answer-once ledger that the actor and the supervisor share. When a task is accepted it
 * arms the task's deadline and abort listener and holds its idempotency key; {@link answer}
 * settles the task's promise exactly once and undoes all three. Every later answer (a browser
 * reply after the deadline, a crash after a cancel) is discarded here.
 */
export class AnswerLedger<E extends Answerable> {
  readonly #keys = new IdempotencyKeys<E>();
  readonly #deadlines: DeadlineScheduler;

  constructor(clock: Clock) {
    this.#deadlines = new DeadlineScheduler(clock);
  }

  /**
   * With an idempotency key: the pending entry submitted earlier under it for the same task, if
   * any (a different task under the key throws `ERR_INVALID_TASK`); otherwise `entry` takes the key.
   */
  claim(entry: E, fingerprint: string): E | undefined {
    const key = entry.idempotencyKey;
    if (key === undefined) return undefined;
    const existing = this.#keys.pending(key, fingerprint);
    if (existing) return existing;
    this.#keys.add(key, entry, fingerprint);
    return undefined;
  }

  /**
   * Take a new entry in. Under an idempotency key still pending for the same task (compared by
   * `fingerprint`, read only when there is a key) it is not taken: its answer is the earlier
   * entry's; a different task under the key is refused. Otherwise `enqueue` queues it, and a
   * refusal frees the key and is the answer. An accepted entry gets its deadline and abort
   * listener armed, and `accepted` is true: the caller may then start work on it.
   */
  admit(
    entry: E,
    fingerprint: () => string,
    enqueue: () => Error | undefined,
    onTimeout: () => void,
    onAbort: () => void,
  ): { answer: Promise<unknown>; accepted: boolean } {
    let existing: E | undefined;
    try {
      existing = entry.idempotencyKey === undefined ? undefined : this.claim(entry, fingerprint());
    } catch (error) {
      return { answer: Promise.reject(error), accepted: false };
    }
    if (existing) return { answer: follow(existing.result.promise, entry.signal), accepted: false };
    const refused = enqueue();
    if (refused) {
      this.unclaim(entry);
      return { answer: Promise.reject(refused), accepted: false };
    }
    this.arm(entry, onTimeout, onAbort);
    return { answer: entry.result.promise, accepted: true };
  }

  /** The entry was refused after it claimed its key (mailbox full): free the key. */
  unclaim(entry: E): void {
    this.#keys.release(entry.idempotencyKey, entry);
  }

  /** Start the entry's deadline and abort listener. */
  arm(entry: E, onTimeout: () => void, onAbort: () => void): void {
    entry.deadline = this.#deadlines.at(entry.deadlineAt, onTimeout);
    if (entry.signal) {
      entry.onAbort = onAbort;
      entry.signal.addEventListener('abort', onAbort, { once: true });
    }
  }

  /** Answer the entry: `error === undefined` means success. Returns `false` when it was already answered. */
  answer(entry: E, value: unknown, error: unknown): boolean {
    if (entry.phase === 'done') return false;
    entry.phase = 'done';
    entry.deadline?.cancel();
    if (entry.onAbort) entry.signal?.removeEventListener('abort', entry.onAbort);
    this.#keys.release(entry.idempotencyKey, entry);
    if (error === undefined) entry.result.resolve(value);
    else entry.result.reject(error);
    return true;
  }

  /** What the ledger holds: idempotency keys of pending tasks, and deadline entries (for leak checks). */
  bookkeeping(): { readonly idempotencyKeys: number; readonly deadlines: number; readonly deadlineEntries: number } {
    return { idempotencyKeys: this.#keys.size, deadlines: this.#deadlines.size, deadlineEntries: this.#deadlines.stored };
  }

  /** Drop every pending deadline (shutdown). */
  clear(): void {
    this.#deadlines.clear();
  }
}
