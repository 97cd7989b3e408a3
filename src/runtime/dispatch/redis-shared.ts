import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import { InvalidOptionError, QueueUnavailableError } from '../../errors.js';
import { createDeferred } from '../../internal/deferred.js';
import { redactUrl } from '../../internal/redact.js';
import { PRIORITY_LEVELS } from '../mailbox/mailbox.js';

/**
 * What the submitting side (RedisWorkDispatcher) and the worker hosts agree on: queue names, the
 * Redis keys of the host registry and of session affinity, and how to connect.
 *
 * - Tasks without a session key go to the shared queue `<queue>`; every host consumes it.
 * - Each host also consumes its own queue `<queue>.host.<hostId>`. A session key is bound to
 *   one live host (key `…:ba:aff:<sha256(sessionKey)>`), and its tasks go to that host's queue,
 *   so a signed-in browser keeps getting its session's tasks across machines.
 * - A host is alive while its key `…:ba:host:<hostId>` exists; it renews it with a TTL.
 * - A submitter that stops waiting for a job (cancelled, past its deadline) removes it if it
 *   waits, sets `…:ba:cancelled:<jobId>` and publishes the id on `…:ba:cancel`: a host that runs
 *   it (or an earlier attempt of it) stops the task in its browser. A job named by an
 *   idempotency key is only removed, never stopped: other submitters may await it.
 * - A host claims a non-idempotent job (`…:ba:started:<jobId>`, set if absent) before it runs
 *   it, and records its sealed answer (`…:ba:outcome:<jobId>`) when done. A later attempt (the
 *   job stalled back to the queue) finds the claim and never runs it again: it returns the first
 *   attempt's answer while that attempt's host is alive (its connection dropped and the job's
 *   lock lapsed, but it kept running), and fails as maybe executed once that host is lost with no
 *   answer recorded. An attempt that BullMQ handed out but whose host never started it (the reply
 *   lost with a dropped connection) runs normally.
 */

export const DEFAULT_QUEUE = 'browser-actor';
export const DEFAULT_PREFIX = 'bull';

export function checkQueueName(name: unknown): string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
    throw new InvalidOptionError(`queue must be 1–64 letters, digits, '-' or '_', got ${JSON.stringify(String(name).slice(0, 80))}`);
  }
  return name;
}

export function checkRedisUrl(url: unknown): string {
  let parsed: URL | undefined;
  try {
    parsed = typeof url === 'string' ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')) {
    throw new InvalidOptionError(
      `redis must be a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379), got ${typeof url === 'string' ? JSON.stringify(redactUrl(url).slice(0, 200)) : typeof url}`,
    );
  }
  return url as string;
}

/** Connection options for BullMQ (each Queue, Worker and QueueEvents opens its own connection). */
export function bullConnection(url: string): {
  url: string;
  maxRetriesPerRequest: null;
  connectTimeout: number;
  enableReadyCheck: boolean;
} {
  return { url, maxRetriesPerRequest: null, connectTimeout: 10_000, enableReadyCheck: true };
}

export function hostQueueName(queue: string, hostId: string): string {
  return `${queue}.host.${hostId}`;
}

export interface RegistryKeys {
  readonly hosts: string;
  host(id: string): string;
  hostPrefix: string;
  affinity(sessionKey: string): string;
  /** Hash: host id → sessions bound to it. */
  readonly sessionsPerHost: string;
  /** Pub/sub channel on which a submitter withdraws a running job (its id is the message). */
  readonly cancel: string;
  /** Set (with a TTL) beside the message, for a host that starts the job just after the message went out. */
  cancelled(jobId: string): string;
  /** Set once (NX, with a TTL) by the host that starts a non-idempotent job: no later attempt runs it again. */
  started(jobId: string): string;
  /** A session's cookies (sealed), saved by the host that holds it, so that another host can resume it. */
  snapshot(sessionKey: string): string;
  /** The sealed answer of a non-idempotent job, recorded by the host that ran it, for a later attempt of the same job to return. */
  outcome(jobId: string): string;
}

export function registryKeys(prefix: string, queue: string): RegistryKeys {
  const base = `${prefix}:${queue}:ba`;
  return {
    hosts: `${base}:hosts`,
    hostPrefix: `${base}:host:`,
    host: (id) => `${base}:host:${id}`,
    sessionsPerHost: `${base}:sessions`,
    cancel: `${base}:cancel`,
    cancelled: (jobId) => `${base}:cancelled:${jobId}`,
    started: (jobId) => `${base}:started:${jobId}`,
    outcome: (jobId) => `${base}:outcome:${jobId}`,
    affinity: (sessionKey) => `${base}:aff:${createHash('sha256').update(sessionKey).digest('hex')}`,
    snapshot: (sessionKey) => `${base}:snap:${createHash('sha256').update(sessionKey).digest('hex')}`,
  };
}

/**
 * Bind a session key to a live host, in one round trip: keep the current binding while its host
 * is alive, else bind it to the live host (a member of the host set `KEYS[3]` whose key
 * `ARGV[1] .. id` exists) with the fewest sessions bound so far (`KEYS[2]`, a hash of host →
 * count; ties go to the lower id). Returns the bound host, or nil when no host is alive. One
 * script, so two submitters never split a session.
 */
