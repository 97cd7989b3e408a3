import { deserialize, serialize } from 'node:v8';
import { type SerializedError, deserializeError, serializeError } from '../../errors.js';
import type { Task } from '../tasks/types.js';

/**
 * The one codec for everything that crosses the dispatcher's process boundary. Node's IPC
 * channel runs with `serialization: 'advanced'` (the structured-clone algorithm), so bytes
 * (screenshots), `undefined` and nested plain data travel as they are; errors travel as
 * {@link SerializedError} and are rebuilt by code, so `instanceof`, `code` and `details` survive.
 * Every message about a task carries the task's id.
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
  return outcome.ok ? { value: decodeValue(outcome.value), error: undefined } : { value: undefined, error: deserializeError(outcome.error) };
}

/**
 * A task's result, ready for structured clone: a Node `Buffer` becomes a plain `Uint8Array` (the
 * type the other side gets anyway), everything else is already plain data.
 */
export function encodeValue(value: unknown): unknown {
  if (value instanceof Uint8Array && value.constructor !== Uint8Array) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
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
  if (typeof text !== 'string') throw new TypeError(`a queued value must be a base64 string, got ${typeof text}`);
  return deserialize(Buffer.from(text, 'base64'));
}

/** What one queued job carries (BullMQ job data): the validated task, packed, and how to run it. */
export interface QueueJobData {
  readonly v: 1;
  /** The task as submitted (checked by the submitter, checked again by the host), {@link packForQueue}-packed. */
  readonly task: string;
  /** The task's type, readable in Redis tools. */
  readonly type: string;
  readonly priority: number;
  /** The caller's deadline, from when the job was added. */
  readonly timeoutMs: number;
  readonly idempotent: boolean;
  readonly sessionKey?: string;
  readonly restoreUrl?: boolean;
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

/** Whether `message` is a well-formed worker message (anything else on the channel is ignored and reported). */
export function isFromWorker(message: unknown): message is FromWorker {
  return hasKind(message, FROM_WORKER_PLAIN, FROM_WORKER_ABOUT_TASK);
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
