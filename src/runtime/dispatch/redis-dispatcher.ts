import { randomUUID } from 'node:crypto';
import { type Job, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import {
  ActorCrashedError,
  ActorStoppedError,
  InvalidOptionError,
  InvalidTaskError,
  MailboxFullError,
  QueueUnavailableError,
  ShedError,
  TaskTimeoutError,
} from '../../errors.js';
import { type Clock, type TimerHandle, sleep, systemClock } from '../../internal/clock.js';
import { createDeferred, type Deferred } from '../../internal/deferred.js';
import { TypedEmitter } from '../../internal/typed-emitter.js';
import { OverflowPolicy, PRIORITY_LEVELS } from '../mailbox/mailbox.js';
import { PendingBound, type PendingBoundOptions } from './pending-bound.js';
import { type SubmitDefaults, executorId, follow, parseSubmitOptions, submitDefaults } from '../submit-helpers.js';
import { oneOf, positive, positiveInteger } from '../../internal/options.js';
import { isIdempotent } from '../tasks/run-task.js';
import type { ResultOf, Task, TaskType } from '../tasks/types.js';
import { type ExecutorCapabilities, type ExecutorEvent, type ExecutorHealth, type TaskExecutor, taskEndEvent } from '../executor.js';
import { type TaskLimits, taskLimits, validateTask, withSubmitterDefaults } from '../tasks/validate.js';
import { type QueueJobData, type SealedTask, type WireOutcome, decodeOutcome, packForQueue, unpackFromQueue } from './codec.js';
import { type RedisLinkChange, type RedisLinkStatus, RedisLink, describeRedisLink } from './redis-link.js';
import { type QueueCipher, answerContext, createQueueCipher, resolveQueueKey, taskContext } from './queue-cipher.js';
import {
  BIND_SESSION_SCRIPT,
  RELEASE_SESSION_SCRIPT,
  DEFAULT_PREFIX,
  DEFAULT_QUEUE,
  DROP_LOST_LOCK_SCRIPT,
  bullConnection,
  checkQueueName,
  checkRedisUrl,
  failOnRefusal,
  hostQueueName,
  isWaitingState,
  jobIdForKey,
  queueDeadline,
  queueDepth,
  registryKeys,
  type RegistryKeys,
} from './redis-shared.js';
import { type DispatchSubmitOptions, checkPlacementOptions } from './dispatch-types.js';

/** Options of the submitting side of the Redis mode: where Redis is, which queue, deadlines, limits and the queue key. */
export interface RedisWorkDispatcherOptions {
  /** `redis://host:port[/db]` of the Redis the worker hosts consume from. */
  readonly redis: string;
  /** Queue name shared with the worker hosts. Default `browser-actor`. */
  readonly queue?: string;
  /** BullMQ key prefix. Default `bull`. */
  readonly prefix?: string;
  readonly defaultTimeoutMs?: number;
  readonly maxTimeoutMs?: number;
  readonly defaultPriority?: number;
  readonly limits?: Partial<TaskLimits>;
  /** Runs of an idempotent task when its host fails it as crashed (BullMQ attempts, exponential backoff). Default 3. */
  readonly maxAttempts?: number;
  /** First retry delay of an idempotent task; it doubles per attempt. Default 1000 ms. */
  readonly retryDelayMs?: number;
  /** Tasks this dispatcher may have waiting for an answer at once; more are refused with `ERR_MAILBOX_FULL`. Default 10 000. */
  readonly maxPending?: number;
  /**
   * The same bound in the other executors' terms: `capacity` is `maxPending`. `overflow`:
   * `'reject'` (default) refuses a submit beyond it with `ERR_MAILBOX_FULL`; `'defer'` makes it
   * wait for an answer to free a slot (at most `maxDeferred` waiting, default the capacity; slots
   * go to them again once fewer than `lowWaterMark` are held), within its own deadline.
   * `'shed-lowest'`: `capacity` bounds the tasks that wait in Redis and have not started on a
   * host (as a mailbox bounds its queue, not the tasks running); a submit beyond it removes the
   * newest waiting task of the lowest priority below its own from Redis, which fails with
   * `ERR_SHED` (it never ran), or is refused with `ERR_MAILBOX_FULL` when there is none.
   * `maxPending` still bounds all pending answers.
   */
  readonly mailbox?: {
    readonly capacity?: number;
    readonly overflow?: OverflowPolicy;
    readonly lowWaterMark?: number;
    readonly maxDeferred?: number;
  };
  /** Deadline of each call to Redis (adding a job, reading its state). Default 10 000 ms. */
  readonly redisTimeoutMs?: number;
  /** How often answers are also looked up directly (covers events missed while reconnecting) and dead hosts' queues checked. Default 1000 ms. */
  readonly pollMs?: number;
  /** How long a finished job (and so its idempotency key) is kept in Redis. Default 3 600 000 ms (1 h). */
  readonly keepFinishedMs?: number;
  /** Its name in task ids, logs, metrics and the status page. Default `redis-dispatcher-<random>`. */
  readonly id?: string;
  /** Time for deadlines, polling and stop's wait. Default the system clock. */
  readonly clock?: Clock;
  /**
   * The key tasks and answers are sealed with in Redis (32 bytes, or 64 hex digits / base64), the
   * same on every submitter and worker host. Default: `BROWSER_ACTOR_QUEUE_KEY`, the file named by
   * `BROWSER_ACTOR_QUEUE_KEY_FILE`, or `~/.config/browser-actor/queue.key` (made on first use).
   */
  readonly queueKey?: string | Uint8Array;
}

/** The Redis dispatcher's own events (it also emits the executor event union, see {@link TaskExecutor.onEvent}). */
export interface RedisDispatcherEvents {
  /** `host`: the worker host that answered (null when none did, e.g. a timeout); `attempts`: runs BullMQ started. */
  'task:end': {
    readonly taskId: string;
    readonly type: TaskType;
    readonly host: string | null;
    readonly ok: boolean;
    readonly errorCode?: string;
    readonly attempts: number;
    readonly durationMs: number;
  };
  /** A session's host is gone: its waiting tasks were moved to another host. */
  'session:moved': { readonly from: string; readonly to: string; readonly tasks: number };
  /** Redis stopped answering (checked every second), or answers again. */
  redis: RedisLinkChange;
}

/** What the submitting side sees of the cluster: its own pending tasks, the queue, the live hosts. */
export interface RedisDispatcherStats {
  /** Tasks submitted here and not yet answered. */
  readonly pending: number;
  /** Jobs waiting in Redis on the shared queue, by our priority (0 … 9), and in total. */
  readonly queuedByPriority: readonly number[];
  readonly queued: number;
  readonly active: number;
  /** Live worker hosts: id, worker processes, and jobs waiting in (and running from) their own queue. */
  readonly hosts: readonly {
    readonly id: string;
    readonly workers: number;
    readonly capacity: number;
    readonly queued: number;
    readonly active: number;
  }[];
}

const REDIS_CAPABILITIES: ExecutorCapabilities = Object.freeze({
  laneHandles: false,
  overflow: Object.freeze(['reject', 'defer', 'shed-lowest'] as const),
  sessionKeys: true,
  taskStart: false,
  killsBrowsers: false,
});

/** A session's binding to its host lives this long after its last task. */
const SESSION_BINDING_MS = 24 * 3_600_000;
/** How often a submitter checks that Redis answers. */
const LINK_CHECK_MS = 1000;

interface Pending {
  readonly jobId: string;
  /** Named by an idempotency key: the job may exist (or have finished) before this submit. */
  readonly keyed: boolean;
  /** Where the job waits: the shared queue, or its session's host's own queue (moved if that host dies). */
  queue: string;
  host: string | undefined;
  readonly data: QueueJobData;
  /** The task packed, unsealed (kept here only): a second submit under the same idempotency key must carry the same task. */
  readonly packed: string;
  readonly sessionKey: string | undefined;
  readonly result: Deferred<unknown>;
  readonly deadline: TimerHandle;
  readonly submittedAt: number;
  lastCheck: number;
  checking: boolean;
  /** Its job is in Redis (set once the add returned). */
  added: boolean;
  /** Checks in a row that found no job: two mean Redis lost it. */
  missing: number;
  /** A host took it (seen active or finished): it can no longer be shed. */
  started: boolean;
  /** Being removed for a higher-priority task (shed-lowest). */
  shedding: boolean;
}

/**
 * The WorkDispatcher API on BullMQ: tasks are jobs on Redis, served by worker hosts
 * (`browser-actor worker --redis URL`) on any number of machines. An idempotency key is the job
 * id (the same key runs once); priorities map to BullMQ priorities; idempotent tasks are retried
 * with exponential backoff, non-idempotent ones never: a host that dies while running one makes it
 * fail with `ERR_ACTOR_CRASHED` and `details.maybeExecuted: true`. Tasks with a session key run
 * on the host their session is bound to.
 */
export class RedisWorkDispatcher implements TaskExecutor {
  readonly kind = 'redis' as const;
  readonly capabilities: ExecutorCapabilities = REDIS_CAPABILITIES;
  readonly #clock: Clock;
  readonly #url: string;
  readonly #queueName: string;
  readonly #prefix: string;
  readonly #keys: RegistryKeys;
  readonly #defaults: SubmitDefaults;
  readonly #limits: TaskLimits;
  readonly #maxAttempts: number;
  readonly #retryDelayMs: number;
  /** Tasks waiting for an answer (maxPending / mailbox), with deferral. */
  readonly #bound: PendingBound;
  /** `shed-lowest`: most tasks waiting in Redis, not started (undefined: another policy). */
  readonly #waitingCapacity: number | undefined;
  /** Submits between making room and being pending (shed-lowest), and the chain that orders them. */
  #admitting = 0;
  #roomChain: Promise<void> = Promise.resolve();
  readonly #redisTimeoutMs: number;
  readonly #pollMs: number;
  readonly #keepFinishedMs: number;
  readonly #pending = new Map<string, Pending>();
  readonly #queues = new Map<string, { queue: Queue; events: QueueEvents; ready: Promise<void> }>();
  readonly #events = new TypedEmitter<RedisDispatcherEvents>();
  #redis: Redis | undefined;
  #poll: TimerHandle | undefined;
  #state: 'running' | 'stopping' | 'stopped' = 'running';
  readonly #id: string;
  #lastFault: { readonly kind: string; readonly reason: string } | null = null;
  readonly #cipher: QueueCipher;
  readonly #link = new RedisLink();
  #linkTimer: NodeJS.Timeout | undefined;

  constructor(options: RedisWorkDispatcherOptions) {
    this.#id = executorId(options.id, () => `redis-dispatcher-${randomUUID().slice(0, 8)}`);
    this.#clock = options.clock ?? systemClock;
    this.#url = checkRedisUrl(options.redis);
    this.#queueName = checkQueueName(options.queue ?? DEFAULT_QUEUE);
    this.#prefix = options.prefix ?? DEFAULT_PREFIX;
    this.#keys = registryKeys(this.#prefix, this.#queueName);
    this.#defaults = submitDefaults(options);
    this.#limits = taskLimits(options.limits);
    this.#maxAttempts = positiveInteger('maxAttempts', options.maxAttempts ?? 3);
    this.#retryDelayMs = positive('retryDelayMs', options.retryDelayMs ?? 1000);
    this.#bound = new PendingBound(pendingBoundOptions(options), this.#clock);
    this.#waitingCapacity =
      options.mailbox?.overflow === 'shed-lowest' ? positiveInteger('mailbox.capacity', options.mailbox.capacity ?? 10_000) : undefined;
    this.#redisTimeoutMs = positive('redisTimeoutMs', options.redisTimeoutMs ?? 10_000);
    this.#pollMs = positive('pollMs', options.pollMs ?? 1000);
    this.#keepFinishedMs = positive('keepFinishedMs', options.keepFinishedMs ?? 3_600_000);
    this.#cipher = createQueueCipher(resolveQueueKey(options.queueKey));
    this.#link.on((change) => this.#events.emit('redis', change));
  }

  /** Whether Redis answers this submitter (a PING every second while it is connected). */
  redis(): RedisLinkStatus {
    return this.#link.status();
  }

  get id(): string {
    return this.#id;
  }

  get queue(): string {
    return this.#queueName;
  }

  /** Listen to one of the dispatcher's own events; returns the unsubscribe function. */
  on<K extends keyof RedisDispatcherEvents>(event: K, listener: (payload: RedisDispatcherEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /** Connect to Redis and listen for answers on the shared queue. Idempotent; `submit` calls it. */
  async start(): Promise<void> {
    if (this.#state !== 'running') throw new ActorStoppedError(`${this.#id} was stopped`);
    await this.#queueFor(this.#queueName);
    this.#registry();
  }

  /** Submit a task; the promise settles exactly once, with the host's answer or a typed error. */
  submit<T extends Task>(task: T, options: DispatchSubmitOptions = {}): Promise<ResultOf<T>> {
    return this.#submit(task, options) as Promise<ResultOf<T>>;
  }

  async #submit(task: Task, options: DispatchSubmitOptions): Promise<unknown> {
    if (this.#state !== 'running') throw new ActorStoppedError(`${this.#id} is ${this.#state} and takes no new tasks`);
    const valid = validateTask(task, this.#limits);
    const parsed = parseSubmitOptions(options, this.#defaults);
    const { sessionKey, restoreUrl } = checkPlacementOptions(options);
    parsed.signal?.throwIfAborted();
    const jobId = parsed.idempotencyKey === undefined ? randomUUID() : jobIdForKey(parsed.idempotencyKey);
    // The task as given (plain data, checked above; with this side's default block written in): the
    // host checks it again against its own limits.
    const packed = packForQueue(withSubmitterDefaults(task, valid));
    const earlier = this.#sameKeyPending(jobId, packed, parsed);
    if (earlier) return earlier;
    const waitStarted = this.#clock.now();
    const what = `Task ${jobId} (${valid.type}) on ${this.#id}`;
    // A free slot is taken at once, so that the task is pending before submit returns (stop() sees it).
    if (!this.#bound.tryAcquire()) await this.#bound.acquire(parsed.priority, parsed.timeoutMs, parsed.signal, what);
    const shedding = this.#waitingCapacity !== undefined;
    let admitted: { readonly answer: Promise<unknown> };
    try {
      if (shedding) await this.#makeRoom(parsed.priority, what);
      const timeoutMs = Math.max(1, parsed.timeoutMs - (this.#clock.now() - waitStarted));
      admitted = await this.#admit({
        jobId,
        type: valid.type,
        packed,
        idempotent: isIdempotent(valid),
        parsed,
        sessionKey,
        restoreUrl,
        timeoutMs,
      });
    } catch (error) {
      this.#bound.release(); // never became pending
      throw error;
    } finally {
      if (shedding) this.#admitting--;
    }
    return admitted.answer;
  }

  /**
   * `shed-lowest`: make room among the tasks waiting in Redis for one of `priority`, one submit at
   * a time. Full: the states of the waiting tasks are read again (a host may have taken some),
   * then the newest waiting one of the lowest priority below `priority` is removed from Redis
   * (only while it still waits: a job a host has locked cannot be removed) and fails with
   * `ERR_SHED`. Nothing lower that still waits: `ERR_MAILBOX_FULL`. On return the caller counts
   * as admitting until it is pending.
   */
  #makeRoom(priority: number, what: string): Promise<void> {
    const turn = this.#roomChain.then(async () => {
      const capacity = this.#waitingCapacity as number;
      const waiting = (): Pending[] => [...this.#pending.values()].filter((e) => !e.started && !e.shedding);
      if (waiting().length + this.#admitting >= capacity) await Promise.all(waiting().map((e) => this.#check(e)));
      if (waiting().length + this.#admitting >= capacity) {
        const candidates = waiting()
          .filter((e) => e.added && !e.keyed && e.data.priority < priority)
          .sort((a, b) => a.data.priority - b.data.priority || b.submittedAt - a.submittedAt);
        let shed = false;
        for (const victim of candidates) {
          if (await this.#shed(victim, priority)) {
            shed = true;
            break;
          }
        }
        if (!shed) {
          throw new MailboxFullError(
            `${what} refused: ${capacity} tasks already wait in Redis (mailbox capacity ${capacity}) and none of them has a priority below ${priority} — await the earlier ones first`,
            {
              details: { capacity, queued: waiting().length, priority },
            },
          );
        }
      }
      this.#admitting++;
    });
    this.#roomChain = turn.catch(() => undefined);
    return turn;
  }

  /** Remove a waiting task's job from Redis for a higher-priority one: `true` when it was still waiting (it fails with ERR_SHED). */
  async #shed(victim: Pending, priority: number): Promise<boolean> {
    victim.shedding = true;
    try {
      const { queue } = await this.#queueFor(victim.queue);
      const job = (await queueDeadline(queue.getJob(victim.jobId), this.#redisTimeoutMs, `reading task ${victim.jobId}`, false)) as
        Job | undefined;
      if (!job) return false;
      const state = await queueDeadline(job.getState(), this.#redisTimeoutMs, `reading task ${victim.jobId}`, false);
      if (!isWaitingState(state)) {
        victim.started = true;
        return false;
      }
      victim.added = false; // removed on purpose: not lost
      await queueDeadline(job.remove(), this.#redisTimeoutMs, `shedding task ${victim.jobId}`, false);
    } catch {
      victim.started = true; // locked by a host meanwhile (or Redis did not answer): it stays
      victim.added = true;
      return false;
    } finally {
      victim.shedding = false;
    }
    this.#settle(
      victim,
      undefined,
      new ShedError(
        `Task ${victim.jobId} (${victim.data.type}, priority ${victim.data.priority}) was shed for a task of priority ${priority}: ${this.#waitingCapacity} tasks waited in Redis (mailbox capacity); it never ran`,
        {
          details: { taskId: victim.jobId, type: victim.data.type, priority: victim.data.priority, maybeExecuted: false },
        },
      ),
    );
    return true;
  }

  /** The answer of a pending task under the same idempotency key (`jobId`); a different task under it is refused. */
  #sameKeyPending(jobId: string, packed: string, parsed: ReturnType<typeof parseSubmitOptions>): Promise<unknown> | undefined {
    const earlier = this.#pending.get(jobId);
    if (!earlier) return undefined;
    if (earlier.packed !== packed)
      throw new InvalidTaskError(
        `idempotencyKey ${JSON.stringify(parsed.idempotencyKey)} is already in use by a different task; use a new key`,
      );
    return follow(earlier.result.promise, parsed.signal);
  }

  /**
   * Hand a task that holds a slot of the bound to Redis. Once it is pending, its answer frees the
   * slot; a throw here means it never became pending. `timeoutMs` is what is left of its deadline.
   */
  async #admit(t: {
    readonly jobId: string;
    readonly type: TaskType;
    readonly packed: string;
    readonly idempotent: boolean;
    readonly parsed: ReturnType<typeof parseSubmitOptions>;
    readonly sessionKey: string | undefined;
    readonly restoreUrl: boolean | undefined;
    readonly timeoutMs: number;
  }): Promise<{ readonly answer: Promise<unknown> }> {
    const { jobId, type, packed, idempotent, parsed, sessionKey, restoreUrl, timeoutMs } = t;
    if (this.#state === 'stopped') throw new ActorStoppedError(`${this.#id} is stopped and takes no new tasks`);
    // Deferred meanwhile: the same idempotency key may have been submitted and still be pending.
    const earlier = this.#sameKeyPending(jobId, packed, parsed);
    if (earlier) {
      this.#bound.release();
      return { answer: earlier };
    }
    const sealedTask: SealedTask = { task: unpackFromQueue(packed), ...(sessionKey === undefined ? {} : { sessionKey }) };
    const data: QueueJobData = {
      v: 2,
      sealed: this.#cipher.seal(packForQueue(sealedTask), taskContext(this.#queueName, jobId)),
      type,
      priority: parsed.priority,
      timeoutMs,
      idempotent,
      ...(restoreUrl === undefined ? {} : { restoreUrl }),
    };
    const host = sessionKey === undefined ? undefined : await this.#bindSession(sessionKey);
    const queueName = host === undefined ? this.#queueName : hostQueueName(this.#queueName, host);
    const result = createDeferred<unknown>();
    const entry: Pending = {
      jobId,
      keyed: parsed.idempotencyKey !== undefined,
      queue: queueName,
      host,
      data,
      packed,
      sessionKey,
      result,
      deadline: this.#clock.setTimeout(
        () =>
          this.#giveUp(
            entry,
            new TaskTimeoutError(`Task ${jobId} (${type}) did not finish within its deadline of ${parsed.timeoutMs} ms`, {
              details: { taskId: jobId, type },
            }),
          ),
        timeoutMs,
      ),
      submittedAt: this.#clock.now(),
      lastCheck: this.#clock.now(),
      checking: false,
      added: false,
      missing: 0,
      started: false,
      shedding: false,
    };
    this.#pending.set(jobId, entry);
    const onAbort = (): void => this.#giveUp(entry, parsed.signal?.reason);
    parsed.signal?.addEventListener('abort', onAbort, { once: true });
    void result.promise.catch(() => undefined).finally(() => parsed.signal?.removeEventListener('abort', onAbort));
    try {
      await this.#add(entry);
    } catch (error) {
      this.#settle(entry, undefined, error);
    }
    this.#armPoll();
    return { answer: result.promise };
  }

  async #add(entry: Pending): Promise<void> {
    const { queue } = await this.#queueFor(entry.queue);
    const idempotent = entry.data.idempotent;
    const job = await queueDeadline(
      queue.add(entry.data.type, entry.data, {
        jobId: entry.jobId,
        // BullMQ: 1 is the most urgent; ours: 9 is.
        priority: PRIORITY_LEVELS - entry.data.priority,
        attempts: idempotent ? this.#maxAttempts : 1,
        ...(idempotent ? { backoff: { type: 'exponential', delay: this.#retryDelayMs } } : {}),
        removeOnComplete: { age: Math.ceil(this.#keepFinishedMs / 1000) },
        removeOnFail: { age: Math.ceil(this.#keepFinishedMs / 1000) },
      }),
      this.#redisTimeoutMs,
      `adding task ${entry.jobId}`,
      true,
    );
    entry.added = true;
    entry.missing = 0;
    // The same idempotency key may name a job that already finished: its answer is there now.
    if (entry.keyed || job.finishedOn !== undefined) await this.#check(entry);
  }

  /**
   * The session is over: its binding to a host is released (the next submit under this key binds
   * it afresh), so the host's session count goes down, and its snapshot (the cookies a
   * replacement host would resume it with) is removed from Redis. Tasks still pending under the key are not
   * touched. Sign the session out first (`SessionManager.signOut()`): this only forgets where it was.
   */
  async endSession(sessionKey: string): Promise<void> {
    if (typeof sessionKey !== 'string' || sessionKey.length === 0)
      throw new InvalidOptionError('endSession needs the session key (a non-empty string)');
    await queueDeadline(
      this.#registry().eval(
        RELEASE_SESSION_SCRIPT,
        3,
        this.#keys.affinity(sessionKey),
        this.#keys.sessionsPerHost,
        this.#keys.snapshot(sessionKey),
      ),
      this.#redisTimeoutMs,
      'releasing a session',
      false,
    );
  }

  /** The live host `sessionKey` is bound to; binds it to one now if it has none or its host is gone. */
  async #bindSession(sessionKey: string): Promise<string> {
    const bound = await queueDeadline(
      this.#registry().eval(
        BIND_SESSION_SCRIPT,
        3,
        this.#keys.affinity(sessionKey),
        this.#keys.sessionsPerHost,
        this.#keys.hosts,
        this.#keys.hostPrefix,
        String(SESSION_BINDING_MS),
      ),
      this.#redisTimeoutMs,
      'binding a session to a host',
      false,
    );
    if (typeof bound !== 'string') {
      throw new QueueUnavailableError(
        `No worker host is alive on queue ${this.#queueName} to hold session ${JSON.stringify(sessionKey.slice(0, 40))}; start one with: browser-actor worker --redis URL`,
        {
          details: { queue: this.#queueName, maybeAccepted: false },
        },
      );
    }
    return bound;
  }

  async #liveHosts(): Promise<string[]> {
    const redis = this.#registry();
    const ids = await queueDeadline(redis.smembers(this.#keys.hosts), this.#redisTimeoutMs, 'listing worker hosts', false);
    if (ids.length === 0) return [];
    const alive = await queueDeadline(
      Promise.all(ids.map((id) => redis.exists(this.#keys.host(id)))),
      this.#redisTimeoutMs,
      'checking worker hosts',
      false,
    );
    return ids.filter((_, i) => alive[i] === 1).sort();
  }

  #registry(): Redis {
    if (!this.#redis) {
      const redis = new Redis(this.#url, { maxRetriesPerRequest: null, connectTimeout: 10_000, lazyConnect: false });
      this.#redis = redis;
      redis.on('error', () => undefined); // reconnects on its own; calls have deadlines
      // An outage is seen (and logged) within seconds, also while nothing is submitted.
      clearInterval(this.#linkTimer);
      this.#linkTimer = setInterval(() => {
        if (this.#redis !== redis) return;
        void queueDeadline(redis.ping(), Math.min(this.#redisTimeoutMs, 2000), 'checking Redis', false).then(
          () => this.#link.ok(),
          (error: unknown) => this.#link.failed(error),
        );
      }, LINK_CHECK_MS);
      this.#linkTimer.unref();
    }
    return this.#redis;
  }

  async #queueFor(name: string): Promise<{ queue: Queue; events: QueueEvents; ready: Promise<void> }> {
    let q = this.#queues.get(name);
    if (!q) {
      const connection = bullConnection(this.#url);
      const queue = new Queue(name, { connection, prefix: this.#prefix });
      const events = new QueueEvents(name, { connection, prefix: this.#prefix });
      queue.on('error', () => undefined);
      events.on('error', () => undefined);
      events.on('completed', ({ jobId }) => this.#onFinished(jobId));
      events.on('active', ({ jobId }) => {
        const entry = this.#pending.get(jobId);
        if (entry) entry.started = true;
      });
      events.on('failed', ({ jobId }) => this.#onFinished(jobId));
      const ready = queueDeadline(
        failOnRefusal(
          Promise.all([queue.waitUntilReady(), events.waitUntilReady()]).then(() => undefined),
          this.#url,
          [queue, events],
        ),
        this.#redisTimeoutMs,
        `connecting to ${name}`,
        false,
      );
      q = { queue, events, ready };
      this.#queues.set(name, q);
      ready.catch(() => {
        // Redis is not there: drop these connections (they would retry for ever); the next call tries afresh.
        this.#queues.delete(name);
        void queue.disconnect().catch(() => undefined);
        void events.disconnect().catch(() => undefined);
      });
    }
    await q.ready;
    return q;
  }

  #onFinished(jobId: string): void {
    const entry = this.#pending.get(jobId);
    if (entry) void this.#check(entry);
  }

  /** Read the job's state; settle the entry if it finished; move it if its host is gone. */
  async #check(entry: Pending): Promise<void> {
    if (entry.checking || this.#pending.get(entry.jobId) !== entry) return;
    entry.checking = true;
    entry.lastCheck = this.#clock.now();
    try {
      const { queue } = await this.#queueFor(entry.queue);
      const job = (await queueDeadline(queue.getJob(entry.jobId), this.#redisTimeoutMs, `reading task ${entry.jobId}`, true)) as
        Job | undefined;
      if (!job) {
        // Not added yet, or just removed (its deadline, a move): the next check sees. Gone at two
        // checks in a row after it was added: Redis lost it (a restart without persistence).
        if (entry.added && ++entry.missing >= 2) this.#settle(entry, undefined, lostError(entry, this.#clock.now()));
        return;
      }
      entry.missing = 0;
      const state = await queueDeadline(job.getState(), this.#redisTimeoutMs, `reading task ${entry.jobId}`, true);
      if (state !== 'unknown' && !isWaitingState(state)) entry.started = true;
      if (state === 'completed' || state === 'failed') {
        // The job may have finished between the two reads: its answer is in a fresh read.
        const done = job.finishedOn
          ? job
          : ((await queueDeadline(queue.getJob(entry.jobId), this.#redisTimeoutMs, `reading task ${entry.jobId}`, true)) as
              Job | undefined);
        if (!done) return;
        const { value, error } =
          state === 'completed' ? this.#openAnswer(entry, done.returnvalue) : { value: undefined, error: failedError(entry, done) };
        this.#settle(entry, value, error, done.processedBy, done.attemptsStarted);
        this.#forget(entry, done);
      } else if (entry.host !== undefined || (state === 'active' && typeof job.processedBy === 'string')) {
        await this.#rescueFromDeadHost(entry, job, state);
      }
    } catch (error) {
      // Redis is away: the next poll tries again; the task's deadline still holds.
      this.#lastFault = {
        kind: 'queue-unavailable',
        reason: error instanceof Error ? error.message.slice(0, 300) : 'Redis did not answer',
      };
    } finally {
      entry.checking = false;
    }
  }

  /** A finished job's answer: unsealed and decoded, or the typed error of an answer that does not authenticate. */
  #openAnswer(entry: Pending, sealed: unknown): { value: unknown; error: unknown } {
    try {
      return decodeOutcome(unpackFromQueue(this.#cipher.open(sealed, answerContext(this.#queueName, entry.jobId))) as WireOutcome);
    } catch (error) {
      return { value: undefined, error };
    }
  }

  /**
   * A delivered answer leaves Redis at once (it may hold cookies or tokens, sealed or not); a job
   * named by an idempotency key stays for `keepFinishedMs`, to answer later submits of that key.
   */
  #forget(entry: Pending, job: Job): void {
    if (entry.keyed) return;
    void queueDeadline(job.remove(), this.#redisTimeoutMs, `removing task ${entry.jobId}`, false).catch(() => undefined);
  }

  /**
   * The host that holds the task (its session's host, or the host running it) is gone: its
   * registry key lapsed (`liveTtlMs`, renewed every third of it). Move the task to a live host,
   * or, if it may have run and is not idempotent, fail it as maybe executed. A running task is
   * not left to wait out its lock (`lockMs`, 30 s by default, longer than most task deadlines):
   * the lock of a host that is gone guards nothing, so it is dropped and the task moved at once.
   */
  async #rescueFromDeadHost(entry: Pending, job: Job, state: string): Promise<void> {
    const redis = this.#registry();
    const host = entry.host ?? job.processedBy;
    if (host === undefined) return;
    if ((await queueDeadline(redis.exists(this.#keys.host(host)), this.#redisTimeoutMs, 'checking a worker host', false)) === 1) return;
    const running = state === 'active';
    if (running) {
      // Only if the job is still held under the lost host's name (not taken by a live host meanwhile).
      const lock = `${this.#prefix}:${entry.queue}:${entry.jobId}:lock`;
      const dropped = await queueDeadline(
        redis.eval(DROP_LOST_LOCK_SCRIPT, 2, lock, `${this.#prefix}:${entry.queue}:${entry.jobId}`, host),
        this.#redisTimeoutMs,
        "releasing a lost host's lock",
        false,
      );
      if (dropped !== 1) return;
    } else if (entry.host === undefined) {
      return; // waiting on the shared queue: any live host takes it
    }
    const moving = !running || entry.data.idempotent;
    // A session's task moves to the live host its session is bound to next. With none alive yet
    // (a replacement may still be starting), the task stays where it is until the next poll; its
    // deadline still holds.
    let to: string | undefined;
    if (moving && entry.host !== undefined) {
      try {
        to = await this.#bindSession(entry.sessionKey as string);
      } catch (error) {
        this.#lastFault = {
          kind: 'host-lost',
          reason: `worker host ${host} is gone and no live host can take task ${entry.jobId} yet: ${error instanceof Error ? error.message.slice(0, 200) : 'no host'}`,
        };
        return;
      }
    }
    try {
      entry.added = false; // gone from Redis on purpose until it is added again
      await queueDeadline(job.remove(), this.#redisTimeoutMs, `moving task ${entry.jobId}`, false);
    } catch {
      entry.added = true;
      return; // changed state meanwhile: the next poll sees it
    }
    this.#lastFault = {
      kind: 'host-lost',
      reason: `worker host ${host} is gone (task ${entry.jobId} was ${running ? 'running' : 'waiting'} there)`,
    };
    if (!moving) {
      this.#settle(
        entry,
        undefined,
        new ActorCrashedError(
          `Task ${entry.jobId} (${entry.data.type}) was running on worker host ${host}, which is gone; it is not idempotent, so it was not run again`,
          {
            details: { taskId: entry.jobId, type: entry.data.type, host, maybeExecuted: true },
          },
        ),
      );
      return;
    }
    if (to !== undefined) {
      entry.queue = hostQueueName(this.#queueName, to);
      entry.host = to;
      this.#events.emit('session:moved', { from: host, to, tasks: 1 });
    }
    // A task of the shared queue goes back on it, for any live host.
    try {
      await this.#add(entry);
    } catch (error) {
      this.#settle(entry, undefined, error);
    }
  }

  #armPoll(): void {
    if (this.#poll || this.#pending.size === 0) return;
    this.#poll = this.#clock.setTimeout(
      () => {
        this.#poll = undefined;
        const now = this.#clock.now();
        for (const entry of this.#pending.values()) if (now - entry.lastCheck >= this.#pollMs) void this.#check(entry);
        if (this.#state !== 'stopped') this.#armPoll();
      },
      Math.max(50, Math.floor(this.#pollMs / 2)),
      { unref: true },
    );
  }

  #giveUp(entry: Pending, error: unknown): void {
    if (this.#pending.get(entry.jobId) !== entry) return;
    this.#settle(entry, undefined, error);
    void this.#withdraw(entry).catch(() => undefined);
  }

  /**
   * Nobody waits for the job any more: take it off its queue if it has not started, so that it
   * does not run for nobody; if a host runs it, tell that host to stop it (the cancellation
   * reaches the browser, as it does on the other executors), unless an idempotency key names it.
   */
  async #withdraw(entry: Pending): Promise<void> {
    const { queue } = await this.#queueFor(entry.queue);
    const job = await queueDeadline(queue.getJob(entry.jobId), this.#redisTimeoutMs, `reading task ${entry.jobId}`, false);
    // No job yet: its add may still be under way (a deadline shorter than a slow add). The
    // withdrawal below is recorded all the same, so a host that takes it later stops it at once.
    const state = job ? await queueDeadline(job.getState(), this.#redisTimeoutMs, `reading task ${entry.jobId}`, false) : 'absent';
    if (state === 'completed' || state === 'failed') return;
    if (job && state !== 'active') {
      try {
        await queueDeadline(job.remove(), this.#redisTimeoutMs, `removing task ${entry.jobId}`, false);
      } catch {
        // Locked: a host took it meanwhile.
      }
    }
    // A job named by an idempotency key may be awaited by other submitters too: it runs on for them.
    if (entry.keyed) return;
    // Told to hosts even when the job was waiting: one may still run an earlier attempt of it
    // (a job whose lock lapsed goes back to waiting while its first run goes on in a browser).
    const ttlMs = Math.min(entry.data.timeoutMs, 600_000) + 10_000;
    await queueDeadline(
      this.#registry().multi().set(this.#keys.cancelled(entry.jobId), '1', 'PX', ttlMs).publish(this.#keys.cancel, entry.jobId).exec(),
      this.#redisTimeoutMs,
      `withdrawing task ${entry.jobId}`,
      false,
    );
  }

  #settle(entry: Pending, value: unknown, error: unknown, processedBy?: string, attempts?: number): void {
    if (this.#pending.get(entry.jobId) !== entry) return;
    this.#pending.delete(entry.jobId);
    this.#bound.release();
    this.#clock.clearTimeout(entry.deadline);
    if (error === undefined) entry.result.resolve(value);
    else entry.result.reject(error);
    if (!this.#events.hasListeners('task:end')) return;
    const code = error === undefined ? undefined : (error as { code?: unknown }).code;
    this.#events.emit('task:end', {
      taskId: entry.jobId,
      type: entry.data.type as TaskType,
      host: processedBy ?? entry.host ?? null,
      ok: error === undefined,
      ...(error === undefined ? {} : { errorCode: typeof code === 'string' ? code : 'ERR_UNKNOWN' }),
      attempts: attempts ?? (processedBy === undefined ? 0 : 1),
      durationMs: this.#clock.now() - entry.submittedAt,
    });
  }

  /** Ask Redis for the queue's depth and the live hosts (within the Redis deadline). */
  async stats(): Promise<RedisDispatcherStats> {
    const { queue } = await this.#queueFor(this.#queueName);
    const depth = await queueDepth(queue, this.#redisTimeoutMs);
    const redis = this.#registry();
    const hosts = [];
    for (const id of await this.#liveHosts()) {
      const info = JSON.parse(
        (await queueDeadline(redis.get(this.#keys.host(id)), this.#redisTimeoutMs, 'reading a worker host', false)) ?? '{}',
      ) as { workers?: number; capacity?: number };
      const own = new Queue(hostQueueName(this.#queueName, id), { connection: redis, prefix: this.#prefix });
      const c = await queueDeadline(
        own.getJobCounts('waiting', 'prioritized', 'delayed', 'active'),
        this.#redisTimeoutMs,
        'reading queue counts',
        false,
      ).finally(() => void own.close().catch(() => undefined));
      hosts.push({
        id,
        workers: info.workers ?? 0,
        capacity: info.capacity ?? 0,
        queued: (c['waiting'] ?? 0) + (c['prioritized'] ?? 0) + (c['delayed'] ?? 0),
        active: c['active'] ?? 0,
      });
    }
    return {
      pending: this.#pending.size,
      ...depth,
      hosts,
    };
  }

  /** Wait (at most `timeoutMs`) for the answers of every submitted task, then close the connections. Idempotent. */
  async stop(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#state = 'stopping';
    const until = this.#clock.now() + (options.timeoutMs ?? 30_000);
    // Slots held cover the pending tasks and those being handed to Redis; deferred ones wait for a slot.
    while ((this.#bound.held > 0 || this.#bound.deferred > 0) && this.#clock.now() < until) {
      await Promise.race([Promise.allSettled([...this.#pending.values()].map((e) => e.result.promise)), sleep(this.#clock, 100)]);
    }
    await this.#close('stopped before the answer came');
  }

  /** Stop waiting: every pending task fails with `ERR_ACTOR_STOPPED` (jobs already queued may still run on a host). */
  async kill(reason?: unknown): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#state = 'stopping';
    await this.#close(typeof reason === 'string' ? `killed (${reason})` : 'killed');
  }

  /** Lane handles are not available over Redis: tasks with one `sessionKey` stay on one host, not on one tab. */
  lane(): never {
    throw this.#noLanes();
  }

  /** Refused: lane handles are not available in the Redis mode (`capabilities.laneHandles` is false); give related tasks one `sessionKey` instead. */
  withLane<R>(_fn: (lane: never) => Promise<R>): Promise<R> {
    return Promise.reject(this.#noLanes());
  }

  #noLanes(): InvalidOptionError {
    return new InvalidOptionError(
      `${this.#id}: lane handles are not available on the Redis dispatcher (capabilities.laneHandles is false); give related tasks one sessionKey to keep them on one host, or use a WorkDispatcher`,
    );
  }

  /** What this side knows without asking Redis: tasks waiting for an answer, and the last fault it saw. */
  executorHealth(): ExecutorHealth {
    const link = this.#link.status();
    const down = this.#state === 'running' && link.state === 'unreachable';
    const state = down
      ? 'degraded'
      : this.#state === 'running'
        ? this.#queues.size === 0 && this.#redis === undefined
          ? 'idle'
          : 'healthy'
        : this.#state;
    return {
      state,
      queued: this.#bound.deferred,
      inFlight: this.#pending.size,
      restarts: 0,
      recycles: 0,
      lastFault: down ? { kind: 'redis-unreachable', reason: describeRedisLink(link) } : this.#lastFault,
    };
  }

  /** Every event in the executors' one vocabulary ({@link ExecutorEvent}). */
  onEvent(listener: (event: ExecutorEvent) => void): () => void {
    const executor = this.#id;
    const offs = [
      this.on('task:end', (e) => listener(taskEndEvent(executor, e, e.host === null ? null : { host: e.host }))),
      this.on('session:moved', (e) => listener({ type: 'host:moved', executor, from: e.from, to: e.to, tasks: e.tasks })),
      this.on('redis', (e) => listener({ type: 'redis', executor, ...e, where: {} })),
    ];
    return () => {
      for (const off of offs) off();
    };
  }

  async #close(why: string): Promise<void> {
    this.#bound.rejectDeferred(
      new ActorStoppedError(`${this.#id} was ${why}; the task waited for a slot and was never handed to Redis`, {
        details: { maybeExecuted: false },
      }),
    );
    for (const entry of [...this.#pending.values()]) {
      this.#settle(
        entry,
        undefined,
        new ActorStoppedError(`${this.#id} was ${why}; task ${entry.jobId} (${entry.data.type}) may still run on a worker host`, {
          details: { taskId: entry.jobId, maybeExecuted: true },
        }),
      );
    }
    if (this.#poll !== undefined) this.#clock.clearTimeout(this.#poll);
    this.#poll = undefined;
    this.#state = 'stopped';
    const queues = [...this.#queues.values()];
    const closing = queues.flatMap(({ queue, events }) => [queue.close(), events.close()]);
    this.#queues.clear();
    const closed = await Promise.allSettled(closing.map((p) => queueDeadline(p, 5000, 'closing', false)));
    if (closed.some((c) => c.status === 'rejected'))
      for (const { queue, events } of queues) void Promise.all([queue.disconnect(), events.disconnect()]).catch(() => undefined);
    const redis = this.#redis;
    this.#redis = undefined;
    clearInterval(this.#linkTimer);
    this.#linkTimer = undefined;
    if (redis) await queueDeadline(redis.quit(), 5000, 'closing', false).catch(() => redis.disconnect());
  }
}

/**
 * The typed error for a task whose job Redis no longer holds, though it was added. Whether a host
 * had started it cannot be known (what would say so was lost with it), so it may have run.
 */
function lostError(entry: Pending, now: number): QueueUnavailableError {
  return new QueueUnavailableError(
    `Redis no longer holds task ${entry.jobId} (${entry.data.type}), accepted ${Math.round((now - entry.submittedAt) / 1000)} s ago: Redis lost it, most likely in a restart without persistence (turn on appendonly). It may have run on a worker host before it was lost${entry.data.idempotent ? '; it is idempotent, so submitting it again is safe' : ''}.`,
    { details: { taskId: entry.jobId, type: entry.data.type, lost: true, maybeAccepted: false, maybeExecuted: true } },
  );
}

/** The typed error for a job BullMQ failed itself (our hosts answer every task as data). */
function failedError(entry: Pending, job: Job): Error {
  const reason = job.failedReason ?? '';
  return new ActorCrashedError(
    `Task ${entry.jobId} (${entry.data.type}) failed in the queue: ${reason.slice(0, 300) || 'no reason given'}; its worker host was probably lost while running it`,
    {
      details: { taskId: entry.jobId, type: entry.data.type, maybeExecuted: (job.attemptsStarted ?? 0) > 0 },
    },
  );
}

/** The bound on pending answers: `maxPending`, or `mailbox` (with `shed-lowest`, `maxPending`: the mailbox capacity bounds the waiting tasks). */
function pendingBoundOptions(options: RedisWorkDispatcherOptions): PendingBoundOptions {
  const { mailbox } = options;
  if (mailbox === undefined) return { capacity: positiveInteger('maxPending', options.maxPending ?? 10_000) };
  if (typeof mailbox !== 'object' || mailbox === null)
    throw new InvalidOptionError('mailbox must be an object: { capacity?, overflow?, lowWaterMark?, maxDeferred? }');
  if (mailbox.overflow !== undefined) oneOf('mailbox.overflow', mailbox.overflow, Object.values(OverflowPolicy));
  // shed-lowest bounds the waiting tasks itself (see #makeRoom); maxPending bounds the rest.
  if (mailbox.overflow === 'shed-lowest') return { capacity: positiveInteger('maxPending', options.maxPending ?? 10_000) };
  if (mailbox.capacity !== undefined && options.maxPending !== undefined && mailbox.capacity !== options.maxPending) {
    throw new InvalidOptionError(
      `mailbox.capacity (${String(mailbox.capacity)}) and maxPending (${String(options.maxPending)}) name the same bound; give one of them`,
    );
  }
  return {
    capacity: positiveInteger('mailbox.capacity', mailbox.capacity ?? options.maxPending ?? 10_000),
    ...(mailbox.overflow === undefined ? {} : { overflow: mailbox.overflow }),
    ...(mailbox.lowWaterMark === undefined ? {} : { lowWaterMark: mailbox.lowWaterMark }),
    ...(mailbox.maxDeferred === undefined ? {} : { maxDeferred: mailbox.maxDeferred }),
  };
}

/** A dispatcher whose tasks run on worker hosts that consume BullMQ queues on Redis (`browser-actor worker --redis URL`). */
export function createRedisDispatcher(options: RedisWorkDispatcherOptions): RedisWorkDispatcher {
  return new RedisWorkDispatcher(options);
}
