import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import {
  DEFAULT_PREFIX,
  DEFAULT_QUEUE,
  checkQueueName,
  checkRedisUrl,
  failOnRefusal,
  hostQueueName,
  queueDeadline,
  queueDepth,
  registryKeys,
} from './redis-shared.js';

/**
 * One view of a Redis cluster of worker hosts, read from Redis alone (no host is asked): each
 * live host as its last registry renewal described it, the shared queue's depth by priority, and
 * the throughput of the last minute. `browser-actor status --redis URL` prints it.
 */

/** What a worker host writes into its registry key at every renewal (every third of `liveTtlMs`). */
export interface HostAnnouncement {
  readonly version: string;
  readonly hostname: string;
  readonly pid: number;
  readonly workers: number;
  readonly lanes: number;
  readonly capacity: number;
  /** Jobs it runs now. */
  readonly inFlight: number;
  /** Jobs it answered since it started, and in the last minute. */
  readonly served: number;
  readonly servedLastMinute: number;
  /** Worker processes and browsers replaced after faults, summed. */
  readonly restarts: number;
  readonly startedAt: number;
  /** Wall-clock ms of this renewal: the host's last heartbeat. */
  readonly at: number;
}

/** One live worker host as the registry describes it. */
export interface ClusterHost extends Partial<HostAnnouncement> {
  readonly id: string;
  /** Jobs waiting in the host's own queue (its sessions' tasks). */
  readonly queued: number;
  /** How long ago its last heartbeat was, by this machine's clock. */
  readonly heartbeatAgoMs: number | null;
}

/** A Redis cluster of worker hosts, read from Redis alone (see {@link readClusterStatus}). */
export interface ClusterStatus {
  readonly at: string;
  readonly queue: string;
  readonly hosts: readonly ClusterHost[];
  /** Waiting on the shared queue, by priority (index = our priority, 0 … 9). */
  readonly queuedByPriority: readonly number[];
  readonly queued: number;
  readonly active: number;
  /** Answered by all live hosts in the last minute. */
  readonly servedLastMinute: number;
}

/** Read the cluster's status from Redis, every call within `timeoutMs`. */
export async function readClusterStatus(options: {
  redis: string;
  queue?: string;
  prefix?: string;
  timeoutMs?: number;
}): Promise<ClusterStatus> {
  const url = checkRedisUrl(options.redis);
  const queueName = checkQueueName(options.queue ?? DEFAULT_QUEUE);
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const timeoutMs = options.timeoutMs ?? 5000;
  const keys = registryKeys(prefix, queueName);
  const redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: timeoutMs });
  redis.on('error', () => undefined);
  const queues: Queue[] = [];
  const open = (name: string): Queue => {
    const q = new Queue(name, { connection: redis, prefix });
    q.on('error', () => undefined);
    queues.push(q);
    return q;
  };
  try {
    await failOnRefusal(queueDeadline(redis.ping(), timeoutMs, 'connecting to Redis', false), url, [redis]);
    const shared = open(queueName);
    const depth = await queueDepth(shared, timeoutMs);
    const ids = (await queueDeadline(redis.smembers(keys.hosts), timeoutMs, 'listing worker hosts', false)).sort();
    const hosts: ClusterHost[] = [];
    for (const id of ids) {
      const raw = await queueDeadline(redis.get(keys.host(id)), timeoutMs, 'reading a worker host', false);
      if (raw === null) continue; // its key lapsed: gone
      let info: Partial<HostAnnouncement> = {};
      try {
        info = JSON.parse(raw) as Partial<HostAnnouncement>;
      } catch {
        // an older host, or not ours: listed with what is known
      }
      const own = await queueDeadline(
        open(hostQueueName(queueName, id)).getJobCounts('waiting', 'prioritized', 'delayed'),
        timeoutMs,
        'reading queue counts',
        false,
      );
      hosts.push({
        ...info,
        id,
        queued: (own['waiting'] ?? 0) + (own['prioritized'] ?? 0) + (own['delayed'] ?? 0),
        heartbeatAgoMs: typeof info.at === 'number' ? Math.max(0, Date.now() - info.at) : null,
      });
    }
    return {
      at: new Date().toISOString(),
      queue: queueName,
      hosts,
      ...depth,
      servedLastMinute: hosts.reduce((sum, h) => sum + (h.servedLastMinute ?? 0), 0),
    };
  } finally {
    await Promise.allSettled(queues.map((q) => queueDeadline(q.close(), 1000, 'closing', false)));
    redis.disconnect();
  }
}
