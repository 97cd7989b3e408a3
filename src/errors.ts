/**
 * The runtime's errors, and the one base class of every error the package throws. Every error
 * carries a stable `code`; callers branch on `code`, never on message text. Messages name the bad
 * value and the state, and never contain secrets (cookie values, script text, passwords).
 *
 * The application layers define their own errors beside them, on the same base class, and add
 * their codes to {@link ErrorCode} (session/errors.ts, genealogy/errors.ts, research/errors.ts);
 * docs/errors.md lists every code of every layer.
 *
 * Errors that cross a process boundary travel as {@link SerializedError} and are rebuilt by
 * {@link deserializeError} from `code`, so `instanceof` and `code` both survive the trip.
 */

/** The stable error codes. */
export const ErrorCode = {
  /** A task or its submit options were malformed; nothing was sent to the browser. */
  INVALID_TASK: 'ERR_INVALID_TASK',
  /** An option or argument of a public function was malformed; the message says what was expected and what came. */
  INVALID_OPTION: 'ERR_INVALID_OPTION',
  /** A configuration value (environment or `.env`) was malformed. */
  INVALID_CONFIG: 'ERR_INVALID_CONFIG',
  /** A script, its arguments or imported cookies exceeded a size limit. */
  PAYLOAD_TOO_LARGE: 'ERR_PAYLOAD_TOO_LARGE',
  /** The page's script threw, or did not parse. */
  SCRIPT: 'ERR_SCRIPT',
  /** The task did not finish within its `timeoutMs` (queue time included). */
  TASK_TIMEOUT: 'ERR_TASK_TIMEOUT',
  /** A script returned a value that is not plain data. */
  RESULT_NOT_SERIALIZABLE: 'ERR_RESULT_NOT_SERIALIZABLE',
  /** A script's result exceeded the result size limit. */
  RESULT_TOO_LARGE: 'ERR_RESULT_TOO_LARGE',
  /** The browser could not load the URL (refused connection, DNS failure, …). */
  NAVIGATION: 'ERR_NAVIGATION',
  /** The mailbox was full and the overflow policy rejected the new task. */
  MAILBOX_FULL: 'ERR_MAILBOX_FULL',
  /** A queued task was dropped to admit a higher-priority one (`shed-lowest`). */
  SHED: 'ERR_SHED',
  /** The actor is stopping or stopped and takes no new work. */
  ACTOR_STOPPED: 'ERR_ACTOR_STOPPED',
  /** The browser or the task's tab died; the task may or may not have run (`details.maybeExecuted`). */
  ACTOR_CRASHED: 'ERR_ACTOR_CRASHED',
  /** The supervisor restarted the browser too often (more than N restarts in T ms) and gave up. */
  RESTART_LIMIT: 'ERR_RESTART_LIMIT',
  /** No Chromium executable was found. */
  BROWSER_NOT_FOUND: 'ERR_BROWSER_NOT_FOUND',
  /** The browser failed to start. */
  BROWSER_LAUNCH: 'ERR_BROWSER_LAUNCH',
  /** A driver operation exceeded its own deadline. */
  DRIVER_TIMEOUT: 'ERR_DRIVER_TIMEOUT',
  /** Any other failure reported by the browser driver. */
  DRIVER: 'ERR_DRIVER',
  /** The work queue (Redis) did not answer within its deadline, or no worker host is alive to take a session's tasks. */
  QUEUE_UNAVAILABLE: 'ERR_QUEUE_UNAVAILABLE',
  /**
   * A lane handle's sequence was cut: its tab or browser was lost after an earlier task of the
   * sequence, and its page could not be (or was told not to be) reopened. The task did not run.
   */
  SEQUENCE_CUT: 'ERR_SEQUENCE_CUT',
  /** A task or answer read from the work queue failed authentication: sealed under another queue key, for another job, or altered in Redis. Nothing was run with it. */
  QUEUE_PAYLOAD: 'ERR_QUEUE_PAYLOAD',
  /** An error without a code of ours (a foreign error, or a thrown non-error) crossed a process boundary or ended a task. */
  UNKNOWN: 'ERR_UNKNOWN',
  /** The command line caught an error without a code of ours: a bug in browser-actor. */
  UNEXPECTED: 'ERR_UNEXPECTED',
} as const;

/** The runtime's own codes (the values of {@link ErrorCode}). */
export type RuntimeErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * The codes of the application layers, one property per layer, added by declaration merging in
 * each layer's `errors.ts` (so that importing a layer widens {@link ErrorCode} by its codes).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface ApplicationErrorCodes {}

/** Any stable code: the runtime's and those of the layers loaded (see docs/errors.md for all). */
export type ErrorCode = RuntimeErrorCode | ApplicationErrorCodes[keyof ApplicationErrorCodes];