export const BIND_SESSION_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
if cur and redis.call('EXISTS', ARGV[1] .. cur) == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return cur
end
local best, bestLoad = nil, nil
for _, id in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if redis.call('EXISTS', ARGV[1] .. id) == 1 then
    local load = tonumber(redis.call('HGET', KEYS[2], id) or '0')
    if bestLoad == nil or load < bestLoad or (load == bestLoad and id < best) then best, bestLoad = id, load end
  end
end
if best == nil then return nil end
if cur then redis.call('HINCRBY', KEYS[2], cur, -1) end
redis.call('HINCRBY', KEYS[2], best, 1)
redis.call('SET', KEYS[1], best, 'PX', ARGV[2])
return best
`;

/**
 * Release a session's binding (`KEYS[1]`) and its count on its host (`KEYS[2]`), and drop its
 * snapshot (`KEYS[3]`), in one round trip. Returns the host it was bound to, or nil when it was
 * bound to none.
 */
export const RELEASE_SESSION_SCRIPT = `
redis.call('DEL', KEYS[3])
local cur = redis.call('GET', KEYS[1])
if not cur then return nil end
redis.call('DEL', KEYS[1])
if tonumber(redis.call('HINCRBY', KEYS[2], cur, -1)) <= 0 then redis.call('HDEL', KEYS[2], cur) end
return cur
`;

/**
 * Drop the lock of a job whose host is gone, in one round trip: only while the job (hash
 * `KEYS[2]`) is still marked as processed by that host (`ARGV[1]`, BullMQ's field `pb`), so a
 * live host that took the job meanwhile keeps its lock. Returns 1 when the job was the lost
 * host's (its lock, if it had not lapsed, is gone now), else 0.
 */
export const DROP_LOST_LOCK_SCRIPT = `
if redis.call('HGET', KEYS[2], 'pb') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`;

/** A job id for an idempotency key: the same key always names the same job (BullMQ adds it once). */
export function jobIdForKey(key: string): string {
  return `k-${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
}

/** Connection errors that no wait will mend: nothing listens there, or the name does not resolve. */
const REFUSALS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * `ready`, or an `ERR_QUEUE_UNAVAILABLE` at the first refusal any of `connections` reports (a
 * client that reconnects for ever would otherwise wait out the whole deadline): the message names
 * the URL with its credentials redacted, and the refusal's code.
 */
export async function failOnRefusal<T>(
  ready: Promise<T>,
  url: string,
  connections: readonly {
    on(event: 'error', listener: (error: Error) => void): unknown;
    off(event: 'error', listener: (error: Error) => void): unknown;
  }[],
): Promise<T> {
  const refused = createDeferred<never>();
  const onError = (error: Error): void => {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string' || !REFUSALS.has(code)) return;
    refused.reject(
      new QueueUnavailableError(
        `Redis at ${redactUrl(url)} ${code === 'ECONNREFUSED' ? 'refused the connection' : 'cannot be reached'} (${code}); check that redis-server runs there and the URL is right`,
        { details: { code, maybeAccepted: false } },
      ),
    );
  };
  for (const c of connections) c.on('error', onError);
  try {
    return await Promise.race([ready, refused.promise]);
  } finally {
    for (const c of connections) c.off('error', onError);
  }
}

/** `work`, or an `ERR_QUEUE_UNAVAILABLE` once `ms` pass without an answer from Redis. */
export async function queueDeadline<T>(work: Promise<T>, ms: number, what: string, maybeAccepted: boolean): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new QueueUnavailableError(
            `Redis did not answer within ${Math.round(ms)} ms (${what}); check that Redis is running and reachable${maybeAccepted ? '; the task may still be queued: submit it again with the same idempotencyKey to run it at most once' : ''}`,
            {
              details: { timeoutMs: Math.round(ms), maybeAccepted },
            },
          ),
        ),
      ms,
    );
    timer.unref?.();
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Job states in which a job waits for a host (none has taken it). */
export function isWaitingState(state: string): boolean {
  return state === 'waiting' || state === 'prioritized' || state === 'delayed';
}

/** A queue's depth: waiting jobs by our priority (index 0 … 9) and in all, and running ones; each read within `timeoutMs`. */
export async function queueDepth(
  queue: Queue,
  timeoutMs: number,
): Promise<{ readonly queuedByPriority: number[]; readonly queued: number; readonly active: number }> {
  const counts = await queueDeadline(
    queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active'),
    timeoutMs,
    'reading queue counts',
    false,
  );
  const queuedByPriority = await queueDeadline(
    // BullMQ: 1 is the most urgent; ours: 9 is.
    Promise.all(
      Array.from({ length: PRIORITY_LEVELS }, (_, p) =>
        queue.getCountsPerPriority([PRIORITY_LEVELS - p]).then((c) => Number(Object.values(c)[0] ?? 0)),
      ),
    ),
    timeoutMs,
    'reading queue counts',
    false,
  );
  return {
    queuedByPriority,
    queued: (counts['waiting'] ?? 0) + (counts['prioritized'] ?? 0) + (counts['delayed'] ?? 0),
    active: counts['active'] ?? 0,
  };
}
