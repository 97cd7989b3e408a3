import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type Job, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { ActorCrashedError, ActorStoppedError, InvalidOptionError, QueueUnavailableError, isBrowserActorError } from '../../errors.js';
import { systemClock } from '../../internal/clock.js';
import { createDeferred } from '../../internal/deferred.js';
import { RateWindow } from '../../internal/rate-window.js';
import { positive, positiveInteger } from '../../internal/options.js';
import { writeLocalStorage } from '../supervisor/session-snapshot.js';
import { cookieToInput } from '../tasks/cookie-formats.js';
import type { CookieInput, StorageState, Task } from '../tasks/types.js';
import { type QueueJobData, type SealedTask, encodeOutcome, packForQueue, unpackFromQueue } from './codec.js';
import { type HostAnnouncement } from './redis-cluster.js';
import { packageVersion } from '../../internal/version.js';
import { type RedisLinkChange, type RedisLinkStatus, RedisLink } from './redis-link.js';
import { answerContext, createQueueCipher, resolveQueueKey, snapshotContext, taskContext } from './queue-cipher.js';
import {
  DEFAULT_PREFIX,
  DEFAULT_QUEUE,
  bullConnection,
  checkQueueName,
  checkRedisUrl,
  failOnRefusal,
  hostQueueName,
  queueDeadline,
  registryKeys,
} from './redis-shared.js';
import { type WorkDispatcher, type WorkDispatcherOptions, createWorkDispatcher } from './work-dispatcher.js';

/** A start claim outlives the task's own deadline by this much: no late attempt of it may run. */
const CLAIM_MARGIN_MS = 5 * 60_000;

/** Options of a worker host: the local dispatcher's own, and where Redis is, the queue, locks and the queue key. */
export interface WorkerHostOptions extends WorkDispatcherOptions {
  /** `redis://host:port[/db]`. */
  readonly redis: string;
  /** Queue name shared with the submitters. Default `browser-actor`. */
  readonly queue?: string;
  readonly prefix?: string;
  /** This host's id in the registry (letters, digits, `-`, `_`). Default: hostname, pid and a random suffix. */
  readonly hostId?: string;
  /**
   * How long a job's lock lasts without renewal (BullMQ `lockDuration`); renewed every quarter of
   * it. A submitter notices a host that died sooner, by its registry key (`liveTtlMs`); the lock
   * is what other hosts go by (they take a job whose lock lapsed for stalled). Default 30 000 ms.
   */
  readonly lockMs?: number;
  /** The key tasks and answers are sealed with in Redis: the submitters' own (see `RedisWorkDispatcherOptions.queueKey`). */
  readonly queueKey?: string | Uint8Array;
  /**
   * How long the host's registry key lives without renewal (renewed every third of it). A host
   * whose key lapsed is gone to the submitters: its running tasks move to a live host (idempotent
   * ones) or fail as maybe executed, without waiting for their locks. Default 5 000 ms.
   */
  readonly liveTtlMs?: number;
}

/** A worker host: a WorkDispatcher serving jobs from Redis, registered while it lives. */
export interface WorkerHost {
  readonly id: string;
  readonly dispatcher: WorkDispatcher;
  /** Jobs this host answered. */
  readonly served: () => number;
  /** Finish the jobs in hand, leave the registry, stop the workers and their browsers. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
  /** Stop now: jobs in hand go back to the queue when their lock expires (idempotent ones run elsewhere). */
  kill(): Promise<void>;
  /** Resolves when the host stopped (by stop(), kill(), or a fatal error). */
  readonly closed: Promise<void>;
  /** Whether Redis answers the host's registry renewals (every third of `liveTtlMs`). */
  redis(): RedisLinkStatus;
  /** Called when Redis becomes unreachable, and when it answers again; returns an unsubscribe. */
  onRedis(listener: (change: RedisLinkChange) => void): () => void;
}

