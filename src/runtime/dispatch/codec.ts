import { deserialize, serialize } from 'node:v8';
import {
  ERROR_WIRE_LIMITS,
  MAX_CAUSE_DEPTH,
  QueuePayloadError,
  type SerializedError,
  deserializeError,
  serializeError,
} from '../../errors.js';
import type { Task } from '../tasks/types.js';

/**
 * The one codec for everything that crosses the dispatcher's process boundary. Each message
 * travels as a {@link Frame}: its structured-clone form (V8's serializer), so bytes
 * (screenshots), `undefined` and nested plain data travel as they are, as base64 in a one-field
 * JSON object on Node's IPC channel (`serialization: 'json'`). The receiver decodes the frame
 * itself, where a message it cannot decode (too deep for the decoder's stack, not a frame at all)
 * is a caught, typed problem: Node's own structured-clone channel decodes before any of our code
 * runs, and a deep enough message from a broken worker would throw inside Node and end the
 * parent. Errors travel as {@link SerializedError} and are rebuilt by code, so `instanceof`,
 * `code` and `details` survive. Every message about a task carries the task's id.
 */

/** What a worker process is told to host. Plain data only: it is sent in the `init` message. */
export interface WorkerConfig {
  /** The worker's number (0-based) in its dispatcher, and how often it was restarted. */
  readonly index: number;
  readonly incarnation: number;
  /** SessionSupervisor options that are plain data (lanes, isolateLanes, snapshot, probe, …). */
  readonly supervisor: Readonly<Record<string, unknown>>;
  /** Options for each Chromium the worker launches (executablePath, headless, args, tmpRoot, …). */
  readonly browser: Readonly<Record<string, unknown>>;
}

/** A task handed to a worker. `timeoutMs` is what is left of the caller's deadline. */
export interface TaskMessage {
  readonly t: 'task';
  readonly id: string;
  readonly task: Task;
  readonly priority: number;
  readonly timeoutMs: number;
  readonly restoreUrl?: boolean;
  /** The dispatcher lane handle the task belongs to: the worker keeps such tasks on one lane of its browser. */
  readonly handle?: string;
  /** The handle's page, when it was loaded in another worker process: the worker reopens it before the handle's first page-bound task. */
  readonly resumeUrl?: string;
  /**
   * Report when the task reaches the browser (a `started` message). The dispatcher asks for it
   * when it matters: a non-idempotent task (a lost worker then means "maybe executed"), or a
   * `task:start` listener. Otherwise the message, and the wake-up it costs, is saved.
   */
  readonly reportStart?: boolean;
}

export type ToWorker =
  | { readonly t: 'init'; readonly config: WorkerConfig }
  | TaskMessage
  | { readonly t: 'cancel'; readonly id: string }
  | { readonly t: 'release'; readonly handle: string }
  | { readonly t: 'ping'; readonly seq: number }
  | { readonly t: 'stop'; readonly timeoutMs: number };

/** A worker's supervisor, as the dispatcher's stats show it. */
export interface WorkerHealth {
  readonly state: string;
  readonly restarts: number;
  /** Planned browser replacements (recycling), not faults. */
  readonly recycles?: number;
  readonly browserPid: number | null;
  readonly inFlight: number;
  readonly queueDepth: number;
  /** How long the worker's current browser has served (0 when none is). */
  readonly uptimeMs?: number;
  /** The worker supervisor's last fault, with its age when the heartbeat was sent. */
  readonly lastFault?: { readonly kind: string; readonly reason: string; readonly agoMs: number } | null;
  /** Its lanes (tabs): how many, and how many run a task. */
  readonly lanes?: number;
  readonly lanesBusy?: number;
}

export type FromWorker =
  | { readonly t: 'ready'; readonly browserPid: number | null }
  /** The worker's supervisor could not start (for example no Chromium): the dispatcher gives up on it. */
  | { readonly t: 'fatal'; readonly error: SerializedError }
  /** The task reached the browser (attempt `attempt`): from now on a lost worker means "maybe executed". */
  | { readonly t: 'started'; readonly id: string; readonly attempt: number }
  | { readonly t: 'done'; readonly id: string; readonly value: unknown }
  | { readonly t: 'failed'; readonly id: string; readonly error: SerializedError }
  | { readonly t: 'pong'; readonly seq: number; readonly health: WorkerHealth };

/** A task's answer as it travels: its value as is, an error as data. */
export type WireOutcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: SerializedError };

export function encodeOutcome(value: unknown, error: unknown): WireOutcome {
  return error === undefined ? { ok: true, value: encodeValue(value) } : { ok: false, error: serializeError(error) };
}