/** Structured, secret-free facts about an error (task id, actor id, sizes, …). */
export type ErrorDetails = Readonly<Record<string, string | number | boolean | null>>;

/** The plain-data form of an error, for crossing a process boundary. */
export interface SerializedError {
  readonly name: string;
  readonly code: string;
  readonly message: string;
  readonly details?: ErrorDetails;
  readonly cause?: SerializedError;
}

/** What a {@link BrowserActorError} carries besides its code and message. */
export interface BrowserActorErrorOptions {
  readonly cause?: unknown;
  readonly details?: ErrorDetails;
}

/** The base class of every error this package throws or rejects with. */
export class BrowserActorError extends Error {
  override name = 'BrowserActorError';
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, options: BrowserActorErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }

  /** The plain-data form (see {@link serializeError}): what `JSON.stringify` writes for this error. */
  toJSON(): SerializedError {
    return serializeError(this);
  }
}

/** A task or its submit options were malformed (`ERR_INVALID_TASK`). Never counts as a browser fault. */
export class InvalidTaskError extends BrowserActorError {
  override name = 'InvalidTaskError';
  constructor(message: string, options?: BrowserActorErrorOptions) {
    super(ErrorCode.INVALID_TASK, message, options);
  }
}

/** An option or argument was malformed (`ERR_INVALID_OPTION`); the message says what was expected and what came. */
export class InvalidOptionError extends BrowserActorError {
  override name = 'InvalidOptionError';
  constructor(message: string, options?: BrowserActorErrorOptions) {
    super(ErrorCode.INVALID_OPTION, message, options);
  }
}

/** A configuration value was malformed (`ERR_INVALID_CONFIG`). */
export class ConfigError extends BrowserActorError {
  override name = 'ConfigError';
  constructor(message: string, options?: BrowserActorErrorOptions) {
    super(ErrorCode.INVALID_CONFIG, message, options);
  }
}

/** A payload exceeded a size limit (`ERR_PAYLOAD_TOO_LARGE`). */
export class PayloadTooLargeError extends BrowserActorError {
  override name = 'PayloadTooLargeError';
  constructor(message: string, options?: BrowserActorErrorOptions) {
    super(ErrorCode.PAYLOAD_TOO_LARGE, message, options);
  }
}

/** The page's script threw or did not parse (`ERR_SCRIPT`); the message is the page's own. */
export class ScriptError extends BrowserActorError {
  override name = 'ScriptError';
  constructor(message: string, options?: BrowserActorErrorOptions) {
    super(ErrorCode.SCRIPT, message, options);
  }
}

/** A task ran out of time (`ERR_TASK_TIMEOUT`). */
export class TaskTimeoutError extends BrowserActorError {
  override name = 'TaskTimeoutError';
  constructor(message: string, options?: BrowserActorErrorOptions) {
    super(ErrorCode.TASK_TIMEOUT, message, options);
  }
}

/** A script's result is not plain data (`ERR_RESULT_NOT_SERIALIZABLE`). */
export class ResultNotSerializableError extends BrowserActorError {
  override name = 'ResultNotSerializableError';
  constructor(message: string, options?: BrowserActorErrorOptions) {
    super(ErrorCode.RESULT_NOT_SERIALIZABLE, message, options);
  }
}

/** A script's result is over the size limit (`ERR_RESULT_TOO_LARGE`). */
export class ResultTooLargeError extends BrowserActorError {
  override name = 'ResultTooLargeError';
  constructor(message: string, options?: BrowserActorErrorOptions) {
    super(ErrorCode.RESULT_TOO_LARGE, message, options);
  }
}

/** The browser could not load a URL (`ERR_NAVIGATION`); `details.netError` holds Chromium's code. */
export class NavigationError extends BrowserActorError {
  override name = 'NavigationError';
  constructor(message: string, options?: BrowserActorErrorOptions) {
    super(ErrorCode.NAVIGATION, message, options);
  }
}

/** The mailbox refused a task (`ERR_MAILBOX_FULL`). */
export class MailboxFullError extends BrowserActorError {
  override name = 'MailboxFullError';
  constructor(message: string, options?: BrowserActorErrorOptions) {
    super(ErrorCode.MAILBOX_FULL, message, options);
  }
}

/** A queued task was dropped for a higher-priority one (`ERR_SHED`). It never ran. */
export class ShedError extends BrowserActorError {
  override name = 'ShedError';
  constructor(message: string, options?: BrowserActorErrorOptions) {
    super(ErrorCode.SHED, message, options);
  }
}

/** The actor takes no more work (`ERR_ACTOR_STOPPED`). */
export class ActorStoppedError extends BrowserActorError {
  override name = 'ActorStoppedError';
  constructor(message: string, options?: BrowserActorErrorOptions) {
    super(ErrorCode.ACTOR_STOPPED, message, options);
  }
}