/** How long a session's snapshot stays in Redis without a save (its run removes it when it ends). */
const SESSION_SNAPSHOT_MS = 24 * 3_600_000;

/** Sessions a host remembers having restored (the oldest is forgotten beyond this). */
const MAX_HELD_SESSIONS = 10_000;

/** What a host keeps of a session in Redis (sealed): its cookies and each origin's local storage. */
interface HostSnapshot {
  readonly cookies: readonly CookieInput[];
  readonly origins: StorageState['origins'];
}

/** A snapshot as read back: an array is the cookies-only form of earlier hosts. */
function readSnapshot(raw: unknown): HostSnapshot {
  if (Array.isArray(raw)) return { cookies: raw as CookieInput[], origins: [] };
  const value = raw as Partial<HostSnapshot> | null;
  return { cookies: Array.isArray(value?.cookies) ? value.cookies : [], origins: Array.isArray(value?.origins) ? value.origins : [] };
}

/** Tasks after which a session's cookies or storage may have changed: its snapshot is saved again. */
const COOKIE_CHANGING: ReadonlySet<string> = new Set(['Navigate', 'ExecuteJS', 'ImportCookies']);

/** Crash-like failures a retry on another attempt may fix (only for idempotent tasks). */
function retryable(error: unknown): boolean {
  return (
    isBrowserActorError(error) && ['ERR_ACTOR_CRASHED', 'ERR_RESTART_LIMIT', 'ERR_ACTOR_STOPPED', 'ERR_BROWSER_LAUNCH'].includes(error.code)
  );
}

/**
 * A worker host: N local worker processes (a {@link WorkDispatcher}) serving jobs from BullMQ on
 * Redis — the shared queue and this host's own queue (for sessions bound to it). Every task is
 * answered as data (the same codec as IPC), so typed errors reach the submitter intact. A
 * non-idempotent job that was started before (its host died) is never run again: it is answered
 * with `ERR_ACTOR_CRASHED` and `maybeExecuted: true`.
 */