/** The settled value or the rebuilt error of a {@link WireOutcome}. */
export function decodeOutcome(outcome: WireOutcome): { value: unknown; error: Error | undefined } {
  return outcome.ok
    ? { value: decodeValue(outcome.value), error: undefined }
    : { value: undefined, error: deserializeError(outcome.error) };
}

/**
 * A task's result, ready for structured clone: a Node `Buffer` becomes a plain `Uint8Array` (the
 * type the other side gets anyway), everything else is already plain data.
 */
export function encodeValue(value: unknown): unknown {
  if (value instanceof Uint8Array && value.constructor !== Uint8Array)
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return value;
}

export function decodeValue(value: unknown): unknown {
  return value;
}

/**
 * Data for a queue that stores strings (BullMQ on Redis): the same structured-clone form the IPC
 * channel uses, as base64, so bytes, `undefined` and errors-as-data arrive exactly as over IPC.
 */
export function packForQueue(value: unknown): string {
  return serialize(value).toString('base64');
}

export function unpackFromQueue(text: unknown): unknown {
  if (typeof text !== 'string') throw new QueuePayloadError(`a queued value must be base64 text, got ${typeof text}`);
  return deserialize(Buffer.from(text, 'base64'));
}

/**
 * What one queued job carries (BullMQ job data). The task and its session key are sealed
 * ({@link QueueCipher}): Redis sees only the fields needed to schedule it.
 */
export interface QueueJobData {
  readonly v: 2;
  /** {@link SealedTask}, {@link packForQueue}-packed, then sealed for this job. */
  readonly sealed: string;
  /** The task's type, readable in Redis tools. */
  readonly type: string;
  readonly priority: number;
  /** The caller's deadline, from when the job was added. */
  readonly timeoutMs: number;
  readonly idempotent: boolean;
  readonly restoreUrl?: boolean;
}

/** The sealed part of a queued job: the task as submitted (checked by the submitter, checked again by the host) and its session key. */
export interface SealedTask {
  readonly task: unknown;
  readonly sessionKey?: string;
}

/** One message on the dispatcher's IPC channel: the message, {@link packForQueue}-packed. */
export interface Frame {
  readonly m: string;
}

/** The frame of `message`; throws when `message` is not structured-cloneable (a function, a symbol). */
export function frame(message: unknown): Frame {
  return { m: packForQueue(message) };
}

/** The message in a frame, or what is wrong with it; never throws. */
export function unframe(raw: unknown): { readonly message: unknown } | { readonly problem: string } {
  const m = typeof raw === 'object' && raw !== null ? (raw as { m?: unknown }).m : undefined;
  if (typeof m !== 'string') return { problem: 'not a frame (no packed message)' };
  try {
    return { message: unpackFromQueue(m) };
  } catch (error) {
    return { problem: `a frame that does not decode (${error instanceof Error ? error.name : typeof error})` };
  }
}

const FROM_WORKER_PLAIN = ['ready', 'fatal', 'pong'] as const;
const FROM_WORKER_ABOUT_TASK = ['started', 'done', 'failed'] as const;
const TO_WORKER_PLAIN = ['init', 'release', 'ping', 'stop'] as const;
const TO_WORKER_ABOUT_TASK = ['task', 'cancel'] as const;

/** Whether `message` has one of the kinds `plain`, or one of the kinds `aboutTask` with a task id. */
function hasKind(message: unknown, plain: readonly string[], aboutTask: readonly string[]): boolean {
  if (typeof message !== 'object' || message === null) return false;
  const { t, id } = message as { t?: unknown; id?: unknown };
  if (typeof t !== 'string') return false;
  return plain.includes(t) || (aboutTask.includes(t) && typeof id === 'string');
}

/** Whether `message` is a well-formed worker message (see {@link fromWorkerProblem}). */
export function isFromWorker(message: unknown): message is FromWorker {
  return fromWorkerProblem(message) === undefined;
}

/**
 * What is wrong with a message from a worker process, or `undefined` when it is well-formed:
 * every field the dispatcher reads has the type it expects, and errors are {@link SerializedError}s
 * with at most {@link MAX_CAUSE_DEPTH} causes. A worker that sends anything else is broken (or not
 * ours) and is replaced; its message is never acted on.
 */
