import { ActorCrashedError, type BrowserActorError, InvalidTaskError } from '../../errors.js';
import { type AcceptedTask, acceptedTask } from '../answer-ledger.js';
import type { Ticket } from '../mailbox/mailbox.js';
import { parseSubmitOptions } from '../submit-helpers.js';
import { isIdempotent } from '../tasks/run-task.js';
import type { BlockedResource, Task } from '../tasks/types.js';
import { type ValidTask, validateTask } from '../tasks/validate.js';
import type { HandleState, Lane } from './lanes.js';
import type { SupervisedSubmitOptions, SupervisorSettings } from './supervisor-options.js';

/**
 * A task inside the supervisor, from submit to answer, and the rules that decide what happens to
 * it when the browser under it dies (run again, compensate, or answer with the crash) and which
 * page it must find before it runs.
 */

export type Phase = 'queued' | 'running' | 'compensating' | 'done';

export interface Entry extends AcceptedTask {
  readonly task: Task;
  readonly valid: ValidTask;
  readonly compensate: Task | undefined;
  readonly restoreUrl: boolean;
  /** The task's own `restoreUrl`, if it gave one (a lane handle reopens its page unless told `false`). */
  readonly restoreUrlAsked: boolean | undefined;
  readonly correlationId: string | undefined;
  readonly handle: HandleState<Entry> | undefined;
  phase: Phase;
  attempts: number;
  /** Runs ended by a crash that may have been the task's own doing (see {@link crashVerdict}). */
  blamedRuns: number;
  /** Whether the current run started alone on a browser that had answered nothing yet (or, once isolated, alone at all). */
  alone: boolean;
  /**
   * Its runs met so many crashes beside other work that it now runs only alone, with no other task
   * in the browser, so that a crash during its run can be told apart (see {@link crashVerdict}).
   */
  isolated: boolean;
  /** The lane of its last run. */
  lane: number | undefined;
  ticket: Ticket<Entry> | undefined;
  forward: AbortController | undefined;
  crash: ActorCrashedError | undefined;
}

/** Runs of an idempotent task ended by crashes beside other work, as a multiple of maxAttempts, after which it runs only alone. */
export const COLLATERAL_RUNS_FACTOR = 4;
/** Tasks that read or act on the page a sequence is on (the others work on the session, which a restore brings back). */
const PAGE_BOUND: ReadonlySet<string> = new Set(['ExecuteJS', 'Screenshot', 'CurrentUrl']);

/** A submit as an entry, queued; throws a typed error for bad input (which is never a fault). */
export function newEntry(
  id: string,
  task: Task,
  options: SupervisedSubmitOptions,
  handle: HandleState<Entry> | undefined,
  settings: Pick<SupervisorSettings, 'limits' | 'defaults' | 'restoreUrl'>,
  now: number,
): Entry {
  const valid = validateTask(task, settings.limits);
  const parsed = parseSubmitOptions(handle ? { ...options, priority: handle.priority } : options, settings.defaults);
  const { priority, timeoutMs, signal, idempotencyKey } = parsed;
  const { compensate } = options;
  if (compensate !== undefined) {
    try {
      validateTask(compensate, settings.limits);
    } catch (error) {
      throw new InvalidTaskError(`compensate is not a valid task: ${(error as Error).message}`, { cause: error });
    }
  }
  if (options.restoreUrl !== undefined && typeof options.restoreUrl !== 'boolean')
    throw new InvalidTaskError('restoreUrl must be a boolean');
  if (options.correlationId !== undefined && (typeof options.correlationId !== 'string' || options.correlationId.length > 256)) {
    throw new InvalidTaskError('correlationId must be a string of at most 256 characters');
  }
  signal?.throwIfAborted();
  return {
    ...acceptedTask(id, priority, timeoutMs, signal, idempotencyKey, now),
    task,
    valid,
    compensate,
    restoreUrl: options.restoreUrl ?? settings.restoreUrl,
    restoreUrlAsked: options.restoreUrl,
    correlationId: options.correlationId,
    handle,
    attempts: 0,
    blamedRuns: 0,
    alone: false,
    isolated: false,
    lane: undefined,
    ticket: undefined,
    forward: undefined,
    crash: undefined,
  };
}