/** The browser or tab died (`ERR_ACTOR_CRASHED`); `details.maybeExecuted` says whether the task may have run. */
export class ActorCrashedError extends BrowserActorError {
  override name = 'ActorCrashedError';
  constructor(message: string, options?: BrowserActorErrorOptions) {
    super(ErrorCode.ACTOR_CRASHED, message, options);
  }
}

/** The supervisor gave up after too many restarts (`ERR_RESTART_LIMIT`); `details` name the limit. */
export class RestartLimitError extends BrowserActorError {
  override name = 'RestartLimitError';
  constructor(message: string, options?: BrowserActorErrorOptions) {
    super(ErrorCode.RESTART_LIMIT, message, options);
  }
}

/** No Chromium executable was found (`ERR_BROWSER_NOT_FOUND`); the message says how to install one. */
export class BrowserNotFoundError extends BrowserActorError {
  override name = 'BrowserNotFoundError';
  constructor(message: string, options?: BrowserActorErrorOptions) {
    super(ErrorCode.BROWSER_NOT_FOUND, message, options);
  }
}

/** The browser failed to start (`ERR_BROWSER_LAUNCH`). */
export class BrowserLaunchError extends BrowserActorError {
  override name = 'BrowserLaunchError';
  constructor(message: string, options?: BrowserActorErrorOptions) {
    super(ErrorCode.BROWSER_LAUNCH, message, options);
  }
}

/** A driver operation exceeded its deadline (`ERR_DRIVER_TIMEOUT`). */
export class DriverTimeoutError extends BrowserActorError {
  override name = 'DriverTimeoutError';
  constructor(message: string, options?: BrowserActorErrorOptions) {
    super(ErrorCode.DRIVER_TIMEOUT, message, options);
  }
}

/** Any other driver failure (`ERR_DRIVER`). */
export class DriverError extends BrowserActorError {
  override name = 'DriverError';
  constructor(message: string, options?: BrowserActorErrorOptions) {
    super(ErrorCode.DRIVER, message, options);
  }
}

/**
 * The driver contract's typed signal that an operation failed because its tab, context or
 * browser is gone: a `DriverError` with `details.targetClosed === true`. Callers branch on this,
 * never on a driver's message text.
 */
export function targetClosedError(message: string, cause?: unknown): DriverError {
  return new DriverError(message, { ...(cause === undefined ? {} : { cause }), details: { targetClosed: true } });
}

/** Whether `error` is the driver contract's "target closed" signal (see {@link targetClosedError}). */
export function isTargetClosed(error: unknown): boolean {
  return isBrowserActorError(error, 'ERR_DRIVER') && error.details['targetClosed'] === true;
}

/**
 * The distributed work queue could not take or track a task (`ERR_QUEUE_UNAVAILABLE`): Redis did
 * not answer within its deadline, or no worker host is alive for a session's tasks.
 * `details.maybeAccepted` says whether the queue may still have the task (submit it again with
 * the same idempotency key to run it at most once).
 */
export class QueueUnavailableError extends BrowserActorError {
  override name = 'QueueUnavailableError';
  constructor(message: string, options?: BrowserActorErrorOptions) {
    super(ErrorCode.QUEUE_UNAVAILABLE, message, options);
  }
}

/**
 * A lane's page was lost between two tasks of a sequence (the tab or browser died, or was
 * replaced) and could not be reopened (`ERR_SEQUENCE_CUT`): the task did not run, so that it never
 * reads a blank tab as if it were the page. `details.url` is the page that was lost. Run the whole
 * sequence again from its Navigate.
 */
export class SequenceCutError extends BrowserActorError {
  override name = 'SequenceCutError';
  constructor(message: string, options?: BrowserActorErrorOptions) {
    super(ErrorCode.SEQUENCE_CUT, message, options);
  }
}

/**
 * A payload read from the work queue was refused (`ERR_QUEUE_PAYLOAD`): it did not authenticate
 * under this process's queue key (sealed under another key, for another job, or altered in
 * Redis), or it was not sealed at all. Nothing was run with it. `details.keyFingerprint` names
 * this side's key (not the key itself), to compare between machines.
 */
export class QueuePayloadError extends BrowserActorError {
  override name = 'QueuePayloadError';
  constructor(message: string, options?: BrowserActorErrorOptions) {
    super(ErrorCode.QUEUE_PAYLOAD, message, options);
  }
}

/** A class of ours for one code: built from a message and options, as {@link deserializeError} does. */
export type ErrorClass = new (message: string, options?: BrowserActorErrorOptions) => BrowserActorError;

