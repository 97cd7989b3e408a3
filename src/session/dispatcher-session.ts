import { isBrowserActorError } from '../errors.js';
import type { ResultOf, Task } from '../runtime/tasks/types.js';
import type { SessionBrowser } from './browser-manager.js';

/** A dispatcher as the session layer uses it: the local WorkDispatcher or the Redis one. */
export interface SessionDispatcher {
  submit<T extends Task>(task: T, options: { timeoutMs?: number; restoreUrl?: boolean; sessionKey?: string }): Promise<ResultOf<T>>;
  start(): Promise<void>;
}

/**
 * One session of a dispatcher, shaped like a supervisor for SessionManager and BrowserManager:
 * every task carries `sessionKey`, so the session's tasks all reach the one browser (worker, and
 * host over Redis) that holds its sign-in. After a task failed because its browser or worker was
 * lost, `health().state` is `'recovering'` until a task succeeds again, so the session manager
 * checks the sign-in instead of trusting its fast path.
 */
export function dispatcherSession(dispatcher: SessionDispatcher, sessionKey: string): SessionBrowser {
  let state: 'healthy' | 'recovering' = 'healthy';
  return {
    async submit<T extends Task>(task: T, options: { timeoutMs?: number; restoreUrl?: boolean } = {}): Promise<ResultOf<T>> {
      try {
        const value = await dispatcher.submit(task, { ...options, sessionKey });
        state = 'healthy';
        return value;
      } catch (error) {
        if (isBrowserActorError(error) && ['ERR_ACTOR_CRASHED', 'ERR_RESTART_LIMIT', 'ERR_QUEUE_UNAVAILABLE'].includes(error.code))
          state = 'recovering';
        throw error;
      }
    },
    ensureActorLive: () => dispatcher.start(),
    health: () => ({ state }),
  };
}