export async function startWorkerHost(options: WorkerHostOptions): Promise<WorkerHost> {
  const url = checkRedisUrl(options.redis);
  const queueName = checkQueueName(options.queue ?? DEFAULT_QUEUE);
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const id =
    options.hostId ??
    `${
      hostname()
        .replace(/[^A-Za-z0-9_-]/g, '')
        .slice(0, 32) || 'host'
    }-${process.pid}-${randomBytes(3).toString('hex')}`;
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(id))
    throw new InvalidOptionError(`hostId must be 1–80 letters, digits, '-' or '_', got ${JSON.stringify(id.slice(0, 90))}`);
  const lockMs = positive('lockMs', options.lockMs ?? 30_000);
  const liveTtlMs = positive('liveTtlMs', options.liveTtlMs ?? 5_000);
  const keys = registryKeys(prefix, queueName);
  const cipher = createQueueCipher(resolveQueueKey(options.queueKey));
  const { redis: _r, queue: _q, prefix: _p, hostId: _h, lockMs: _l, liveTtlMs: _t, queueKey: _k, ...local } = options;
  const dispatcher = createWorkDispatcher(local);
  const capacity = positiveInteger('workers', options.workers) * (options.workerCapacity ?? options.lanes ?? 1);
  const registry = new Redis(url, { maxRetriesPerRequest: null, connectTimeout: 10_000 });
  registry.on('error', () => undefined);
  const closed = createDeferred<void>();
  let served = 0;
  let state: 'running' | 'stopping' | 'stopped' = 'running';
  // Redis as the registry renewals find it: an outage is seen within a third of liveTtlMs.
  const link = new RedisLink();

  // What the host tells the cluster at every renewal (browser-actor status --redis reads it).
  const version = packageVersion();
  const startedAt = Date.now();
  const lastMinute = new RateWindow(systemClock, systemClock.now());
  /** A job answered here (with a value or a typed error). */
  const answered = (ok: boolean): void => {
    served++;
    lastMinute.record(ok);
  };
  const announcement = (): HostAnnouncement => {
    const workerStats = dispatcher.stats().workers;
    return {
      version,
      hostname: hostname(),
      pid: process.pid,
      workers: options.workers,
      lanes: options.workerCapacity ?? options.lanes ?? 1,
      capacity,
      inFlight: inHand.size,
      served,
      servedLastMinute: lastMinute.read().lastMinute,
      restarts: workerStats.reduce((sum, w) => sum + w.restarts + (w.health?.restarts ?? 0), 0),
      startedAt,
      at: Date.now(),
    };
  };

  // A renewal must land well within the TTL; the first announcement also waits for the connection.
  const announce = async (what = 'renewing the worker host', timeoutMs = Math.max(1000, Math.round(liveTtlMs / 3))): Promise<void> => {
    await queueDeadline(
      registry.multi().set(keys.host(id), JSON.stringify(announcement()), 'PX', Math.ceil(liveTtlMs)).sadd(keys.hosts, id).exec(),
      timeoutMs,
      what,
      false,
    );
  };

  // Jobs in hand, by id: a submitter that withdraws one (cancelled, past its deadline) stops it here.
  const inHand = new Map<string, AbortController>();
  const withdrawn = (jobId: string): ActorStoppedError =>
    new ActorStoppedError(
      `Task ${jobId} was withdrawn by its submitter (cancelled, or past its deadline) while it ran on worker host ${id}`,
      { details: { taskId: jobId } },
    );
  const cancels = registry.duplicate();
  cancels.on('error', () => undefined);
  cancels.on('message', (_channel: string, jobId: string) => inHand.get(jobId)?.abort(withdrawn(jobId)));

  /**
   * Claim the first start of a non-idempotent job. The reply of a SET may be lost with a dropped
   * connection and the command sent again: the claim is ours if the key holds this attempt's token.
   */
  const claimStart = async (jobId: string, ttlMs: number): Promise<'claimed' | { taken: string } | { reason: string }> => {
    const key = keys.started(jobId);
    const token = `${id}:${randomUUID()}`;
    let reason = 'no answer';
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const set = await queueDeadline(registry.set(key, token, 'PX', ttlMs, 'NX'), 3000, 'recording a task start', false);
        if (set === 'OK') return 'claimed';
        const holder = await queueDeadline(registry.get(key), 3000, 'reading a task start', false);
        // The holder's token starts with its host id (which has no ':').
        return holder === token ? 'claimed' : { taken: (holder ?? '').split(':', 1)[0] as string };
      } catch (error) {
        reason = error instanceof Error ? error.message.slice(0, 200) : 'no answer';
      }
    }
    return { reason };
  };

  /** Non-idempotent jobs running here, by id: their sealed answer, for an attempt of the same job that reaches this host again. */
  const running = new Map<string, Promise<string>>();

  /**
   * A job that came back to the queue while its first attempt still runs: its host was not lost,
   * only its Redis connection (the job's lock lapsed and the job was handed out again). The first
   * attempt records its sealed answer (the `outcome` key); wait for it while the host
   * that holds the claim is alive (a renewal missed in the same outage is forgiven for one
   * `liveTtlMs`), up to `waitMs`. `undefined` when the holder is gone with no answer recorded.
   */
  const earlierAnswer = async (jobId: string, holder: string, waitMs: number): Promise<string | undefined> => {
    const here = running.get(jobId);
    if (here) return here;
    const until = Date.now() + waitMs;
    let seenAlive = Date.now();
    while (state === 'running' && Date.now() < until) {
      const found = await queueDeadline(
        registry.multi().get(keys.outcome(jobId)).exists(keys.host(holder)).exec(),
        3000,
        'reading an earlier answer',
        false,
      ).catch(() => null);
      const outcome = found?.[0]?.[1];
      if (typeof outcome === 'string') return outcome;
      if (found?.[1]?.[1] === 1) seenAlive = Date.now();
      else if (found && Date.now() - seenAlive > liveTtlMs + 1000) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return undefined;
  };

  /**
   * Sessions survive their host: after each task that may change a session's cookies or local
   * storage, the host saves them (sealed) in Redis under the session's key; the first time a session reaches a host
   * (it was moved from a lost one), the host loads them into the session's browser before its
   * task, so the session resumes signed in. Saves of one session run one after another, so the
   * last one written is the newest. A save or load that fails costs only that: the session starts
   * as it would without (signed out), and the task is answered all the same.
   */
  const held = new Map<string, Promise<void>>();
  const saving = new Map<string, Promise<void>>();
  const resume = (sessionKey: string): Promise<void> => {
    let restoring = held.get(sessionKey);
    if (!restoring) {
      restoring = (async () => {
        const key = keys.snapshot(sessionKey);
        const sealed = await queueDeadline(registry.get(key), 3000, 'reading a session snapshot', false);
        if (typeof sealed !== 'string') return;
        const snapshot = readSnapshot(unpackFromQueue(cipher.open(sealed, snapshotContext(queueName, key))));
        const op = { sessionKey, timeoutMs: 10_000 };
        if (snapshot.cookies.length > 0) await dispatcher.submit({ type: 'ImportCookies', cookies: snapshot.cookies }, op);
        // Local storage needs a document of its origin: each origin that has some is opened once.
        for (const { origin, localStorage } of snapshot.origins) {
          await dispatcher.submit({ type: 'Navigate', url: `${origin}/`, waitUntil: 'domcontentloaded' }, op);
          await dispatcher.submit(writeLocalStorage(localStorage), op);
        }
      })().catch(() => {
        held.delete(sessionKey); // tried again with the session's next task
      });
      held.set(sessionKey, restoring);
      // Bounded: a session forgotten here is only restored again (from its own cookies) if it comes back.
      if (held.size > MAX_HELD_SESSIONS) held.delete(held.keys().next().value as string);
    }
    return restoring;
  };
  const save = (sessionKey: string): Promise<void> => {
    const next = (saving.get(sessionKey) ?? Promise.resolve()).then(async () => {
      const state = await dispatcher.submit({ type: 'ExportCookies', format: 'storage-state' }, { sessionKey, timeoutMs: 10_000 });
      const snapshot: HostSnapshot = {
        cookies: state.cookies.map(cookieToInput),
        origins: state.origins.filter((o) => o.localStorage.length > 0 && /^https?:\/\//.test(o.origin)),
      };
      const key = keys.snapshot(sessionKey);
      await queueDeadline(
        registry.set(key, cipher.seal(packForQueue(snapshot), snapshotContext(queueName, key)), 'PX', SESSION_SNAPSHOT_MS),
        3000,
        'saving a session snapshot',
        false,
      );
    });
    const settled = next.catch(() => undefined);
    saving.set(sessionKey, settled);
    void settled.then(() => {
      if (saving.get(sessionKey) === settled) saving.delete(sessionKey);
    });
    return settled;
  };

  const process_ = async (job: Job<QueueJobData>): Promise<string> => {
    const data = job.data;
    const jobId = String(job.id);
    // Answers are sealed for their job, like the tasks: cookies and tokens never sit in Redis in the clear.
    const answer = (value: unknown, error: unknown): string =>
      cipher.seal(packForQueue(encodeOutcome(value, error)), answerContext(queueName, jobId));
    if (data?.v !== 2 || typeof data.sealed !== 'string') {
      return answer(
        undefined,
        new InvalidOptionError(
          `Job ${jobId} is not a browser-actor task of this version (data version ${String(data?.v)}); was it added by another program, or by an older browser-actor, to queue ${queueName}?`,
        ),
      );
    }
    let sealed: SealedTask;
    try {
      sealed = unpackFromQueue(cipher.open(data.sealed, taskContext(queueName, jobId))) as SealedTask;
    } catch (error) {
      return answer(undefined, error); // ERR_QUEUE_PAYLOAD: nothing runs with a payload that does not authenticate
    }
    if (data.idempotent) return run(job, jobId, sealed, answer);
    // A non-idempotent task runs once: its first attempt claims it. A later attempt returns the
    // first one's answer (its host only lost its connection), or, when that host was lost with no
    // answer recorded, fails saying the task may have run.
    const taskMs = Math.ceil(Math.min(Number.isFinite(data.timeoutMs) && data.timeoutMs > 0 ? data.timeoutMs : 600_000, 600_000));
    const claim = await claimStart(jobId, taskMs + CLAIM_MARGIN_MS);
    if (claim === 'claimed') {
      const outcome = run(job, jobId, sealed, answer);
      running.set(jobId, outcome);
      try {
        const sealedAnswer = await outcome;
        await queueDeadline(
          registry.set(keys.outcome(jobId), sealedAnswer, 'PX', taskMs + CLAIM_MARGIN_MS),
          5000,
          'recording an answer',
          false,
        ).catch(() => undefined);
        return sealedAnswer;
      } finally {
        running.delete(jobId);
      }
    }
    if ('taken' in claim) {
      const earlier = await earlierAnswer(jobId, claim.taken, taskMs + 10_000);
      if (earlier !== undefined) return earlier;
    }
    return answer(
      undefined,
      'taken' in claim
        ? new ActorCrashedError(
            `Task ${jobId} (${data.type}) was started on a worker host that was lost; it is not idempotent, so it was not run again`,
            {
              details: { taskId: jobId, type: data.type, maybeExecuted: true },
            },
          )
        : new QueueUnavailableError(
            `Task ${jobId} (${data.type}) was not run: worker host ${id} could not record its start in Redis (${claim.reason}); it is not idempotent, so it runs only once it is recorded`,
            {
              details: { taskId: jobId, type: data.type, maybeExecuted: false },
            },
          ),
    );
  };

  /** Run one job's task on this host's browsers; its sealed answer (or, for an idempotent task worth another attempt, a throw). */
  const run = async (
    job: Job<QueueJobData>,
    jobId: string,
    sealed: SealedTask,
    answer: (value: unknown, error: unknown) => string,
  ): Promise<string> => {
    const data = job.data;
    const task = sealed.task as Task;
    const cancel = new AbortController();
    inHand.set(jobId, cancel);
    try {
      // Withdrawn just before it reached this host (the message went out before the job was in hand here).
      if ((await queueDeadline(registry.exists(keys.cancelled(jobId)), 2000, 'reading a withdrawal', false).catch(() => 0)) === 1)
        cancel.abort(withdrawn(jobId));
      const sessionKey = typeof sealed.sessionKey === 'string' ? sealed.sessionKey : undefined;
      if (sessionKey !== undefined) await resume(sessionKey);
      const value = await dispatcher.submit(task, {
        signal: cancel.signal,
        priority: data.priority,
        timeoutMs: Math.min(data.timeoutMs, 600_000),
        ...(sessionKey === undefined ? {} : { sessionKey }),
        ...(data.restoreUrl === undefined ? {} : { restoreUrl: data.restoreUrl }),
      });
      if (sessionKey !== undefined && COOKIE_CHANGING.has(task.type)) await save(sessionKey);
      answered(true);
      return answer(value, undefined);
    } catch (error) {
      // An idempotent task whose browser failed: throw, and BullMQ retries it with backoff.
      if (data.idempotent && !cancel.signal.aborted && retryable(error) && job.attemptsMade + 1 < (job.opts.attempts ?? 1)) throw error;
      answered(false);
      return answer(undefined, error);
    } finally {
      inHand.delete(jobId);
    }
  };

  // Redis first (a clear error, and nothing started, when it is not there), then the browsers.
  let renew: NodeJS.Timeout | undefined;
  let workers: Worker<QueueJobData, string>[] = [];
  try {
    await failOnRefusal(announce('registering the worker host', 5_000), url, [registry]);
    await queueDeadline(cancels.subscribe(keys.cancel), 5_000, 'listening for withdrawn tasks', false);
    // Alive from now on, also while the browsers start (which can take longer than liveTtlMs):
    // a session bound to this host meanwhile waits in its queue.
    renew = setInterval(
      () =>
        void announce().then(
          () => link.ok(),
          (error: unknown) => link.failed(error),
        ),
      Math.max(100, Math.floor(liveTtlMs / 3)),
    );
    await dispatcher.start();
    // Locks are renewed every quarter of their life (BullMQ's default is every half), so a lock
    // always has three quarters left: a dropped Redis connection, or an event loop running late on
    // a busy machine, has that long to come back before another host takes a live job for stalled
    // (which fails a non-idempotent job as maybe executed).
    const workerOptions = {
      name: id,
      connection: bullConnection(url),
      prefix,
      concurrency: capacity,
      lockDuration: Math.ceil(lockMs),
      lockRenewTime: Math.max(100, Math.ceil(lockMs / 4)),
      stalledInterval: Math.max(500, Math.ceil(lockMs / 2)),
      maxStalledCount: 1,
    };
    workers = [
      new Worker<QueueJobData, string>(queueName, process_, workerOptions),
      new Worker<QueueJobData, string>(hostQueueName(queueName, id), process_, workerOptions),
    ];
    for (const w of workers) {
      w.on('error', () => undefined);
      // Completed here: no later attempt of the job will ask for its recorded answer.
      w.on('completed', (job) => {
        if (job.data?.idempotent === false)
          void queueDeadline(registry.del(keys.outcome(String(job.id))), 3000, 'removing an answer', false).catch(() => undefined);
      });
    }
    await queueDeadline(Promise.all(workers.map((w) => w.waitUntilReady())), 10_000, 'connecting the worker host', false);
  } catch (error) {
    clearInterval(renew);
    await Promise.allSettled(workers.map((w) => queueDeadline(w.close(true), 2000, 'closing', false)));
    for (const w of workers) void w.disconnect().catch(() => undefined);
    await dispatcher.kill();
    await queueDeadline(registry.multi().del(keys.host(id)).srem(keys.hosts, id).exec(), 1000, 'leaving the registry', false).catch(
      () => undefined,
    );
    registry.disconnect();
    cancels.disconnect();
    throw error;
  }

  const shutdown = async (how: 'stop' | 'kill', timeoutMs: number): Promise<void> => {
    if (state !== 'running') return closed.promise;
    state = 'stopping';
    clearInterval(renew);
    renew = undefined;
    try {
      if (how === 'stop') {
        // Take no new jobs; let those in hand finish.
        await Promise.allSettled(workers.map((w) => queueDeadline(w.close(), timeoutMs, 'finishing jobs', false)));
        await dispatcher.stop({ timeoutMs });
      } else {
        await Promise.allSettled(workers.map((w) => queueDeadline(w.close(true), 5000, 'closing', false)));
        await dispatcher.kill();
      }
      await queueDeadline(registry.multi().del(keys.host(id)).srem(keys.hosts, id).exec(), 5000, 'leaving the registry', false).catch(
        () => undefined,
      );
    } finally {
      await queueDeadline(registry.quit(), 5000, 'closing', false).catch(() => registry.disconnect());
      cancels.disconnect();
      state = 'stopped';
      closed.resolve();
    }
  };

  return {
    id,
    dispatcher,
    served: () => served,
    stop: (o = {}) => shutdown('stop', o.timeoutMs ?? 30_000),
    kill: () => shutdown('kill', 0),
    closed: closed.promise,
    redis: () => link.status(),
    onRedis: (listener) => link.on(listener),
  };
}
