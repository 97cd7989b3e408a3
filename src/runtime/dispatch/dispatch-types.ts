/**
 * What both dispatchers (worker processes and worker hosts on BullMQ) share: their submit
 * options, their lane handle and the check of their own options. Neither dispatcher imports the
 * other.
 */
import { InvalidTaskError } from '../../errors.js';
import type { ResultOf, Task } from '../tasks/types.js';

/** Options of one submit to a WorkDispatcher or a RedisWorkDispatcher. */
export interface DispatchSubmitOptions {
  readonly priority?: number;
  /** Deadline in ms from submit, queue time included. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** A second submit with the same key while the first is pending gets the first one's answer. */
  readonly idempotencyKey?: string;
  /** Tasks with the same key run on the same worker (the one that holds that session). */
  readonly sessionKey?: string;
  readonly restoreUrl?: boolean;
}

/** Tasks pinned to one lane of one worker's browser, in order (like a supervisor's lane handle). */
export interface DispatchLaneHandle {
  readonly id: string;
  /** The worker it is bound to, once its first task was placed. */
  readonly worker: number | undefined;
  /** Submit the next task of the sequence; it runs after the handle's earlier tasks, in the same tab. */
  submit<T extends Task>(task: T, options?: Omit<DispatchSubmitOptions, 'priority' | 'sessionKey'>): Promise<ResultOf<T>>;
  /** Let the lane go once its tasks are answered; later submits through the handle are refused. */
  release(): void;
}

/** The dispatchers' own submit options, checked (a bad one is an `ERR_INVALID_TASK`). */
export function checkPlacementOptions(options: DispatchSubmitOptions): { sessionKey: string | undefined; restoreUrl: boolean | undefined } {
  const { sessionKey, restoreUrl } = options;
  if (sessionKey !== undefined && (typeof sessionKey !== 'string' || sessionKey === '' || sessionKey.length > 256)) {
    throw new InvalidTaskError('sessionKey must be a non-empty string of at most 256 characters');
  }
  if (restoreUrl !== undefined && typeof restoreUrl !== 'boolean') throw new InvalidTaskError('restoreUrl must be a boolean');
  return { sessionKey, restoreUrl };
}