const classByCode = new Map<string, ErrorClass>([
  ['ERR_INVALID_TASK', InvalidTaskError],
  ['ERR_INVALID_OPTION', InvalidOptionError],
  ['ERR_INVALID_CONFIG', ConfigError],
  ['ERR_PAYLOAD_TOO_LARGE', PayloadTooLargeError],
  ['ERR_SCRIPT', ScriptError],
  ['ERR_TASK_TIMEOUT', TaskTimeoutError],
  ['ERR_RESULT_NOT_SERIALIZABLE', ResultNotSerializableError],
  ['ERR_RESULT_TOO_LARGE', ResultTooLargeError],
  ['ERR_NAVIGATION', NavigationError],
  ['ERR_MAILBOX_FULL', MailboxFullError],
  ['ERR_SHED', ShedError],
  ['ERR_ACTOR_STOPPED', ActorStoppedError],
  ['ERR_ACTOR_CRASHED', ActorCrashedError],
  ['ERR_RESTART_LIMIT', RestartLimitError],
  ['ERR_BROWSER_NOT_FOUND', BrowserNotFoundError],
  ['ERR_BROWSER_LAUNCH', BrowserLaunchError],
  ['ERR_DRIVER_TIMEOUT', DriverTimeoutError],
  ['ERR_DRIVER', DriverError],
  ['ERR_QUEUE_UNAVAILABLE', QueueUnavailableError],
  ['ERR_SEQUENCE_CUT', SequenceCutError],
  ['ERR_QUEUE_PAYLOAD', QueuePayloadError],
]);

/**
 * Let {@link deserializeError} rebuild `code` as `Cls` (how a layer's errors keep their class
 * across a process boundary). Each layer's `errors.ts` registers its classes when it is loaded.
 */
export function registerErrorClass(code: ErrorCode, Cls: ErrorClass): void {
  classByCode.set(code, Cls);
}

/** How many causes deep an error is carried across a process boundary. */
export const MAX_CAUSE_DEPTH = 4;

/**
 * The largest error that crosses a process boundary: {@link serializeError} cuts to these, and a
 * receiver refuses anything larger (so a page's long error name or a long URL in `details` is
 * shortened on the way, never taken for a broken sender).
 */
export const ERROR_WIRE_LIMITS = { name: 256, code: 64, message: 64 * 1024, details: 64, detailText: 4096 } as const;

function wireDetails(details: ErrorDetails): ErrorDetails {
  const out: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(details).slice(0, ERROR_WIRE_LIMITS.details))
    out[key] = typeof value === 'string' ? value.slice(0, ERROR_WIRE_LIMITS.detailText) : value;
  return out;
}

/** A code that fits the wire (a foreign error's own code may be anything). */
function wireCode(code: string): string {
  return code.length <= ERROR_WIRE_LIMITS.code ? code : 'ERR_UNKNOWN';
}

/** True when `value` is one of our errors, optionally with the given code. */
export function isBrowserActorError(value: unknown, code?: ErrorCode): value is BrowserActorError {
  return value instanceof BrowserActorError && (code === undefined || value.code === code);
}

/**
 * Plain-data form of any thrown value. Foreign errors keep their name and message; non-errors
 * become a generic error whose message says what was thrown (by type, not by content).
 */
export function serializeError(error: unknown, depth = 0): SerializedError {
  if (error instanceof BrowserActorError) {
    const cause = depth < MAX_CAUSE_DEPTH && error.cause !== undefined ? serializeError(error.cause, depth + 1) : undefined;
    return {
      name: error.name.slice(0, ERROR_WIRE_LIMITS.name),
      code: error.code,
      message: error.message.slice(0, ERROR_WIRE_LIMITS.message),
      details: wireDetails(error.details),
      ...(cause ? { cause } : {}),
    };
  }
  if (error instanceof Error) {
    const maybeCode: unknown = (error as Error & { code?: unknown }).code;
    const code = typeof maybeCode === 'string' ? wireCode(maybeCode) : 'ERR_UNKNOWN';
    return {
      name: String(error.name).slice(0, ERROR_WIRE_LIMITS.name),
      code,
      message: String(error.message).slice(0, ERROR_WIRE_LIMITS.message),
    };
  }
  return { name: 'Error', code: 'ERR_UNKNOWN', message: `Non-error value thrown (${typeof error})` };
}

/** Rebuild an error from {@link serializeError}'s output; our codes come back as our classes. */
export function deserializeError(serialized: SerializedError, depth = 0): Error {
  // As deep as serializeError writes, and no deeper: a longer chain from elsewhere is cut, not followed.
  const cause = serialized.cause && depth < MAX_CAUSE_DEPTH ? deserializeError(serialized.cause, depth + 1) : undefined;
  const Cls = classByCode.get(serialized.code);
  if (Cls) {
    const error = new Cls(serialized.message, { cause, details: serialized.details ?? {} });
    return error;
  }
  const error = new Error(serialized.message, cause === undefined ? undefined : { cause });
  error.name = serialized.name;
  (error as Error & { code: string }).code = serialized.code;
  return error;
}