/**
 * The browser or tab died while `entry` ran (`error` is the actor's crash answer): `'run-again'`,
 * or the crash to answer it with (after its compensating task, if it has one). A task that never
 * started runs again and its run does not count. Only a crash the task may have caused counts
 * toward `maxAttempts`: one that ended a run that started alone on a browser that had answered
 * nothing yet, or any run once it is isolated. A browser that served other work, or ran other
 * tasks beside this one, died of something else as likely as of this task (a kill, memory): after
 * {@link COLLATERAL_RUNS_FACTOR} × `maxAttempts` such runs the task is isolated (it runs again
 * only with nothing else in the browser), so that a browser killed again and again from outside
 * does not cost its bystanders their answers, and a task that kills every browser it meets is
 * still caught by `maxAttempts`. A non-idempotent task that may have run never runs again.
 */
export function crashVerdict(entry: Entry, error: BrowserActorError, maxAttempts: number, where: string): 'run-again' | ActorCrashedError {
  const maybeExecuted = error.details['maybeExecuted'] !== false;
  if (!maybeExecuted) {
    entry.attempts--; // it never ran: not an attempt
    return 'run-again';
  }
  if (entry.alone) entry.blamedRuns++;
  const idempotent = isIdempotent(entry.valid);
  if (idempotent && entry.blamedRuns < maxAttempts) {
    if (!entry.isolated && entry.attempts >= maxAttempts * COLLATERAL_RUNS_FACTOR) entry.isolated = true;
    return 'run-again';
  }
  return new ActorCrashedError(
    `Task ${entry.id} (${entry.task.type}) was running when the browser or tab died (${where}, ${idempotent ? `run ${entry.attempts}; ${entry.blamedRuns} of its runs ended alone${entry.isolated ? '' : ' on a fresh browser'} (maxAttempts ${maxAttempts})` : `attempt ${entry.attempts}, not idempotent`}); it may have taken effect`,
    { cause: error, details: { taskId: entry.id, maybeExecuted: true, idempotent, attempts: entry.attempts } },
  );
}

/** A page to load again on a lane: its URL, and what the Navigate that first loaded it kept out (`undefined`: the executor's default). */
export interface PageToReopen {
  readonly url: string;
  readonly block: readonly BlockedResource[] | undefined;
}

/**
 * The page to load on `lane` before `entry` runs, so that it sees the page its sequence left: a
 * lane handle's page after its tab was lost (crash, replaced tab, recycle); a lane's last page
 * after a planned recycle (ours to hide, with or without a handle); a lane's last page on a new
 * tab when the task asks for `restoreUrl`. Only tasks that read or act on the page need it. The
 * page comes back as its Navigate loaded it: what that one kept out stays out.
 */
export function pageToReopen(entry: Entry, lane: Lane<Entry>): PageToReopen | undefined {
  if (!PAGE_BOUND.has(entry.task.type)) return undefined;
  const handle = entry.handle;
  if (handle && handle === lane.owner && handle.url !== undefined)
    return handle.pageOn === lane.tabEpoch ? undefined : { url: handle.url, block: handle.block };
  if (lane.lastUrl === undefined) return undefined;
  if (lane.reopenAfterRecycle || (entry.restoreUrl && lane.urlOn !== lane.tabEpoch)) return { url: lane.lastUrl, block: lane.lastBlock };
  return undefined;
}

/** A failure in one short line for a fault's reason: its code and the first line of its message. */
export function describeFailure(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  const short = message.length > 200 ? `${message.slice(0, 200)}…` : message;
  return typeof code === 'string' ? `${code}: ${short}` : short;
}