export function fromWorkerProblem(message: unknown): string | undefined {
  if (!hasKind(message, FROM_WORKER_PLAIN, FROM_WORKER_ABOUT_TASK)) return 'not a worker message (no known kind "t", or no task id)';
  const m = message as Record<string, unknown>;
  switch (m['t'] as FromWorker['t']) {
    case 'ready':
      return isPidOrNull(m['browserPid']) ? undefined : 'ready: browserPid is not a pid or null';
    case 'fatal':
    case 'failed': {
      const problem = serializedErrorProblem(m['error']);
      return problem === undefined ? undefined : `${String(m['t'])}: error ${problem}`;
    }
    case 'started':
      return Number.isSafeInteger(m['attempt']) && (m['attempt'] as number) >= 1 ? undefined : 'started: attempt is not a positive integer';
    case 'done':
      return undefined;
    case 'pong': {
      if (!Number.isSafeInteger(m['seq'])) return 'pong: seq is not an integer';
      const problem = healthProblem(m['health']);
      return problem === undefined ? undefined : `pong: health ${problem}`;
    }
  }
}

function isPidOrNull(value: unknown): boolean {
  return value === null || (Number.isSafeInteger(value) && (value as number) > 0);
}

function isCount(value: unknown): boolean {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

const SHORT_TEXT = 4096;

function isText(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length <= max;
}

/** What is wrong with a worker's health report, or `undefined`. */
function healthProblem(health: unknown): string | undefined {
  if (typeof health !== 'object' || health === null) return 'is not an object';
  const h = health as Record<string, unknown>;
  if (!isText(h['state'], 64)) return 'state is not a short string';
  if (!isCount(h['restarts']) || !isCount(h['inFlight']) || !isCount(h['queueDepth']))
    return 'restarts, inFlight or queueDepth is not a count';
  if (!isPidOrNull(h['browserPid'])) return 'browserPid is not a pid or null';
  for (const key of ['recycles', 'lanes', 'lanesBusy'] as const)
    if (h[key] !== undefined && !isCount(h[key])) return `${key} is not a count`;
  if (h['uptimeMs'] !== undefined && !(typeof h['uptimeMs'] === 'number' && h['uptimeMs'] >= 0)) return 'uptimeMs is not a duration';
  const fault = h['lastFault'];
  if (fault !== undefined && fault !== null) {
    if (typeof fault !== 'object') return 'lastFault is not an object or null';
    const f = fault as Record<string, unknown>;
    if (!isText(f['kind'], 64) || !isText(f['reason'], SHORT_TEXT) || !(typeof f['agoMs'] === 'number' && f['agoMs'] >= 0))
      return 'lastFault has a wrong kind, reason or agoMs';
  }
  return undefined;
}

/** What is wrong with an error as data, or `undefined` (causes are checked to {@link MAX_CAUSE_DEPTH}, none deeper is allowed). */
export function serializedErrorProblem(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null) return 'is not an object';
  const e = error as Record<string, unknown>;
  const limits = ERROR_WIRE_LIMITS;
  if (!isText(e['name'], limits.name) || !isText(e['code'], limits.code) || !isText(e['message'], limits.message))
    return 'has no name, code or message of the right type and size';
  const details = e['details'];
  if (details !== undefined) {
    if (typeof details !== 'object' || details === null || Array.isArray(details)) return 'has details that are not an object';
    const values = Object.values(details);
    if (values.length > limits.details) return `has more than ${limits.details} details`;
    if (!values.every((v) => v === null || typeof v === 'boolean' || typeof v === 'number' || isText(v, limits.detailText)))
      return 'has a detail that is not a short plain value';
  }
  if (e['cause'] === undefined) return undefined;
  if (depth >= MAX_CAUSE_DEPTH) return `has causes more than ${MAX_CAUSE_DEPTH} deep`;
  const problem = serializedErrorProblem(e['cause'], depth + 1);
  return problem === undefined ? undefined : `cause ${problem}`;
}

export function isToWorker(message: unknown): message is ToWorker {
  return hasKind(message, TO_WORKER_PLAIN, TO_WORKER_ABOUT_TASK);
}

/**
 * Sends messages over an IPC channel in order, treating a full channel as backpressure: once a
 * send reports the channel full (`write` returns false), later messages wait here, in order,
 * until a written message's callback says it drained. Both ends of the dispatcher use one.
 */
export class OrderedSender<M> {
  readonly #write: (message: M, written: () => void) => boolean;
  #outbox: M[] = [];
  #blocked = false;

  /** `write` sends one message and calls `written` once it left; it returns false when the channel is full. */
  constructor(write: (message: M, written: () => void) => boolean) {
    this.#write = write;
  }

  send(message: M): void {
    if (this.#blocked) {
      this.#outbox.push(message);
      return;
    }
    if (!this.#write(message, () => this.#drained())) this.#blocked = true;
  }

  #drained(): void {
    if (!this.#blocked) return;
    this.#blocked = false;
    for (const message of this.#outbox.splice(0)) this.send(message);
  }
}
